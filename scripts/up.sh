#!/usr/bin/env bash
# `npm run up`: on a fresh machine, everything needed to run a two-node Parley cluster.
# Stays in the foreground; Ctrl-C stops the nodes (the stack keeps running: `npm run down`).
# `npm run up -- --detach` returns once both nodes are ready.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh # node and npm of the pinned major (.nvmrc) first on PATH

bash scripts/ensure-deps.sh
bash scripts/stack.sh up
npm run --silent build
bash scripts/nodes.sh start 2
echo "parley: token for a test user: npm run token -- \$(node -p 'crypto.randomUUID()')"

[[ ${1:-} == --detach ]] && exit 0
trap 'echo; bash scripts/nodes.sh stop; exit 0' INT TERM
echo "parley: running; Ctrl-C stops the nodes, \`npm run down\` stops the stack too"
tail -q -n 0 -F .stack/logs/node-1.log .stack/logs/node-2.log &
wait
