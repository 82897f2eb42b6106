#!/bin/sh
# HTTPS reverse proxy: posternd's https-proxy plugin against nginx with one
# worker and the old appliance's proxy settings, to the same three upstreams,
# in one run. Loopback only. Each proxy is pinned to CPU 0 (every thread;
# nginx's master and worker), wrk, the upstreams and the stream holder to
# CPU 1. Both proxies run at once for the request cases and take turns,
# ROUNDS times, so load from elsewhere on a shared machine hits both alike;
# medians are reported.
#
# Requests: wrk over HTTPS, GET of a 200-byte JSON answer, 1 thread, with
# keep-alive ("keepalive") and with a new TLS connection per request
# ("close": Connection: close, each wrk connection reconnecting and shaking
# hands again, resuming its session with the ticket it got). The
# upstreams are one nginx serving a fixed answer on three ports: the demo
# node (libsoup, ~35 µs of CPU per request, three of them on
# one core) would cap both proxies at the same rate and hide their cost.
# Per proxy and case: requests/s, p99 latency (wrk), the proxy's CPU
# (utime + stime from /proc/PID/stat) per request.
#
# Event streams: three demo Conferencing Nodes as upstreams; hold-streams.py
# opens STREAMS server-sent event streams (/events?token=) through the proxy
# and reports the proxy's RSS growth per open stream. nginx's ip_hash sends
# them all to one node (every client is 127.0.0.1), Postern follows each
# token to the node that issued it.
#
# Prints a table and the ratios Postern/nginx with the targets.
# Usage: run-bench.sh [seconds-per-case] [keep-alive-connections] [streams] [rounds]
# (POSTERND, HTTPS_PROXY_PLUGIN_DIR, DEMO_NODE, HOLD_STREAMS from meson)
set -eu
# meson sets it for tests; it would make every malloc/free in posternd fill
# memory, which is not what it costs in production.
unset MALLOC_PERTURB_
seconds=${1:-4}
connections=${2:-64}
streams=${3:-10000}
rounds=${4:-3}
warmup_streams=100
close_connections=16
. "$(dirname "$0")/../bench-lib.sh"
bench_init https-proxy

bench_require wrk nginx openssl curl
# Each stream is a client socket and an upstream socket in the proxy (and
# one in the holder and one in a node). Without CAP_SYS_RESOURCE the hard
# limit caps the proxy's descriptors, so fewer streams may fit.
ulimit -n $(((streams + warmup_streams) * 2 + 200)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fit=$((($(ulimit -n) - 200) / 2 - warmup_streams))
if [ "$streams" -gt "$fit" ]; then
  echo "RLIMIT_NOFILE allows $(ulimit -n) descriptors: $fit streams instead of $streams" >&2
  streams=$fit
fi

# One ECDSA P-256 certificate for localhost, used by both proxies and all
# upstreams. Postern takes a bundle: certificate, then key.
bench_ec_bundle

# The fixed-answer upstreams: one nginx worker on three ports.
u1=$(free_tcp_port) u2=$(free_tcp_port) u3=$(free_tcp_port)
bench_fixed_upstream_conf "$u1" "$u2" "$u3"
taskset -c "$client_cpu" nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" 2> "$work/upstream/stderr" &
pids="$pids $!"

# The demo Conferencing Nodes, for the event streams: each stream gets the
# participant list at once and then a stage event every 20 s (at the demo's
# default of 1 s, ten thousand streams keep the holder's core busy).
d1=$(free_tcp_port) d2=$(free_tcp_port) d3=$(free_tcp_port)
for port in $d1 $d2 $d3; do
  taskset -c "$client_cpu" "$DEMO_NODE" --listen "127.0.0.1:$port" --certificate "$work/bundle.pem" --event-interval 20 \
    2> "$work/demo-node-$port.log" &
  pids="$pids $!"
done
for port in $u1 $u2 $u3 $d1 $d2 $d3; do wait_for_tcp "$port"; done

# Every run reads the answer once first, so a broken set-up fails loudly.
path=/api/client/v2/conferences/open/conference_status
check_answer() { # name port
  got=$(curl -sk -o /dev/null -w '%{http_code} %{size_download}' "https://127.0.0.1:$2$path")
  [ "$got" = "200 200" ] || { echo "$1: $path gave '$got', not '200 200'" >&2; exit 1; }
}

run_case() { # name port case proxy-pids...
  name=$1 port=$2 case=$3
  shift 3
  if [ "$case" = close ]; then
    set -- -c "$close_connections" -H 'Connection: close' -- "$@"
  else
    set -- -c "$connections" -- "$@"
  fi
  # wrk's options until --, the proxy's pids after.
  opts=""
  while [ "$1" != -- ]; do opts="$opts '$1'"; shift; done
  shift
  url="https://127.0.0.1:$port$path"
  eval "taskset -c $client_cpu wrk -t1 -d1s $opts $url" > /dev/null
  before=$(cpu_ticks "$@")
  eval "taskset -c $client_cpu wrk -t1 -d${seconds}s --latency $opts $url" > "$work/wrk-$name-$case.log"
  after=$(cpu_ticks "$@")
  errors=$(awk '/Non-2xx or 3xx|Socket errors/ { print; exit }' "$work/wrk-$name-$case.log")
  [ -z "$errors" ] || echo "$name $case: $errors" >&2
  awk -v n="$name" -v c="$case" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" '
    function us(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return v * 1000
      if (v ~ /s$/) return v * 1e6
      return v
    }
    $1 == "Requests/sec:" { rps = $2 }
    $1 == "99%" { p99 = us($2) }
    / requests in / { reqs = $1 }
    END {
      cpu_s = t / hz
      printf "%s %s %d %.0f %.0f %.2f %.0f\n", n, c, reqs, rps, p99, (reqs > 0 ? cpu_s * 1e6 / reqs : 0),
             (cpu_s > 0 ? reqs / cpu_s : 0)
    }' "$work/wrk-$name-$case.log" >> "$work/results"
}

hold_streams() { # name port proxy-pids...
  name=$1 port=$2
  shift 2
  pid_list=$(echo "$@" | tr ' ' ',')
  line=$(taskset -c "$client_cpu" /usr/bin/python3 "$HOLD_STREAMS" "$port" "$pid_list" "$streams" "$warmup_streams")
  echo "$name streams: $line"
  echo "$name $line" >> "$work/memory"
}

# posternd with only the https-proxy plugin, on a private bus; started once
# per upstream set.
dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done

start_postern() { # port nodes
  rm -rf "$work/conf.d" "$work/state"
  mkdir -p "$work/conf.d" "$work/state"
  cat > "$work/conf.d/40-https-proxy.conf" <<EOF
[core]
fqdn = localhost
https-listen = 127.0.0.1:$1
http-listen =
certificate = $work/bundle.pem

[https-proxy]
nodes = $2
EOF
  "$POSTERND" --confdirs "$work/conf.d" --plugin-dir "$HTTPS_PROXY_PLUGIN_DIR" --state-dir "$work/state" \
    --bus "$(head -1 "$work/bus")" 2>> "$work/posternd.log" &
  postern_pid=$!
  pids="$pids $postern_pid"
  wait_for_tcp "$1"
  taskset -apc "$server_cpu" "$postern_pid" > /dev/null
}

stop() { # pid
  kill "$1"
  wait "$1" 2>/dev/null || true
}

# nginx from DIR/nginx.conf, master and worker on the servers' CPU once it
# listens on PORT; their pids in $started_pid and $started_worker.
start_pinned_nginx() { # dir port
  nginx -p "$1" -c "$1/nginx.conf" 2> "$1/stderr" &
  started_pid=$!
  pids="$pids $started_pid"
  wait_for_tcp "$2"
  for _ in $(seq 100); do started_worker=$(pgrep -P "$started_pid" || true); [ -n "$started_worker" ] && break; sleep 0.05; done
  taskset -apc "$server_cpu" "$started_pid" > /dev/null
  taskset -apc "$server_cpu" "$started_worker" > /dev/null
}

# nginx as the old appliance ran it (REFERENCE.md): ip_hash over the nodes
# with max_fails=0 and a keep-alive pool of 1024, HTTP/1.1 to the nodes over
# TLS with SNI, Host and X-Real-IP/X-Forwarded-For set, 15M bodies,
# keepalive_timeout 65, connect timeout 20 s; plus what event streams
# need: proxy_buffering off and a read timeout of an hour (Postern's
# stream-idle-timeout). One worker; worker_connections raised from the
# appliance's 4096 to hold the streams; keepalive_requests raised so wrk's
# keep-alive connections are never closed (Postern closes none either); no
# access log (Postern logs none by default).
start_nginx() { # port node-ports...
  port=$1
  shift
  servers=""
  for n in "$@"; do servers="$servers    server 127.0.0.1:$n max_fails=0;
"; done
  rm -rf "$work/nginx"
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
error_log $work/nginx/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections $(((streams + warmup_streams) * 2 + 100)); }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  client_max_body_size 15M;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  upstream nodes {
    ip_hash;
$servers    keepalive 1024;
  }
  server {
    listen 127.0.0.1:$port ssl;
    server_name localhost;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_session_tickets on;
    location / {
      proxy_pass https://nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_ssl_server_name on;
      proxy_connect_timeout 20s;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_buffering off;
      proxy_next_upstream error timeout http_502 http_503 http_504;
    }
  }
}
EOF
  start_pinned_nginx "$work/nginx" "$port"
  nginx_pid=$started_pid worker=$started_worker
}

# nginx 1.22 offers TLS up to 1.2 by default, so wrk's reconnections to it
# are TLS 1.2 ticket resumptions with no key exchange; Postern's are TLS 1.3
# resumptions with an X25519 exchange (psk_dhe_ke, what clients offer).
# "nginx13" is the same nginx with TLS 1.3 too: the like-for-like anchor
# for the close case.
start_nginx13() { # port (after start_nginx, from its configuration)
  mkdir -p "$work/nginx13"
  sed -e "s|$work/nginx/|$work/nginx13/|g" \
    -e "s|listen 127.0.0.1:$np ssl;|listen 127.0.0.1:$1 ssl; ssl_protocols TLSv1.2 TLSv1.3;|" \
    "$work/nginx/nginx.conf" > "$work/nginx13/nginx.conf"
  start_pinned_nginx "$work/nginx13" "$1"
  nginx13_pid=$started_pid worker13=$started_worker
}

# Requests: the proxies up, taking turns.
pp=$(free_tcp_port)
start_postern "$pp" "127.0.0.1:$u1;127.0.0.1:$u2;127.0.0.1:$u3"
np=$(free_tcp_port)
start_nginx "$np" "$u1" "$u2" "$u3"
n13p=$(free_tcp_port)
start_nginx13 "$n13p"
check_answer postern "$pp"
check_answer nginx "$np"
check_answer nginx13 "$n13p"
for _ in $(seq "$rounds"); do
  for case in keepalive close; do
    run_case postern "$pp" "$case" "$postern_pid"
    run_case nginx "$np" "$case" "$nginx_pid" "$worker"
  done
  run_case nginx13 "$n13p" close "$nginx13_pid" "$worker13"
done
stop "$postern_pid"
stop "$nginx_pid"
stop "$nginx13_pid"

# Streams: one proxy at a time (each needs most of the descriptors).
p=$(free_tcp_port)
start_postern "$p" "127.0.0.1:$d1;127.0.0.1:$d2;127.0.0.1:$d3"
hold_streams postern "$p" "$postern_pid"
stop "$postern_pid"
p=$(free_tcp_port)
start_nginx "$p" "$d1" "$d2" "$d3"
hold_streams nginx "$p" "$nginx_pid" "$worker"
stop "$nginx_pid"

echo
echo "wrk: 1 thread, ${seconds}s per case after a 1s warm-up, $rounds rounds taking turns, medians shown;" \
  "keepalive: $connections connections; close: $close_connections connections sending Connection: close" \
  "(a TLS handshake per request, resuming wrk's session by ticket; nginx13: nginx with TLS 1.3 enabled)."
echo "Proxies on CPU $server_cpu; wrk, the upstreams and the stream holder on CPU $client_cpu." \
  "CPU = utime+stime of the proxy's processes; req/cpu_s = requests per CPU-second."
/usr/bin/python3 - "$work/results" "$work/memory" <<'PY'
import statistics
import sys

runs = {}
for line in open(sys.argv[1]):
    name, case, reqs, rps, p99, cpu, eff = line.split()
    runs.setdefault((name, case), []).append((int(reqs), float(rps), float(p99), float(cpu), float(eff)))
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in runs.items()}
print(f'{"proxy":8} {"case":10} {"rounds":>6} {"req/s":>9} {"p99_us":>9} {"cpu_us/req":>11} {"req/cpu_s":>10}'
      '   (req/cpu_s of each round)')
for (name, case), (reqs, rps, p99, cpu, eff) in sorted(med.items(), key=lambda kv: (kv[0][1] != 'keepalive',
                                                                                   kv[0][0] != 'postern')):
    each = ' '.join(f'{r[4]:.0f}' for r in runs[name, case])
    print(f'{name:8} {case:10} {len(runs[name, case]):6d} {rps:9.0f} {p99:9.0f} {cpu:11.2f} {eff:10.0f}   ({each})')
mem = {}
for line in open(sys.argv[2]):
    name, *fields = line.split()
    mem[name] = {k: int(v) for k, v in (f.split('=') for f in fields)}
print(f'{"proxy":8} {"streams":>8} {"failed":>7} {"rss_growth_kib":>15} {"bytes/stream":>13}')
for name in ('postern', 'nginx'):
    m = mem[name]
    print(f'{name:8} {m["streams"]:8d} {m["failed"]:7d} {m["rss_after_kib"] - m["rss_before_kib"]:15d}'
          f' {m["bytes_per_stream"]:13d}')
print()
print('Postern/nginx:')
for case in ('keepalive', 'close'):
    p, n = med['postern', case], med['nginx', case]
    print(f'{case:10} requests per CPU-second {p[4] / n[4]:.2f} (target >= 1.20), p99 {p[2] / n[2]:.2f} '
          f'(target <= 1.00), req/s {p[1] / n[1]:.2f}')
p, n = med['postern', 'close'], med['nginx13', 'close']
print(f'{"close":10} against nginx with TLS 1.3: requests per CPU-second {p[4] / n[4]:.2f}, p99 {p[2] / n[2]:.2f}')
if mem['nginx']['bytes_per_stream'] > 0:
    ratio = mem['postern']['bytes_per_stream'] / mem['nginx']['bytes_per_stream']
    print(f'{"streams":10} memory per open stream {ratio:.2f} (target < 1.00)')
PY
