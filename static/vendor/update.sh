#!/usr/bin/env bash
# Refreshes static/vendor/ from the versions pinned in static/package.json (edit them first).
# The files are compiled into the binary (src/web/assets.rs): rebuild after running this.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
npm install --prefix "$work" --no-audit --no-fund --ignore-scripts --silent
cp "$work/node_modules/cytoscape/dist/cytoscape.min.js" vendor/
cp "$work/node_modules/cytoscape/LICENSE" vendor/cytoscape.LICENSE
cp "$work/node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js" vendor/
cp "$work/node_modules/cytoscape-dagre/LICENSE" vendor/cytoscape-dagre.LICENSE
echo "vendored: $(node -p "require('$work/node_modules/cytoscape/package.json').version") cytoscape, $(node -p "require('$work/node_modules/cytoscape-dagre/package.json').version") cytoscape-dagre"
