#!/usr/bin/env bash
# Regenerates the generated files. Both kinds are committed; CI checks that the kernels are current
# (tools/KernelGen --check) but never regenerates goldens, whose exact bytes depend on the BLAS PyTorch uses.
#   tools/regenerate.sh            GEMM micro-kernels (src/Ember.Kernels/Gemm/GemmKernels.Generated.cs)
#   tools/regenerate.sh --goldens  the kernels, then every golden file (tools/golden/*.py with Debian's PyTorch 1.13,
#                                  into tests/Ember.Tests/Golden/, the Fashion-MNIST fixture slice and iris.csv)
# Then review `git diff` and commit what changed, with the reason in the commit body.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

goldens=0
for arg in "$@"; do
    case "$arg" in
        --goldens) goldens=1 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "unknown argument '$arg' (try --help)"; exit 2 ;;
    esac
done

echo "== GEMM micro-kernels (tools/KernelGen)"
dotnet run --project tools/KernelGen -c Release -- --root "$PWD"

[ "$goldens" -eq 1 ] || exit 0

echo "== goldens (tools/golden/*.py)"
# Debian's interpreter on purpose: a pyenv/venv python3 earlier on PATH usually lacks torch, and the committed
# goldens were written by Debian's python3-torch 1.13 (see tools/golden/README.md).
py=/usr/bin/python3
missing=()
[ -x "$py" ] || { echo "$py not found: apt-get install python3"; exit 1; }
if ! torch_version=$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null); then
    missing+=(python3-torch)
elif [[ "$torch_version" != 1.13* ]]; then
    echo "torch $torch_version found, the goldens need 1.13 (Debian 12's python3-torch): apt-get install python3-torch"
    exit 1
fi
"$py" -c 'import sklearn' 2>/dev/null || missing+=(python3-sklearn)
"$py" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
# data_fixtures.py slices Debian's copy of Fashion-MNIST.
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]}. Install them with: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
fi
echo "torch $torch_version"
for script in tools/golden/*.py; do
    [ "$(basename "$script")" = common.py ] && continue  # helpers, not a generator
    echo "-- $script"
    "$py" "$script"
done
echo "== changed files"
git status --short -- tests/Ember.Tests/Golden tests/Ember.Tests/Fixtures src/Ember/Data/Resources \
    src/Ember.Kernels/Gemm
