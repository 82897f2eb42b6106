#!/bin/sh
# Builds the HTTP framing fuzzer (core/https/tests/meson.build builds
# tests/fuzz/fuzz-http.c with -Dfuzzing=true) with clang, libFuzzer, ASan and
# UBSan, and runs it for a bounded time. New inputs go to a scratch corpus;
# copy a crash-* file into corpus-http/ to keep it as a regression test.
# Usage: tests/fuzz/run-fuzz-http.sh [seconds]   (default 60)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build="$top/build-fuzz"
work="$build/fuzz-http-work"

if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Dintrospection=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" core/https/tests/fuzz-http
mkdir -p "$work/corpus" "$work/artifacts"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/core/https/tests/fuzz-http" -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/corpus-http"
