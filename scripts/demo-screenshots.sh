#!/usr/bin/env bash
# `npm run demo:screenshots`: regenerates the demo's screenshots in docs/ (docs/demo.png) from
# two fresh nodes on the local stack (a database of their own) and headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
bash scripts/ensure-browser.sh
if [[ ! -x ${PARLEY_CHROMIUM:-/usr/bin/chromium} ]]; then
  echo "parley: no Chromium to take screenshots with (see scripts/ensure-browser.sh)" >&2
  exit 1
fi
bash scripts/stack.sh up
npm run --silent build
node scripts/demo-screenshots.mjs
