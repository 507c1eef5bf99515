using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Ember.Bench.Shared;

namespace Ember.Bench;

/// <summary>
/// The machine's float32 FMA ceiling: independent Vector256 FMA chains, enough of them to cover FMA latency
/// times throughput (4-5 cycles × 2 ports), first on one core, then on every core at once. A GEMM kernel's
/// GFLOP/s divided by this is its efficiency.
/// </summary>
internal static class FmaProbe
{
    private const int Chains = 12;
    private const double FlopsPerIteration = Chains * 8 * 2; // 12 chains × 8 lanes × (multiply + add)

    private static float sink; // keeps the JIT from discarding the chains

    public static void Run(BenchReport report, bool quick)
    {
        if (!Fma.IsSupported) report.Note("fma", "not supported: the probe measures separate multiply and add");
        long iterations = quick ? 2_000_000 : 100_000_000;
        Chain(10_000); // JIT to full optimization before timing
        Chain(10_000);

        double single = Gflops(iterations, 1);
        int cores = Environment.ProcessorCount;
        double all = Gflops(iterations, cores);
        report.Add("FMA peak, 1 thread", single, "GFLOP/s", MetricKind.Info);
        report.Add($"FMA peak, {cores} threads (total)", all, "GFLOP/s", MetricKind.Info);
        report.Add($"FMA peak, {cores} threads (per core)", all / cores, "GFLOP/s", MetricKind.Info);
        if (Avx512F.IsSupported)
        {
            // The SGEMM picks its AVX-512 kernel on such machines, so its efficiency is measured against this ceiling.
            ChainWide(10_000);
            report.Add("FMA peak 512-bit, 1 thread", GflopsWide(iterations, 1), "GFLOP/s", MetricKind.Info);
            report.Add($"FMA peak 512-bit, {cores} threads (total)", GflopsWide(iterations, cores), "GFLOP/s",
                MetricKind.Info);
        }
    }

    private static double GflopsWide(long iterations, int threads)
    {
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                ready.SignalAndWait();
                float result = ChainWide(iterations);
                lock (workers) sink += result;
            })
            { IsBackground = true };
            workers[t].Start();
        }
        ready.SignalAndWait();
        long start = Stopwatch.GetTimestamp();
        foreach (Thread worker in workers) worker.Join();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return threads * iterations * FlopsPerIteration * 2 / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ChainWide(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.999999f), k = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = Vector512.Create(2f), a2 = Vector512.Create(3f),
            a3 = Vector512.Create(4f);
        Vector512<float> a4 = Vector512.Create(5f), a5 = Vector512.Create(6f), a6 = Vector512.Create(7f),
            a7 = Vector512.Create(8f);
        Vector512<float> a8 = Vector512.Create(9f), a9 = Vector512.Create(10f), a10 = Vector512.Create(11f),
            a11 = Vector512.Create(12f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, k); a1 = Avx512F.FusedMultiplyAdd(a1, m, k);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, k);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, k); a4 = Avx512F.FusedMultiplyAdd(a4, m, k);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, k);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, k); a7 = Avx512F.FusedMultiplyAdd(a7, m, k);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, k);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, k); a10 = Avx512F.FusedMultiplyAdd(a10, m, k);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, k);
        }
        Vector512<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector512.Sum(sum);
    }

    /// <summary>Total GFLOP/s of <paramref name="threads"/> threads each running <paramref name="iterations"/>
    /// iterations.</summary>
    private static double Gflops(long iterations, int threads)
    {
        using var ready = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                ready.SignalAndWait();
                float result = Chain(iterations);
                lock (workers) sink += result;
            })
            { IsBackground = true };
            workers[t].Start();
        }
        ready.SignalAndWait(); // all threads started; the clock starts as they are released
        long start = Stopwatch.GetTimestamp();
        foreach (Thread worker in workers) worker.Join();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return threads * iterations * FlopsPerIteration / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.999999f), k = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = Vector256.Create(2f), a2 = Vector256.Create(3f),
            a3 = Vector256.Create(4f);
        Vector256<float> a4 = Vector256.Create(5f), a5 = Vector256.Create(6f), a6 = Vector256.Create(7f),
            a7 = Vector256.Create(8f);
        Vector256<float> a8 = Vector256.Create(9f), a9 = Vector256.Create(10f), a10 = Vector256.Create(11f),
            a11 = Vector256.Create(12f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = MulAdd(a0, m, k); a1 = MulAdd(a1, m, k); a2 = MulAdd(a2, m, k); a3 = MulAdd(a3, m, k);
            a4 = MulAdd(a4, m, k); a5 = MulAdd(a5, m, k); a6 = MulAdd(a6, m, k); a7 = MulAdd(a7, m, k);
            a8 = MulAdd(a8, m, k); a9 = MulAdd(a9, m, k); a10 = MulAdd(a10, m, k); a11 = MulAdd(a11, m, k);
        }
        Vector256<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
}
