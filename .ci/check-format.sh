#!/usr/bin/env bash
# C++ sources follow .clang-format (Google style, 100 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not installed"; exit 1; }
files=$(git ls-files 'src/*.cpp' 'src/*.hpp' 'capi/*.cpp' 'capi/*.hpp' 'include/*.hpp' \
        'tests/*.cpp' 'tests/*.hpp' 'benchmarks/*.cpp' 'benchmarks/*.hpp')
clang-format --dry-run --Werror $files
echo "clang-format: $(echo "$files" | wc -l) files clean"
