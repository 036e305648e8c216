#!/usr/bin/env bash
# `npm test`: dependencies, the local real stack, lint, build, then every test tier.
# Extra arguments go to jest (for example `npm test -- test/e2e/health`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh # node and npm of the pinned major (.nvmrc) first on PATH

bash scripts/ensure-deps.sh
bash scripts/ensure-browser.sh # Debian's chromium for test/browser (skipped, saying so, without it)
bash scripts/stack.sh up
set -a
# shellcheck disable=SC1091
. .stack/env
set +a

npx --no-install eslint .
npx --no-install prettier --check . --log-level warn
npx --no-install tsc -p tsconfig.json --noEmit
npx --no-install tsc -p load/k6/tsconfig.json # the k6 scripts, against @types/k6 only
npm run --silent build
node client/scripts/openapi.mjs --check # the SDK's REST types match the OpenAPI document

# Integration and e2e suites share the one local stack (and some stop and restart its
# services), so files run one at a time.
npx --no-install jest --runInBand "$@"
