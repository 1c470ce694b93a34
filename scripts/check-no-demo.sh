#!/usr/bin/env bash
# pnpm test:no-demo: removes the workspace demo (scripts/remove-demo.mjs) in a temporary copy of
# this checkout (its files, committed or not, without node_modules) and shows that what is left
# installs, lints, typechecks, passes the unit tests, builds, passes the browser suite against
# that build, and passes the security and multi-instance suites: everything `pnpm test` runs.
# The checkout itself is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

copy="$(mktemp -d "${TMPDIR:-/tmp}/agent-access-no-demo-XXXXXX")"
trap 'rm -rf "$copy"' EXIT
git ls-files --cached --others --exclude-standard -z \
  | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null \
  | tar -xf - -C "$copy"
cd "$copy"
echo "== removing the demo in $copy"
node scripts/remove-demo.mjs --no-install
echo "== installing (offline, from the store) without the demo"
CI=true pnpm install --offline --no-frozen-lockfile --reporter=silent
if grep -q "workspace-demo" pnpm-lock.yaml; then
  echo "pnpm-lock.yaml still names the demo after the install" >&2
  exit 1
fi
echo "== lint (the copy has no .git: Biome reads no ignore file, its own includes apply)"
pnpm exec biome check --vcs-enabled=false .
echo "== typecheck"
pnpm typecheck
echo "== unit tests"
pnpm exec vitest run --project unit --sequence.shuffle
echo "== build, then the browser suite against it"
pnpm test:e2e
echo "== security suite"
pnpm test:security
echo "== multi-instance suite"
pnpm test:multi
