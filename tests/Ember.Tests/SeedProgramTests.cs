using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Data;
using Ember.Graph;
using Ember.NN;
using Ember.Optim;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>The seed's classifier, written as the seed's user would.</summary>
internal sealed class Clf : Module
{
    public readonly Linear fc1 = new(4, 10), fc2 = new(10, 3);

    public override Tensor Forward(Tensor x) => fc2.Call(F.ReLU(fc1.Call(x)));

    /// <summary>A classifier holding PyTorch's initial weights for seed 0 (tools/golden/seed.py).</summary>
    public static Clf FromGolden(JsonElement parameters)
    {
        var clf = new Clf();
        foreach (var (name, p) in clf.NamedParameters())
            p.CopyFrom(Golden.Tensor(parameters.GetProperty(name)));
        return clf;
    }
}

/// <summary>The seed program (SEED-NOTES.md, Program 1) against PyTorch 1.13, and the graph/memory semantics it relies
/// on.</summary>
public class SeedProgramTests
{
    private static readonly JsonElement s_seed = Golden.Load("seed.json");

    private static (Tensor X, Tensor Y) IrisTensors()
    {
        var iris = Datasets.Iris();
        return (Tensor.From(iris.Data), Tensor.From(iris.Target));
    }

    [Fact]
    public void FirstStepGradientsAndUpdateMatchPyTorch()
    {
        var (X, y) = IrisTensors();
        var clf = Clf.FromGolden(s_seed.GetProperty("initial_params"));
        var optimizer = new Adam(clf.Parameters(), lr: 0.01);
        var loss = new CrossEntropyLoss().Call(clf.Call(X), y);
        Assert.Equal(s_seed.GetProperty("losses")[0].GetProperty("loss").GetDouble(), loss.Item<float>(), 1e-6);
        optimizer.ZeroGrad();
        loss.Backward();
        foreach (var (name, p) in clf.NamedParameters())
            Close.Equal(Golden.Tensor(s_seed.GetProperty("grads_step0").GetProperty(name)), p.Grad!, 1e-4, 1e-6,
                "grad " + name);
        optimizer.Step();
        foreach (var (name, p) in clf.NamedParameters())
            Close.Equal(Golden.Tensor(s_seed.GetProperty("params_after_step0").GetProperty(name)), p, 1e-5, 1e-6,
                "param " + name);
    }

    [Fact]
    public void ThousandAdamStepsEndAtPyTorchsLossWithTheSamePredictions()
    {
        var (X, y) = IrisTensors();
        var clf = Clf.FromGolden(s_seed.GetProperty("initial_params"));
        var optimizer = new Adam(clf.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss();
        var expectedLosses = s_seed.GetProperty("losses").EnumerateArray()
            .ToDictionary(e => e.GetProperty("step").GetInt32(), e => e.GetProperty("loss").GetDouble());
        Tensor yPred = null!, loss = null!;
        for (int i = 0; i < 1000; i++)
        {
            yPred = clf.Call(X);
            loss = lossFn.Call(yPred, y);
            if (expectedLosses.TryGetValue(i, out double e))
                Assert.True(Math.Abs(loss.Item<float>() - e) <= 1e-4 * e,
                    $"step {i}: loss {loss.Item<float>()}, PyTorch {e}");
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        double final = s_seed.GetProperty("final_loss").GetDouble();
        Assert.True(Math.Abs(loss.Item<float>() - final) / final <= 1e-4,
            $"final loss {loss.Item<float>()}, PyTorch {final} (0.040651)");
        long[] expectedPred = s_seed.GetProperty("final_predictions").EnumerateArray().Select(e => e.GetInt64())
            .ToArray();
        Assert.Equal(expectedPred, yPred.Argmax(1).ToArray<long>());
        double accuracy = yPred.Argmax(1).Eq(y).To(DType.Float64).Mean().Item<double>();
        Assert.Equal(s_seed.GetProperty("final_accuracy").GetDouble(), accuracy, 1e-12);
    }

    [Fact]
    public void Float64ModelTracksPyTorchsFloat64Run()
    {
        var iris = Datasets.Iris();
        var X = Tensor.From(iris.Data);
        var y = Tensor.From(iris.Target);
        var fc1 = new Linear(4, 10, dtype: DType.Float64);
        var fc2 = new Linear(10, 3, dtype: DType.Float64);
        var init = s_seed.GetProperty("initial_params");
        fc1.Weight.CopyFrom(Golden.Tensor(init.GetProperty("fc1.weight")));
        fc1.Bias!.CopyFrom(Golden.Tensor(init.GetProperty("fc1.bias")));
        fc2.Weight.CopyFrom(Golden.Tensor(init.GetProperty("fc2.weight")));
        fc2.Bias!.CopyFrom(Golden.Tensor(init.GetProperty("fc2.bias")));
        var model = new Sequential(fc1, new ReLU(), fc2);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        Tensor loss = null!;
        for (int i = 0; i < 1000; i++)
        {
            loss = F.CrossEntropy(model.Call(X), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        Assert.Equal(DType.Float64, loss.DType);
        double expected = s_seed.GetProperty("float64").GetProperty("final_loss").GetDouble();
        Assert.True(Math.Abs(loss.Item<double>() - expected) / expected <= 1e-7,
            $"float64 loss {loss.Item<double>():R}, PyTorch {expected:R}");
    }

    [Fact]
    public void GraphWalkFromTheLossGivesPyTorchsNodeNamesDownToFourAccumulateGrads()
    {
        var (X, y) = IrisTensors();
        var clf = new Clf();
        var loss = new CrossEntropyLoss().Call(clf.Call(X), y);
        var names = clf.NamedParameters()
            .ToDictionary(p => (object)p.Parameter, p => p.Name, ReferenceEqualityComparer.Instance);

        var walk = new List<(string Name, int Depth, string? Variable, string?[] Next)>();
        void Visit(Node node, int depth)
        {
            string? variable = node is AccumulateGrad acc ? names[acc.Variable] : null;
            walk.Add((node.Name, depth, variable, node.NextFunctions.Select(e => e.Function?.Name).ToArray()));
            foreach (var edge in node.NextFunctions)
                if (edge.Function is not null) Visit(edge.Function, depth + 1);
        }
        Visit(loss.GradFn!, 0);

        var expected = Golden.Load("graph.json").GetProperty("seed_graph").EnumerateArray().ToArray();
        Assert.Equal(expected.Length, walk.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].GetProperty("name").GetString(), walk[i].Name);
            Assert.Equal(expected[i].GetProperty("depth").GetInt32(), walk[i].Depth);
            var v = expected[i].GetProperty("variable");
            Assert.Equal(v.ValueKind == JsonValueKind.Null ? null : v.GetString(), walk[i].Variable);
            Assert.Equal(expected[i].GetProperty("next_functions").EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()).ToArray(), walk[i].Next);
        }
        Assert.Equal(4, walk.Count(w => w.Name == "AccumulateGrad"));
        Assert.Equal(new[] { "fc2.bias", "fc1.bias", "fc1.weight", "fc2.weight" },
            walk.Where(w => w.Variable is not null).Select(w => w.Variable).ToArray());
        var fc1Weight =
            ((AccumulateGrad)loss.GradFn!.NextFunctions[0].Function!.NextFunctions[0].Function!.NextFunctions[1]
            .Function!
            .NextFunctions[0].Function!.NextFunctions[2].Function!.NextFunctions[0].Function!).Variable;
        Assert.Same(clf.fc1.Weight, fc1Weight);
    }

    [Fact]
    public void SecondBackwardThroughAReleasedGraphSaysToRecomputeOrRetain()
    {
        var (X, y) = IrisTensors();
        var clf = new Clf();
        var loss = new CrossEntropyLoss().Call(clf.Call(X), y);
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("backward through the graph a second time", ex.Message);
        Assert.Contains("retainGraph: true", ex.Message);
        Assert.Contains("Recompute the forward pass", ex.Message);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackwardAndGradientsAccumulate()
    {
        var (X, y) = IrisTensors();
        var clf = new Clf();
        var loss = new CrossEntropyLoss().Call(clf.Call(X), y);
        loss.Backward(retainGraph: true);
        float[] once = clf.fc1.Weight.Grad!.ToArray<float>();
        loss.Backward();
        float[] twice = clf.fc1.Weight.Grad!.ToArray<float>();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-6f);
    }

    [Fact]
    public void ZeroGradSetsGradientsToNull()
    {
        var (X, y) = IrisTensors();
        var clf = new Clf();
        var optimizer = new SGD(clf.Parameters(), lr: 0.1);
        new CrossEntropyLoss().Call(clf.Call(X), y).Backward();
        Assert.All(clf.Parameters(), p => Assert.NotNull(p.Grad));
        optimizer.ZeroGrad();
        Assert.All(clf.Parameters(), p => Assert.Null(p.Grad));
        new CrossEntropyLoss().Call(clf.Call(X), y).Backward();
        optimizer.ZeroGrad(setToNone: false);
        Assert.All(clf.Parameters(), p => Assert.All(p.Grad!.ToArray<float>(), v => Assert.Equal(0f, v)));
    }

}

/// <summary>The graph is freed by Backward(): twenty thousand seed steps leave the heap where it was.</summary>
[Collection(SerialCollection.Name)]
public class SeedMemoryTests
{
    private static (Tensor X, Tensor Y) IrisTensors()
    {
        var iris = Datasets.Iris();
        return (Tensor.From(iris.Data), Tensor.From(iris.Target));
    }

    [Fact]
    public void MemoryStaysFlatOverTwentyThousandSteps()
    {
        var (X, y) = IrisTensors();
        var clf = new Clf();
        var optimizer = new Adam(clf.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss();
        long atThousand = 0;
        for (int i = 1; i <= 20_000; i++)
        {
            var loss = lossFn.Call(clf.Call(X), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            if (i == 1_000) atThousand = HeapAfterFullCollection();
        }
        long atEnd = HeapAfterFullCollection();
        Assert.True(atEnd - atThousand < 256 * 1024,
            $"managed heap grew from {atThousand:N0} to {atEnd:N0} bytes between steps 1,000 and 20,000");
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
