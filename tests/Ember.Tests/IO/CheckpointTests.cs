using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ember.Data;
using Ember.IO;
using Ember.NN;
using Ember.Optim;
using static Ember.Tests.IO.IoTestUtil;

namespace Ember.Tests.IO;

public class CheckpointTests
{
    private const int Epochs = 4;

    /// <summary>A model, optimizer, scheduler, shuffling loader and dropout generator, all explicitly seeded.</summary>
    private sealed class Setup
    {
        public readonly Sequential Model;
        public readonly Optimizer Opt;
        public readonly LRScheduler Sched;
        public readonly DataLoader<Tensor[], Tensor[]> Loader;
        public readonly Generator DropoutGen = new(7);

        public Setup(string optimizer, long initSeed)
        {
            Model = new Sequential(new Linear(4, 16), new ReLU(), new Dropout(0.2, DropoutGen), new Linear(16, 3));
            var init = new Generator(initSeed);
            Model.LoadStateDict(Model.StateDict().ToDictionary(p => p.Key,
                p => Tensor.Randn(p.Value.Shape, init) * 0.3));
            var data = new Generator(1);
            var x = Tensor.Randn([40, 4], data);
            var y = Tensor.From(Enumerable.Range(0, 40).Select(_ => data.NextInt64(3)).ToArray());
            Loader = DataLoader.Create(new TensorDataset(x, y), 6, shuffle: true, generator: new Generator(99));
            if (optimizer == "sgd")
            {
                var sgd = new SGD(Model.Parameters(), 0.1, momentum: 0.9);
                (Opt, Sched) = (sgd, new StepLR(sgd, 2, 0.5));
            }
            else
            {
                var adam = new Adam(Model.Parameters(), 0.01);
                (Opt, Sched) = (adam, new CosineAnnealingLR(adam, 5));
            }
        }

        public Dictionary<string, Generator> Generators => new() { ["dropout"] = DropoutGen };
    }

    /// <summary>
    /// Trains for <see cref="Epochs"/> epochs; with <paramref name="stopAfterStep"/> (mid-epoch) or
    /// <paramref name="stopAfterEpoch"/> (at the boundary) it saves a checkpoint there and stops (returns null).
    /// With <paramref name="resumeFrom"/> it starts from differently initialized objects and restores everything.
    /// </summary>
    private static float[][]? Train(string optimizer, string path, long stopAfterStep = -1, int stopAfterEpoch = -1,
        bool resumeFrom = false)
    {
        var s = new Setup(optimizer, resumeFrom ? 2 : 1);
        int epoch = 0;
        long step = 0;
        if (resumeFrom)
        {
            s.DropoutGen.ManualSeed(12345); // a different state, which the checkpoint must overwrite
            var ck = Checkpoint.Load(path, s.Model, s.Opt, s.Sched, s.Generators);
            (epoch, step) = (ck.Epoch, ck.Step);
            s.Loader.LoadState(ck.DataLoader!);
        }
        var loss = new CrossEntropyLoss();
        for (; epoch < Epochs; epoch++)
        {
            foreach (var batch in s.Loader)
            {
                step++;
                s.Opt.ZeroGrad();
                loss.Call(s.Model.Call(batch[0]), batch[1]).Backward();
                s.Opt.Step();
                if (step == stopAfterStep)
                {
                    Checkpoint.Save(path, s.Model, s.Opt, s.Sched, epoch, step, s.Loader.GetState(), s.Generators);
                    return null;
                }
            }
            s.Sched.Step();
            if (epoch == stopAfterEpoch)
            {
                Checkpoint.Save(path, s.Model, s.Opt, s.Sched, epoch + 1, step, s.Loader.GetState(), s.Generators);
                return null;
            }
        }
        return s.Model.StateDict().Values.Select(t => t.ToArray<float>()).ToArray();
    }

    [Theory]
    [InlineData("sgd", true)]
    [InlineData("sgd", false)]
    [InlineData("adam", true)]
    [InlineData("adam", false)]
    public void ResumingGivesBitIdenticalWeightsToAnUninterruptedRun(string optimizer, bool midEpoch)
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        var uninterrupted = Train(optimizer, path)!;
        var stopped = midEpoch
            ? Train(optimizer, path, stopAfterStep: 7 + 3)
            : Train(optimizer, path, stopAfterEpoch: 1);
        Assert.Null(stopped);
        var resumed = Train(optimizer, path, resumeFrom: true)!;
        Assert.Equal(uninterrupted.Length, resumed.Length);
        for (int i = 0; i < resumed.Length; i++) Assert.Equal(uninterrupted[i], resumed[i]); // exact float equality
        // Not trivially equal: a fresh run from another seed differs.
        Assert.NotEqual(uninterrupted[0], new Setup(optimizer, 2).Model.StateDict().Values.First().ToArray<float>());
    }

    [Fact]
    public void CheckpointIsASafetensorsFileWithADocumentedLayout()
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        Train("adam", path, stopAfterStep: 3);
        var tensors = Safetensors.Load(path, out var meta);
        Assert.Equal("ember.checkpoint", meta["format"]);
        Assert.Contains("\"FormatVersion\":1", meta[Checkpoint.MetadataKey], StringComparison.Ordinal);
        Assert.Contains("model.0.weight", tensors.Keys);
        Assert.Contains("optimizer.state.0.exp_avg", tensors.Keys);
        Assert.Contains("optimizer.state.3.exp_avg_sq", tensors.Keys);
    }

    [Fact]
    public void NewerFormatAndMismatchedObjectsAreRefusedClearly()
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        Train("sgd", path, stopAfterStep: 2);
        var s = new Setup("adam", 1);
        var ex = Assert.Throws<ArgumentException>(() => Checkpoint.Load(path, s.Model, s.Opt));
        Assert.Contains("holds SGD optimizer state, not Adam", ex.Message, StringComparison.Ordinal);

        var tensors = Safetensors.Load(path, out var meta);
        var newer = meta.ToDictionary(m => m.Key, m => m.Value.Replace("\"FormatVersion\":1", "\"FormatVersion\":9",
            StringComparison.Ordinal));
        Safetensors.Save(path, tensors, newer);
        var ex2 = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, s.Model));
        Assert.Contains("checkpoint format 9, newer than this Ember's 1", ex2.Message, StringComparison.Ordinal);

        s.Model.SaveWeights(path);
        var ex3 = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, s.Model));
        Assert.Contains("no 'ember.checkpoint' metadata", ex3.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratorStateRoundTripsIncludingTheCachedNormal()
    {
        var g = new Generator(5);
        g.NextNormal(); // leaves the second Box-Muller value cached
        var state = g.GetState();
        var expected = Enumerable.Range(0, 5).Select(_ => g.NextNormal()).ToArray();
        var h = new Generator(0);
        h.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => h.NextNormal()).ToArray());
        Assert.Throws<ArgumentException>(() => h.SetState(new byte[3]));
    }
}
