#!/usr/bin/env bash
# libcrm's CSV import against the sqlite3 shell's own .import of the same
# file, in one run (docs/performance.md, "CSV import").
#
#   benchmarks/import_vs_sqlite.sh [build-dir] [rows]
#
# build-dir: a Release build with the crm_import_file target
# (default build-release); rows: default 1000000.  REPS (default 1) runs
# each side that many times, alternating, and reports the median.
# WORKDIR (default a new directory under ${TMPDIR:-/tmp}) holds the CSV and
# the databases; KEEP=1 keeps it.
#
# Both sides start a process, read the same CSV file (generated once, before
# timing, so both find it in the page cache) and write a fresh database file
# in the same directory.  libcrm: crm_import_file import — full validation
# and normalisation of every row, the customer, its primary contact, search
# row, match keys, timers and audit row, 1,000 rows per transaction.
# sqlite3: `.import --csv` into a plain table with the file's nine columns as
# TEXT, no index, one transaction (the shell's own behaviour), default
# pragmas.  Times are wall clock from /usr/bin/time, which also gives each
# process's peak RSS.
#
# A third side, the floor: the sqlite3 shell again, writing the same rows
# straight into libcrm's own customers and contacts tables (an empty
# database made by `crm_import_file create`, with its indexes), by one
# INSERT … SELECT each from a staging table it .imports first, in one
# transaction, with libcrm's pragmas (foreign keys, 16 MiB cache, temporary
# data in memory): no validation, no search row, match keys, timers or audit
# row.  No import that stores customers in libcrm's schema can be faster.
# BATCH (default 1000) is libcrm's rows per transaction.
set -euo pipefail

build=${1:-build-release}
rows=${2:-1000000}
reps=${REPS:-1}
prog="$build/benchmarks/crm_import_file"
[[ -x $prog ]] || { echo "no $prog: cmake --build $build --target crm_import_file" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "the sqlite3 shell is not installed" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) is not installed" >&2; exit 2; }

work=${WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/import_vs_sqlite.XXXXXX")}
mkdir -p "$work"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT
csv="$work/customers.csv"

echo "machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sqlite3 shell $(sqlite3 --version | cut -d' ' -f1); libcrm $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')"
t0=$(date +%s.%N)
"$prog" generate "$csv" "$rows"
printf 'generated %s rows (%s bytes) in %.1f s: %s\n' "$rows" "$(stat -c %s "$csv")" \
  "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" "$csv"
cat "$csv" >/dev/null  # into the page cache for both sides

# run <label> <command...>: prints "<wall seconds> <peak RSS KiB>"; the
# program's own output goes to $work/out.<label>.
run() {
  local label=$1 out="$work/time.$1"
  shift
  /usr/bin/time -f '%e %M' -o "$out" "$@" >"$work/out.$label" 2>&1 || {
    echo "$label failed:" >&2
    cat "$work/out.$label" >&2
    exit 1
  }
  cat "$out"
}

floor_sql="PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;
CREATE TEMP TABLE staged(name, contact_name, phone, email, industry, scale, source, key_needs, priority);"
floor_insert="BEGIN;
INSERT INTO customers(name, contact_name, phone, email, industry, scale, type, source, key_needs,
  priority, owner_id, entry_date, created_at, created_by, updated_at, updated_by)
  SELECT name, contact_name, phone, email, industry, scale, 'prospect', source, key_needs,
         priority, 1, '2026-12-06', 1796578433080, 1, 1796578433080, 1 FROM staged;
INSERT INTO contacts(customer_id, name, phone, email, is_primary, created_at, created_by,
  updated_at, updated_by)
  SELECT id, contact_name, phone, email, 1, created_at, 1, updated_at, 1 FROM customers;
COMMIT;"

crm_t=() crm_m=() sq_t=() sq_m=() fl_t=()
for ((i = 1; i <= reps; i++)); do
  rm -f "$work/plain.db"
  read -r t m <<<"$(run sqlite sqlite3 "$work/plain.db" \
    "CREATE TABLE customers(name TEXT, contact_name TEXT, phone TEXT, email TEXT, industry TEXT, scale TEXT, source TEXT, key_needs TEXT, priority TEXT);" \
    ".import --csv --skip 1 $csv customers")"
  [[ -n $t ]] || exit 1
  n=$(sqlite3 "$work/plain.db" 'SELECT count(*) FROM customers')
  [[ $n == "$rows" ]] || { echo "sqlite3 imported $n rows, expected $rows" >&2; exit 1; }
  sq_t+=("$t") sq_m+=("$m")
  echo "  sqlite3 .import   run $i: $t s, peak RSS $((m / 1024)) MiB"
  "$prog" create "$work/floor.db"
  read -r t m <<<"$(run floor sqlite3 "$work/floor.db" "$floor_sql" \
    ".import --csv --skip 1 $csv staged" "$floor_insert")"
  [[ -n $t ]] || exit 1
  n=$(sqlite3 "$work/floor.db" 'SELECT count(*) FROM contacts')
  [[ $n == "$rows" ]] || { echo "the floor stored $n contacts, expected $rows" >&2; exit 1; }
  fl_t+=("$t")
  echo "  sqlite3 floor     run $i: $t s (customers and contacts in libcrm's schema)"
  read -r t m <<<"$(run crm "$prog" import "$work/crm.db" "$csv" "${BATCH:-1000}")"
  [[ -n $t ]] || exit 1
  crm_t+=("$t") crm_m+=("$m")
  echo "  libcrm import     run $i: $t s, peak RSS $((m / 1024)) MiB"
  sed 's/^/    /' "$work/out.crm"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
ct=$(median "${crm_t[@]}") st=$(median "${sq_t[@]}") ft=$(median "${fl_t[@]}")
awk -v n="$rows" -v ct="$ct" -v st="$st" -v ft="$ft" -v cm="$(max "${crm_m[@]}")" -v sm="$(max "${sq_m[@]}")" 'BEGIN {
  cr = n / ct; sr = n / st; fr = n / ft; ratio = cr / sr
  printf "CSV import of %d valid rows (wall clock, median of runs, process start to exit):\n", n
  printf "  libcrm import_customers : %10.0f rows/s  (%.2f s)  peak RSS %.1f MiB   target <= 100 MiB  %s\n", cr, ct, cm / 1024, (cm <= 100 * 1024) ? "PASS" : "ABOVE TARGET"
  printf "  sqlite3 shell .import   : %10.0f rows/s  (%.2f s)  peak RSS %.1f MiB\n", sr, st, sm / 1024
  printf "  RATIO libcrm/sqlite3 = %.3f   target >= 0.5   %s\n", ratio, (ratio >= 0.5) ? "PASS" : "BELOW TARGET"
  printf "The floor: sqlite3 writing only customers and contacts into libcrm'"'"'s schema:\n"
  printf "  sqlite3 INSERT ... SELECT : %10.0f rows/s  (%.2f s)   floor/sqlite3 .import = %.3f\n", fr, ft, fr / sr
  printf "  RATIO libcrm/floor = %.3f (informational)\n", cr / fr
}'
