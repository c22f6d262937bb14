#!/usr/bin/env bash
# Installs what holdfast needs to build and test, from Debian 12's packages.
# Skips packages that are already installed and runs `apt-get update` only when
# something is missing, so a second run is instant. Run as root (sudo is used
# when present and needed; it is not required).
set -euo pipefail

packages=(
  build-essential  # g++ 12 and make; gcc's libasan/libtsan/libubsan come with it
  cmake
  pkg-config
  libabsl-dev
  libboost-dev     # Boost.Lockfree (header-only)
  nlohmann-json3-dev  # JSON for examples/box_office (Beast/Asio come with libboost-dev)
  libgtest-dev
  libgmock-dev
  googletest
  libbenchmark-dev
  python3
  python3-dev         # the Python bindings (python/): headers for the module
  pybind11-dev
  python3-pytest      # the Python tests
  clang-14            # the libFuzzer build of tests/fuzz/ (scripts/test.sh's fuzz stage)
  libclang-rt-14-dev  # libFuzzer and clang's sanitizer runtimes
  spin                # model checking of the hold life cycle (tests/lifecycle_model_test)
  python3-hypothesis
  python3-pip         # pip install --no-build-isolation ./python, offline
  python3-setuptools
  python3-wheel
  python3-venv
  python3-mypy        # mypy --strict over the package, examples and a typed client (test_typing)
  python3-fastapi     # examples/python/fastapi_box_office and its tests
  python3-uvicorn
  python3-httpx       # FastAPI's TestClient
  golang-go           # examples/go: cgo over the C ABI (scripts/ci_embeddings.sh)
  rustc               # examples/rust (Debian's 1.63) and scripts/ci_rust_abi.sh
  cargo
  abi-dumper          # abi/check_abi.sh: the C ABI against abi/holdfast_c.abi
  abi-compliance-checker
  universal-ctags     # abi-dumper -public-headers needs ctags (only a Recommends)
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: missing ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
"${apt_get[@]}" update
"${apt_get[@]}" install --no-install-recommends "${missing[@]}"

for package in "${missing[@]}"; do
  if ! installed "$package"; then
    echo "setup: $package is still not installed" >&2
    exit 1
  fi
done
echo "setup: done"
