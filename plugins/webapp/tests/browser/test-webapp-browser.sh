#!/bin/sh
# The Web App in headless Chromium, its pages served over HTTPS by a real
# posternd with webapp.so (data/webapp at /webapp/, the example branding at
# /acme/) and https-proxy.so forwarding the client API (/api/) to three demo
# Conferencing Nodes (postern-demo-node: meet host PIN 1234 guest PIN 5678,
# hostonly host PIN 1234 and guests without one; tokens live 30 s so the app
# refreshes them during the test). Skips (77) when Chromium, node, or the npm
# packages playwright-core and axe-core are missing; point
# POSTERN_NODE_MODULES at a node_modules holding them.
# The WebRTC relay page (webrtc-relay/, served at /webrtc/) runs through this
# posternd's turn plugin when TURN_PLUGIN names it, or through the TURN server
# WEBRTC_TURN_URL (turn:127.0.0.1:PORT), WEBRTC_TURN_USER, WEBRTC_TURN_PASS name.
# env: POSTERND, WEBAPP_PLUGIN_DIR, PROXY_PLUGIN, DEMO_NODE (set by meson),
# WEBAPP_ARTIFACTS
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
[ -x "${POSTERND:-}" ] && [ -d "${WEBAPP_PLUGIN_DIR:-}" ] && [ -f "${PROXY_PLUGIN:-}" ] && [ -x "${DEMO_NODE:-}" ] \
  || { echo "POSTERND, WEBAPP_PLUGIN_DIR, PROXY_PLUGIN and DEMO_NODE must be set"; exit 1; }

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

# Three demo Conferencing Nodes on ports of their choosing.
nodes=
for n in 1 2 3; do
  "$DEMO_NODE" --listen 127.0.0.1:0 --token-lifetime 30 --conference meet:1234:5678 --conference hostonly:1234 \
    >"$work/node$n.out" 2>"$work/node$n.log" &
  pids="$pids $!"
  wait_file "$work/node$n.out" $! || { echo "demo node $n failed:"; cat "$work/node$n.log"; exit 1; }
  nodes="$nodes${nodes:+;}$(sed -n 's|^postern-demo-node: listening on https://\(.*\)/$|\1|p' "$work/node$n.out")"
done

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

[https-proxy]
nodes = $nodes
access-log = $work/access.log
CONF
# One plugin directory holding webapp, https-proxy and, when built, turn: the
# WebRTC relay page then goes through this posternd's TURN server and nothing else.
mkdir -p "$work/plugins"
ln -s "$WEBAPP_PLUGIN_DIR/webapp.so" "$work/plugins/webapp.so"
ln -s "$PROXY_PLUGIN" "$work/plugins/https-proxy.so"
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

node "$here/webapp-browser.cjs" "$base" "$nodes" "$work/access.log" "$artifacts"
rc=$?
if [ -n "${WEBRTC_TURN_URL:-}" ]; then
  node "$here/webrtc-relay.cjs" "$base/webrtc/" "$WEBRTC_TURN_URL" "${WEBRTC_TURN_USER:-}" "${WEBRTC_TURN_PASS:-}" \
    "$artifacts" || rc=1
else
  echo "ok - # SKIP WebRTC relay page: no WEBRTC_TURN_URL (waits for the turn plugin)"
fi
cp "$work/posternd.log" "$artifacts/posternd.log" 2>/dev/null
cp "$work/access.log" "$artifacts/proxy-access.log" 2>/dev/null
for n in 1 2 3; do cp "$work/node$n.log" "$artifacts/demo-node$n.log" 2>/dev/null; done
exit $rc
