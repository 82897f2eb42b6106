#!/bin/sh
# TURN relay: posternd's turn plugin against coturn's turnserver in one
# run, relay runs alternating between the two (the shared machine's load
# drifts; medians over the rounds). Per-packet cost: both servers with one
# relay thread, pinned to one core, the clients
# (turnutils_uclient, turnutils_peer as the echo peer, the allocation
# holder) to the other. Loopback only. Per server and payload size: echoed
# messages per second, the server's CPU per echoed message (each crosses
# the relay twice, over channels), loss as uclient reports it and where the
# kernel dropped datagrams (server listen socket, peer, relay sockets, other
# = the clients' sockets); then the server's RSS growth per live allocation
# (hold-allocations.py; its sockets use 127.0.x.y source addresses, still
# loopback). Then throughput with every core: both servers with their
# default threads, nothing pinned, two unpaced uclient processes (echoed
# messages per second and CPU per message). Prints a table and the
# Postern/coturn ratios.
# uclient is paced (-z, milliseconds between a client's messages): unpaced,
# the clients cannot drain their own sockets and the kernel drops echoes
# there (the @other column) whichever server relays, so a zero-loss
# comparison needs a rate the clients keep up with.
# Usage: run-bench.sh [messages-per-client] [allocations] [interval-ms] [rounds]
#                     [unpaced-messages-per-client]
# (POSTERND, TURN_PLUGIN_DIR, HOLD_ALLOCATIONS from meson)
set -eu
# meson sets it for tests: every malloc and free in either server would
# fill memory, which is not what they cost in production (and would charge
# a server that allocates per packet for it).
unset MALLOC_PERTURB_
messages=${1:-2000}
allocations=${2:-10000}
interval=${3:-5}
rounds=${4:-3}
unpaced_messages=${5:-20000}
clients=10
. "$(dirname "$0")/../bench-lib.sh"
bench_init turn

. "$(dirname "$0")/turn-bench-lib.sh"
# Relay ports below the ephemeral range, so relays never collide with
# client sockets, and below the integration tests' relay ranges
# (20000-31999, tests/integration/turn), so a bench and the tests can run
# at once. 10,000 allocations do not fit twice below 20000: the ranges
# overlap at their ends, which only the memory runs reach, one server at a
# time (and either server skips a port in use).
postern_max=19999
postern_min=$((postern_max - allocations - 999))
coturn_min=1100
coturn_max=$((coturn_min + allocations + 999))
# One socket per held allocation on each side.
ulimit -n $((allocations * 2 + 1000)) 2>/dev/null || true

udp_drops() { # host-wide UDP receive-buffer drops (any socket: server, peer or client)
  awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp
}

port_drops() { # port: receive-buffer drops of the 127.0.0.1:PORT sockets (one per relay thread)
  awk -v a="0100007F:$(printf '%04X' "$1")" '$2 == a { sum += $NF } END { print sum + 0 }' /proc/net/udp
}

relay_drops() { # lo hi: receive-buffer drops summed over the sockets bound to relay ports
  awk -v lo="$1" -v hi="$2" 'NR > 1 { split($2, a, ":"); p = 0
    for (i = 1; i <= 4; i++) p = p * 16 + index("0123456789ABCDEF", substr(a[2], i, 1)) - 1
    if (p >= lo && p <= hi) sum += $NF } END { print sum + 0 }' /proc/net/udp
}

cpu_ns() { # pid: CPU time of all its threads, nanoseconds (schedstat, not 10 ms ticks)
  cat /proc/"$1"/task/*/schedstat | awk '{ sum += $1 } END { printf "%.0f\n", sum }'
}

# The kernel's share is sampled at the scheduler tick: over a paced run,
# where each wakeup lasts microseconds, it is noise (0% to 99% in three
# runs), so only unpaced runs report it (perf record -e cpu-clock at
# 20 kHz is the way to see a paced run's share).
sys_ticks() { # pid: system (kernel) CPU time of the process, clock ticks
  awk '{ sub(/^.*\) /, ""); print $13 }' /proc/"$1"/stat
}
ticks_per_s=$(getconf CLK_TCK)

# Echo peer for both servers.
# uclient's RTCP sessions send to the peer's port + 1
peer_port=$(free_udp_port_pair)
taskset -c "$client_cpu" turnutils_peer -L 127.0.0.1 -p "$peer_port" > /dev/null 2>&1 &
pids="$pids $!"
wait_for_udp "$peer_port"
wait_for_udp "$((peer_port + 1))"

relay_run() { # name pid port size relay-min relay-max client-cpus uclients interval messages
  before=$(cpu_ns "$2")
  sys_before=$(sys_ticks "$2")
  drops_before=$(udp_drops)
  listen_before=$(port_drops "$3")
  peer_before=$(port_drops "$peer_port")
  relay_before=$(relay_drops "$5" "$6")
  start=$(date +%s.%N)
  uclients=""
  for u in $(seq "$8"); do
    taskset -c "$7" turnutils_uclient -p "$3" -e 127.0.0.1 -r "$peer_port" -u "$user" -w "$password" \
      -m "$clients" -n "${10}" -l "$4" -z "$9" 127.0.0.1 > "$work/uclient-$1-$4-$u.log" 2>&1 &
    uclients="$uclients $!"
  done
  for u in $uclients; do wait "$u" || true; done
  end=$(date +%s.%N)
  after=$(cpu_ns "$2")
  sys_after=$(sys_ticks "$2")
  drops=$(($(udp_drops) - drops_before))
  listen_drops=$(($(port_drops "$3") - listen_before))
  peer_drops=$(($(port_drops "$peer_port") - peer_before))
  relay_drops=$(($(relay_drops "$5" "$6") - relay_before))
  sent=0
  recv=0
  for u in $(seq "$8"); do
    log="$work/uclient-$1-$4-$u.log"
    s=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=.*/\1/p' "$log" | tail -1)
    r=$(sed -n 's/.*start_mclient: tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\).*/\1/p' "$log" | tail -1)
    sent=$((sent + ${s:-0}))
    recv=$((recv + ${r:-0}))
  done
  awk -v n="$1" -v l="$4" -v s="$sent" -v r="$recv" -v t0="$start" -v t1="$end" \
      -v c="$((after - before))" -v d="$drops" -v ld="$listen_drops" -v pd="$peer_drops" -v rd="$relay_drops" \
      -v k="$((sys_after - sys_before))" -v hz="$ticks_per_s" -v paced="$9" 'BEGIN {
    loss = (s > 0 ? 100 * (s - r) / s : 100)
    printf "%s %s %d %d %.2f %.0f %.2f %.3f %d %d %d %d %d %.2f\n", n, l, s, r, loss, r / (t1 - t0),
           (r > 0 ? c / 1e3 / r : 0), c / 1e9, d, ld, pd, rd, d - ld - pd - rd, (r > 0 && paced == 0 ? k * 1e6 / hz / r : -1) }' \
    >> "$work/relay.results"
}

hold_run() { # name pid port
  line=$(taskset -c "$client_cpu" /usr/bin/python3 "$HOLD_ALLOCATIONS" "$3" "$2" "$allocations" \
    "$user" "$password" "$realm")
  echo "$1 memory: $line"
  echo "$1 $line" >> "$work/memory.results"
}

start_postern() { # relay-threads: posternd with only the turn plugin; sets postern_pid, p1
  p1=$(free_udp_port)
  turn_bench_dropin "$p1" "$postern_min" "$postern_max" "$1"
  "$POSTERND" --confdirs "$work/conf.d" --plugin-dir "$TURN_PLUGIN_DIR" --state-dir "$work/state" \
    --bus "$(head -1 "$work/bus")" 2>> "$work/posternd.log" &
  postern_pid=$!
  pids="$pids $postern_pid"
  wait_for_udp "$p1"
}

start_coturn() { # turnserver options...: coturn on loopback only; sets coturn_pid, p2
  p2=$(free_udp_port)
  mkdir -p "$work/coturn-$p2"
  turnserver -n --no-tls --no-dtls --no-cli -L 127.0.0.1 --listening-port "$p2" --relay-ip 127.0.0.1 \
    --allow-loopback-peers --allowed-peer-ip 127.0.0.1 --user "$user:$password" --realm "$realm" --lt-cred-mech \
    --min-port "$coturn_min" --max-port "$coturn_max" --userdb "$work/coturn-$p2/turndb" "$@" \
    --pidfile "$work/coturn-$p2/pid" --log-file "$work/coturn-$p2/turnserver.log" --no-stdout-log \
    > /dev/null 2>&1 &
  coturn_pid=$!
  pids="$pids $coturn_pid"
  wait_for_udp "$p2"
}

mkdir -p "$work/conf.d" "$work/state"
dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done
turn_bench_users

# Like for like per packet: one relay thread each, every thread of both
# servers on one core, the clients on the other.
start_postern 1
start_coturn --relay-threads 1
taskset -apc "$server_cpu" "$postern_pid" > /dev/null  # every thread
taskset -apc "$server_cpu" "$coturn_pid" > /dev/null

for _ in $(seq "$rounds"); do
  for size in 160 1200; do
    relay_run postern "$postern_pid" "$p1" "$size" "$postern_min" "$postern_max" "$client_cpu" 1 "$interval" "$messages"
    relay_run coturn "$coturn_pid" "$p2" "$size" "$coturn_min" "$coturn_max" "$client_cpu" 1 "$interval" "$messages"
  done
done
hold_run postern "$postern_pid" "$p1"
kill "$postern_pid"
hold_run coturn "$coturn_pid" "$p2"
kill "$coturn_pid"

# Throughput on every core: each server with its default threads (Postern
# one per CPU, coturn its own default), nothing pinned, two unpaced uclient
# processes at once.
all_cpus="0-$(($(nproc) - 1))"
start_postern 0
start_coturn
for _ in $(seq "$rounds"); do
  relay_run postern-mt "$postern_pid" "$p1" 160 "$postern_min" "$postern_max" "$all_cpus" 2 0 "$unpaced_messages"
  relay_run coturn-mt "$coturn_pid" "$p2" 160 "$coturn_min" "$coturn_max" "$all_cpus" 2 0 "$unpaced_messages"
done

echo "uclient: $clients clients x $messages messages, channels, long-term credentials, -z $interval, $rounds rounds"
awk 'BEGIN { printf "%-8s %5s %8s %8s %7s %10s %15s %13s %8s %10s %8s %8s %8s %8s\n", "server", "bytes", "sent", "echoed",
             "loss%", "echoed/s", "cpu_us/echoed", "of_it_kernel", "cpu_s", "udp_drops", "@listen", "@peer", "@relay",
             "@other" }
     { printf "%-8s %5s %8d %8d %7.2f %10d %15.2f %13s %8.3f %10d %8d %8d %8d %8d\n", $1, $2, $3, $4, $5, $6, $7,
              ($14 < 0 ? "-" : sprintf("%.2f", $14)), $8, $9, $10, $11, $12, $13 }' "$work/relay.results"
awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] } }
     END {
       printf "%-8s %12s %8s %15s %15s\n", "server", "allocations", "failed", "rss_growth_kib", "bytes/alloc"
       split("postern coturn", names, " ")
       for (i = 1; i <= 2; i++) { n = names[i]
         printf "%-8s %12d %8d %15d %15d\n", n, v[n, "allocations"], v[n, "failed"],
                v[n, "rss_after_kib"] - v[n, "rss_before_kib"], v[n, "bytes_per_allocation"] }
       if (v["postern", "bytes_per_allocation"] > 0)
         printf "ratio postern/coturn memory per allocation: %.2f\n",
                v["postern", "bytes_per_allocation"] / v["coturn", "bytes_per_allocation"]
     }' "$work/memory.results"
# medians over the rounds (sorted by server, size, then CPU per message)
sort -k1,1 -k2,2n -k7,7g "$work/relay.results" |
  awk '{ k = $1 SUBSEP $2; n[k]++; v[k, n[k]] = $7; sent[k] += $3; echoed[k] += $4 }
       END { for (k in n) { m = n[k]; med[k] = (m % 2) ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2 }
             split("postern coturn", names, " ")
             for (l = 0; l < 2; l++) { size = l ? 1200 : 160
               for (i = 1; i <= 2; i++) { k = names[i] SUBSEP size
                 printf "median %-8s %5d bytes: %.2f us CPU per echoed message, loss %.2f%% over %d runs\n", names[i],
                        size, med[k], (sent[k] > 0 ? 100 * (sent[k] - echoed[k]) / sent[k] : 100), n[k] }
               if (med["coturn" SUBSEP size] > 0)
                 printf "ratio postern/coturn CPU per echoed message, %d bytes: %.2f (target <= 0.50)\n",
                        size, med["postern" SUBSEP size] / med["coturn" SUBSEP size] } }'
median() { # field name: the median of FIELD over NAME's runs
  awk -v f="$1" -v n="$2" '$1 == n { print $f }' "$work/relay.results" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for name in postern-mt coturn-mt; do
  loss=$(awk -v n="$name" '$1 == n { s += $3; r += $4 } END { printf "%.2f", (s > 0 ? 100 * (s - r) / s : 100) }' \
         "$work/relay.results")
  echo "median $name unpinned, 160 bytes, 2x$clients clients x $unpaced_messages messages unpaced: $(median 6 "$name") echoed/s," \
       "$(median 7 "$name") us CPU per echoed message ($(median 14 "$name") us in the kernel), loss $loss%"
done
