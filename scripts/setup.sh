#!/usr/bin/env bash
# Installs the Debian packages Postern needs (only those missing) and builds
# it in build/. Run as root on Debian 12. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
builddir=${POSTERN_BUILDDIR:-$root/build}

missing=()
while read -r pkg; do
  pkg=${pkg%%#*}
  pkg=${pkg//[[:space:]]/}
  [ -n "$pkg" ] || continue
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done < "$root/scripts/debian-packages.txt"
# Node and npm run the npm clients in tests; use the machine's if it has them.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "setup: run as root to install packages" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # coturn's package may start a TURN server on 3478; the tests need the port.
  if command -v systemctl >/dev/null && systemctl is-active --quiet coturn 2>/dev/null; then
    systemctl stop coturn
  fi
fi

# npm clients the integration tests drive (stun, playwright-core, axe-core).
lock=$root/tests/node/package-lock.json
if [ -f "$lock" ] && { [ ! -d "$root/tests/node/node_modules" ] || [ "$lock" -nt "$root/tests/node/node_modules" ]; }; then
  npm --prefix "$root/tests/node" ci --no-audit --no-fund >/dev/null
  touch "$root/tests/node/node_modules"
fi

if [ -d "$builddir" ]; then
  meson setup --reconfigure "$builddir" "$root" >/dev/null
else
  meson setup "$builddir" "$root" >/dev/null
fi
ninja -C "$builddir"
