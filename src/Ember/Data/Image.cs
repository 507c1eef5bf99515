using System;

namespace Ember.Data;

/// <summary>
/// An 8-bit image in height × width × channels (HWC) order, row-major: what a PIL image or a uint8 array is to
/// torchvision. Data sets keep images in this compact form (a byte per pixel) and <see cref="ToTensor"/> or
/// <see cref="Collate.Images"/> turn them into float32 tensors per sample or per batch.
/// </summary>
public sealed class Image
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied) as an image of the given size.</summary>
    /// <exception cref="ArgumentException">When the pixel count does not match <c>height * width *
    /// channels</c>.</exception>
    public Image(byte[] pixels, int height, int width, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height <= 0 || width <= 0 || channels <= 0)
            throw new ArgumentException("Image: height, width and channels must be positive, " +
                $"got {height}x{width}x{channels}.");
        if ((long)height * width * channels != pixels.Length)
            throw new ArgumentException($"Image: {height}x{width}x{channels} needs {(long)height * width * channels} " +
                $"bytes, got {pixels.Length}.", nameof(pixels));
        Pixels = pixels;
        Height = height;
        Width = width;
        Channels = channels;
    }

    /// <summary>The pixels, <c>Height * Width * Channels</c> bytes in HWC order.</summary>
    public byte[] Pixels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Channels per pixel (1 for grayscale, 3 for RGB).</summary>
    public int Channels { get; }

    /// <summary>The value at row <paramref name="y"/>, column <paramref name="x"/>, channel
    /// <paramref name="c"/>.</summary>
    public byte this[int y, int x, int c = 0] => Pixels[(y * Width + x) * Channels + c];

    /// <inheritdoc/>
    public override string ToString() => $"Image({Height}x{Width}x{Channels}, uint8)";
}
