using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Ember.NN;
using Ember.Optim;

namespace Ember.Tests.Optim;

/// <summary>Hyper-parameters of <see cref="Lion"/> (state-dict keys as in lion-pytorch: lr, betas, weight_decay).
/// </summary>
public sealed class LionOptions : OptimizerOptions
{
    /// <summary>β1 interpolates the update direction, β2 the momentum.</summary>
    public (double Beta1, double Beta2) Betas { get; set; } = (0.9, 0.99);

    /// <summary>Decoupled weight decay: <c>p *= 1 - lr·weightDecay</c>.</summary>
    public double WeightDecay { get; set; }

    /// <inheritdoc/>
    protected override void Validate(string optimizer)
    {
        base.Validate(optimizer);
        if (!(Betas.Beta1 >= 0 && Betas.Beta1 < 1 && Betas.Beta2 >= 0 && Betas.Beta2 < 1)) // NaN fails too
            throw new ArgumentException($"{optimizer}: invalid betas {Betas}; expected 0 <= beta < 1.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"{optimizer}: invalid weightDecay {WeightDecay}.");
    }

    /// <inheritdoc/>
    protected override void WriteTo(IDictionary<string, object> group)
    {
        base.WriteTo(group);
        group["betas"] = new[] { Betas.Beta1, Betas.Beta2 };
        group["weight_decay"] = WeightDecay;
    }

    /// <inheritdoc/>
    protected override void ReadFrom(IReadOnlyDictionary<string, object> group, string optimizer)
    {
        base.ReadFrom(group, optimizer);
        Betas = ReadPair(group, "betas", Betas, optimizer);
        WeightDecay = ReadDouble(group, "weight_decay", WeightDecay, optimizer);
    }
}

/// <summary>
/// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), written as a user would, on the public
/// base only: <c>c = β1·m + (1-β1)·g</c>, <c>p = p·(1 - lr·wd) - lr·sign(c)</c>, <c>m = β2·m + (1-β2)·g</c>.
/// State per parameter: <c>"step"</c> and <c>"exp_avg"</c> (the momentum m). The same code is in
/// docs/custom-optimizer.md.
/// </summary>
public sealed class Lion : Optimizer<LionOptions>
{
    private static readonly string[] s_state = ["exp_avg"];

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    public Lion(IEnumerable<Parameter> parameters, double lr = 1e-4, (double Beta1, double Beta2)? betas = null,
        double weightDecay = 0)
        : base(parameters, new LionOptions { Lr = lr, Betas = betas ?? (0.9, 0.99), WeightDecay = weightDecay })
    {
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateBufferNames => s_state;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, LionOptions o)
    {
        Span<T> m = state.Buffer("exp_avg");
        T lr = T.CreateTruncating(o.Lr), decay = T.CreateTruncating(1 - o.Lr * o.WeightDecay);
        T b1 = T.CreateTruncating(o.Betas.Beta1), c1 = T.CreateTruncating(1 - o.Betas.Beta1);
        T b2 = T.CreateTruncating(o.Betas.Beta2), c2 = T.CreateTruncating(1 - o.Betas.Beta2);
        for (int i = 0; i < param.Length; i++)
        {
            T c = b1 * m[i] + c1 * grad[i];
            T sign = c > T.Zero ? T.One : c < T.Zero ? -T.One : T.Zero;
            param[i] = param[i] * decay - lr * sign;
            m[i] = b2 * m[i] + c2 * grad[i];
        }
    }
}

/// <summary>A user-written optimizer (<see cref="Lion"/>) on the public <see cref="Optimizer{TOptions}"/>.</summary>
public class CustomOptimizerTests
{
    private static readonly double[][] s_grads = [[0.5, -1, 0], [-0.2, -0.3, 2], [0.01, 0.02, -0.1]];

    // By hand, lr 0.1, betas (0.9, 0.99), wd 0.1 (decay 0.99), from p = [1, -2, 0.5], m = 0:
    // step 1: c = 0.1·g1 = [0.05, -0.1, 0] -> sign [1, -1, 0]; p = [0.89, -1.88, 0.495]; m = [0.005, -0.01, 0]
    // step 2: c = [0.0045 - 0.02, -0.009 - 0.03, 0.2] -> [-1, -1, 1]; p = [0.9811, -1.7612, 0.39005];
    //         m = [0.00295, -0.0129, 0.02]
    // step 3: c = [0.003655, -0.00961, 0.018 - 0.01] -> [1, -1, 1] (the momentum outvotes the last gradient);
    //         p = [0.871289, -1.643588, 0.2861495]; m = [0.0030205, -0.012571, 0.0188]
    private static readonly double[][] s_params = [[0.89, -1.88, 0.495], [0.9811, -1.7612, 0.39005],
        [0.871289, -1.643588, 0.2861495]];
    private static readonly double[] s_momentum = [0.0030205, -0.012571, 0.0188];

    [Theory]
    [InlineData(DType.Float32, 1e-6)]
    [InlineData(DType.Float64, 1e-12)]
    public void StepsMatchAHandComputedReference(DType dtype, double tol)
    {
        var p = new Parameter(Tensor.From(new[] { 1.0, -2.0, 0.5 }).To(dtype));
        var opt = new Lion([p], lr: 0.1, weightDecay: 0.1);
        for (int t = 0; t < s_grads.Length; t++)
        {
            p.Grad = Tensor.From(s_grads[t]).To(dtype);
            opt.Step();
            Assert.Equal(dtype, p.DType);
            AssertClose(s_params[t], p.ToArray<double>(), tol, $"step {t + 1}");
        }
        var state = opt.StateDict().State[0];
        Assert.Equal(3L, state["step"]);
        var m = Assert.IsAssignableFrom<Tensor>(state["exp_avg"]);
        Assert.Equal(dtype, m.DType);
        AssertClose(s_momentum, m.ToArray<double>(), tol, "exp_avg");
    }

    [Fact]
    public void StateDictRoundTripContinuesExactlyAsUninterrupted()
    {
        static Parameter[] Params() => [new Parameter(Tensor.From(new float[] { 1, -2, 3, -4, 5, -6 }, [2, 3])),
            new Parameter(Tensor.From(new float[] { 0.5f, -0.5f }))];
        static void Train(Optimizer opt, Parameter[] ps, int from, int to)
        {
            for (int t = from; t < to; t++)
            {
                foreach (var p in ps)
                    p.Grad = Tensor.From(p.ToArray<float>().Select(v => 2 * v + 0.1f * (t + 1)).ToArray(), p.Shape);
                opt.Step();
            }
        }

        var straight = Params();
        Train(new Lion(straight, lr: 0.01, weightDecay: 0.5), straight, 0, 6);

        var first = Params();
        var before = new Lion(first, lr: 0.01, weightDecay: 0.5);
        Train(before, first, 0, 3);
        var sd = before.StateDict();
        Assert.Equal(new[] { "exp_avg", "step" }, sd.State[1].Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new[] { 0.9, 0.99 }, (double[])sd.ParamGroups[0]["betas"]);
        Assert.Equal(0.5, sd.ParamGroups[0]["weight_decay"]);

        var resumed = first.Select(p => new Parameter(Tensor.From(p.ToArray<float>(), p.Shape))).ToArray();
        var after = new Lion(resumed, lr: 1, weightDecay: 0); // LoadStateDict restores the options too
        after.LoadStateDict(sd);
        Assert.Equal(0.01, after.ParamGroups[0].Lr);
        Train(after, resumed, 3, 6);
        for (int i = 0; i < straight.Length; i++)
            Assert.Equal(straight[i].ToArray<float>(), resumed[i].ToArray<float>());

        var missing = new Dictionary<int, IReadOnlyDictionary<string, object>>(sd.State)
        {
            [0] = sd.State[0].Where(e => e.Key != "exp_avg").ToDictionary(e => e.Key, e => e.Value),
        };
        var ex = Assert.Throws<ArgumentException>(
            () => after.LoadStateDict(new OptimizerStateDict(missing, sd.ParamGroups)));
        Assert.Contains("Lion.LoadStateDict: the state of parameter 0 lacks 'exp_avg'", ex.Message);
    }

    [Fact]
    public void ParamGroupsKeepTheirOwnOptions()
    {
        var a = new Parameter(Tensor.From(new[] { 1f, -1f }));
        var b = new Parameter(Tensor.From(new[] { 1f, -1f }));
        var opt = new Lion([a], lr: 0.1);
        opt.AddParamGroup([b], o => { o.Lr = 0.5; o.WeightDecay = 1; });
        a.Grad = Tensor.From(new[] { 3f, -3f });
        b.Grad = Tensor.From(new[] { -3f, 3f });
        opt.Step();
        Assert.Equal(new[] { 0.9f, -0.9f }, a.ToArray<float>()); // p - lr·sign(g)
        Assert.Equal(new[] { 1f, -1f }, b.ToArray<float>()); // p·(1 - 0.5) + 0.5·sign(g) = ±0.5 ± 0.5
        var groups = opt.StateDict().ParamGroups;
        Assert.Equal(0.5, groups[1]["lr"]);
        Assert.Equal(1.0, groups[1]["weight_decay"]);
        Assert.Equal(new[] { 1 }, (int[])groups[1]["params"]);
        Assert.Contains("more than one parameter group",
            Assert.Throws<ArgumentException>(() => opt.AddParamGroup([a])).Message);
        Assert.Contains("invalid betas", Assert.Throws<ArgumentException>(
            () => opt.AddParamGroup([new Parameter(Tensor.Ones(1))], o => o.Betas = (1.5, 0.9))).Message);
    }

    [Fact]
    public void ALinearModelTrainsWithItThroughAStepClosure()
    {
        var x = Tensor.From(new float[] { -1, -0.5f, 0, 0.5f, 1, 1.5f }, [6, 1]);
        var y = Tensor.From(new float[] { -3, -2, -1, 0, 1, 2 }, [6, 1]); // y = 2x - 1
        var model = new Linear(1, 1);
        model.Weight.CopyFrom(Tensor.Zeros(1, 1));
        model.Bias!.CopyFrom(Tensor.Zeros(1));
        var mse = new MSELoss();
        var opt = new Lion(model.Parameters(), lr: 0.02);
        var losses = new List<double>();
        using (Autograd.NoGrad()) // the closure must still record its graph
            for (int i = 0; i < 320; i++)
                losses.Add(opt.Step(() =>
                {
                    opt.ZeroGrad();
                    var loss = mse.Call(model.Call(x), y);
                    loss.Backward();
                    return loss.Item<float>();
                }));
        Assert.Equal(19.0 / 6, losses[0], 1e-6); // mean((2x - 1)²) at w = b = 0
        // Sign updates of size lr oscillate around the optimum until the momentum settles (within 300 steps here).
        Assert.True(losses.Skip(300).Max() < 1e-3 * losses[0], string.Join(", ", losses.Skip(300)));
        Assert.True(losses[50] < losses[0]);
    }

    private sealed class Typo(IEnumerable<Parameter> ps) : Optimizer<LionOptions>(ps, new LionOptions { Lr = 0.1 })
    {
        protected override IReadOnlyList<string> StateBufferNames => ["exp_avg"];

        protected override void Update<T>(Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state, LionOptions o) =>
            state.Buffer("exp_avgs");
    }

    [Fact]
    public void UndeclaredStateIsRejectedByName()
    {
        var p = new Parameter(Tensor.Ones(2));
        var opt = new Typo([p]);
        p.Grad = Tensor.Ones(2);
        var ex = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.Contains("'exp_avgs' is not one of its state buffers (exp_avg)", ex.Message);
        Assert.Empty(opt.StateDict().State); // a failed first update leaves no state behind
    }

    [Fact]
    public void HalfPrecisionParametersAreRejectedClearly()
    {
        var p = new Parameter(Tensor.Ones(2).To(DType.Float16));
        var opt = new Lion([p]);
        p.Grad = Tensor.Ones(2).To(DType.Float16);
        Assert.Contains("float16", Assert.Throws<NotSupportedException>(() => opt.Step()).Message);
    }

    [Fact]
    public void TheGuideShowsExactlyThisLion()
    {
        static string Source([CallerFilePath] string path = "") => path;
        string source = File.ReadAllText(Source()).ReplaceLineEndings("\n");
        string guide = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Source())!, "..", "..", "..", "docs",
            "custom-optimizer.md")).ReplaceLineEndings("\n");
        int start = source.IndexOf("/// <summary>Hyper-parameters of <see cref=\"Lion\"/>", StringComparison.Ordinal);
        int end = source.IndexOf("/// <summary>A user-written optimizer", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start);
        Assert.Contains(source[start..end].TrimEnd() + "\n```", guide);
    }

    private static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
