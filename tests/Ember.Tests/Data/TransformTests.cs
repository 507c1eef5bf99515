using System;
using System.IO;
using System.Linq;
using Ember.Data;

namespace Ember.Tests.Data;

public class TransformTests
{
    private static Image Ramp(int h, int w, int c) =>
        new(Enumerable.Range(0, h * w * c).Select(i => (byte)(i + 1)).ToArray(), h, w, c);

    [Fact]
    public void ToTensorIsChwInZeroOne()
    {
        var t = new ToTensor()
            .Apply(new Image([0, 255, 51, 102, 10, 20], 1, 2, 3));   // HWC: pixel0 = (0,255,51), pixel1 = (102,10,20)
        Assert.Equal(new[] { 3, 1, 2 }, t.Shape.ToArray());
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(new[] { 0f, 102 / 255f, 1f, 10 / 255f, 0.2f, 20 / 255f }, t.ToArray<float>());
    }

    [Fact]
    public void NormalizePerChannel()
    {
        var t = Tensor.From(new float[] { 1, 2, 3, 4 }, [2, 1, 2]);
        Assert.Equal(new[] { 0f, 0.5f, 1f, 2f }, new Normalize([1, 2], [2, 1]).Apply(t).ToArray<float>());
        Assert.Equal(new[] { -1f, 0, 1, 2 }, new Normalize([2], [1]).Apply(t).ToArray<float>());
        Assert.Contains("3 mean/std",
            Assert.Throws<ArgumentException>(() => new Normalize([0, 0, 0], [1, 1, 1]).Apply(t)).Message);
        Assert.Throws<ArgumentException>(() => new Normalize([0], [0]));
    }

    [Fact]
    public void HorizontalFlipOnImagesAndTensorsAgree()
    {
        var img = Ramp(2, 3, 2);
        var always = new RandomHorizontalFlip(1.0);
        var flipped = always.Apply(img);
        Assert.Equal(new byte[] { 5, 6, 3, 4, 1, 2, 11, 12, 9, 10, 7, 8 }, flipped.Pixels);
        var toTensor = new ToTensor();
        Assert.Equal(toTensor.Apply(flipped).ToArray<float>(), always.Apply(toTensor.Apply(img)).ToArray<float>());
        Assert.Same(img, new RandomHorizontalFlip(0.0).Apply(img));
        // about half of the draws flip; the same generator seed gives the same draws
        var f1 = new RandomHorizontalFlip(0.5, new Generator(4));
        var f2 = new RandomHorizontalFlip(0.5, new Generator(4));
        var flips = Enumerable.Range(0, 400).Select(_ => !ReferenceEquals(f1.Apply(img), img)).ToArray();
        Assert.Equal(flips, Enumerable.Range(0, 400).Select(_ => !ReferenceEquals(f2.Apply(img), img)).ToArray());
        Assert.InRange(flips.Count(f => f), 160, 240);
    }

    [Fact]
    public void RandomCropWithPaddingShiftsAndZeroFills()
    {
        var img = Ramp(4, 4, 1);
        var crop = new RandomCrop(4, padding: 2, generator: new Generator(1));
        var toTensor = new ToTensor();
        bool sawShift = false;
        for (int k = 0; k < 50; k++)
        {
            var c = crop.Apply(img);
            Assert.Equal((4, 4, 1), (c.Height, c.Width, c.Channels));
            // every non-zero output pixel is a source pixel, in the same relative arrangement
            var nz = Enumerable.Range(0, 16).Where(i => c.Pixels[i] != 0).ToArray();
            Assert.NotEmpty(nz);
            int dy = (c.Pixels[nz[0]] - 1) / 4 - nz[0] / 4, dx = (c.Pixels[nz[0]] - 1) % 4 - nz[0] % 4;
            foreach (int i in nz) Assert.Equal(img[i / 4 + dy, i % 4 + dx], c.Pixels[i]);
            Assert.Equal(16 - (4 - Math.Abs(dy)) * (4 - Math.Abs(dx)), 16 - nz.Length);
            sawShift |= dx != 0 || dy != 0;
        }
        Assert.True(sawShift);
        // the tensor path makes the same crop for the same draws
        var a = new RandomCrop(3, padding: 1, generator: new Generator(8));
        var b = new RandomCrop(3, padding: 1, generator: new Generator(8));
        var rgb = Ramp(4, 5, 3);
        for (int k = 0; k < 10; k++)
            Assert.Equal(toTensor.Apply(a.Apply(rgb)).ToArray<float>(), b.Apply(toTensor.Apply(rgb)).ToArray<float>());
        Assert.Contains("does not fit", Assert.Throws<ArgumentException>(() => new RandomCrop(9).Apply(img)).Message);
    }

    [Fact]
    public void ComposeChecksTypesWhenBuilt()
    {
        var t =
            new Compose<Image, Tensor>(new RandomHorizontalFlip(0), new ToTensor(),
            new RandomCrop(2, padding: 0, generator: new Generator(0)), new Normalize([0.5], [0.5]));
        Assert.Equal(new[] { 1, 2, 2 }, t.Apply(Ramp(2, 2, 1)).Shape.ToArray());
        var ex =
            Assert.Throws<ArgumentException>(() => new Compose<Image, Tensor>(new Normalize([0], [1]), new ToTensor()));
        Assert.Contains("step 0 (Normalize) does not accept Image", ex.Message);
        Assert.Contains("produces Image",
            Assert.Throws<ArgumentException>(() => new Compose<Image, Tensor>(new RandomHorizontalFlip())).Message);
    }

    [Fact]
    public void ProgressWritesPlainLinesWhenRedirected()
    {
        var sw = new StringWriter();
        using (var bar = new Progress(20, "epoch 1/2", sw, interactive: false))
            for (int i = 0; i < 20; i++) bar.Update(postfix: $"loss {i}");
        string[] lines = sw.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);   // 0%..90% and the final line
        Assert.All(lines, l => Assert.StartsWith("epoch 1/2 ", l));
        Assert.DoesNotContain('\r', sw.ToString());
        Assert.Contains("20/20 (100%)", lines[^1]);
        Assert.Contains("it/s", lines[^1]);
        Assert.EndsWith("loss 19", lines[^1]);
        Assert.Contains("ETA", lines[5]);
    }

    [Fact]
    public void ProgressRedrawsOneLineOnATerminal()
    {
        var sw = new StringWriter();
        var bar = new Progress(4, "", sw, interactive: true) { RefreshInterval = TimeSpan.Zero };
        for (int i = 0; i < 4; i++) bar.Update();
        bar.Close();
        bar.Close();
        string s = sw.ToString();
        Assert.Equal(5, s.Count(ch => ch == '\r'));
        Assert.Contains("[########################] 4/4", s);
        Assert.EndsWith(Environment.NewLine, s);
        Assert.Single(s.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
