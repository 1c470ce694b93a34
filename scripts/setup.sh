#!/usr/bin/env bash
# Installs what the repository needs on a fresh machine: pnpm (if absent) and the locked
# dependencies. Used by the README's quick start and by CI.
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
