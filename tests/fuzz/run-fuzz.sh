#!/bin/sh
# Builds the STUN fuzzer with clang and libFuzzer+ASan+UBSan in its own build
# directory (the whole build instrumented for coverage) and runs it for a bounded time. New inputs go to a scratch corpus;
# copy a crash-* file into corpus-stun/ to keep it as a regression test.
# Usage: tests/fuzz/run-fuzz.sh [seconds]   (default 60)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build="$top/build-fuzz"
work="$build/fuzz-work"

if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Dintrospection=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" tests/fuzz/fuzz-stun
mkdir -p "$work/corpus" "$work/artifacts"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/tests/fuzz/fuzz-stun" -max_total_time="$seconds" -max_len=2048 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/corpus-stun"
