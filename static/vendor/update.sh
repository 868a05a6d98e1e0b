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
# cytoscape-dagre's minified build bundles @dagrejs/dagre (a devDependency it compiles in), so
# its licence travels with it: fetch the release that range names and take its LICENSE.
range=$(node -p "require('$work/node_modules/cytoscape-dagre/package.json').devDependencies['@dagrejs/dagre']")
tarball=$(cd "$work" && npm pack "@dagrejs/dagre@$range" --silent | tail -1)
mkdir "$work/dagre"
tar -xzf "$work/$tarball" -C "$work/dagre"
dagre="$work/dagre/package"
if [ ! -f "$dagre/LICENSE" ]; then
  echo "update.sh: @dagrejs/dagre@$range has no LICENSE file" >&2
  exit 1
fi
cp "$dagre/LICENSE" vendor/dagre.LICENSE
echo "vendored: $(node -p "require('$work/node_modules/cytoscape/package.json').version") cytoscape, $(node -p "require('$work/node_modules/cytoscape-dagre/package.json').version") cytoscape-dagre, $(node -p "require('$dagre/package.json').version") dagre"
