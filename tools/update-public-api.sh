#!/usr/bin/env bash
# Records the libraries' current public API in src/*/PublicAPI.Unshipped.txt with the PublicApiAnalyzers' own code
# fixes (RS0016: add what is new; RS0017: remove what is gone). Run it after changing public API, then review the
# diff: every line is a promise to users.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in src/*/; do
    [ -f "$p/PublicAPI.Unshipped.txt" ] || continue
    dotnet format analyzers "$p" --diagnostics RS0016 RS0017 --severity info
done
