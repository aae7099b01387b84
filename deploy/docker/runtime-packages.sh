#!/bin/sh
# Prints the Debian packages that provide the shared libraries a binary loads, one per line,
# so the runtime image installs exactly those (and never a -dev package). Fails if a library
# is unresolved or belongs to no package (e.g. something built into /usr/local).
#
#   deploy/docker/runtime-packages.sh build/services/profiles/profiles_service
set -eu
bin="$1"
libs=$(ldd "$bin") || { echo "ldd failed on $bin" >&2; exit 1; }
if printf '%s\n' "$libs" | grep -q 'not found'; then
  printf '%s\n' "$libs" | grep 'not found' >&2
  exit 1
fi
printf '%s\n' "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  # Debian 12 is /usr-merged but dpkg still records some files under /lib: try the path ldd
  # printed, its /usr twin, then the fully resolved file.
  real=$(readlink -f "$lib")
  for candidate in "$lib" "/usr$lib" "${lib#/usr}" "$real" "${real#/usr}"; do
    if owner=$(dpkg -S "$candidate" 2>/dev/null); then
      printf '%s\n' "$owner" | head -n1 | cut -d: -f1
      continue 2
    fi
  done
  echo "no Debian package owns $lib" >&2
  exit 1
done | sort -u
