#!/usr/bin/env bash
# CI for the C ABI's shared library and its Rust embedding (issue 16), in three steps:
#
#   c-shared  configure with HOLDFAST_BUILD_SHARED=ON and HOLDFAST_BUILD_TESTS=ON
#             (RelWithDebInfo), build libholdfast.so and the C suite linked to it, and run
#             `ctest -R c_api_shared` (the C suite against the .so, and the SONAME/exports check)
#   abi       abi/check_abi.sh in the same build directory: the C ABI against the baseline
#             abi/holdfast_c.abi (abi-dumper, abi-compliance-checker)
#   rust      `cargo test --offline --locked` in examples/rust with Debian's cargo and rustc
#             (/usr/bin, 1.63), linked to the static library of an installed prefix
#
# The prefix is HOLDFAST_PREFIX, else build/ci-install/prefix (scripts/test.sh's install stage);
# if neither holds holdfast.pc, the library alone is built and installed under
# build/ci-rust-abi/. Everything it writes (build dirs, CARGO_HOME, cargo's target dir) is under
# build/ci-rust-abi/ (HOLDFAST_CI_RUST_ABI_DIR moves it); nothing is downloaded. The first failure
# stops it with a non-zero status. HOLDFAST_JOBS=N sets parallel jobs (default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
out=${HOLDFAST_CI_RUST_ABI_DIR:-build/ci-rust-abi}
[[ $out == /* ]] || out=$root/$out
jobs=${HOLDFAST_JOBS:-2}
mkdir -p "$out"

current=setup
trap 'status=$?; ((status == 0)) || echo "ci_rust_abi.sh: FAILED in step $current" >&2' EXIT
now() { date +%s.%N; }
summary=()
run_step() {
  local name=$1 start took
  current=$name
  echo
  echo "== ci_rust_abi: step $name"
  start=$(now)
  "$2"
  took=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  summary+=("$(printf '  %-9s passed in %6ss' "$name" "$took")")
}

# The shared-library build: the C suite and the ABI check share it.
shared=$out/shared
step_c_shared() {
  cmake -S "$root" -B "$shared" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOLDFAST_BUILD_SHARED=ON \
    -DHOLDFAST_WERROR=ON -DHOLDFAST_SANITIZE= -DHOLDFAST_BUILD_TESTS=ON \
    -DHOLDFAST_BUILD_EXAMPLES=OFF -DHOLDFAST_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$shared" -j "$jobs" --target holdfast_shared holdfast_c_test_shared
  ctest --test-dir "$shared" -R c_api_shared --output-on-failure --no-tests=error -j "$jobs"
}

step_abi() {
  HOLDFAST_ABI_BUILD_DIR=$shared HOLDFAST_JOBS=$jobs abi/check_abi.sh
}

has_pc() { [[ -n $(find "$1" -name holdfast.pc -print -quit 2>/dev/null) ]]; }

step_rust() {
  local prefix=${HOLDFAST_PREFIX:-$root/build/ci-install/prefix}
  if ! has_pc "$prefix"; then
    echo "-- no holdfast.pc under $prefix: building and installing the static library"
    cmake -S "$root" -B "$out/release" -DCMAKE_BUILD_TYPE=Release -DHOLDFAST_WERROR=ON \
      -DHOLDFAST_SANITIZE= -DHOLDFAST_BUILD_TESTS=OFF -DHOLDFAST_BUILD_EXAMPLES=OFF \
      -DHOLDFAST_BUILD_BENCHMARKS=OFF >/dev/null
    cmake --build "$out/release" -j "$jobs" --target holdfast
    prefix=$out/prefix
    rm -rf "$prefix"
    cmake --install "$out/release" --prefix "$prefix" >/dev/null
  fi
  # Debian's toolchain, even where a rustup one comes first on PATH.
  local cargo=cargo
  if [[ -x /usr/bin/cargo && -x /usr/bin/rustc ]]; then
    cargo=/usr/bin/cargo
    export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
  fi
  echo "-- $("$cargo" --version), $("${RUSTC:-rustc}" --version); holdfast from $prefix"
  (cd examples/rust &&
    CARGO_HOME=$out/cargo-home CARGO_TARGET_DIR=$out/cargo-target HOLDFAST_PREFIX=$prefix \
      "$cargo" test --offline --locked -j "$jobs")
}

total=$(now)
run_step c-shared step_c_shared
run_step abi step_abi
run_step rust step_rust
current=summary
echo
echo "== ci_rust_abi: all steps passed in" \
  "$(awk -v a="$total" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
printf '%s\n' "${summary[@]}"
