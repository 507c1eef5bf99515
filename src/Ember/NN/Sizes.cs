using System;

namespace Ember.NN;

/// <summary>
/// A 2-D size (kernel, stride, dilation, output size) written as one int for both dims or as a
/// <c>(height, width)</c> tuple, as PyTorch accepts <c>3</c> or <c>(3, 5)</c>: <c>kernelSize: 3</c>,
/// <c>stride: (2, 1)</c>.
/// </summary>
/// <param name="H">The size along the height (the second-to-last dim).</param>
/// <param name="W">The size along the width (the last dim).</param>
public readonly record struct Size2(int H, int W)
{
    /// <summary>The same size along both dims.</summary>
    public static implicit operator Size2(int size) => new(size, size);

    /// <summary>A <c>(height, width)</c> tuple.</summary>
    public static implicit operator Size2((int H, int W) size) => new(size.H, size.W);

    /// <inheritdoc/>
    public override string ToString() => $"({H}, {W})";
}

/// <summary>
/// Convolution padding: zero rows/columns on both sides (<c>padding: 1</c>, <c>padding: (1, 2)</c>), or PyTorch's
/// strings <c>"valid"</c> (no padding) and <c>"same"</c> (output as long as the input; stride 1 only; an odd total
/// padding puts the extra zero after the input, as PyTorch does).
/// </summary>
public readonly record struct Padding
{
    private Padding(int h, int w, string? mode) => (H, W, Mode) = (h, w, mode);

    /// <summary>Zeros before and after the input along the height (for 1-D: the length).</summary>
    public int H { get; }

    /// <summary>Zeros before and after the input along the width.</summary>
    public int W { get; }

    /// <summary><c>"same"</c>, <c>"valid"</c>, or null for explicit sizes.</summary>
    public string? Mode { get; }

    /// <summary>Output as long as the input (stride 1).</summary>
    public static Padding Same => new(0, 0, "same");

    /// <summary>No padding.</summary>
    public static Padding Valid => new(0, 0, "valid");

    /// <summary>The same padding along every dim.</summary>
    public static implicit operator Padding(int size) =>
        size < 0 ? throw new ArgumentException($"padding must be non-negative, got {size}.") : new(size, size, null);

    /// <summary>A <c>(height, width)</c> padding.</summary>
    public static implicit operator Padding((int H, int W) size) =>
        size.H < 0 || size.W < 0
            ? throw new ArgumentException($"padding must be non-negative, got {size}.")
            : new(size.H, size.W, null);

    /// <summary><c>"same"</c> or <c>"valid"</c>.</summary>
    public static implicit operator Padding(string mode) => mode switch
    {
        "same" => Same,
        "valid" => Valid,
        _ => throw new ArgumentException(
            $"padding must be \"same\", \"valid\", an int or a tuple of ints, got \"{mode}\"."),
    };

    /// <inheritdoc/>
    public override string ToString() => Mode is not null ? $"'{Mode}'" : $"({H}, {W})";
}
