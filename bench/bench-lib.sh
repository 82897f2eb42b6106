# Shared by bench/*/run-bench.sh (POSIX sh; sourced, not run).
# After `bench_init NAME`: $work is a fresh directory, removed on exit with
# every process in $pids killed; $server_cpu is where the servers under test
# run, $client_cpu where the load generators run (the other core if any).

bench_init() { # name
  work=$(mktemp -d "/tmp/$1-bench-XXXXXX")
  pids=""
  trap bench_cleanup EXIT INT TERM
  server_cpu=0
  client_cpu=$(($(nproc) > 1 ? 1 : 0))
}

bench_cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

bench_require() { # tool...: exit 77 (meson: skipped) naming the first one missing
  for tool in "$@"; do
    command -v "$tool" > /dev/null || { echo "$tool is missing (apt-get install $tool)" >&2; exit 77; }
  done
}

free_tcp_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

free_udp_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

free_udp_port_pair() { # a port P with P + 1 free too (turnutils_peer binds both)
  /usr/bin/python3 -c '
import socket
for _ in range(1000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", p + 1))
        print(p)
        break
    except OSError:
        pass
else:
    raise SystemExit("no two free UDP ports in a row")'
}

wait_for_tcp() { # port: until something listens on 127.0.0.1:PORT
  for _ in $(seq 200); do
    if grep -q "0100007F:$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on TCP $1" >&2
  return 1
}

wait_for_udp() { # port: until a socket is bound to 127.0.0.1:PORT
  for _ in $(seq 100); do
    if grep -q "0100007F:$(printf '%04X' "$1") " /proc/net/udp; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on UDP $1" >&2
  return 1
}

cpu_ticks() { # pids: utime + stime summed (fields 14, 15; comm has no spaces here)
  for p in "$@"; do cat "/proc/$p/stat"; done | awk '{ s += $14 + $15 } END { print s }'
}

bench_ec_bundle() { # $work/cert.pem, key.pem and bundle.pem (certificate, then key, as posternd takes it): ECDSA P-256 for localhost
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
  cat "$work/cert.pem" "$work/key.pem" > "$work/bundle.pem"
}

# The proxy benches' upstream: one nginx worker answering every GET with the
# same 200-byte JSON over HTTPS (bench_ec_bundle's certificate) on each port
# given. Writes $work/upstream/nginx.conf; the caller starts nginx with it.
bench_fixed_upstream_conf() { # port...
  answer='{"status": "success", "result": {"locked": false, "guests_muted": false, "started": true, "name": "open", "transfer": "none", "live_captions_available": false, "service_type": "conference", "x": "p"}}'
  [ ${#answer} -eq 200 ] || { echo "the fixed answer is ${#answer} bytes, not 200" >&2; exit 1; }
  mkdir -p "$work/upstream"
  listens=""
  for port in "$@"; do listens="$listens    listen 127.0.0.1:$port ssl;
"; done
  cat > "$work/upstream/nginx.conf" <<EOF
daemon off;
worker_processes 1;
error_log $work/upstream/error.log;
pid $work/upstream/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300;
  client_body_temp_path $work/upstream/body;
  proxy_temp_path $work/upstream/proxy;
  fastcgi_temp_path $work/upstream/fastcgi;
  uwsgi_temp_path $work/upstream/uwsgi;
  scgi_temp_path $work/upstream/scgi;
  server {
$listens    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    location / {
      default_type application/json;
      return 200 '$answer';
    }
  }
}
EOF
}
