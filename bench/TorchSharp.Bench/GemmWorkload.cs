using System;
using Ember.Bench.Shared;
using static TorchSharp.torch;

namespace TorchSharpBench;

/// <summary>
/// W3 on TorchSharp: torch.mm semantics through <c>c.addmm_(a, b, beta: 0)</c>, which writes into a preallocated
/// C as Ember's Sgemm does (the out= form), so neither side pays for allocating the result. Transposed operands
/// are <c>.t()</c> views, which libtorch hands to its BLAS as transpose flags.
/// </summary>
internal static class GemmWorkload
{
    public static void Run(BenchReport report, bool quick) =>
        Timing.RunGemmShapes(report, quick, shape => Measure(shape, Workloads.GemmBudgetSeconds(quick)));

    private static double Measure(GemmShape shape, double budgetSeconds)
    {
        int n = shape.N;
        using Tensor a = rand(n, n), b = rand(n, n), c = zeros(n, n);
        using Tensor opA = shape.TransA ? a.t() : a.alias(), opB = shape.TransB ? b.t() : b.alias();
        // addmm_ returns c itself, so there is nothing to dispose per call.
        return Timing.MedianSeconds(() => c.addmm_(opA, opB, beta: 0, alpha: 1), budgetSeconds);
    }
}
