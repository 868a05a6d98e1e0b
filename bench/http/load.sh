#!/usr/bin/env bash
# HTTP load on a release build over loopback: a mix of entity, search, graph, path and exposure
# requests (mix.lua) at 128 connections for 60 s, with a 100,000-entity synthetic import written
# into the same database half way through (the server picks it up and swaps graphs). Reports
# requests per second, p50/p99, errors (non-2xx and socket errors; target 0) and the server's
# resident memory before and after.
#
#   bench/http/load.sh [DURATION_SECONDS] [CONNECTIONS]
#
# Needs wrk (Debian package `wrk`; installed here if missing and apt is available).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-60}"
connections="${2:-128}"
port=18080

. bench/http/serve.sh
rss() { awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$server/status"; }
rss_before=$(rss)

( sleep $((duration / 2)); "$bin" generate --db "$work/serve.db" --entities 100000 --seed 7 --shape flat >"$work/import.log" 2>&1; echo "import finished at $(date +%T)" >>"$work/import.log" ) &
importer=$!
echo "load: $connections connections for ${duration}s, import at $((duration / 2))s ($(date +%T))"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/http/mix.lua "http://127.0.0.1:$port" | tee "$work/wrk.txt"
wait "$importer"
rss_after=$(rss)

rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$work/wrk.txt")
reloaded=$(grep -c "database changed on disk" "$work/serve.log" || true)
cat <<EOF

| date | connections | duration | requests/s | p50 | p99 | non-2xx | socket errors | graph reloads | RSS before | RSS after |
|---|---|---|---|---|---|---|---|---|---|---|
| $(date +%F) | $connections | ${duration}s | $rps | $p50 | $p99 | ${non2xx:-0} | ${socket:-0} | $reloaded | $rss_before | $rss_after |
EOF
cat "$work/import.log"
