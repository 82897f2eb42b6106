#!/bin/sh
# Builds every libFuzzer harness (fuzz-*: STUN, HTTP framing, webapp paths and
# headers, ...) with clang, libFuzzer, ASan and UBSan in build-fuzz/, replays
# each seed corpus (meson suite `fuzz`: past crashes stay regression tests),
# then fuzzes each harness for a bounded time. A crash fails the run; copy its
# crash-* file into tests/fuzz/corpus-NAME/ to keep it as a regression test.
# Usage: tests/fuzz/run-fuzzers.sh [seconds per harness]   (default 60)
# Each timed run is also recorded as one JSON line, in meson's testlog.json
# form, in build-fuzz/fuzz-runs.json (for scripts/count-tests.py).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build=${POSTERN_FUZZ_BUILDDIR:-$top/build-fuzz}

if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Dintrospection=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$build" >"$build/ninja.log" 2>&1 || { tail -30 "$build/ninja.log"; exit 1; }
meson test -C "$build" --suite fuzz --print-errorlogs

runs="$build/fuzz-runs.json"
: >"$runs"
for harness in $(find "$build" -type f -perm -u+x -name 'fuzz-*' ! -name '*.*' | sort); do
  name=$(basename "$harness")
  corpus="$here/corpus-${name#fuzz-}"
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  echo "fuzzing $name for ${seconds}s"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$harness" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" 2>"$work/log" \
    || { tail -40 "$work/log"; echo "$name found a crash: $work/artifacts";
         echo "{\"name\": \"$name ${seconds}s\", \"result\": \"FAIL\"}" >>"$runs"; exit 1; }
  echo "{\"name\": \"$name ${seconds}s\", \"result\": \"OK\"}" >>"$runs"
  grep -E 'stat::number_of_executed_units' "$work/log" || true
done
