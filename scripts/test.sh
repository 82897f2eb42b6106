#!/usr/bin/env bash
# Installs what is missing, builds, and runs the unit and integration suites
# twice: in a normal build and in an ASan+UBSan build; then replays the fuzz
# corpora and runs each libFuzzer harness for POSTERN_FUZZ_SECONDS (30). Run as root on
# Debian 12. Ends with one line "N passed, N failed" counted from meson's
# test logs; exits non-zero if anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${POSTERN_BUILDDIR:-$root/build}
asan=$root/build-asan
export POSTERN_BUILDDIR=$build

"$root/scripts/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

rc=0
meson test -C "$build" --suite unit --suite integration --print-errorlogs || rc=1

# ASan+UBSan: every finding fails its test. GI is off here (python cannot
# load an ASan-instrumented library without preloading the runtime).
if [ -d "$asan" ]; then
  meson setup --reconfigure "$asan" "$root" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=false >/dev/null
else
  meson setup "$asan" "$root" -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=false >/dev/null
fi
if ninja -C "$asan"; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$asan" --suite unit --suite integration --print-errorlogs --timeout-multiplier 3 || rc=1
else
  echo "ASan build failed"
  rc=1
fi

# Fuzzing: the seed corpora replayed, then each harness for a bounded time.
fuzz=$root/build-fuzz
POSTERN_FUZZ_BUILDDIR=$fuzz "$root/tests/fuzz/run-fuzzers.sh" "${POSTERN_FUZZ_SECONDS:-30}" || rc=1

python3 "$root/scripts/count-tests.py" "$build/meson-logs/testlog.json" "$asan/meson-logs/testlog.json" \
  "$fuzz/meson-logs/testlog.json" "$fuzz/fuzz-runs.json" || rc=1
exit $rc
