#!/usr/bin/env bash
# CI for the C ABI's shared library and its Rust embedding (issue 16), in four steps:
#
#   c-shared  configure with HOLDFAST_BUILD_SHARED=ON and HOLDFAST_BUILD_TESTS=ON
#             (RelWithDebInfo), build libholdfast.so and the C suite linked to it, and run
#             `ctest -R c_api_shared` (the C suite against the .so, and the SONAME/exports check)
#   c-installed  the shared build installed to a scratch prefix (build/ci-rust-abi/installed), and
#             tests/c/holdfast_c_test.c compiled with `cc -std=c11 -Wall -Wextra -Werror -pedantic`
#             against that prefix's include/ and libholdfast.so alone (not the build tree), run
#             with LD_LIBRARY_PATH at the prefix; ldd must show the prefix's .so was loaded
#   abi       abi/check_abi.sh in the same build directory: the C ABI against the baseline
#             abi/holdfast_c.abi (abi-dumper, abi-compliance-checker)
#   rust      `cargo test --offline --locked` in examples/rust with Debian's cargo and rustc
#             (/usr/bin, 1.63), linked to the static library of an installed prefix
#
# The prefix is HOLDFAST_PREFIX, else build/ci-install/prefix (scripts/test.sh's install stage);
# if neither holds holdfast.pc, the c-installed step's prefix (which has the static library
# too). Everything it writes (build dirs, CARGO_HOME, cargo's target dir) is under
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
  summary+=("$(printf '  %-11s passed in %6ss' "$name" "$took")")
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

# The C suite as a user builds it: against the installed header and .so only. `cmake --install`
# installs the static library too, so it is built here as well: most of the step's time (about
# 50 s at -j1 on a loaded 2-core machine; the rest takes 2 s), which the rust step saves when it
# has no other prefix.
installed=$out/installed
step_c_installed() {
  cmake --build "$shared" -j "$jobs" --target holdfast holdfast_shared
  rm -rf "$installed"
  cmake --install "$shared" --prefix "$installed/prefix" >/dev/null
  local so libdir test=$installed/holdfast_c_test
  so=$(find "$installed/prefix" -name libholdfast.so -print -quit)
  [[ -n $so ]] || { echo "no libholdfast.so under $installed/prefix" >&2; return 1; }
  libdir=$(dirname "$so")
  # -l:libholdfast.so, so the libholdfast.a installed beside it can never be picked instead.
  "${CC:-cc}" -std=c11 -Wall -Wextra -Werror -pedantic -I"$installed/prefix/include" \
    tests/c/holdfast_c_test.c -o "$test" -L"$libdir" -l:libholdfast.so -pthread
  local loaded
  loaded=$(LD_LIBRARY_PATH=$libdir ldd "$test" | awk '$1 ~ /^libholdfast\.so/ { print $3 }')
  if [[ $(realpath -e "${loaded:-/nonexistent}" 2>/dev/null) != $(realpath -e "$so") ]]; then
    echo "ldd: $test loads libholdfast from '${loaded:-nowhere}', not $libdir" >&2
    return 1
  fi
  echo "-- $test loads $loaded"
  LD_LIBRARY_PATH=$libdir "$test"
}

step_abi() {
  HOLDFAST_ABI_BUILD_DIR=$shared HOLDFAST_JOBS=$jobs abi/check_abi.sh
}

has_pc() { [[ -n $(find "$1" -name holdfast.pc -print -quit 2>/dev/null) ]]; }

step_rust() {
  local prefix=${HOLDFAST_PREFIX:-$root/build/ci-install/prefix}
  if ! has_pc "$prefix"; then
    # The c-installed step's prefix holds the static library too (RelWithDebInfo).
    echo "-- no holdfast.pc under $prefix: using the c-installed step's prefix"
    prefix=$installed/prefix
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
run_step c-installed step_c_installed
run_step abi step_abi
run_step rust step_rust
current=summary
echo
echo "== ci_rust_abi: all steps passed in" \
  "$(awk -v a="$total" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
printf '%s\n' "${summary[@]}"
