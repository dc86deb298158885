#!/usr/bin/env bash
# Consumers of libcrm: find_package against an installed tree, pkg-config
# against the same tree, and add_subdirectory of the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install build --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n1); libdir=${libdir%/}
for f in include/crm.h "${libdir#$prefix/}/libcrm.so.0" "${libdir#$prefix/}/pkgconfig/crm.pc" \
         "${libdir#$prefix/}/cmake/crm/crmConfig.cmake"; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

cmake -S tests/packaging/find_package -B "$tmp/fp" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/fp" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/fp/consumer"
echo "find_package consumer: ok"

PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=c99 -pedantic -Werror tests/packaging/consumer.c \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs crm) -o "$tmp/pc_consumer"
LD_LIBRARY_PATH="$libdir" "$tmp/pc_consumer"
echo "pkg-config consumer: ok"

cmake -S tests/packaging/subdir -B "$tmp/sub" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/sub" -j"$(nproc)" >/dev/null
"$tmp/sub/consumer"
echo "add_subdirectory consumer: ok"
