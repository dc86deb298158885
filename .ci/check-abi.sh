#!/usr/bin/env bash
# Compares the built libcrm.so with the ABI baseline committed under abi/.
# Fails on an incompatible change unless the SONAME's major version moved
# (then the baseline must be regenerated in the same commit: see abi/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
lib="$1"
baseline=abi/libcrm.abi
[ -f "$baseline" ] || { echo "no ABI baseline at $baseline"; exit 1; }
old_soname=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$baseline" | head -n1)
new_soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
set +e
abidiff --headers-dir2 capi --drop-private-types "$baseline" "$lib" > /tmp/crm-abidiff.txt 2>&1
rc=$?
set -e
cat /tmp/crm-abidiff.txt
if (( rc & 1 )); then echo "abidiff itself failed (status $rc)"; exit 1; fi
# abidiff calls a changed parameter or struct layout a mere "change" (bit 4),
# so read its summaries too: only additions are compatible.
removed_or_changed=$(sed -n 's/.*changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\1 \2/p' \
  /tmp/crm-abidiff.txt | awk '{s += $1 + $2} END {print s + 0}')
removed_syms=$(sed -n 's/.*symbols not referenced by debug info.*: \([0-9]*\) Removed.*/\1/p' \
  /tmp/crm-abidiff.txt | awk '{s += $1} END {print s + 0}')
if (( rc & 8 )) || (( removed_or_changed > 0 )) || (( removed_syms > 0 )); then
  if [ "$old_soname" != "$new_soname" ]; then
    echo "incompatible ABI change accepted: SONAME moved from $old_soname to $new_soname"
    exit 0
  fi
  echo "INCOMPATIBLE ABI change while the SONAME stays $new_soname."
  echo "Either keep the old signature (add a _v2 function) or bump CRM_SOVERSION."
  exit 1
fi
if (( rc & 4 )); then
  echo "compatible ABI additions (baseline $old_soname); refresh abi/libcrm.abi when releasing"
else
  echo "ABI identical to the baseline ($old_soname)"
fi
