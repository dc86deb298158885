#!/usr/bin/env bash
# The main job: install dependencies, build libcrm and its demo host program,
# and run the demo on an embedded SQLite file (build/crm_demo.db).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target crm_demo
./build/examples/crm_demo build/crm_demo.db
