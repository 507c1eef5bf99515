#!/usr/bin/env bash
# Line-length budget: counts C# lines over 120 characters in src/, tests/, examples/, bench/ and tools/ (generated
# files excluded) and fails when the count is above the budget in tools/line-length-budget.txt. The budget only
# goes down: wrap lines, then lower it to the new count in the same commit.
# Usage: tools/check-line-length.sh [--list]   (--list prints every long line as path:line)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=120
budget_file=tools/line-length-budget.txt
budget=$(tr -d '[:space:]' < "$budget_file")
# Characters, not bytes: the code has Greek letters and superscripts in comments.
export LC_ALL=C.UTF-8
mapfile -t files < <(find src tests examples bench tools -name '*.cs' ! -name '*.Generated.cs' \
    -not -path '*/bin/*' -not -path '*/obj/*' | sort)
count=$(cat "${files[@]}" | grep -cE "^.{$((limit + 1)),}" || true)
if [ "${1:-}" = "--list" ]; then
    grep -nE "^.{$((limit + 1)),}" "${files[@]}" | cut -d: -f1,2
fi
if [ "$count" -gt "$budget" ]; then
    echo "line length: $count lines over $limit characters, budget $budget ($budget_file)."
    echo "Wrap the new long lines (tools/check-line-length.sh --list shows them all)."
    exit 1
fi
echo "line length: $count lines over $limit characters (budget $budget)."
if [ "$count" -lt "$budget" ]; then
    echo "Below budget: lower $budget_file to $count so the gain is kept."
fi
