#!/usr/bin/env bash
# Records the libraries' current public API in src/*/PublicAPI.Unshipped.txt: builds each src project, adds the
# symbols the PublicApiAnalyzers report as new (RS0016) and removes those reported as gone (RS0017). Run it after
# changing public API, then review the diff: every line is a promise to users.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in src/*/; do
    file="$p/PublicAPI.Unshipped.txt"
    [ -f "$file" ] || continue
    log=$(dotnet build "$p" -nologo 2>&1 || true)
    added=$(sed -n "s/.*error RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" <<<"$log" | sort -u)
    removed=$(sed -n "s/.*error RS0017: Symbol '\(.*\)' is part of the declared API.*/\1/p" <<<"$log" | sort -u)
    if [ -n "$removed" ]; then
        grep -vxF -f <(printf '%s\n' "$removed") "$file" > "$file.tmp" || true
        mv "$file.tmp" "$file"
    fi
    [ -z "$added" ] || printf '%s\n' "$added" >> "$file"
    echo "$p: $(printf '%s' "$added" | grep -c . || true) added, $(printf '%s' "$removed" | grep -c . || true) removed"
done
