#!/usr/bin/env bash
# Compile and run every C program in a Markdown guide (docs/c-guide.md).
#
#   run_c_guide.sh --guide docs/c-guide.md --include capi --lib build/src/libcrm.so \
#                  [--cc cc] [--cflags "..."] [--workdir DIR] [--only NAME] [--list]
#
# Rules for the guide:
#   ```c NAME        a complete program (it must have main): compiled with
#                    -std=c99 -pedantic -Wall -Wextra -Werror against the
#                    library, then run in an empty directory; a non-zero exit
#                    status, a crash or a 60 s timeout fails the test.
#   ```c fragment    a piece of code that is not a program; it is not compiled
#                    and must not contain main (so no program is skipped by
#                    mistake).
#   ```output        right after a program: its exact expected standard output.
# A ```c block without a name is a program too; it is named after its line.
# Fences start in column 0.  Any other fenced block (```sh, ```text …) is ignored.
set -u

guide= include= lib= cc=${CC:-cc} cflags= workdir= only= list=0
while [ $# -gt 0 ]; do
  case $1 in
    --guide) guide=$2; shift 2 ;;
    --include) include=$2; shift 2 ;;
    --lib) lib=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --cflags) cflags=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_c_guide.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$guide" ] || [ ! -f "$guide" ]; then
  echo "run_c_guide.sh: --guide FILE is required (got '$guide')" >&2; exit 2
fi
if [ "$list" = 0 ]; then
  for v in include lib; do
    if [ -z "${!v}" ]; then echo "run_c_guide.sh: --$v is required" >&2; exit 2; fi
  done
  [ -f "$include/crm.h" ] || { echo "run_c_guide.sh: no crm.h in $include" >&2; exit 2; }
  [ -f "$lib" ] || { echo "run_c_guide.sh: library $lib does not exist (build it first)" >&2; exit 2; }
fi
if [ -z "$workdir" ]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/c_guide.XXXXXX")
  trap 'rm -rf "$workdir"' EXIT
fi
rm -rf "$workdir/src" "$workdir/run"
mkdir -p "$workdir/src" "$workdir/run"

# Extract the blocks.  For each program NAME: src/NAME.c, src/NAME.line and,
# if an ```output block follows, src/NAME.expected.  Problems go to
# src/ERRORS.
awk -v dir="$workdir/src" '
  function fail(msg) { print FILENAME ":" NR ": " msg >> (dir "/ERRORS"); errors++ }
  BEGIN { state = "text"; last = "" }
  state == "text" && /^```/ {
    info = substr($0, 4); sub(/[ \t]+$/, "", info)
    n = split(info, w, /[ \t]+/)
    if (w[1] == "c") {
      start = NR; body = ""; has_main = 0
      name = (n >= 2) ? w[2] : ("line" NR)
      if (name == "fragment") state = "fragment"
      else {
        if (name in seen) fail("two programs are named " name)
        seen[name] = 1; state = "program"
      }
      next
    }
    if (w[1] == "output") {
      if (last == "") fail("an ```output block must follow a ```c program")
      else { state = "output"; out = dir "/" last ".expected"; printf "" > out; next }
    }
    state = "other"; last = ""; next
  }
  state == "text" { if ($0 !~ /^[ \t]*$/) last = ""; next }
  state == "other" { if (/^```/) state = "text"; next }
  state == "output" { if (/^```/) { close(out); state = "text"; last = ""; next } print > out; next }
  state == "fragment" || state == "program" {
    if (/^```/) {
      if (state == "fragment") {
        if (has_main) fail("the fragment at line " start " has a main(); mark it as a program")
        last = ""
      } else {
        if (!has_main) fail("the program \"" name "\" at line " start " has no main(); mark it ```c fragment")
        file = dir "/" name ".c"; printf "%s", body > file; close(file)
        print start > (dir "/" name ".line"); close(dir "/" name ".line")
        print name >> (dir "/PROGRAMS")
        last = name
      }
      state = "text"; next
    }
    if ($0 ~ /(^|[^A-Za-z0-9_])main[ \t]*\(/) has_main = 1
    body = body $0 "\n"; next
  }
  END { if (state != "text") fail("unterminated code block") }
' "$guide"

if [ -s "$workdir/src/ERRORS" ]; then
  cat "$workdir/src/ERRORS" >&2
  exit 1
fi
if [ ! -s "$workdir/src/PROGRAMS" ]; then
  echo "run_c_guide.sh: no C programs found in $guide" >&2
  exit 1
fi

if [ "$list" = 1 ]; then
  while read -r name; do
    printf '%-28s line %s%s\n' "$name" "$(cat "$workdir/src/$name.line")" \
      "$([ -f "$workdir/src/$name.expected" ] && echo ', checks output')"
  done < "$workdir/src/PROGRAMS"
  exit 0
fi

libdir=$(cd "$(dirname "$lib")" && pwd)
pass=0 failed=0 failures=
while read -r name; do
  if [ -n "$only" ] && [ "$name" != "$only" ]; then continue; fi
  src="$workdir/src/$name.c" exe="$workdir/src/$name" run="$workdir/run/$name"
  line=$(cat "$workdir/src/$name.line")
  mkdir -p "$run"
  # shellcheck disable=SC2086  # cflags is a list of words
  if ! "$cc" -std=c99 -pedantic -Wall -Wextra -Werror $cflags -I"$include" -o "$exe" "$src" \
      "$lib" -Wl,-rpath,"$libdir" -pthread > "$run/compile.log" 2>&1; then
    echo "FAIL  $name ($guide:$line): does not compile"
    sed 's/^/      /' "$run/compile.log"
    failed=$((failed + 1)); failures="$failures $name"; continue
  fi
  (cd "$run" && timeout 60 "$exe" > stdout 2> stderr)
  status=$?
  if [ $status -ne 0 ]; then
    echo "FAIL  $name ($guide:$line): exit status $status"
    echo "      --- stdout"; sed 's/^/      /' "$run/stdout"
    echo "      --- stderr"; sed 's/^/      /' "$run/stderr"
    failed=$((failed + 1)); failures="$failures $name"; continue
  fi
  if [ -f "$workdir/src/$name.expected" ] &&
     ! diff -u "$workdir/src/$name.expected" "$run/stdout" > "$run/diff"; then
    echo "FAIL  $name ($guide:$line): output differs from the guide (- guide, + actual)"
    sed 's/^/      /' "$run/diff"
    failed=$((failed + 1)); failures="$failures $name"; continue
  fi
  echo "ok    $name ($guide:$line)"
  pass=$((pass + 1))
done < "$workdir/src/PROGRAMS"

if [ -n "$only" ] && [ $((pass + failed)) -eq 0 ]; then
  echo "run_c_guide.sh: no program named $only" >&2; exit 2
fi
echo "$pass passed, $failed failed"
[ $failed -eq 0 ] || { echo "failed:$failures"; exit 1; }
