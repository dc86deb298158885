#!/usr/bin/env bash
# crm.h must stand alone as strict C99 and as C++.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#include "crm.h"\nint main(void) { return crm_version() ? 0 : 1; }\n' > "$tmp/h.c"
cc -std=c99 -pedantic -Wall -Wextra -Werror -Icapi -c "$tmp/h.c" -o "$tmp/c.o"
cc -std=c11 -pedantic -Wall -Wextra -Werror -Icapi -c "$tmp/h.c" -o "$tmp/c11.o"
c++ -x c++ -std=c++17 -pedantic -Wall -Wextra -Werror -Icapi -c "$tmp/h.c" -o "$tmp/cpp.o"
echo "crm.h compiles as C99, C11 and C++17"
