#!/usr/bin/env bash
# Installs what is missing, builds, and runs posternd from the build tree with
# the shipped conf.d on a private D-Bus, until Ctrl-C. Run as root on Debian 12.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
build=${POSTERN_BUILDDIR:-$root/build}
demo=$(mktemp -d /tmp/postern-demo-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$demo"
}
trap cleanup EXIT INT TERM

# A private bus, so the demo needs no system D-Bus policy installed.
cat > "$demo/bus.conf" <<CONF
<busconfig><type>session</type><listen>unix:dir=$demo</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow receive_sender="*"/><allow own="*"/></policy></busconfig>
CONF
dbus-daemon --nofork --config-file "$demo/bus.conf" --print-address=3 3>"$demo/bus-address" 2>"$demo/dbus.log" &
pids+=($!)
while [ ! -s "$demo/bus-address" ]; do sleep 0.1; done
export POSTERN_BUS=$(head -n1 "$demo/bus-address")

# Demo Conferencing Nodes, when the build has them.
if [ -x "$build/tests/fixtures/demo-node/postern-demo-node" ]; then
  for port in 9001 9002 9003; do
    "$build/tests/fixtures/demo-node/postern-demo-node" --listen "127.0.0.1:$port" &
    pids+=($!)
  done
fi

cat <<INFO

posternd is starting with the shipped drop-ins ($root/conf.d) and
$demo/conf.d/90-demo.conf (the Web App from data/).
In another shell:
  export POSTERN_BUS='$POSTERN_BUS'
  $build/core/posternctl status
  $build/core/posternctl monitor
Ctrl-C stops everything.

INFO
# posternd takes one plugin directory; the build keeps one per plugin.
mkdir "$demo/plugins" "$demo/conf.d"
for so in "$build"/plugins/*/*.so; do ln -s "$so" "$demo/plugins/"; done
# The uninstalled tree: the Web App and the example branding from data/.
cat > "$demo/conf.d/90-demo.conf" <<CONF
[webapp]
root = $root/data/webapp
brandings = example=$root/data/webapp-branding-example
CONF
"$build/core/posternd" --confdirs "$root/conf.d:$demo/conf.d" --plugin-dir "$demo/plugins" \
  --state-dir "$demo/state" &
pids+=($!)
wait "${pids[-1]}"
