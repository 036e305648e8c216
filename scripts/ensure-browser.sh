#!/usr/bin/env bash
# Installs Debian's `chromium` for the browser tests (test/browser) when no Chromium is on the
# machine. Never fails the run: without a browser the browser tests skip with one line saying
# so. PARLEY_CHROMIUM names another binary (it is then only checked).
set -uo pipefail
cd "$(dirname "$0")/.."

found() { [[ -x ${PARLEY_CHROMIUM:-/usr/bin/chromium} ]]; }
found && exit 0
if [[ -n ${PARLEY_CHROMIUM:-} ]]; then
  echo "parley: PARLEY_CHROMIUM=$PARLEY_CHROMIUM is not an executable; browser tests will skip" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "parley: no Chromium and no apt-get; browser tests will skip" >&2
  exit 0
fi

# apt_install from the stack scripts (one apt-get update, sudo when not root).
# shellcheck source=stack/lib.sh
. scripts/stack/lib.sh
mkdir -p .stack/logs
echo "parley: installing Debian's chromium for the browser tests (log: .stack/logs/install-chromium.log)"
if ! (apt_install chromium) >.stack/logs/install-chromium.log 2>&1; then
  echo "parley: installing chromium failed (see .stack/logs/install-chromium.log); browser tests will skip" >&2
fi
exit 0
