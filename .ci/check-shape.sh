#!/usr/bin/env bash
# The shape every service keeps (docs/architecture.md, "Inside a service"), checked so it
# stays that way:
#   - SQL only in *_store files (migrations aside);
#   - a service's main.cc is a declaration (under 40 lines; the gateway's under 80);
#   - no hand-written source file of 600 lines or more in runtime/, services/ or gateway/;
#   - domain headers (*_app.h, *_rules.h, *_store.h) include no gRPC header.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
problems=()

sql=$(git grep -lE '(SELECT |INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)' -- 'services/*/src/*.cc' 'services/*/src/*.h' |
  grep -v '_store\.' || true)
[[ -z $sql ]] || problems+=("SQL outside a *_store file: $(echo $sql)")

for main in services/*/src/main.cc gateway/src/main.cc; do
  [[ -f $main ]] || continue
  limit=40
  [[ $main == gateway/* ]] && limit=80
  lines=$(wc -l <"$main")
  ((lines < limit)) || problems+=("$main has $lines lines (under $limit: wiring belongs in the skeleton and *_service.cc)")
done

while read -r lines file; do
  [[ $file == total ]] && continue
  ((lines < 600)) || problems+=("$file has $lines lines (split it by what its parts are)")
done < <(git ls-files -- 'runtime/*.cc' 'runtime/*.h' 'services/*.cc' 'services/*.h' 'gateway/*.cc' 'gateway/*.h' |
  grep -vE '(_test\.|/tests/|/fuzz/)' | xargs wc -l)

grpc=$(git grep -lE '#include [<"](grpcpp/|.*\.grpc\.pb\.h)' -- 'services/*/src/*_app.h' 'services/*/src/*_rules.h' \
  'services/*/src/*_store.h' || true)
[[ -z $grpc ]] || problems+=("domain headers that include gRPC: $(echo $grpc)")

if ((${#problems[@]})); then
  printf 'shape: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "shape: SQL only in stores, mains are declarations, no file of 600+ lines, domain headers free of gRPC"
