#!/bin/sh
# User-space instructions and heap allocations per echoed TURN message,
# counted by callgrind: deterministic where CPU time on a shared machine is
# not. posternd (turn only, one relay thread) runs under callgrind;
# turnutils_uclient sends 10 clients' messages over channels to
# turnutils_peer, paced, twice for the same time: MESSAGES per client every
# 2 x INTERVAL ms, then 2 x MESSAGES every INTERVAL ms, each run counted on
# its own. The difference between the two counts, divided by the extra
# echoed messages, is what one more message costs: the allocations,
# permissions and channel bindings each run makes, and the timers of the
# main loop, cancel out. An echoed message crosses the relay twice
# (client -> peer -> client).
# Usage: count-instructions.sh POSTERND TURN_PLUGIN_DIR [messages] [interval-ms]
set -eu
unset MALLOC_PERTURB_
posternd=$1
plugin_dir=$2
messages=${3:-600}
interval=${4:-20}
clients=10
. "$(dirname "$0")/../bench-lib.sh"
bench_init turn-instructions
bench_require valgrind callgrind_control turnutils_uclient turnutils_peer dbus-daemon

. "$(dirname "$0")/turn-bench-lib.sh"
mkdir -p "$work/state"
turn_bench_users
dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done

peer_port=$(free_udp_port_pair)
turnutils_peer -L 127.0.0.1 -p "$peer_port" > /dev/null 2>&1 &
pids="$pids $!"
wait_for_udp "$peer_port"
wait_for_udp "$((peer_port + 1))"

port=$(free_udp_port)
turn_bench_dropin "$port" 15000 15999 1
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" --dump-instr=no --compress-strings=no \
  "$posternd" --confdirs "$work/conf.d" --plugin-dir "$plugin_dir" --state-dir "$work/state" \
  --bus "$(head -1 "$work/bus")" 2>> "$work/posternd.log" &
postern_pid=$!
pids="$pids $postern_pid"
for _ in $(seq 600); do grep -q "0100007F:$(printf '%04X' "$port")" /proc/net/udp && break; sleep 0.1; done

uclient() { # messages-per-client interval-ms; prints the echoed total
  turnutils_uclient -p "$port" -e 127.0.0.1 -r "$peer_port" -u "$user" -w "$password" -m "$clients" -n "$1" \
    -l 160 -z "$2" 127.0.0.1 > "$work/uclient.log" 2>&1 || true
  sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\).*/\1/p' "$work/uclient.log" | tail -1
}

# instructions and malloc/calloc/realloc calls in one callgrind dump
count() {
  /usr/bin/python3 - "$1" <<'PY'
import sys
total = allocs = 0
cfn = None
for line in open(sys.argv[1]):
    if line.startswith('summary:') or line.startswith('totals:'):
        total = total or int(line.split()[1])
    elif line.startswith('cfn='):
        cfn = line[4:].strip()
    elif line.startswith('calls=') and cfn in ('malloc', 'calloc', 'realloc'):
        allocs += int(line[6:].split()[0])
print(total, allocs)
PY
}

uclient 100 "$interval" > /dev/null  # warm-up
callgrind_control -z "$postern_pid" > /dev/null 2>&1
echoed1=$(uclient "$messages" "$((interval * 2))")
callgrind_control -d "$postern_pid" > /dev/null 2>&1
callgrind_control -z "$postern_pid" > /dev/null 2>&1
echoed2=$(uclient "$((messages * 2))" "$interval")
callgrind_control -d "$postern_pid" > /dev/null 2>&1
kill "$postern_pid"
wait "$postern_pid" 2>/dev/null || true
set -- $(count "$work/callgrind.out.$postern_pid.1")
ir1=$1 allocs1=$2
set -- $(count "$work/callgrind.out.$postern_pid.2")
ir2=$1 allocs2=$2
extra=$((${echoed2:-0} - ${echoed1:-0}))
if [ "$extra" -le 0 ]; then
  echo "uclient echoed $echoed1 then $echoed2 messages: nothing to divide by" >&2
  exit 1
fi
echo "echoed: $echoed1 messages at -z $((interval * 2)), then $echoed2 at -z $interval ($clients clients, 160 bytes, channels)"
echo "instructions per echoed message: $(((ir2 - ir1) / extra))"
# Main-loop work on the other thread (D-Bus, timers) allocates a little,
# not exactly the same in both runs: a difference far below the extra
# messages means none per message.
echo "heap allocations: $allocs1 then $allocs2 in the two runs ($((allocs2 - allocs1)) for $extra more echoed messages)"
