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
# Plain sh has no pipefail: collect into a file so a failure inside the loop is not masked.
owners=$(mktemp)
trap 'rm -f "$owners"' EXIT
for lib in $(printf '%s\n' "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
  # Debian 12 is /usr-merged but dpkg still records some files under /lib: try the path ldd
  # printed, its /usr twin, then the fully resolved file.
  real=$(readlink -f "$lib")
  found=
  for candidate in "$lib" "/usr$lib" "${lib#/usr}" "$real" "${real#/usr}"; do
    if owner=$(dpkg -S "$candidate" 2>/dev/null); then
      printf '%s\n' "$owner" | head -n1 | cut -d: -f1 >>"$owners"
      found=1
      break
    fi
  done
  if [ -z "$found" ]; then
    echo "no Debian package owns $lib" >&2
    exit 1
  fi
done
sort -u "$owners"
