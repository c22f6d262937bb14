#!/usr/bin/env bash
# Builds holdfast and passes every test, the way CI does:
#
#   release    Release build of everything (tests, examples, benchmarks) with
#              -Werror, then ctest
#   install    install to a scratch prefix; build and run a consumer project
#              with find_package(holdfast)
#   subproject build and run the same consumer with add_subdirectory(holdfast)
#   pkgconfig  compile the consumer with `pkg-config --cflags --libs holdfast`
#              against the installed prefix, and run it
#   embeddings the C example (examples/c) and `go test` (examples/go) through
#              the C ABI: scripts/ci_embeddings.sh
#   rust-abi   scripts/ci_rust_abi.sh: the C tests against libholdfast.so and
#              its exports, the C ABI check against abi/holdfast_c.abi, and
#              `cargo test --offline` of examples/rust
#   tsan       ThreadSanitizer build (RelWithDebInfo), then ctest
#   asan       AddressSanitizer + UndefinedBehaviorSanitizer build, then ctest
#   fuzz       clang libFuzzer build of tests/fuzz/sale_fuzzer, run for
#              HOLDFAST_FUZZ_SECONDS (60) on the corpus (HOLDFAST_SKIP_FUZZ=1 skips it)
#
# Every stage has its own build directory under build/ci-*. The first failure
# stops the script with a non-zero status. Environment:
#   HOLDFAST_SKIP_SANITIZERS=1   skip the tsan and asan stages (local iteration)
#   HOLDFAST_JOBS=N              parallel build and test jobs (default 2)
#   TSAN_OPTIONS, ASAN_OPTIONS, UBSAN_OPTIONS override the defaults below
#   (TSan runs with no suppressions file: every race it reports is a failure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

jobs=${HOLDFAST_JOBS:-2}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
summary=()
current_stage=setup
on_exit() {
  local status=$?
  if ((status != 0)); then
    echo >&2
    echo "test.sh: FAILED in stage \"$current_stage\" (exit status $status;" \
      "$passed stages passed before it)" >&2
  fi
}
trap on_exit EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

banner() {
  echo
  echo "=================================================================="
  echo "== $*"
  echo "=================================================================="
}

# run_stage NAME FUNCTION: runs FUNCTION under a banner and times it. Under
# `set -e` any failing command inside FUNCTION ends the script.
run_stage() {
  local name=$1 fn=$2 start
  current_stage=$name
  banner "stage $name"
  start=$(now)
  "$fn"
  local took
  took=$(elapsed "$start")
  passed=$((passed + 1))
  summary+=("$(printf '  %-11s passed in %6ss' "$name" "$took")")
  echo "-- stage $name passed in ${took}s"
}

# configure_and_build DIR CMAKE_ARGS...: a fresh configure (cache kept) and a
# build of every target.
configure_and_build() {
  local dir=$1
  shift
  cmake -S "$root" -B "$dir" "$@"
  cmake --build "$dir" -j "$jobs"
}

run_ctest() {
  local dir=$1
  shift
  # Any prefix command (setarch) comes in "$@".
  "$@" ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs"
}

# Prints OK and exits 0 when the consumer works; anything else fails.
check_consumer() {
  local binary=$1 output
  output=$("$binary")
  echo "$binary: $output"
  [[ $output == OK ]]
}

stage_release() {
  configure_and_build build/ci-release \
    -DCMAKE_BUILD_TYPE=Release \
    -DHOLDFAST_WERROR=ON \
    -DHOLDFAST_BUILD_TESTS=ON \
    -DHOLDFAST_BUILD_EXAMPLES=ON \
    -DHOLDFAST_BUILD_BENCHMARKS=ON \
    -DHOLDFAST_SANITIZE=
  run_ctest build/ci-release
}

prefix=$root/build/ci-install/prefix

stage_install() {
  rm -rf build/ci-install
  cmake --install build/ci-release --prefix "$prefix"
  echo "-- installed files:"
  (cd "$prefix" && find . -type f | sort | sed 's/^/     /')
  cmake -S tests/install/consumer -B build/ci-install/consumer \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix"
  cmake --build build/ci-install/consumer -j "$jobs"
  check_consumer build/ci-install/consumer/consumer
}

stage_subproject() {
  rm -rf build/ci-subproject
  cmake -S tests/install/consumer -B build/ci-subproject \
    -DCMAKE_BUILD_TYPE=Release -DHOLDFAST_SOURCE_DIR="$root"
  cmake --build build/ci-subproject -j "$jobs"
  check_consumer build/ci-subproject/consumer
}

stage_pkgconfig() {
  local pc
  pc=$(find "$prefix" -name holdfast.pc -print -quit)
  [[ -n $pc ]] || { echo "no holdfast.pc under $prefix" >&2; return 1; }
  mkdir -p build/ci-install/pkgconfig
  local flags
  flags=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs holdfast)
  echo "pkg-config --cflags --libs holdfast: $flags"
  # shellcheck disable=SC2086  # the flags are meant to split into words
  g++ -std=c++20 tests/install/consumer/main.cc $flags -o build/ci-install/pkgconfig/consumer
  check_consumer build/ci-install/pkgconfig/consumer
}

stage_embeddings() {
  HOLDFAST_JOBS=$jobs bash scripts/ci_embeddings.sh
}

stage_rust_abi() {
  HOLDFAST_JOBS=$jobs HOLDFAST_PREFIX=$prefix bash scripts/ci_rust_abi.sh
}

# TSan's shadow memory needs a fixed address layout; on kernels with high
# mmap randomisation it aborts with "unexpected memory mapping" unless ASLR is
# off for the process. setarch -R turns it off for ctest and its children,
# where the kernel (or a container's seccomp profile) allows it.
no_aslr=()
if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
  no_aslr=(setarch "$(uname -m)" -R)
fi

stage_tsan() {
  configure_and_build build/ci-tsan \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHOLDFAST_WERROR=ON \
    -DHOLDFAST_SANITIZE=thread \
    -DHOLDFAST_BUILD_TESTS=ON \
    -DHOLDFAST_BUILD_EXAMPLES=OFF \
    -DHOLDFAST_BUILD_BENCHMARKS=OFF
  echo "TSAN_OPTIONS=$TSAN_OPTIONS${no_aslr[*]:+ (ctest under ${no_aslr[*]})}"
  run_ctest build/ci-tsan "${no_aslr[@]}"
}

stage_asan() {
  configure_and_build build/ci-asan \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHOLDFAST_WERROR=ON \
    -DHOLDFAST_SANITIZE=address \
    -DHOLDFAST_BUILD_TESTS=ON \
    -DHOLDFAST_BUILD_EXAMPLES=OFF \
    -DHOLDFAST_BUILD_BENCHMARKS=OFF
  echo "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
  run_ctest build/ci-asan
}

# The differential fuzzer (tests/fuzz/): clang's libFuzzer with ASan + UBSan, library
# instrumented for coverage, HOLDFAST_FUZZ_SECONDS (default 60) on a scratch copy of the corpus.
stage_fuzz() {
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B build/ci-fuzz \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHOLDFAST_SANITIZE=address \
    -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
    -DHOLDFAST_BUILD_FUZZERS=ON \
    -DHOLDFAST_BUILD_TESTS=ON \
    -DHOLDFAST_BUILD_EXAMPLES=OFF \
    -DHOLDFAST_BUILD_BENCHMARKS=OFF
  cmake --build build/ci-fuzz -j "$jobs" --target sale_fuzzer seat_map_fuzzer
  rm -rf build/ci-fuzz/corpus && cp -r tests/fuzz/corpus build/ci-fuzz/corpus
  build/ci-fuzz/tests/fuzz/sale_fuzzer -max_total_time="${HOLDFAST_FUZZ_SECONDS:-60}" \
    -max_len=1024 -print_final_stats=1 build/ci-fuzz/corpus
  # The seat-map parser (ParseSeatMap, validation, label round trips): a small seed corpus of
  # valid maps, HOLDFAST_SEAT_FUZZ_SECONDS (default 30), texts up to 4 KiB; one text taking 10 s
  # is a hang (issue 10 defect 16 was one), not a slow input.
  rm -rf build/ci-fuzz/seat_corpus && cp -r tests/fuzz/seat_corpus build/ci-fuzz/seat_corpus
  build/ci-fuzz/tests/fuzz/seat_map_fuzzer -max_total_time="${HOLDFAST_SEAT_FUZZ_SECONDS:-30}" \
    -max_len=4096 -timeout=10 -print_final_stats=1 build/ci-fuzz/seat_corpus
}

total_start=$(now)
banner "setup (apt-get, only what is missing)"
bash scripts/setup.sh
echo "$(g++ --version | head -n 1); $(cmake --version | head -n 1); $(nproc) cores"

run_stage release stage_release
run_stage install stage_install
run_stage subproject stage_subproject
run_stage pkgconfig stage_pkgconfig
run_stage embeddings stage_embeddings
run_stage rust-abi stage_rust_abi
if [[ ${HOLDFAST_SKIP_SANITIZERS:-0} == 1 ]]; then
  echo
  echo "-- HOLDFAST_SKIP_SANITIZERS=1: skipping the tsan and asan stages"
else
  run_stage tsan stage_tsan
  run_stage asan stage_asan
fi
if [[ ${HOLDFAST_SKIP_FUZZ:-0} == 1 ]] || ! command -v clang++-14 >/dev/null 2>&1; then
  echo
  echo "-- skipping the fuzz stage (HOLDFAST_SKIP_FUZZ=1, or no clang++-14)"
else
  run_stage fuzz stage_fuzz
fi

current_stage=summary
banner "summary ($(elapsed "$total_start")s in all)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, 0 failed"
