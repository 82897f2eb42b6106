# Sourced by bench/turn's scripts after bench-lib.sh (needs $work): the
# bench user and the turn plugin's drop-in.
user=bench
password=bench-pw
realm=bench.realm

turn_bench_users() { # $work/turn-users with the bench user's long-term key, mode 0600
  key=$(printf '%s:%s:%s' "$user" "$realm" "$password" | md5sum | cut -d' ' -f1)
  (umask 077; printf '%s:0x%s\n' "$user" "$key" > "$work/turn-users")
}

turn_bench_dropin() { # port relay-min relay-max relay-threads: $work/conf.d/30-turn.conf on 127.0.0.1:PORT
  mkdir -p "$work/conf.d"
  cat > "$work/conf.d/30-turn.conf" <<EOC
[turn]
listen = 127.0.0.1:$1
realm = $realm
users-file = $work/turn-users
relay-ip = 127.0.0.1
relay-ports = $2-$3
allowed-peers = 127.0.0.1/32
legacy-channels = true
relay-threads = $4
EOC
}
