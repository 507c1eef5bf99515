using System.Linq;

namespace Ember.Tests.Ops;

/// <summary>The op table and the golden files cover each other, so no op is silently left unchecked.</summary>
public class OpTableTests
{
    [Fact]
    public void EveryGoldenCaseHasARow()
    {
        var missing = OpGoldens.All.Where(c => c.Row is null).Select(c => $"{c.File}: {c.Name} (op '{c.Op}')");
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryRowHasGoldenCases()
    {
        var covered = OpGoldens.All.Select(c => c.Op).ToHashSet();
        Assert.Empty(OpCases.All.Where(r => !covered.Contains(r.Op)).Select(r => r.Op));
    }

    [Fact]
    public void OpNamesAreUnique() =>
        Assert.Empty(OpCases.All.GroupBy(r => r.Op).Where(g => g.Count() > 1).Select(g => g.Key));

    /// <summary>
    /// A row is differentiable exactly when PyTorch recorded a backward for its cases, and the inputs PyTorch
    /// differentiated are floating-point ones.
    /// </summary>
    [Fact]
    public void DifferentiabilityAgreesWithTheGoldens()
    {
        var disagreements = OpGoldens.All.Where(c => c.Row is not null && c.Row.IsDifferentiable != c.HasGoldenBackward)
            .Select(c => $"{c.Name}: table says {(c.Row!.IsDifferentiable ? "" : "not ")}differentiable");
        Assert.Empty(disagreements);
        var intGrads = OpGoldens.All.SelectMany(c => c.Inputs().Select((t, i) => (c.Name, i, t, c.RequiresGrad[i])))
            .Where(e => e.Item4 && e.t.DType is not (DType.Float32 or DType.Float64))
            .Select(e => $"{e.Name}: input {e.i}");
        Assert.Empty(intGrads);
    }
}
