#!/bin/sh
# Static files over HTTPS: posternd's webapp plugin against nginx serving the
# same generated tree with the same self-signed certificate, one after the
# other in one run. Each server is pinned to CPU 0 (every thread, and
# nginx's worker too), wrk to CPU 1; keep-alive, loopback only. Cases: a
# small HTML file, a 200 KiB JS file, and 304 revalidations of the JS file
# (If-None-Match with the ETag each server gave, set by a wrk Lua script).
# Per server and case: requests/s and the server's CPU (utime + stime) per
# request; then the ratios postern/nginx.
# Usage: run-bench.sh [seconds-per-case] [connections]
# (POSTERND, WEBAPP_PLUGIN_DIR from meson)
set -eu
# meson sets it for tests; it would make every malloc/free in the servers
# fill memory, which is not what they cost in production.
unset MALLOC_PERTURB_
seconds=${1:-5}
connections=${2:-16}
. "$(dirname "$0")/../bench-lib.sh"
bench_init webapp

bench_require wrk nginx curl

# The tree: a small HTML page and a 200 KiB script (not fingerprinted, no
# precompressed siblings; wrk sends no Accept-Encoding anyway).
tree="$work/www/bench"
mkdir -p "$tree"
printf '<!doctype html>\n<html><head><meta charset="utf-8"><title>Bench</title>\n<script src="app.js"></script></head>\n<body><p>Postern web app benchmark page.</p></body></html>\n' \
  > "$tree/index.html"
head -c 153600 /dev/urandom | base64 -w 76 | head -c 204800 > "$tree/app.js"
chmod -R a+rX "$work"  # nginx's worker runs as nobody

cat > "$work/revalidate.lua" <<'EOF'
wrk.headers["If-None-Match"] = os.getenv("BENCH_ETAG")
EOF

etag_of() { # port path
  curl -sk -D - -o /dev/null "https://127.0.0.1:$1$2" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }'
}

status_of() { # port path etag: "CODE BYTES"
  curl -sk -o /dev/null -w '%{http_code} %{size_download}' -H "If-None-Match: $3" "https://127.0.0.1:$1$2"
}

run_case() { # name port case path server-pids...
  name=$1 port=$2 case=$3 path=$4
  shift 4
  lua=""
  if [ "$case" = "304" ]; then
    etag=$(etag_of "$port" "$path")
    status=$(status_of "$port" "$path" "$etag")
    [ "$status" = "304 0" ] || { echo "$name: If-None-Match $etag on $path gave $status, not 304" >&2; exit 1; }
    lua="-s $work/revalidate.lua"
  else
    status=$(status_of "$port" "$path" '"none"')
    size=$(stat -c %s "$work/www$path")
    [ "$status" = "200 $size" ] || { echo "$name: $path gave $status, not 200 $size" >&2; exit 1; }
    etag=""
  fi
  url="https://127.0.0.1:$port$path"
  # Warm-up (TLS handshakes, page cache), then the measured run.
  BENCH_ETAG=$etag taskset -c "$client_cpu" wrk -t1 -c "$connections" -d1s $lua "$url" > /dev/null
  before=$(cpu_ticks "$@")
  BENCH_ETAG=$etag taskset -c "$client_cpu" wrk -t1 -c "$connections" -d"${seconds}s" $lua "$url" \
    > "$work/wrk-$name-$case.log"
  after=$(cpu_ticks "$@")
  errors=$(awk '/Non-2xx or 3xx|Socket errors/ { print; exit }' "$work/wrk-$name-$case.log")
  [ -z "$errors" ] || echo "$name $case: $errors" >&2
  awk -v n="$name" -v c="$case" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" '
    $1 == "Requests/sec:" { rps = $2 }
    / requests in / { reqs = $1; secs = $4; sub(/s,$/, "", secs) }
    END { printf "%s %s %d %.0f %.1f\n", n, c, reqs, rps, (reqs > 0 ? t * 1e6 / hz / reqs : 0) }' \
    "$work/wrk-$name-$case.log" >> "$work/results"
}

bench_server() { # name port server-pids...
  name=$1 port=$2
  shift 2
  for p in "$@"; do taskset -apc "$server_cpu" "$p" > /dev/null; done
  run_case "$name" "$port" html /bench/index.html "$@"
  run_case "$name" "$port" js /bench/app.js "$@"
  run_case "$name" "$port" 304 /bench/app.js "$@"
}

# posternd with only the webapp plugin, on a private bus; the tree at /bench/.
mkdir -p "$work/conf.d" "$work/state"
dbus-daemon --session --nofork --print-address=1 > "$work/bus" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done
p1=$(free_tcp_port)
cat > "$work/conf.d/10-webapp.conf" <<EOF
[core]
fqdn = localhost
https-listen = 127.0.0.1:$p1
http-listen =

[webapp]
root = $tree
path = /bench/
EOF
"$POSTERND" --confdirs "$work/conf.d" --plugin-dir "$WEBAPP_PLUGIN_DIR" --state-dir "$work/state" \
  --bus "$(head -1 "$work/bus")" 2> "$work/posternd.log" &
postern_pid=$!
pids="$pids $postern_pid"
wait_for_tcp "$p1"

# nginx gets posternd's certificate and key, split out of its bundle.
bundle="$work/state/https/selfsigned-localhost.pem"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$bundle" > "$work/cert.pem"
sed -n '/-----BEGIN .*PRIVATE KEY-----/,/-----END .*PRIVATE KEY-----/p' "$bundle" > "$work/key.pem"

bench_server postern "$p1" "$postern_pid"
kill "$postern_pid"

# nginx: one worker, same certificate, session tickets and ETags, no access
# log (posternd logs no requests either); its temp paths in the work dir.
p2=$(free_tcp_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
error_log $work/nginx/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$p2 ssl;
    server_name localhost;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_session_tickets on;
    etag on;
    root $work/www;
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2> "$work/nginx/stderr" &
nginx_pid=$!
pids="$pids $nginx_pid"
wait_for_tcp "$p2"
for _ in $(seq 100); do worker=$(pgrep -P "$nginx_pid" || true); [ -n "$worker" ] && break; sleep 0.05; done
bench_server nginx "$p2" "$nginx_pid" $worker
kill "$nginx_pid"

echo "wrk: 1 thread, $connections connections, keep-alive, ${seconds}s per case (after a 1s warm-up);" \
  "servers on CPU $server_cpu, wrk on CPU $client_cpu; CPU = utime+stime of the server's processes"
awk 'BEGIN { printf "%-8s %-5s %10s %10s %12s\n", "server", "case", "requests", "req/s", "cpu_us/req" }
     { printf "%-8s %-5s %10d %10d %12.1f\n", $1, $2, $3, $4, $5; rps[$1, $2] = $4; cpu[$1, $2] = $5 }
     END {
       printf "%-5s %20s %20s\n", "case", "postern/nginx req/s", "postern/nginx cpu"
       split("html js 304", cases, " ")
       for (i = 1; i <= 3; i++) { c = cases[i]
         if (rps["nginx", c] > 0 && cpu["nginx", c] > 0)
           printf "%-5s %20.2f %20.2f\n", c, rps["postern", c] / rps["nginx", c], cpu["postern", c] / cpu["nginx", c] }
     }' "$work/results"
