using System;

namespace Ember;

/// <summary>
/// One entry of a tensor subscript, PyTorch's indexing in C# syntax: an integer (<c>x[1]</c>, <c>x[^1]</c>), a range
/// (<c>x[1..3]</c>, <c>x[..]</c>), a stepped slice (<see cref="Slice"/>), a new axis (<see cref="NewAxis"/>, Python's
/// <c>None</c>), an ellipsis (<see cref="Ellipsis"/>, Python's <c>...</c>), an int64/int32 index tensor or a bool
/// mask. Converts implicitly from <see cref="int"/>, <see cref="Index"/>, <see cref="Range"/> and <see cref="Tensor"/>.
/// </summary>
public readonly struct TensorIndex
{
    internal enum IndexKind { Integer, Slice, NewAxis, Ellipsis, Tensor }

    internal readonly IndexKind Kind;
    internal readonly int Integer;
    internal readonly int? Start, Stop;
    internal readonly int Step;
    internal readonly Tensor? Tensor;

    private TensorIndex(IndexKind kind, int integer = 0, int? start = null, int? stop = null, int step = 1,
        Tensor? tensor = null)
    {
        Kind = kind;
        Integer = integer;
        Start = start;
        Stop = stop;
        Step = step;
        Tensor = tensor;
    }

    /// <summary>Inserts a dimension of size one (Python's <c>None</c> / <c>np.newaxis</c>).</summary>
    public static TensorIndex NewAxis => new(IndexKind.NewAxis);

    /// <summary>Stands for as many full slices as needed (Python's <c>...</c>).</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis);

    /// <summary>
    /// Python's <c>start:stop:step</c>. Null bounds are open; negative bounds count from the end; out-of-range bounds
    /// are clamped. <paramref name="step"/> must be positive (as in PyTorch).
    /// </summary>
    public static TensorIndex Slice(int? start = null, int? stop = null, int step = 1)
    {
        if (step <= 0)
            throw new ArgumentOutOfRangeException(nameof(step),
                $"TensorIndex.Slice: step must be greater than zero, got {step}.");
        return new(IndexKind.Slice, start: start, stop: stop, step: step);
    }

    /// <summary>A single position (negative counts from the end); removes the dimension.</summary>
    public static implicit operator TensorIndex(int index) => new(IndexKind.Integer, integer: index);

    /// <summary>A single position; <c>^1</c> is the last.</summary>
    public static implicit operator TensorIndex(Index index) =>
        new(IndexKind.Integer, integer: index.IsFromEnd ? -index.Value : index.Value);

    /// <summary>A slice with step one; <c>..</c> is the whole dimension.</summary>
    public static implicit operator TensorIndex(Range range) =>
        new(IndexKind.Slice, start: Bound(range.Start, true), stop: Bound(range.End, false), step: 1);

    /// <summary>An int64/int32 index tensor (advanced indexing) or a bool mask.</summary>
    public static implicit operator TensorIndex(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new(IndexKind.Tensor, tensor: tensor);
    }

    // ^0 as a start is the end (size); as a stop it is the open end.
    private static int? Bound(Index i, bool isStart) =>
        i.IsFromEnd ? (i.Value == 0 ? (isStart ? int.MaxValue : null) : -i.Value) : i.Value;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        IndexKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        IndexKind.Slice => $"{Start}:{Stop}" + (Step != 1 ? $":{Step}" : ""),
        IndexKind.NewAxis => "None",
        IndexKind.Ellipsis => "...",
        _ => $"Tensor({Tensor!.DType.TorchName()}, shape {Core.Shapes.Format(Tensor.Shape)})",
    };
}
