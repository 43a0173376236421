#!/bin/sh
# Rebuild static/vendor/plotly-partial/ from the npm plotly.js package (see README.md here).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
node build.mjs
cp node_modules/plotly.js/LICENSE ../../static/vendor/plotly-partial/LICENSE
echo "plotly.js $(node -p 'require("plotly.js/package.json").version') bundled."
