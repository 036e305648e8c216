#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing or package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_major=20 need_minor=19
if ! command -v node >/dev/null; then
  echo "parley: Node.js >= ${need_major}.${need_minor} is required (node not found)" >&2
  exit 1
fi
read -r major minor < <(node -p 'process.versions.node.split(".").slice(0,2).join(" ")')
if (( major < need_major || (major == need_major && minor < need_minor) )); then
  echo "parley: Node.js >= ${need_major}.${need_minor} is required (found $(node -v))" >&2
  exit 1
fi

stamp=node_modules/.parley-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "parley: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
