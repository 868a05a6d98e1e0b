#!/usr/bin/env bash
# Pages over HTTP (real sockets, release build) on the hub-shaped synthetic world of ENTITIES
# (default 1,000,000; `generate --shape hubs --seed 42`, cached as
# target/bench-data/synthetic-hubs2-N.db, the file `cargo bench --bench hubs` uses): entity,
# graph, paths and exposure pages and their JSON, from random starts and from next to the 100
# largest hubs, timed one request at a time by bench/http/hubs.py. Prints one markdown table.
#
#   bench/http/hubs.sh [ENTITIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
entities="${1:-1000000}"
port=18083
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --quiet
bin="$target/release/ownergraph"
mkdir -p "$target/bench-data"
db="$target/bench-data/synthetic-hubs2-$entities.db"
if [ ! -e "$db" ]; then
  "$bin" generate --db "$db.partial" --entities "$entities" --seed 42 --shape hubs
  mv "$db.partial" "$db"
fi
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
# serve gets a copy: it may write (accounts, indexes) and the cached database stays as built.
cp "$db" "$work/serve.db"
"$bin" serve --db "$work/serve.db" --addr "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
echo "$(date +%F), load average $(cut -d' ' -f1-3 /proc/loadavg) before the run; $(nproc) cores" >&2
python3 bench/http/hubs.py "$work/serve.db" "http://127.0.0.1:$port"
