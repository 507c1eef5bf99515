using System;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

static class Program
{
    static void Main(string[] args)
    {
        Console.WriteLine($"Fma={Fma.IsSupported} Avx2={Avx2.IsSupported} Avx512F={Avx512F.IsSupported} V512HW={Vector512.IsHardwareAccelerated} cores={Environment.ProcessorCount}");
        Ceiling();
    }

    static double Fma256(long iters)
    {
        var a0 = Vector256.Create(1.0f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector256.Create(0.9999999f); var add = Vector256.Create(1e-7f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, add); a1 = Fma.MultiplyAdd(a1, m, add); a2 = Fma.MultiplyAdd(a2, m, add); a3 = Fma.MultiplyAdd(a3, m, add);
            a4 = Fma.MultiplyAdd(a4, m, add); a5 = Fma.MultiplyAdd(a5, m, add); a6 = Fma.MultiplyAdd(a6, m, add); a7 = Fma.MultiplyAdd(a7, m, add);
            a8 = Fma.MultiplyAdd(a8, m, add); a9 = Fma.MultiplyAdd(a9, m, add); a10 = Fma.MultiplyAdd(a10, m, add); a11 = Fma.MultiplyAdd(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return s.GetElement(0);
    }
    static double Fma512(long iters)
    {
        var a0 = Vector512.Create(1.0f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector512.Create(0.9999999f); var add = Vector512.Create(1e-7f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, add); a1 = Avx512F.FusedMultiplyAdd(a1, m, add); a2 = Avx512F.FusedMultiplyAdd(a2, m, add); a3 = Avx512F.FusedMultiplyAdd(a3, m, add);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, add); a5 = Avx512F.FusedMultiplyAdd(a5, m, add); a6 = Avx512F.FusedMultiplyAdd(a6, m, add); a7 = Avx512F.FusedMultiplyAdd(a7, m, add);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, add); a9 = Avx512F.FusedMultiplyAdd(a9, m, add); a10 = Avx512F.FusedMultiplyAdd(a10, m, add); a11 = Avx512F.FusedMultiplyAdd(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return s.GetElement(0);
    }

    static void Ceiling()
    {
        const long iters = 50_000_000;
        for (int w = 0; w < 3; w++) { Fma256(1000000); if (Avx512F.IsSupported) Fma512(1000000); }
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (int width in Avx512F.IsSupported ? new[] { 256, 512 } : new[] { 256 })
            {
                var ts = new Thread[threads];
                var sw = Stopwatch.StartNew();
                for (int t = 0; t < threads; t++) { ts[t] = new Thread(() => { if (width == 256) Fma256(iters); else Fma512(iters); }); ts[t].Start(); }
                foreach (var t in ts) t.Join();
                double sec = sw.Elapsed.TotalSeconds;
                double flops = threads * iters * 12.0 * (width / 32) * 2;
                Console.WriteLine($"FMA ceiling {width}-bit, {threads} thread(s): {flops / sec / 1e9:F1} GFLOP/s");
            }
        }
    }
}
