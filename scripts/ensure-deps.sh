#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing, package-lock.json changed or
# they were installed by another Node.js major.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh

stamp=node_modules/.parley-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1) node$(node -p 'process.versions.modules')"
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "parley: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
