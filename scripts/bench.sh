#!/usr/bin/env bash
# `npm run bench [-- names...] [-- --quick]`: dependencies, stack, build, then load/run.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/stack.sh up
npm run --silent build
npx --no-install tsc -p tsconfig.load.json
node dist-load/load/run.js "$@"
