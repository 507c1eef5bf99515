using System;

namespace Ember.Onnx.Import;

/// <summary>Shape ops, constants, gathers and reductions.</summary>
internal static partial class ImportOps
{
    // Shape values (0 copies the input's dim unless allowzero, one -1 is inferred).
    private static Tensor Reshape(NodeContext c)
    {
        Tensor x = c.In(0);
        long[] shape = c.HostInts(1);
        bool allowZero = c.Int("allowzero", 0) != 0;
        int[] dims = new int[shape.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            long d = shape[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Dim) throw c.Error($"shape value 0 at {i} copies a dim the input {Dims(x)} lacks.");
                d = x.Shape[i];
            }
            if (d == -1)
            {
                if (infer >= 0) throw c.Error("shape has more than one -1.");
                infer = i;
                continue;
            }
            if (d < 0 || d > int.MaxValue) throw c.Error($"shape value {d} is invalid.");
            dims[i] = (int)d;
            known = known > x.NumEl ? known : known * d;
        }
        if (infer >= 0)
        {
            if (known == 0 || x.NumEl % known != 0)
                throw c.Error($"cannot reshape {Dims(x)} to [{string.Join(", ", shape)}].");
            dims[infer] = (int)(x.NumEl / known);
        }
        else if (known != x.NumEl)
        {
            throw c.Error($"cannot reshape {Dims(x)} ({x.NumEl} elements) to [{string.Join(", ", shape)}].");
        }
        return x.Reshape(dims);
    }

    private static Tensor Flatten(NodeContext c)
    {
        Tensor x = c.In(0);
        int axis = c.Axis(c.Int("axis", 1), x.Dim + 1);
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        return x.Reshape(outer, outer == 0 ? 0 : x.NumEl / outer);
    }

    private static Tensor Transpose(NodeContext c)
    {
        Tensor x = c.In(0);
        long[]? perm = c.Ints("perm");
        int[] p = new int[x.Dim];
        var seen = new bool[x.Dim];
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = perm is null ? x.Dim - 1 - i
                : perm.Length == x.Dim ? c.Axis(perm[i], x.Dim, "perm value")
                : throw c.Error($"perm has {perm.Length} values for a rank-{x.Dim} input.");
            if (seen[p[i]]) throw c.Error($"perm [{string.Join(", ", perm!)}] is not a permutation.");
            seen[p[i]] = true;
        }
        return x.Permute(p);
    }

    // Axes: an attribute before opset 13, an optional input from 13.
    private static long[]? AxesOf(NodeContext c, int input, int inputFromOpset) =>
        c.Opset >= inputFromOpset ? (c.Opt(input) is null ? null : c.HostInts(input)) : c.Ints("axes");

    private static Tensor Squeeze(NodeContext c)
    {
        Tensor x = c.In(0);
        long[]? axes = AxesOf(c, 1, 13);
        if (axes is null) return x.Dim == 0 ? x : x.Reshape(Squeezed(x));
        var drop = new bool[x.Dim];
        foreach (long a in axes)
        {
            int d = c.Axis(a, x.Dim);
            if (x.Shape[d] != 1) throw c.Error($"cannot squeeze dim {d} of size {x.Shape[d]} in {Dims(x)}.");
            drop[d] = true;
        }
        for (int d = x.Dim - 1; d >= 0; d--)
            if (drop[d]) x = x.Squeeze(d);
        return x;
    }

    private static int[] Squeezed(Tensor x)
    {
        int n = 0;
        foreach (int s in x.Shape)
            if (s != 1) n++;
        int[] r = new int[n];
        n = 0;
        foreach (int s in x.Shape)
            if (s != 1) r[n++] = s;
        return r;
    }

    private static Tensor Unsqueeze(NodeContext c)
    {
        Tensor x = c.In(0);
        long[] axes = AxesOf(c, 1, 13) ?? throw c.Error("axes are required.");
        int rank = x.Dim + axes.Length;
        var add = new bool[rank];
        foreach (long a in axes)
        {
            int d = c.Axis(a, rank);
            if (add[d]) throw c.Error($"axis {a} is repeated.");
            add[d] = true;
        }
        for (int d = 0; d < rank; d++)
            if (add[d]) x = x.Unsqueeze(d);
        return x;
    }

    private static Tensor Concat(NodeContext c)
    {
        Tensor[] all = c.All();
        int axis = c.Axis(c.Int("axis", 0), all[0].Dim);
        return all.Length == 1 ? all[0] : Tensor.Cat(all, axis);
    }

    private static Tensor Slice(NodeContext c)
    {
        Tensor x = c.In(0);
        long[] starts = c.HostInts(1), ends = c.HostInts(2);
        long[]? axes = c.Opt(3) is null ? null : c.HostInts(3);
        long[]? steps = c.Opt(4) is null ? null : c.HostInts(4);
        if (ends.Length != starts.Length || (axes is not null && axes.Length != starts.Length) ||
            (steps is not null && steps.Length != starts.Length))
            throw c.Error("starts, ends, axes and steps must have the same length.");
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = axes is null ? i : c.Axis(axes[i], x.Dim);
            if (axes is null && i >= x.Dim) throw c.Error($"{starts.Length} starts for a rank-{x.Dim} input.");
            long step = steps?[i] ?? 1;
            if (step <= 0)
                throw step == 0 ? c.Error("a step of 0 is invalid.")
                    : c.Unsupported("negative steps are not supported.");
            int n = x.Shape[axis];
            int start = Clamp(starts[i], n), stop = Math.Max(Clamp(ends[i], n), start);
            if (step == 1)
            {
                x = x.Narrow(axis, start, stop - start);
                continue;
            }
            var index = new TensorIndex[axis + 1];
            for (int d = 0; d < axis; d++) index[d] = TensorIndex.Slice();
            index[axis] = TensorIndex.Slice(start, stop, (int)Math.Min(step, int.MaxValue));
            x = x[index];
        }
        return x;
    }

    private static int Clamp(long v, int n) => (int)Math.Clamp(v < 0 ? v + n : v, 0, n);

    private static Tensor Gather(NodeContext c)
    {
        Tensor x = c.In(0), indices = c.In(1);
        if (indices.DType is not (DType.Int64 or DType.Int32))
            throw c.Error($"indices must be int64 or int32, got {indices.DType.TorchName()}.");
        int axis = c.Axis(c.Int("axis", 0), x.Dim);
        int n = x.Shape[axis];
        Tensor idx = indices.To(DType.Int64);
        long[] values = idx.ToArray<long>();
        bool negative = false;
        foreach (long v in values)
        {
            if (v < -n || v >= n) throw c.Error($"index {v} is out of range for dim {axis} of {Dims(x)}.");
            negative |= v < 0;
        }
        if (indices.Dim == 0) return x.Select(axis, (int)(values[0] < 0 ? values[0] + n : values[0]));
        if (negative) idx = Tensor.Where(idx.Lt(Tensor.Scalar(0L)), idx.Add(Tensor.Scalar((long)n)), idx);
        Tensor picked = x.IndexSelect(axis, idx.Reshape(-1));
        int[] shape = new int[x.Dim - 1 + indices.Dim];
        int k = 0;
        for (int d = 0; d < axis; d++) shape[k++] = x.Shape[d];
        foreach (int s in indices.Shape) shape[k++] = s;
        for (int d = axis + 1; d < x.Dim; d++) shape[k++] = x.Shape[d];
        return picked.Reshape(shape);
    }

    // Numpy broadcasting of the input's shape with the given one (either may be longer).
    private static Tensor Expand(NodeContext c)
    {
        Tensor x = c.In(0);
        int[] target = c.ToInts(c.HostInts(1), 0, "shape");
        int rank = Math.Max(x.Dim, target.Length);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = i - (rank - x.Dim) >= 0 ? x.Shape[i - (rank - x.Dim)] : 1;
            int b = i - (rank - target.Length) >= 0 ? target[i - (rank - target.Length)] : 1;
            if (a != b && a != 1 && b != 1)
                throw c.Error($"cannot broadcast {Dims(x)} to [{string.Join(", ", target)}].");
            shape[i] = a == 1 ? b : a;
        }
        c.CheckSize(shape);
        return x.Expand(shape);
    }

    private static Tensor Tile(NodeContext c)
    {
        Tensor x = c.In(0);
        int[] repeats = c.ToInts(c.HostInts(1), 0, "repeats");
        if (repeats.Length != x.Dim) throw c.Error($"{repeats.Length} repeats for a rank-{x.Dim} input.");
        long[] shape = new long[x.Dim];
        for (int i = 0; i < shape.Length; i++) shape[i] = (long)x.Shape[i] * repeats[i];
        c.CheckSize(shape);
        return x.Repeat(repeats);
    }

    private static Tensor Pad(NodeContext c)
    {
        Tensor x = c.In(0);
        string mode = c.Str("mode", "constant");
        if (mode != "constant") throw c.Unsupported($"mode '{mode}' is not supported (only 'constant').");
        long[] pads = c.HostInts(1);
        double value = c.HostScalar(2, 0);
        long[]? axes = c.Opset >= 18 && c.Opt(3) is not null ? c.HostInts(3) : null;
        int count = axes?.Length ?? x.Dim;
        if (pads.Length != 2 * count) throw c.Error($"{pads.Length} pads for {count} axes (expected {2 * count}).");
        long[] begin = new long[x.Dim], end = new long[x.Dim];
        for (int i = 0; i < count; i++)
        {
            int d = axes is null ? i : c.Axis(axes[i], x.Dim);
            begin[d] = pads[i];
            end[d] = pads[count + i];
        }
        return PadAll(c, x, begin, end, value);
    }

    private static Tensor Shape(NodeContext c)
    {
        Tensor x = c.In(0);
        int rank = x.Dim;
        int start = Clamp(c.Int("start", 0), rank), end = Clamp(c.Int("end", rank), rank);
        long[] dims = new long[Math.Max(end - start, 0)];
        for (int i = 0; i < dims.Length; i++) dims[i] = x.Shape[start + i];
        return Tensor.From(dims);
    }

    private static Tensor Constant(NodeContext c)
    {
        Tensor? r = null;
        int found = 0;
        foreach (string name in c.AttributeNames())
        {
            found++;
            r = name switch
            {
                "value" => c.TensorAttr("value"),
                "value_float" => Tensor.Scalar(c.Float("value_float", 0), DType.Float32),
                "value_floats" => Tensor.From(c.Floats("value_floats")!),
                "value_int" => Tensor.Scalar(c.Int("value_int", 0)),
                "value_ints" => Tensor.From(c.Ints("value_ints")!),
                _ => throw c.Unsupported($"attribute '{name}' is not supported."),
            };
        }
        return found == 1 ? r! : throw c.Error($"expected exactly one value attribute, got {found}.");
    }

    private static Tensor ConstantOfShape(NodeContext c)
    {
        int[] shape = c.ToInts(c.HostInts(0), 0, "shape");
        c.CheckSize(shape);
        Tensor? value = c.TensorAttr("value");
        if (value is not null && value.NumEl != 1) throw c.Error("attribute 'value' must hold one element.");
        return value is null ? Tensor.Zeros(shape)
            : Tensor.Full(shape, value.To(DType.Float64).ToArray<double>()[0], value.DType);
    }

    private static Tensor ArgReduce(NodeContext c)
    {
        Tensor x = c.In(0);
        if (c.Int("select_last_index", 0) != 0) throw c.Unsupported("select_last_index = 1 is not supported.");
        int axis = c.Axis(c.Int("axis", 0), x.Dim);
        bool keep = c.Int("keepdims", 1) != 0;
        return c.Op == "ArgMax" ? x.Argmax(axis, keep) : x.Argmin(axis, keep);
    }

    // Axes: an attribute before opset 18 (ReduceSum: before 13), else an optional input.
    private static Tensor Reduce(NodeContext c)
    {
        Tensor x = c.In(0);
        long[]? axes = AxesOf(c, 1, c.Op == "ReduceSum" ? 13 : 18);
        bool keep = c.Int("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (c.Opset >= 18 || c.Op == "ReduceSum" && c.Opset >= 13)
            {
                if (c.Int("noop_with_empty_axes", 0) != 0) return x;
            }
            axes = new long[x.Dim];
            for (int i = 0; i < axes.Length; i++) axes[i] = i;
        }
        int[] dims = new int[axes.Length];
        var seen = new bool[Math.Max(x.Dim, 1)];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = c.Axis(axes[i], x.Dim);
            if (seen[dims[i]]) throw c.Error($"axis {axes[i]} is repeated.");
            seen[dims[i]] = true;
        }
        if (dims.Length == 0) return x;
        return c.Op switch
        {
            "ReduceSum" => x.Sum(dims, keep),
            "ReduceMean" => x.Mean(dims, keep),
            "ReduceMax" => x.Amax(dims, keep),
            "ReduceMin" => x.Amin(dims, keep),
            "ReduceLogSumExp" => x.LogSumExp(dims, keep),
            "ReduceL1" => x.Abs().Sum(dims, keep),
            "ReduceL2" => x.Norm(2, dims, keep),
            "ReduceSumSquare" => x.Mul(x).Sum(dims, keep),
            "ReduceProd" => Prod(x, dims, keep),
            _ => throw c.Unsupported($"op '{c.Op}' is not supported."),
        };
    }

    private static Tensor Prod(Tensor x, int[] dims, bool keep)
    {
        int[] sorted = (int[])dims.Clone();
        Array.Sort(sorted);
        for (int i = sorted.Length - 1; i >= 0; i--) x = x.Prod(sorted[i], keep);
        return x;
    }
}
