// Generates src/Ember.Kernels/Gemm/GemmKernels.Generated.cs: the register-blocked GEMM micro-kernels (a C# port of
// the former bench/GemmProbe/gen_kernels.py, byte for byte the same output, so CI needs no Python), and
// src/Ember.Kernels/Elementwise/Float32Math.Vector512.Generated.cs and
// src/Ember.Kernels/Recurrent/GateMath.Vector512.Generated.cs (Float32MathTwinWriter).
// Usage: dotnet run --project tools/KernelGen [-- [--check] [--root DIR] [--prefetch-c]]
using System;
using System.IO;
using Ember.Tools.KernelGen;

string? root = null;
bool check = false, prefetchC = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--check": check = true; break;
        case "--prefetch-c": prefetchC = true; break;
        case "--root" when i + 1 < args.Length: root = args[++i]; break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            Console.Error.WriteLine("usage: KernelGen [--check] [--root DIR] [--prefetch-c]");
            return 2;
    }
}
root ??= RepoRoot.Find(Directory.GetCurrentDirectory()) ?? RepoRoot.Find(AppContext.BaseDirectory);
if (root is null)
{
    Console.Error.WriteLine("cannot find the repository root (a folder with Ember.sln); pass --root DIR");
    return 2;
}

(string Relative, string Text)[] outputs =
[
    (GemmKernelWriter.RelativePath, GemmKernelWriter.Generate(prefetchC)),
    (Float32MathTwinWriter.RelativePath,
        Float32MathTwinWriter.Generate(File.ReadAllText(Path.Combine(root, Float32MathTwinWriter.SourcePath)))),
    (Float32MathTwinWriter.GateRelativePath,
        Float32MathTwinWriter.Generate(File.ReadAllText(Path.Combine(root, Float32MathTwinWriter.GateSourcePath)),
            Float32MathTwinWriter.GateSourcePath, "GateMath")),
];
int status = 0;
foreach ((string relative, string text) in outputs)
{
    string path = Path.Combine(root, relative);
    if (!check)
    {
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote {relative} ({text.Length} chars)");
        continue;
    }
    string? committed = File.Exists(path) ? File.ReadAllText(path) : null;
    string? stale = StaleCheck.Describe(committed, text);
    if (stale is null)
    {
        Console.WriteLine($"{relative} is current");
        continue;
    }
    Console.Error.WriteLine($"{relative} is stale: {stale}");
    Console.Error.WriteLine("Regenerate it with tools/regenerate.sh (or dotnet run --project tools/KernelGen) " +
        "and commit it; edit tools/KernelGen (or the source it copies), not the generated file.");
    status = 1;
}
return status;
