#!/bin/sh
# The Web App in headless Chromium, its pages served over HTTPS by a real
# posternd with webapp.so (data/webapp at /webapp/, the example branding at
# /acme/). Until the https-proxy plugin lands, the browser test routes the
# client API (/api/) to mock-node.py. Skips (77) when Chromium, node, or the
# npm packages playwright-core and axe-core are missing; point
# POSTERN_NODE_MODULES at a node_modules holding them.
# The WebRTC relay page (webrtc-relay/, served at /webrtc/) runs when
# WEBRTC_TURN_URL (turn:127.0.0.1:PORT), WEBRTC_TURN_USER and WEBRTC_TURN_PASS
# name a TURN server on loopback; the suite sets them once the turn plugin
# lands, until then it says it skipped that part.
# env: POSTERND, WEBAPP_PLUGIN_DIR (set by meson), WEBAPP_ARTIFACTS
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
[ -x "${POSTERND:-}" ] && [ -d "${WEBAPP_PLUGIN_DIR:-}" ] || { echo "POSTERND and WEBAPP_PLUGIN_DIR must be set"; exit 1; }

work=$(mktemp -d)
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  [ -s "$work/bus.pid" ] && kill "$(cat "$work/bus.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# waits for FILE to be non-empty while process PID lives
wait_file() {
  while [ ! -s "$1" ]; do
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
}

python3 "$here/mock-node.py" "$work/port" "$work/calls.log" &
pids="$pids $!"
touch "$work/calls.log"
wait_file "$work/port" $! || { echo "mock-node.py failed to start"; exit 1; }

# A private bus for posternd, gone with the test.
dbus-daemon --session --fork --address="unix:dir=$work" --print-address=3 --print-pid=4 \
  3>"$work/bus" 4>"$work/bus.pid" || { echo "dbus-daemon failed"; exit 1; }
https_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/conf.d" "$work/state"
cat >"$work/conf.d/10-webapp.conf" <<CONF
[core]
fqdn = localhost
https-listen = 127.0.0.1:$https_port
http-listen =

[webapp]
root = $root/data/webapp
brandings = acme=$root/data/webapp-branding-example;webrtc=$here/webrtc-relay
CONF
# One plugin directory holding webapp and, when built, turn: the WebRTC relay
# page then goes through this posternd's TURN server and nothing else.
mkdir -p "$work/plugins"
ln -s "$WEBAPP_PLUGIN_DIR/webapp.so" "$work/plugins/webapp.so"
if [ -n "${TURN_PLUGIN:-}" ] && [ -z "${WEBRTC_TURN_URL:-}" ]; then
  ln -s "$TURN_PLUGIN" "$work/plugins/turn.so"
  turn_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  key=$(printf 'webrtc:postern.test:relay-only' | md5sum | cut -d' ' -f1)
  (umask 077; echo "webrtc:0x$key" >"$work/turn-users")
  cat >"$work/conf.d/30-turn.conf" <<CONF
[turn]
listen = 127.0.0.1:$turn_port
realm = postern.test
users-file = $work/turn-users
relay-ip = 127.0.0.1
allowed-peers = 127.0.0.1/32
CONF
  export WEBRTC_TURN_URL="turn:127.0.0.1:$turn_port" WEBRTC_TURN_USER=webrtc WEBRTC_TURN_PASS=relay-only
fi
"$POSTERND" --confdirs "$work/conf.d" --plugin-dir "$work/plugins" --state-dir "$work/state" \
  --bus "$(head -n1 "$work/bus")" 2>"$work/posternd.log" &
posternd=$!
pids="$pids $posternd"
base="https://127.0.0.1:$https_port"
until curl -sSk -o /dev/null "$base/webapp/" 2>/dev/null; do
  kill -0 $posternd 2>/dev/null || { echo "posternd failed:"; cat "$work/posternd.log"; exit 1; }
  sleep 0.2
done

node "$here/webapp-browser.cjs" "$base" "http://127.0.0.1:$(cat "$work/port")" "$work/calls.log" "$artifacts"
rc=$?
if [ -n "${WEBRTC_TURN_URL:-}" ]; then
  node "$here/webrtc-relay.cjs" "$base/webrtc/" "$WEBRTC_TURN_URL" "${WEBRTC_TURN_USER:-}" "${WEBRTC_TURN_PASS:-}" \
    "$artifacts" || rc=1
else
  echo "ok - # SKIP WebRTC relay page: no WEBRTC_TURN_URL (waits for the turn plugin)"
fi
cp "$work/posternd.log" "$artifacts/posternd.log" 2>/dev/null
exit $rc
