#!/usr/bin/env bash
# Ember vs TorchSharp, side by side. Builds both bench programs in Release, runs every workload in alternating
# fresh processes and prints a markdown table (also written to bench/results/latest.md).
# usage: bench/run.sh [--reps N] [--quick] [--only iris,gemm,fma]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run --project bench/Runner -c Release -- "$@"
