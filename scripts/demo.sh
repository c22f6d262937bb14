#!/usr/bin/env bash
# Builds the noon-rush demo (examples/noon_rush) in Release and runs it.
# Arguments are passed on to the demo: bash scripts/demo.sh --help
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${HOLDFAST_JOBS:-2}

bash scripts/setup.sh
cmake -S . -B build/release \
  -DCMAKE_BUILD_TYPE=Release \
  -DHOLDFAST_BUILD_TESTS=OFF \
  -DHOLDFAST_BUILD_BENCHMARKS=OFF \
  -DHOLDFAST_BUILD_EXAMPLES=ON
cmake --build build/release --target noon_rush -j "$jobs"
exec build/release/examples/noon_rush "$@"
