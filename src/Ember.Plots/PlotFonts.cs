using System;
using System.IO;
using ScottPlot;
using SkiaSharp;

namespace Ember.Plots;

/// <summary>
/// The font every Ember plot uses: DejaVu Sans, embedded in this assembly. SkiaSharp's no-dependency Linux build
/// reads fonts straight from <c>/usr/share/fonts</c>; on a machine without them every label would silently vanish,
/// so the plots never rely on a system font. A ScottPlot font resolver serves the embedded face under the family
/// name <see cref="FamilyName"/>, ahead of the system lookup.
/// </summary>
public static class PlotFonts
{
    /// <summary>The family name the bundled font is registered under (used by every Ember plot).</summary>
    public const string FamilyName = "Ember DejaVu Sans";

    private static readonly object Gate = new();
    private static SKTypeface? _typeface;

    /// <summary>Test seam: false renders as if the font were not bundled (the system lookup alone).</summary>
    internal static bool UseBundled { get; set; } = true;

    /// <summary>
    /// Registers the bundled font with ScottPlot (idempotent), so that any ScottPlot plot can use it with
    /// <c>plot.Font.Set(PlotFonts.FamilyName)</c>. Ember's own plots call it themselves.
    /// </summary>
    public static void Register() => _ = Typeface;

    /// <summary>The bundled typeface (DejaVu Sans, regular), loaded once.</summary>
    internal static SKTypeface Typeface
    {
        get
        {
            lock (Gate)
            {
                if (_typeface is not null) return _typeface;
                using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream("Ember.Plots.DejaVuSans.ttf")
                    ?? throw new InvalidOperationException("Ember.Plots: the embedded DejaVuSans.ttf is missing.");
                var bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
                using var data = SKData.CreateCopy(bytes);
                _typeface = SKTypeface.FromData(data)
                    ?? throw new InvalidDataException("Ember.Plots: the embedded DejaVuSans.ttf did not load.");
                ScottPlot.Fonts.FontResolvers.Insert(0, new BundledResolver());
                return _typeface;
            }
        }
    }

    /// <summary>Registers the bundled font with ScottPlot (idempotent) and sets it on every label of
    /// <paramref name="plot"/>.</summary>
    internal static void Apply(Plot plot)
    {
        if (!UseBundled) return;
        Register();
        plot.Font.Set(FamilyName);
    }

    private sealed class BundledResolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            Resolve(fontName);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Resolve(fontName);

        private static SKTypeface? Resolve(string fontName) =>
            string.Equals(fontName, FamilyName, StringComparison.Ordinal) ? _typeface : null;
    }
}
