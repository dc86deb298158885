#!/usr/bin/env bash
# Install dependencies, build everything and run every test: GoogleTest, the
# C tests, the Python binding's pytest suite and the guides' examples.
# Extra arguments go to cmake's configure step (e.g. -DCRM_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build="${CRM_BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
