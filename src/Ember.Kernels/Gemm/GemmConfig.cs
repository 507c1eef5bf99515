using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Kernels;

/// <summary>Instruction-set level of the packed GEMM micro-kernels.</summary>
internal enum GemmIsa
{
    /// <summary>Portable <see cref="Vector128{T}"/> kernels (multiply then add, no FMA).</summary>
    Portable = 0,
    /// <summary>AVX2 + FMA kernels on <see cref="Vector256{T}"/> (16 ymm registers).</summary>
    Avx2 = 1,
    /// <summary>AVX-512F kernels on <see cref="Vector512{T}"/> (32 zmm registers).</summary>
    Avx512 = 2,
}

/// <summary>Blocking parameters and micro-kernel of one (element type, ISA) pair.</summary>
internal readonly unsafe struct GemmConfig<T> where T : unmanaged
{
    /// <summary>Micro-tile rows.</summary>
    public readonly int MR;
    /// <summary>Micro-tile columns.</summary>
    public readonly int NR;
    /// <summary>Largest depth block (the packed B micro-panel, KC x NR, should sit in L1).</summary>
    public readonly int KC;
    /// <summary>Largest row block, a multiple of MR (the packed A block, MC x KC, should sit in L2).</summary>
    public readonly int MC;
    /// <summary>Largest column block, a multiple of NR (the packed B block, KC x NC, should sit in L3).</summary>
    public readonly int NC;
    /// <summary>The micro-kernel: (kc, packed A, B panel, B row step, C, ldc, alpha, beta).</summary>
    public readonly delegate*<nint, T*, T*, nint, T*, nint, T, T, void> Kernel;
    /// <summary>
    /// Edge kernels for ragged tiles, reading <see cref="Kernel"/>'s packed panels (null where none is generated):
    /// the first 4 or 8 rows of a panel at full width, and all MR rows at half width (NR / 2 columns). Each C
    /// element is the same chain of multiply-adds over the depth as in <see cref="Kernel"/>, so a tile computes the
    /// same bits whichever kernel runs it.
    /// </summary>
    public readonly delegate*<nint, T*, T*, nint, T*, nint, T, T, void> Rows4, Rows8, HalfWidth;

    public GemmConfig(int mr, int nr, int kc, int mcTiles, int ncTiles, void* kernel, void* rows4 = null,
        void* rows8 = null, void* halfWidth = null)
    {
        if (GemmSetup.TuneKC > 0) kc = GemmSetup.TuneKC;
        if (GemmSetup.TuneMCTiles > 0) mcTiles = GemmSetup.TuneMCTiles;
        if (GemmSetup.TuneNCTiles > 0) ncTiles = GemmSetup.TuneNCTiles;
        MR = mr;
        NR = nr;
        KC = kc;
        MC = mcTiles * mr;
        NC = ncTiles * nr;
        Kernel = (delegate*<nint, T*, T*, nint, T*, nint, T, T, void>)kernel;
        Rows4 = (delegate*<nint, T*, T*, nint, T*, nint, T, T, void>)rows4;
        Rows8 = (delegate*<nint, T*, T*, nint, T*, nint, T, T, void>)rows8;
        HalfWidth = (delegate*<nint, T*, T*, nint, T*, nint, T, T, void>)halfWidth;
    }
}

/// <summary>ISA selection and per-type configurations.</summary>
internal static unsafe class GemmSetup
{
    /// <summary>Best level this process supports.</summary>
    public static readonly GemmIsa MaxIsa =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? GemmIsa.Avx512
        : Fma.IsSupported && Avx2.IsSupported ? GemmIsa.Avx2
        : GemmIsa.Portable;

    private static GemmIsa s_isa = MaxIsa;

    /// <summary>Tuning overrides for benchmarks (0 = built-in default).</summary>
    internal static int TuneKC, TuneMCTiles, TuneNCTiles, TuneChunksPerThread;

    /// <summary>Level in use; tests may lower it (values above <see cref="MaxIsa"/> are clamped).</summary>
    public static GemmIsa Isa
    {
        get => s_isa;
        set => s_isa = value > MaxIsa ? MaxIsa : value;
    }

    public static GemmConfig<T> Get<T>() where T : unmanaged
    {
        GemmIsa isa = s_isa;
        if (typeof(T) == typeof(float))
        {
            return isa switch
            {
                GemmIsa.Avx512 => new GemmConfig<T>(GemmKernels.F512MR, GemmKernels.F512NR, 256, 16, 128,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)&GemmKernels.F512,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)
                        &GemmKernels.F512R4,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)
                        &GemmKernels.F512R8,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)
                        &GemmKernels.F512C16),
                GemmIsa.Avx2 => new GemmConfig<T>(GemmKernels.F256MR, GemmKernels.F256NR, 256, 40, 256,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)&GemmKernels.F256),
                _ => new GemmConfig<T>(GemmKernels.FPortableMR, GemmKernels.FPortableNR, 256, 32, 256,
                    (void*)(delegate*<nint, float*, float*, nint, float*, nint, float, float, void>)
                        &GemmKernels.FPortable),
            };
        }
        if (typeof(T) == typeof(double))
        {
            return isa switch
            {
                GemmIsa.Avx512 => new GemmConfig<T>(GemmKernels.D512MR, GemmKernels.D512NR, 256, 8, 128,
                    (void*)(delegate*<nint, double*, double*, nint, double*, nint, double, double, void>)
                        &GemmKernels.D512),
                GemmIsa.Avx2 => new GemmConfig<T>(GemmKernels.D256MR, GemmKernels.D256NR, 256, 20, 256,
                    (void*)(delegate*<nint, double*, double*, nint, double*, nint, double, double, void>)
                        &GemmKernels.D256),
                _ => new GemmConfig<T>(GemmKernels.DPortableMR, GemmKernels.DPortableNR, 256, 32, 256,
                    (void*)(delegate*<nint, double*, double*, nint, double*, nint, double, double, void>)
                        &GemmKernels.DPortable),
            };
        }
        throw new NotSupportedException();
    }
}
