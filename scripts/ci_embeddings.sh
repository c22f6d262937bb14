#!/usr/bin/env bash
# Builds and tests the C and Go embeddings of holdfast's C ABI (issue 16):
#
#   c    examples/c/noon_rush_c (C11, pthreads) runs a sale and checks I1, and its ctests
#        (example_c.*) run where the build has tests
#   go   examples/go: gofmt, go vet, `go test ./...` (wrapper, concurrent sell-out, HTTP
#        endpoints), a check that the test binary links libholdfast.a statically, and the
#        goroutine noon rush
#
# It reuses what scripts/test.sh's release and install stages left: build/ci-release (the
# C example) and build/ci-install/prefix (libholdfast.a, the headers, holdfast.pc). Whatever
# is missing it builds itself, in build/ci-embeddings. Go runs offline: GOPROXY=off, GOFLAGS
# empty, GOENV=off, GOCACHE and GOPATH under build/ci-embeddings (never $HOME). The first
# failure stops the script with a non-zero status. Environment:
#   HOLDFAST_JOBS=N   parallel build jobs (default 2)
#   GO=PATH           the go command (default: go on PATH, else /usr/lib/go/bin/go)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
jobs=${HOLDFAST_JOBS:-2}
work=$root/build/ci-embeddings
mkdir -p "$work"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step() { echo; echo "== ci_embeddings: $*"; }
start=$(now)

# --- the library: a build directory with noon_rush_c, and an installed prefix --------------
build=$root/build/ci-release
if [[ ! -f $build/CMakeCache.txt ]]; then
  build=$work/build
  step "no build/ci-release: configuring $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHOLDFAST_WERROR=ON \
    -DHOLDFAST_BUILD_TESTS=ON -DHOLDFAST_BUILD_EXAMPLES=ON -DHOLDFAST_BUILD_BENCHMARKS=OFF \
    -DHOLDFAST_BUILD_PYTHON=OFF -DHOLDFAST_SANITIZE=
fi
step "building holdfast and noon_rush_c in $build"
cmake --build "$build" -j "$jobs" --target holdfast noon_rush_c

prefix=$root/build/ci-install/prefix
pc=$(find "$prefix" -name holdfast.pc -print -quit 2>/dev/null || true)
if [[ -z $pc ]]; then
  prefix=$work/prefix
  step "no install in build/ci-install/prefix: installing $build to $prefix"
  rm -rf "$prefix"
  cmake --install "$build" --prefix "$prefix"
  pc=$(find "$prefix" -name holdfast.pc -print -quit)
fi
[[ -n $pc ]] || { echo "ci_embeddings: no holdfast.pc under $prefix" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
[[ -f $libdir/libholdfast.a ]] || { echo "ci_embeddings: no $libdir/libholdfast.a" >&2; exit 1; }

# --- C ----------------------------------------------------------------------------------------
step "C: noon_rush_c 20000 8"
"$build/examples/c/noon_rush_c" 20000 8
ctest_file=$build/examples/c/CTestTestfile.cmake
if [[ -f $ctest_file ]] && grep -q example_c "$ctest_file"; then
  step "C: ctest -R '^example_c\\.'"
  ctest --test-dir "$build" -R '^example_c\.' --output-on-failure --no-tests=error
fi

# --- Go ---------------------------------------------------------------------------------------
go=${GO:-$(command -v go || echo /usr/lib/go/bin/go)}
if [[ ! -x $go ]]; then
  echo "ci_embeddings: no go command; install golang-go (scripts/setup.sh)" >&2
  exit 1
fi
export GOPROXY=off GOFLAGS='' GOENV=off GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=1
export GOCACHE=$work/go-cache GOPATH=$work/go-path
# The static library by file name (-l:libholdfast.a), so that a libholdfast.so installed beside
# it is never picked; the rest of pkg-config's line (Abseil, -pthread) as it is.
flags_cflags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags holdfast)
flags_libs=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --libs holdfast)
export CGO_CFLAGS="$flags_cflags"
export CGO_LDFLAGS="${flags_libs/-lholdfast /-l:libholdfast.a }"
if [[ $CGO_LDFLAGS != *-l:libholdfast.a* ]]; then
  echo "ci_embeddings: no -lholdfast in $flags_libs" >&2
  exit 1
fi
echo "$("$go" version); CGO_LDFLAGS=$CGO_LDFLAGS"

cd "$root/examples/go"
step "Go: gofmt -l, go vet ./..."
unformatted=$("$(dirname "$go")/gofmt" -l .)
[[ -z $unformatted ]] || { echo "ci_embeddings: gofmt would change: $unformatted" >&2; exit 1; }
"$go" vet ./...

step "Go: go test ./..."
"$go" test -count=1 ./...

step "Go: the test binary links libholdfast.a, not a shared holdfast"
"$go" test -c -o "$work/holdfast.test" ./holdfast
if ldd "$work/holdfast.test" | grep -i holdfast; then
  echo "ci_embeddings: $work/holdfast.test loads a shared holdfast" >&2
  exit 1
fi

step "Go: noonrush -tickets 20000 -goroutines 64"
"$go" build -o "$work/noonrush" ./cmd/noonrush
"$go" build -o "$work/holdserver" ./cmd/holdserver
"$work/noonrush" -tickets 20000 -goroutines 64 -seed 1

echo
echo "ci_embeddings: C and Go passed in $(elapsed "$start")s"
