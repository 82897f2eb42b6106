#!/bin/sh
# The Web App in headless Chromium against mock-node.py. Skips (77) when
# Chromium or the npm packages playwright-core and axe-core are missing; point
# POSTERN_NODE_MODULES at a node_modules holding them (default: the source
# root's node_modules).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
export NODE_PATH=${POSTERN_NODE_MODULES:-$root/node_modules}
artifacts=${WEBAPP_ARTIFACTS:-$PWD/webapp-artifacts}

[ -x "$chromium" ] || { echo "skip: no $chromium"; exit 77; }
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
node -e "require.resolve('playwright-core'); require.resolve('axe-core')" 2>/dev/null \
  || { echo "skip: playwright-core and axe-core not found in $NODE_PATH"; exit 77; }

work=$(mktemp -d)
python3 "$here/mock-node.py" "$root/data" "$work/port" "$work/calls.log" &
mock=$!
trap 'kill $mock 2>/dev/null; rm -rf "$work"' EXIT
touch "$work/calls.log"
while [ ! -s "$work/port" ]; do
  kill -0 $mock 2>/dev/null || { echo "mock-node.py failed to start"; exit 1; }
  sleep 0.1
done
node "$here/webapp-browser.cjs" "http://127.0.0.1:$(cat "$work/port")" "$work/calls.log" "$artifacts"
