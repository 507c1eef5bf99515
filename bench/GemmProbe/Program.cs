using System;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Ember.Kernels;

static class Program
{
    static void Main(string[] args)
    {
        Console.WriteLine($"Fma={Fma.IsSupported} Avx2={Avx2.IsSupported} Avx512F={Avx512F.IsSupported} " +
            $"V512HW={Vector512.IsHardwareAccelerated} cores={Environment.ProcessorCount}");
        string mode = args.Length > 0 ? args[0] : "all";
        if (mode is "all" or "ceiling") Ceiling();
        if (mode is "all" or "gemm") GemmTable(args.Length > 1 ? args[1] : null);
        if (mode == "one") One(args);
        if (mode == "tiny") { if (args.Length > 1) WorkerPool.ThreadCount = int.Parse(args[1]); Tiny(); }
        if (mode == "pool") PoolOverhead();
        if (mode == "kernel")
            KernelOnly(args.Length > 1 ? int.Parse(args[1]) : 256, args.Length > 2 ? args[2] : "F512");
        if (mode == "pack") PackOnly();
        if (mode is "all" or "dgemm") DgemmTable(args.Length > 1 && mode == "dgemm" ? args[1] : null);
        if (mode == "dist") Dist(int.Parse(args[1]), int.Parse(args[2]));
        if (mode == "count") Count(args);
        if (mode == "w2") W2Shapes(args.Length > 1 ? int.Parse(args[1]) : 2);
    }

    static double TimeGemm(bool ta, bool tb, int m, int n, int k, float[] a, float[] b, float[] c, int reps)
    {
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Gemm.Sgemm(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n);
            times[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Array.Sort(times);
        return 2.0 * m * n * k / times[reps / 2] / 1e9;
    }

    static float[] Rand(int n, int seed)
    {
        var r = new Random(seed); var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(r.NextDouble() - 0.5);
        return x;
    }

    static void GemmTable(string? isa)
    {
        if (isa != null) SetIsa(isa);
        Console.WriteLine($"ISA={GetIsa()}");
        var cases = new (string name, bool ta, bool tb, int n)[]
        {
            ("NN", false, false, 256), ("NN", false, false, 512), ("NN", false, false, 1024),
                ("NN", false, false, 2048),
            ("NT", false, true, 1024), ("TN", true, false, 1024), ("TT", true, true, 1024),
        };
        Console.WriteLine("case      n     1 thread   2 threads  (GFLOP/s, median)");
        foreach (var (name, ta, tb, n) in cases)
        {
            var a = Rand(n * n, 1); var b = Rand(n * n, 2); var c = new float[n * n];
            int reps = n <= 256 ? 200 : n <= 512 ? 40 : n <= 1024 ? 15 : 5;
            double[] g = new double[2];
            for (int t = 1; t <= 2; t++)
            {
                WorkerPool.ThreadCount = t;
                TimeGemm(ta, tb, n, n, n, a, b, c, 3);
                g[t - 1] = TimeGemm(ta, tb, n, n, n, a, b, c, reps);
            }
            Console.WriteLine($"{name,-4} {n,6} {g[0],10:F1} {g[1],10:F1}");
        }
        WorkerPool.ThreadCount = Environment.ProcessorCount;
    }

    static void DgemmTable(string? isa)
    {
        if (isa != null) SetIsa(isa);
        Console.WriteLine($"DGEMM ISA={GetIsa()}");
        Console.WriteLine("case      n     1 thread   2 threads  (GFLOP/s, median)");
        foreach (var (name, ta, tb, n) in new[] { ("NN", false, false, 512), ("NN", false, false, 1024),
            ("NT", false, true, 1024), ("TN", true, false, 1024) })
        {
            var r = new Random(3);
            var a = new double[n * n]; var b = new double[n * n]; var c = new double[n * n];
            for (int i = 0; i < a.Length; i++) { a[i] = r.NextDouble(); b[i] = r.NextDouble(); }
            var g = new double[2];
            for (int t = 1; t <= 2; t++)
            {
                WorkerPool.ThreadCount = t;
                int reps = n <= 512 ? 30 : 9;
                var times = new double[reps];
                Gemm.Dgemm(ta, tb, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
                for (int i = 0; i < reps; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Gemm.Dgemm(ta, tb, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
                    times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                }
                Array.Sort(times);
                g[t - 1] = 2.0 * n * n * n / times[reps / 2] / 1e9;
            }
            Console.WriteLine($"{name,-4} {n,6} {g[0],10:F1} {g[1],10:F1}");
        }
        WorkerPool.ThreadCount = Environment.ProcessorCount;
    }

    static void One(string[] args)
    {
        int m = int.Parse(args[1]), n = int.Parse(args[2]), k = int.Parse(args[3]);
        bool ta = args.Length > 4 && args[4].Contains('T') && args[4][0] == 'T';
        bool tb = args.Length > 4 && args[4].Length > 1 && args[4][1] == 'T';
        int threads = args.Length > 5 ? int.Parse(args[5]) : 2;
        if (Environment.GetEnvironmentVariable("DIRECTB") is string db)
            typeof(Gemm).Assembly.GetType("Ember.Kernels.GemmDriver`1")!.MakeGenericType(typeof(float))
                .GetField("DirectBMaxRows",
                System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
                .SetValue(null, int.Parse(db));
        if (args.Length > 6) SetIsa(args[6]);
        foreach (var (name, idx) in new[] { ("TuneKC", 7), ("TuneMCTiles", 8), ("TuneNCTiles", 9),
            ("TuneChunksPerThread", 10) })
            if (args.Length > idx)
                s_setup.GetField(name,
                    System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
                    .SetValue(null, int.Parse(args[idx]));
        WorkerPool.ThreadCount = threads;
        var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c = new float[m * n];
        TimeGemm(ta, tb, m, n, k, a, b, c, 5);
        for (int i = 0; i < 3; i++)
            Console.WriteLine($"{m}x{n}x{k} {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} threads={threads} " +
                $"isa={GetIsa()}: {TimeGemm(ta, tb, m, n, k, a, b, c, 21):F1} GFLOP/s");
    }

    /// <summary>
    /// count M N K FORM THREADS REPS: REPS untimed calls, for instruction counting (run under callgrind with
    /// REPS = 0 and REPS = R; the difference over R is the cost of one call).
    /// </summary>
    static void Count(string[] args)
    {
        int m = int.Parse(args[1]), n = int.Parse(args[2]), k = int.Parse(args[3]);
        bool ta = args[4][0] == 'T', tb = args[4][1] == 'T';
        WorkerPool.ThreadCount = int.Parse(args[5]);
        int reps = int.Parse(args[6]);
        var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c = new float[m * n];
        for (int i = 0; i < reps; i++)
            Gemm.Sgemm(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n);
        Console.WriteLine($"{m}x{n}x{k} {args[4]} threads={args[5]} reps={reps} c[0]={c[0]}");
    }

    /// <summary>w2 [THREADS]: GFLOP/s (median of 41) of each GEMM shape of W2's training step.</summary>
    static void W2Shapes(int threads)
    {
        WorkerPool.ThreadCount = threads;
        foreach (var (m, n, k, form) in new[] { (128, 256, 784, "NT"), (128, 128, 256, "NT"), (128, 10, 128, "NT"),
            (128, 256, 128, "NN"), (128, 128, 10, "NN"), (256, 784, 128, "TN"), (128, 256, 128, "TN"),
            (10, 128, 128, "TN") })
        {
            bool ta = form[0] == 'T', tb = form[1] == 'T';
            var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c = new float[m * n];
            TimeGemm(ta, tb, m, n, k, a, b, c, 5);
            Console.WriteLine($"{m}x{n}x{k} {form} threads={threads}: {TimeGemm(ta, tb, m, n, k, a, b, c, 41):F1} " +
                "GFLOP/s");
        }
    }

    struct Empty : IParallelTask { public readonly void Execute(int chunk) { } }

    static void PoolOverhead()
    {
        var t = new Empty();
        foreach (int chunks in new[] { 2, 2, 8 })
        {
            for (int i = 0; i < 10000; i++) WorkerPool.For(chunks, ref t);
            int reps = 200000;
            var all = new double[reps];
            for (int i = 0; i < reps; i++)
            {
                long t0 = Stopwatch.GetTimestamp(); WorkerPool.For(chunks, ref t);
                all[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            Array.Sort(all);
            double sum = 0; foreach (var x in all) sum += x;
            Console.WriteLine($"For({chunks}) empty: mean {sum / reps:F2} us, median {all[reps / 2]:F2}, " +
                $"p99 {all[reps * 99 / 100]:F2}, max {all[reps - 1]:F1}");
        }
    }

    static void Dist(int n, int threads)
    {
        WorkerPool.ThreadCount = threads;
        var a = Rand(n * n, 1); var b = Rand(n * n, 2); var c = new float[n * n];
        for (int i = 0; i < 2000; i++) Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        int reps = 20000;
        var all = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp(); Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            all[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        double sum = 0; foreach (var x in all) sum += x;
        Array.Sort(all);
        Console.WriteLine($"{n}^3 threads={threads}: mean {sum / reps:F2} us, p10 {all[reps / 10]:F2} " +
            $"median {all[reps / 2]:F2}, p90 {all[reps * 9 / 10]:F2}, p99 {all[reps * 99 / 100]:F2}");
    }

    static unsafe void KernelOnly(int kc, string name)
    {
        var kt = typeof(Gemm).Assembly.GetType("Ember.Kernels.GemmKernels")!;
        var fp = (delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)kt.GetMethod(name)!
            .MethodHandle.GetFunctionPointer();
        int MR = (int)kt.GetField(name + "MR")!.GetValue(null)!, NR = (int)kt.GetField(name + "NR")!.GetValue(null)!;
        int tiles = 16; // A block of 16 micro-panels, one B micro-panel (L1)
        float* a = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(tiles * MR * kc * 4), 64);
        float* b = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(NR * kc * 4), 64);
        float* c = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(tiles * MR * 1024 * 4), 64);
        for (int i = 0; i < tiles * MR * kc; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < NR * kc; i++) b[i] = 0.001f * (i % 5);
        for (int rep = 0; rep < 3; rep++)
        {
            long iters = 20000;
            long t0 = Stopwatch.GetTimestamp();
            for (long it = 0; it < iters; it++)
                for (int t = 0; t < tiles; t++)
                    fp(kc, a + t * MR * kc, b, NR, c + t * MR * 1024, 1024, 1f, 1f);
            double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            Console.WriteLine($"{name} kernel only kc={kc}: {2.0 * MR * NR * kc * tiles * iters / sec / 1e9:F1} " +
                "GFLOP/s");
        }
    }

    static unsafe void PackOnly()
    {
        var pt = typeof(Gemm).Assembly.GetType("Ember.Kernels.GemmPacking")!;
        var pa = (delegate*<float*, float*, nint, bool, int, int, int, int, int, void>)pt.GetMethod("PackA")!
            .MakeGenericMethod(typeof(float)).MethodHandle.GetFunctionPointer();
        var pb = (delegate*<float*, float*, nint, bool, int, int, int, int, int, void>)pt.GetMethod("PackB")!
            .MakeGenericMethod(typeof(float)).MethodHandle.GetFunctionPointer();
        int n = 1024;
        float* src = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * n * 4), 64);
        float* dst = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(n * 256 * 4 + 4096), 64);
        for (int i = 0; i < n * n; i++) src[i] = i;
        foreach (bool trans in new[] { false, true })
        {
            for (int rep = 0; rep < 3; rep++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int it = 0; it < 20; it++)
                    for (int pc = 0; pc < n; pc += 256)
                        for (int ic = 0; ic < n; ic += 224)
                            pa(dst, src, n, trans, ic, Math.Min(224, n - ic), pc, 256, 14);
                double ta = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / 20;
                t0 = Stopwatch.GetTimestamp();
                for (int it = 0; it < 20; it++)
                    for (int pc = 0; pc < n; pc += 256)
                        pb(dst, src, n, trans, pc, 256, 0, n, 32);
                double tb = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / 20;
                Console.WriteLine($"trans={trans}: PackA 1024x1024 {ta:F3} ms, PackB 1024x1024 {tb:F3} ms");
            }
        }
    }

    static void Tiny()
    {
        if (Environment.GetEnvironmentVariable("DIRECT") is string dm)
        {
            var parts = dm.Split(',');
            typeof(Gemm)
                .GetField("DirectMacs",
                System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
                .SetValue(null, long.Parse(parts[0]));
            if (parts.Length > 1)
                typeof(Gemm)
                    .GetField("DirectSkinnyMacs",
                    System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
                    .SetValue(null, long.Parse(parts[1]));
        }
        foreach (var (m, n, k) in Environment.GetEnvironmentVariable("SHAPES") is string sh
            ? Array.ConvertAll(sh.Split(';'),
            x => { var q = Array.ConvertAll(x.Split(','), int.Parse); return (q[0], q[1], q[2]); })
            : new[] { (150, 10, 4), (150, 3, 10), (4, 10, 150), (10, 3, 150), (32, 32, 32), (64, 64, 64), (16, 16, 64),
            (128, 128, 128) })
        {
            var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c = new float[m * n];
            for (int i = 0; i < 2000; i++) Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            Thread.Sleep(300);
            for (int i = 0; i < 2000; i++) Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            int reps = 20000;
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < reps; i++) Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            double us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / reps;
            Console.WriteLine($"{m}x{n}x{k}: {us:F2} us  ({2.0 * m * n * k / us / 1e3:F1} GFLOP/s)");
        }
    }

    static readonly Type s_setup = typeof(Gemm).Assembly.GetType("Ember.Kernels.GemmSetup")!;
    static string GetIsa() =>
        s_setup.GetProperty("Isa",
        System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public
        | System.Reflection.BindingFlags.NonPublic)!.GetValue(null)!.ToString()!;
    static void SetIsa(string name)
    {
        var p =
            s_setup.GetProperty("Isa",
            System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public
            | System.Reflection.BindingFlags.NonPublic)!;
        p.SetValue(null, Enum.Parse(p.PropertyType, name));
    }

    static double Fma256(long iters)
    {
        var a0 = Vector256.Create(1.0f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0;
        var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector256.Create(0.9999999f); var add = Vector256.Create(1e-7f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, add); a1 = Fma.MultiplyAdd(a1, m, add); a2 = Fma.MultiplyAdd(a2, m, add);
            a3 = Fma.MultiplyAdd(a3, m, add);
            a4 = Fma.MultiplyAdd(a4, m, add); a5 = Fma.MultiplyAdd(a5, m, add); a6 = Fma.MultiplyAdd(a6, m, add);
            a7 = Fma.MultiplyAdd(a7, m, add);
            a8 = Fma.MultiplyAdd(a8, m, add); a9 = Fma.MultiplyAdd(a9, m, add); a10 = Fma.MultiplyAdd(a10, m, add);
            a11 = Fma.MultiplyAdd(a11, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return s.GetElement(0);
    }
    static double Fma512(long iters)
    {
        var a0 = Vector512.Create(1.0f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0;
        var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector512.Create(0.9999999f); var add = Vector512.Create(1e-7f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, add); a1 = Avx512F.FusedMultiplyAdd(a1, m, add);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, add); a3 = Avx512F.FusedMultiplyAdd(a3, m, add);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, add); a5 = Avx512F.FusedMultiplyAdd(a5, m, add);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, add); a7 = Avx512F.FusedMultiplyAdd(a7, m, add);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, add); a9 = Avx512F.FusedMultiplyAdd(a9, m, add);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, add); a11 = Avx512F.FusedMultiplyAdd(a11, m, add);
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
                for (int t = 0; t < threads; t++)
                {
                    ts[t] = new Thread(() => { if (width == 256) Fma256(iters); else Fma512(iters); }); ts[t].Start();
                }
                foreach (var t in ts) t.Join();
                double sec = sw.Elapsed.TotalSeconds;
                double flops = threads * iters * 12.0 * (width / 32) * 2;
                Console.WriteLine($"FMA ceiling {width}-bit, {threads} thread(s): {flops / sec / 1e9:F1} GFLOP/s");
            }
        }
    }
}
