#!/usr/bin/env bash
# `npm run bench [-- S1 S2 ...] [-- --quick]`: dependencies, stack, build, then the harness
# (load/harness/run.ts), which writes load/results/ and regenerates BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh # node and npm of the pinned major (.nvmrc) first on PATH
bash scripts/ensure-deps.sh
bash scripts/stack.sh up
npm run --silent build
rm -rf dist-load
npx --no-install tsc -p tsconfig.load.json
# Tens of thousands of sockets: the servers and the generator each need a descriptor per socket.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
node dist-load/load/harness/run.js "$@"
