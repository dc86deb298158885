#!/usr/bin/env bash
# Installs libcrm's build and test dependencies from Debian's archive.
# Idempotent: does nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsqlite3-dev libsqlitecpp-dev sqlite3
  libhowardhinnant-date-dev tzdata
  libphonenumber-dev libicu-dev libopencc-dev libcsv-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  abigail-tools clang-format python3 python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
