#!/usr/bin/env bash
# Runs a command with Node.js >= 22.12 on PATH (bringing Node 24 when the machine's is older) and the
# project's dependencies installed with that same Node. Example: ./scripts/with-node.sh npm run demo
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/node-bootstrap.sh
. "$root/scripts/node-bootstrap.sh"
cd "$root"
# Install when node_modules is missing, older than the lockfile, or was built by another Node ABI
# (native addons such as better-sqlite3 only load under the ABI they were installed for).
stamp=node_modules/.sprawl-node-abi
abi="$(node -p 'process.versions.modules')"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ "$(cat "$stamp" 2>/dev/null)" != "$abi" ]; then
  echo "sprawl: installing dependencies with node $(node --version)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$abi" >"$stamp"
fi
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]   (e.g. npm run demo, npm test, node bin/sprawl.js --help)" >&2
  exit 2
fi
exec "$@"
