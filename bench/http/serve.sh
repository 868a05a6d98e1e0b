# Sourced by the HTTP load scripts: wrk at hand, a release build, and `serve` started on
# $port over a new database in a temporary directory $work (built from the bundled data),
# stopped and removed on exit. Sets $bin, $work and $server.
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/ownergraph"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" serve --db "$work/serve.db" --addr "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
