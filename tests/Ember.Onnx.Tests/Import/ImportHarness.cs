using System;
using Ember.NN;

namespace Ember.Onnx.Tests.Import;

/// <summary>Round trips: export an Ember model, import the file, and compare the two modules' outputs.</summary>
public static class ImportHarness
{
    public const double Atol = 1e-5, Rtol = 1e-4;

    /// <summary>
    /// Exports <paramref name="model"/> (example batch 3), imports the bytes, and checks that the imported module's
    /// output equals the original's at batch sizes 3 and 5 (shape, dtype and values within atol + rtol·|e|).
    /// </summary>
    public static OnnxModule AssertRoundTrip(Module model, Func<int, Tensor> input,
        int opset = OnnxExporter.DefaultOpset)
    {
        model.Eval();
        byte[] bytes = OnnxExporter.ExportToBytes(model, input(3), opset);
        OnnxModule imported = OnnxImporter.Load(bytes);
        foreach (int n in new[] { 3, 5 })
        {
            Tensor x = input(n), expected, actual;
            using (Autograd.NoGrad())
            {
                expected = model.Call(x);
                actual = imported.Call(x);
            }
            AssertClose(expected, actual, $"batch {n}");
        }
        return imported;
    }

    /// <summary>Same shape and dtype, values within atol + rtol·|expected| (NaN matches NaN).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double atol = Atol, double rtol = Rtol)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.Equal(expected.DType, actual.DType);
        double[] e = expected.To(DType.Float64).ToArray<double>(), a = actual.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < e.Length; i++)
        {
            double tol = atol + rtol * Math.Abs(e[i]);
            if (!(Math.Abs(a[i] - e[i]) <= tol) && !(double.IsNaN(e[i]) && double.IsNaN(a[i])) && a[i] != e[i])
                Assert.Fail($"{what}, element {i}: imported {a[i]}, expected {e[i]} (tol {tol:g3})");
        }
    }
}
