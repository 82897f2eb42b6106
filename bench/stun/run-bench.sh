#!/bin/sh
# Binding responses per second and server CPU per response: posternd's stun
# plugin against coturn's turnserver, one after the other in one run, each
# pinned to the same single core, driven by the same load generator on
# another core. Loopback only. Prints both and the ratio.
# Usage: run-bench.sh [seconds]  (POSTERND, STUN_PLUGIN_DIR, STUN_LOAD from meson)
set -eu
# meson sets it for tests: every malloc and free in either server would
# fill memory, which is not what they cost in production (and would charge
# a server that allocates per packet for it).
unset MALLOC_PERTURB_
seconds=${1:-5}
. "$(dirname "$0")/../bench-lib.sh"
bench_init stun

measure() { # name pid port
  taskset -pc "$server_cpu" "$2" >/dev/null
  out=$(taskset -c "$client_cpu" "$STUN_LOAD" 127.0.0.1 "$3" "$2" "$seconds")
  echo "$1: $out"
  echo "$out" | sed 's/.*rps=\([0-9.]*\) cpu_us_per_response=\([0-9.]*\).*/\1 \2/' > "$work/$1.result"
}

# posternd with only the stun plugin, on a private bus
mkdir -p "$work/conf.d" "$work/state"
dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done
p1=$(free_udp_port)
printf '[stun]\nlisten=127.0.0.1:%s\n' "$p1" > "$work/conf.d/20-stun.conf"
"$POSTERND" --confdirs "$work/conf.d" --plugin-dir "$STUN_PLUGIN_DIR" --state-dir "$work/state" \
  --bus "$(head -1 "$work/bus")" 2> "$work/posternd.log" &
postern_pid=$!
pids="$pids $postern_pid"
wait_for_udp "$p1"
measure postern "$postern_pid" "$p1"

# coturn, STUN on loopback only, one relay thread like posternd's one loop
p2=$(free_udp_port)
turnserver -n --no-tls --no-dtls -L 127.0.0.1 --listening-port "$p2" --no-cli --relay-threads 1 \
  --log-file "$work/turnserver.log" --no-stdout-log > /dev/null 2>&1 &
coturn_pid=$!
pids="$pids $coturn_pid"
wait_for_udp "$p2"
measure coturn "$coturn_pid" "$p2"

read -r prps pcpu < "$work/postern.result"
read -r crps ccpu < "$work/coturn.result"
awk -v prps="$prps" -v crps="$crps" -v pcpu="$pcpu" -v ccpu="$ccpu" 'BEGIN {
  printf "ratio postern/coturn: %.2fx responses/s, %.2fx less CPU per response\n",
         prps / crps, (pcpu > 0 ? ccpu / pcpu : 0) }'
