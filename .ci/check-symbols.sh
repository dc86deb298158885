#!/usr/bin/env bash
# The shared library must export crm_* and nothing else (statically linked
# SQLiteCpp, libstdc++ inlines, etc. must stay hidden), and carry the SONAME.
set -euo pipefail
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVWiu]/ {print $3}' | grep -v '^crm_' | grep -v '^CRM_[0-9]*$' || true)
if [ -n "$bad" ]; then
  echo "unexpected exported symbols:"; echo "$bad"; exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^crm_')
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
echo "exports: $count crm_* functions, nothing else; SONAME $soname"
case "$soname" in libcrm.so.[0-9]*) ;; *) echo "bad SONAME: $soname"; exit 1;; esac
