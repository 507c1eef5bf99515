using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Ember.IO;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

/// <summary>
/// A child process that is killed while saving leaves the previous file loadable. The child is this test assembly
/// running <see cref="ChildSavesUntilKilled"/> (an explicit test, run only on request).
/// </summary>
public class KillWhileSavingTests
{
    private const string TargetVariable = "EMBER_KILL_TEST_TARGET";
    private const int Elements = 4 << 20; // 16 MB of float32 per save: long enough to be caught mid-write

    /// <summary>Version <paramref name="v"/> of the file's content: every element equals v.</summary>
    private static Dictionary<string, Tensor> Version(int v) =>
        new() { ["w"] = Make(Enumerable.Repeat((float)v, Elements).ToArray(), Elements) };

    [Fact(Explicit = true)]
    public void ChildSavesUntilKilled()
    {
        string path = Environment.GetEnvironmentVariable(TargetVariable)
            ?? throw new InvalidOperationException($"{TargetVariable} is not set (run by the kill test only).");
        for (int v = 2; ; v++) Safetensors.Save(path, Version(v));
    }

    [Fact]
    public void KilledWhileSavingLeavesTheOldFileLoadable()
    {
        using var dir = new TempDir();
        string path = dir.File("w.safetensors");
        Safetensors.Save(path, Version(1));
        string dll = typeof(KillWhileSavingTests).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var rng = new Random(14);
        int interrupted = 0;
        int round = 0;
        // At least 3 kills, and more (up to 12) until one lands inside a save: the timing is the OS's to decide.
        for (; round < 3 || (interrupted == 0 && round < 12); round++)
        {
            var psi = new ProcessStartInfo(dotnet)
            {
                ArgumentList =
                {
                    "exec", dll, "-method", $"{typeof(KillWhileSavingTests).FullName}.{nameof(ChildSavesUntilKilled)}",
                    "-explicit", "only",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment[TargetVariable] = path;
            using var child = Process.Start(psi)!;
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            // Wait until the child is writing a temporary file, then kill it at a random point of the write.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (Directory.GetFiles(dir.Path, ".w.safetensors.*.tmp").Length == 0)
            {
                Assert.True(DateTime.UtcNow < deadline && !child.HasExited, "the child never started saving");
                Thread.Sleep(1);
            }
            Thread.Sleep(round == 0 ? 0 : rng.Next(0, 30));
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            var leftovers = Directory.GetFiles(dir.Path, ".w.safetensors.*.tmp");
            if (leftovers.Length > 0) interrupted++;
            foreach (var f in leftovers) File.Delete(f);

            var w = Safetensors.Load(path)["w"];
            float first = w.Raw.Data<float>()[0];
            Assert.True(w.Raw.Data<float>().All(x => x == first), "the file mixes two versions");
            Assert.True(first >= 1);
            TestContext.Current.TestOutputHelper?.WriteLine($"round {round}: the file holds version {first}");
        }
        // A leftover temporary file shows that a save was cut short (not merely that the child was between saves).
        TestContext.Current.TestOutputHelper?.WriteLine($"{interrupted} of {round} kills interrupted a save");
        Assert.True(interrupted > 0, "no kill landed inside a save");
    }
}
