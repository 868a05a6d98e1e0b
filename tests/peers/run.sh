#!/usr/bin/env bash
# Peer checks: builds a database from the bundled data and the interop fixtures, exports it,
# and has followthemoney and networkx read the exports (tests/peers/check_exports.py).
# Installs its own Python packages into a virtual environment (PyPI must be reachable).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${PEERS_VENV:-${CARGO_TARGET_DIR:-target}/peers-venv}"
if ! "$venv/bin/python" -c "import followthemoney, networkx" 2>/dev/null; then
  python3 -m venv "$venv" || {
    echo "peer checks: 'python3 -m venv' failed; install Python 3.10+ with the venv module" >&2
    exit 1
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    followthemoney==4.11.2 networkx==3.6.1 || {
    echo "peer checks: could not install followthemoney and networkx from PyPI (no network?)" >&2
    exit 1
  }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
og() { cargo run --quiet --locked -- "$@"; }
db="$work/peers.db"
og import --db "$db" --format csv --partial data/entity-list-2019 2>/dev/null
og import --db "$db" --format ofac-sdn --partial data/ofac-sdn-2024-05-03/sdn.csv 2>/dev/null
og import --db "$db" --format bods --partial tests/fixtures/bods/*.json 2>/dev/null
og import --db "$db" --format ftm --partial tests/fixtures/ftm/hikvision.ftm.json 2>/dev/null
# The official lists, so their further facts (weak aliases, places of birth, vessel details…) are
# checked against followthemoney's schemata too.
og import --db "$db" --format un-xml data/un-sc-2025-04-19/consolidated.xml 2>/dev/null
og import --db "$db" --format ofac-xml ../shared/data/ofac-consolidated-2025-03-28/consolidated.xml 2>/dev/null
og import --db "$db" --format ca-sema-xml --as-of 2025-03-20 ../shared/data/ca-sema-2025/sema.xml 2>/dev/null
og stats --db "$db" --format json >"$work/stats.json"
og export --db "$db" --format ftm --out "$work/all.ftm.json"
og export --db "$db" --format graphml --out "$work/all.graphml"
"$venv/bin/python" tests/peers/check_exports.py --stats "$work/stats.json" \
  --ftm "$work/all.ftm.json" --graphml "$work/all.graphml"

# Two Ownership records of their own ids between one pair, written by followthemoney: both arrive.
"$venv/bin/python" tests/peers/make_ownership_pair.py "$work/pair.ftm.json"
pair="$work/pair.db"
og import --db "$pair" --format ftm --partial "$work/pair.ftm.json" 2>/dev/null
og stats --db "$pair" --format json >"$work/pair.json"
"$venv/bin/python" - "$work/pair.json" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
owns = stats["by_kind"].get("owns", 0)
print(f"followthemoney's two Ownership records between one pair: {owns} owns relations")
sys.exit(0 if owns == 2 else 1)
PY
