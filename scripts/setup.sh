#!/usr/bin/env bash
# Installs what the repository needs on a fresh machine: pnpm (if absent), the locked
# dependencies, Debian's Chromium for the browser tests, and starts PostgreSQL where it is
# installed. After it, `pnpm test` passes.
# Used by the README's quick start and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pnpm >/dev/null 2>&1; then
  npm install -g pnpm@12.4.2
fi
# better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded; node-gyp
# then needs Node's headers. Where the system ships them in /usr/include/node, use those rather
# than downloading them (pnpm does not read npm's own nodedir setting).
if [ -d /usr/include/node ]; then
  export npm_config_nodedir=/usr
fi

pnpm install --frozen-lockfile

# The e2e suite drives the system Chromium through playwright-core, never a downloaded browser
# (tests/e2e/support/browser.ts). Install Debian's package where apt can: as root, or through
# sudo (which may ask for a password). Elsewhere say what is missing and go on: everything but
# the e2e suite works without it, and that suite then fails with the same advice.
chromium_advice="install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH to another Chromium"
install_chromium() {
  local as_root=()
  if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || return 1
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -q &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}
if [ -x /usr/bin/chromium ] || [ -x "${CHROMIUM_PATH:-}" ]; then
  :
elif ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: /usr/bin/chromium is missing and apt-get is not available: $chromium_advice." >&2
elif install_chromium; then
  echo "setup: installed $(/usr/bin/chromium --version 2>/dev/null || echo Chromium)."
else
  echo "setup: could not install Chromium (this needs root or sudo): $chromium_advice." >&2
fi

# PostgreSQL for the suites that run on both dialects: started, with the tests' role, where it
# is installed (`bash scripts/postgres.sh --install` installs it too). Without it `pnpm test`
# runs them on SQLite only and says so in one line.
bash scripts/postgres.sh
