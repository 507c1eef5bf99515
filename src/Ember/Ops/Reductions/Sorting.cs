using System;
using Ember.Core;
using Ember.Graph;
using Ember.Tracing;

namespace Ember;

public partial class Tensor
{
    /// <summary>Sorted values and the indices they came from, along <paramref name="dim"/> (stable; NaN sorts
    /// last).</summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        var (values, indices) = RawOps.Sort(Raw, dim, descending, null, "sort");
        return (IndexedValuesBackward.Apply(this, values, indices, Shapes.WrapDim(dim, Math.Max(Dim, 1), "sort"),
            true, IndexedValuesBackward.Kind.Sort), new Tensor(indices));
    }

    /// <summary>The indices that sort the tensor along <paramref name="dim"/>.</summary>
    public Tensor Argsort(int dim = -1, bool descending = false) =>
        OpTracer.Untraced("argsort", new(RawOps.Sort(Raw, dim, descending, null, "argsort").Indices), dim, this);

    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/>, sorted, with their
    /// indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        var (values, indices) = RawOps.Sort(Raw, dim, largest, k, "topk");
        return (IndexedValuesBackward.Apply(this, values, indices, Shapes.WrapDim(dim, Math.Max(Dim, 1), "topk"),
            true, IndexedValuesBackward.Kind.Topk), new Tensor(indices));
    }
}
