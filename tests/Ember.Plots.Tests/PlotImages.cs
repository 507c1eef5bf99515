using System;
using SkiaSharp;

namespace Ember.Plots.Tests;

/// <summary>Reads back the PNGs the plots write.</summary>
internal static class PlotImages
{
    /// <summary>Decodes <paramref name="path"/> (fails the test when it is not a PNG that decodes).</summary>
    public static SKBitmap Decode(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidOperationException($"'{path}' does not decode.");
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
        return SKBitmap.Decode(codec) ?? throw new InvalidOperationException($"'{path}' does not decode.");
    }

    /// <summary>Pixels in the rectangle that differ from <paramref name="background"/> by more than a shade.</summary>
    public static int Ink(SKBitmap image, SKRectI rect, SKColor background)
    {
        int count = 0;
        for (int y = Math.Max(rect.Top, 0); y < Math.Min(rect.Bottom, image.Height); y++)
            for (int x = Math.Max(rect.Left, 0); x < Math.Min(rect.Right, image.Width); x++)
            {
                SKColor c = image.GetPixel(x, y);
                int d = Math.Abs(c.Red - background.Red) + Math.Abs(c.Green - background.Green) +
                    Math.Abs(c.Blue - background.Blue);
                if (d > 48) count++;
            }
        return count;
    }
}
