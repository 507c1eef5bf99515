using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.IO;
using Ember.Tests.Support;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

/// <summary>
/// The reverse direction: a file Ember writes loads in PyTorch. Fixtures/io/ember_mlp.safetensors is Ember's
/// output (this test checks it byte for byte against a fresh save), and tools/golden/io_fixtures.py reads it with a
/// strict safetensors reader into the PyTorch MLP (load_state_dict strict=True) and records PyTorch's outputs.
/// </summary>
public class EmberToPyTorchTests
{
    /// <summary>An MLP with deterministic weights that need no random generator.</summary>
    private static Ember.NN.Sequential DeterministicMlp()
    {
        var m = TorchFileTests.Mlp();
        var sd = new Dictionary<string, Tensor>();
        int k = 0;
        foreach (var (name, t) in m.StateDict())
            sd[name] = Make(Enumerable.Range(0, t.NumEl).Select(_ => (float)(0.5 * Math.Sin(0.37 * k++))).ToArray(),
                t.Shape.ToArray());
        m.LoadStateDict(sd);
        return m;
    }

    [Fact]
    public void EmberFileIsByteIdenticalToTheFixtureAndPyTorchReproducesEmbersOutputs()
    {
        using var dir = new TempDir();
        string path = dir.File("ember_mlp.safetensors");
        var m = DeterministicMlp();
        m.SaveWeights(path, new Dictionary<string, string> { ["format"] = "pt", ["writer"] = "Ember" });
        // To regenerate: EMBER_WRITE_IO_FIXTURE=<repo>/tests/Ember.Tests/Fixtures/io/ember_mlp.safetensors
        if (Environment.GetEnvironmentVariable("EMBER_WRITE_IO_FIXTURE") is { Length: > 0 } target)
            File.Copy(path, target, overwrite: true);
        Assert.Equal(File.ReadAllBytes(FixturePath("ember_mlp.safetensors")), File.ReadAllBytes(path));

        var g = Golden.Load("io.json");
        m.Eval();
        var ours = m.Call(Golden.Tensor(g.GetProperty("mlp_in")));
        Close.Equal(Golden.Tensor(g.GetProperty("ember_mlp_torch_out")), ours, rtol: 1e-5, atol: 1e-6);
        Assert.Equal("Ember", g.GetProperty("ember_mlp_metadata").GetProperty("writer").GetString());
    }
}
