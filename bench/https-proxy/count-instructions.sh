#!/bin/sh
# User-space instructions per proxied request, counted by
# callgrind: deterministic where CPU time on a shared machine is not, so two
# builds compare in one run each. posternd (https-proxy only) runs under
# callgrind in front of one nginx upstream serving the bench's 200-byte
# answer; the instructions of a window in the middle of a wrk run are
# divided by the requests the proxy forwarded in it.
# Also prints the system calls per request of the same kind of run without
# valgrind (strace -c -f), when strace is installed.
# Mode keepalive (the default) counts keep-alive requests; close counts
# requests sent with Connection: close, so a TLS 1.3 handshake each (wrk
# resumes its session by ticket). Valgrind hides the SHA extensions from
# Nettle, so SHA-256 is counted as its plain x86_64 code: the count
# understates what a SHA-256 key schedule saves over SHA-384 on the CPU.
# Usage: count-instructions.sh POSTERND PLUGIN_DIR [seconds] [connections] [keepalive|close]
set -eu
unset MALLOC_PERTURB_
posternd=$1
plugin_dir=$2
seconds=${3:-10}
connections=${4:-64}
mode=${5:-keepalive}
case $mode in
  keepalive | close) ;;
  *) echo "mode: keepalive or close" >&2; exit 2 ;;
esac
. "$(dirname "$0")/../bench-lib.sh"
bench_init https-proxy-instructions
bench_require wrk nginx openssl valgrind callgrind_control gdbus

bench_ec_bundle
up=$(free_tcp_port)
bench_fixed_upstream_conf "$up"
nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" 2> "$work/upstream/stderr" &
pids="$pids $!"
wait_for_tcp "$up"

dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done

port=$(free_tcp_port)
mkdir -p "$work/conf.d" "$work/state"
cat > "$work/conf.d/40-https-proxy.conf" <<EOF
[core]
fqdn = localhost
https-listen = 127.0.0.1:$port
http-listen =
certificate = $work/bundle.pem

[https-proxy]
nodes = 127.0.0.1:$up
EOF
url="https://127.0.0.1:$port/api/client/v2/conferences/open/conference_status"
run_postern() { # wrapper...
  "$@" "$posternd" --confdirs "$work/conf.d" --plugin-dir "$plugin_dir" --state-dir "$work/state" \
    --bus "$(head -1 "$work/bus")" 2>> "$work/posternd.log" &
  postern_pid=$!
  pids="$pids $postern_pid"
  for _ in $(seq 600); do grep -q "0100007F:$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp && break; sleep 0.1; done
}
run_wrk() {
  if [ "$mode" = close ]; then wrk -H 'Connection: close' "$@"; else wrk "$@"; fi
}
requests_of() { awk '/ requests in / { print $1 }' "$1"; }

# Counted in the middle of one long wrk run, once every connection shook
# hands (under callgrind that takes a while): the requests of the window
# come from the node's request counter (D-Bus ListNodes).
node_requests() {
  gdbus call --address "$(head -1 "$work/bus")" --dest org.postern.Postern1 \
    --object-path /org/postern/Postern1/https_proxy --method org.postern.Postern1.HttpsProxy.ListNodes |
    sed -n 's/^[^(]*([^,]*, [^,]*, uint64 \([0-9]*\).*/\1/p'
}
run_postern valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" --dump-instr=no --compress-strings=no
settle=$((seconds * 2))
run_wrk -t1 -c "$connections" -d"$((settle + seconds + 10))s" --timeout 60s "$url" > "$work/wrk.log" &
wrk_pid=$!
sleep "$settle"
r0=$(node_requests)
callgrind_control -z "$postern_pid" > /dev/null
sleep "$seconds"
callgrind_control -d "$postern_pid" > /dev/null
r1=$(node_requests)
wait "$wrk_pid"
ir=$(awk '/^summary:|^totals:/ { print $2; exit }' "$work/callgrind.out.$postern_pid.1")
# For callgrind_annotate: CALLGRIND_OUT=file keeps the profile.
[ -z "${CALLGRIND_OUT:-}" ] || cp "$work/callgrind.out.$postern_pid.1" "$CALLGRIND_OUT"
kill "$postern_pid"
wait "$postern_pid" 2>/dev/null || true
echo "instructions per request ($mode): $((ir / (r1 - r0))) ($((r1 - r0)) requests counted)"

if command -v strace > /dev/null; then
  rm -rf "$work/state" && mkdir -p "$work/state"
  run_postern
  run_wrk -t1 -c "$connections" -d2s "$url" > /dev/null
  strace -c -f -o "$work/strace" -p "$postern_pid" &
  strace_pid=$!
  sleep 1
  run_wrk -t1 -c "$connections" -d"${seconds}s" "$url" > "$work/wrk-strace.log"
  kill -INT "$strace_pid"
  wait "$strace_pid" 2>/dev/null || true
  reqs=$(requests_of "$work/wrk-strace.log")
  echo "system calls per request ($reqs requests):"
  awk -v n="$reqs" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { printf "  %-14s %.2f\n", $NF, $4 / n }' \
    "$work/strace" | sort -k2 -rn | head -12
fi
