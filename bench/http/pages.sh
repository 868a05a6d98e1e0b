#!/usr/bin/env bash
# HTTP throughput per page kind on a release build over loopback: the entity page, its JSON
# twin, search, the graph page and the exposure page, each alone for DURATION seconds at
# CONNECTIONS connections (wrk), on the bundled real data. Prints one markdown table:
# requests per second, p50 and p99 per page, and errors (non-2xx and socket errors).
#
#   bench/http/pages.sh [DURATION_SECONDS] [CONNECTIONS]
#
# Needs wrk (Debian package `wrk`; installed here if missing and apt is available).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-15}"
connections="${2:-64}"
port=18081

. bench/http/serve.sh

pages=(
  "entity page|/entities/hikvision"
  "entity JSON|/entities/hikvision.json"
  "search|/search?q=hikvision+digital"
  "graph page, depth 2|/entities/xuar-psb/graph?depth=2"
  "exposure page (OFAC)|/entities/hikvision/exposure?regime=ofac"
)
echo "| $(date +%F) | $connections connections, ${duration}s each | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|"
for entry in "${pages[@]}"; do
  name="${entry%%|*}"
  path="${entry#*|}"
  curl -sf -o /dev/null "http://127.0.0.1:$port$path" || { echo "$path does not answer 2xx" >&2; exit 1; }
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out")
  echo "| $name | \`$path\` | $rps | $p50 | $p99 | $(( ${non2xx:-0} + ${socket:-0} )) |"
done
