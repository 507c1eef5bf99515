using System;
using System.IO;
using Ember.Core;

namespace Ember.Tests.IO;

/// <summary>Helpers for the Ember.IO tests: tensors of any dtype, element values, temporary folders.</summary>
internal static class IoTestUtil
{
    public static Tensor Make<T>(T[] data, params int[] shape) => new(RawTensor.FromArray(data, shape));

    /// <summary>Elements in row-major order, as doubles (bool: 0/1), honouring strides and offset.</summary>
    public static double[] Values(Tensor t)
    {
        var v = new double[t.NumEl];
        for (int i = 0; i < v.Length; i++) v[i] = t.Raw.GetAsDouble(i);
        return v;
    }

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "io", name);

    /// <summary>A fresh empty folder under the temp directory, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
            "ember-io-" + Guid.NewGuid().ToString("N"));

        public TempDir() => Directory.CreateDirectory(Path);

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }
}
