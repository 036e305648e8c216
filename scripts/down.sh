#!/usr/bin/env bash
# `npm run down`: stops the nodes started by `npm run up`, then the local stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/nodes.sh stop
bash scripts/stack.sh down
