#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs each for a bounded time from its seed corpus in tests/fuzz/corpus/.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
# Only the fuzz targets (and the core they link): not the unit tests or the
# program, which would double the ASan build for nothing run here. ccache,
# where installed, as scripts/build.sh uses it.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$PWD")} CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DREMASTER_FUZZ=ON -DREMASTER_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
mapfile -t targets < <(for f in tests/fuzz/fuzz_*.cpp; do basename "$f" .cpp; done)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
status=0
for name in "${targets[@]}"; do
  target=build-fuzz/$name
  corpus=tests/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  [[ -d $corpus ]] && cp "$corpus"/* "$work"/ 2>/dev/null || :
  if "$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    echo "fuzz: $name ran ${seconds}s: $(grep -o 'Done [0-9]* runs' "$work.log" || echo ok)"
  else
    echo "fuzz: $name FAILED"
    tail -n 40 "$work.log"
    status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
