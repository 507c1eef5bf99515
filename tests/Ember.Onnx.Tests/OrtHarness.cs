using System;
using System.Collections.Generic;
using Ember.NN;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Ember.Onnx.Tests;

/// <summary>A module from a function, for one-op models.</summary>
public sealed class Fn(Func<Tensor, Tensor> f) : Module
{
    public override Tensor Forward(Tensor input) => f(input);
}

/// <summary>Exports a model, runs the file in ONNX Runtime and compares with Ember's own output.</summary>
public static class OrtHarness
{
    public const double Atol = 1e-5, Rtol = 1e-4;

    /// <summary>
    /// Exports <paramref name="model"/> with an example batch of 3, then for batch sizes 3 and 5 checks that ONNX
    /// Runtime's output equals Ember's within atol + rtol·|expected|. Returns the exported bytes.
    /// </summary>
    public static byte[] AssertExportMatches(Module model, Func<int, Tensor> input,
        int opset = OnnxExporter.DefaultOpset, int[]? batches = null)
    {
        model.Eval();
        byte[] bytes = OnnxExporter.ExportToBytes(model, input(3), opset);
        Assert.Empty(OnnxChecker.Check(bytes));
        using var session = new InferenceSession(bytes);
        foreach (int n in batches ?? [3, 5])
        {
            Tensor x = input(n);
            Tensor expected;
            using (Autograd.NoGrad()) expected = model.Call(x);
            float[] actual = Run(session, x, out long[] shape);
            Assert.Equal(ToLongs(expected.Shape), shape);
            float[] e = expected.To(DType.Float32).ToArray<float>();
            Assert.Equal(e.Length, actual.Length);
            for (int i = 0; i < e.Length; i++)
            {
                double tol = Atol + Rtol * Math.Abs(e[i]);
                if (!(Math.Abs(actual[i] - e[i]) <= tol) && !(float.IsNaN(e[i]) && float.IsNaN(actual[i])))
                    Assert.Fail($"batch {n}, element {i}: ONNX Runtime {actual[i]}, Ember {e[i]} (tol {tol:g3})");
            }
        }
        return bytes;
    }

    /// <summary>Runs a one-input, one-output session on <paramref name="x"/>.</summary>
    public static float[] Run(InferenceSession session, Tensor x, out long[] shape)
    {
        long[] dims = ToLongs(x.Shape);
        using OrtValue input = x.DType switch
        {
            DType.Float32 => OrtValue.CreateTensorValueFromMemory(x.ToArray<float>(), dims),
            DType.Float64 => OrtValue.CreateTensorValueFromMemory(x.ToArray<double>(), dims),
            DType.Int64 => OrtValue.CreateTensorValueFromMemory(x.ToArray<long>(), dims),
            _ => throw new NotSupportedException(x.DType.ToString()),
        };
        using var options = new RunOptions();
        string inName = session.InputNames[0], outName = session.OutputNames[0];
        using IDisposableReadOnlyCollection<OrtValue> outputs =
            session.Run(options, [inName], [input], [outName]);
        OrtValue o = outputs[0];
        var info = o.GetTensorTypeAndShape();
        shape = info.Shape;
        return info.ElementDataType switch
        {
            TensorElementType.Double => Array.ConvertAll(o.GetTensorDataAsSpan<double>().ToArray(), v => (float)v),
            TensorElementType.Int64 => Array.ConvertAll(o.GetTensorDataAsSpan<long>().ToArray(), v => (float)v),
            _ => o.GetTensorDataAsSpan<float>().ToArray(),
        };
    }

    public static long[] ToLongs(ReadOnlySpan<int> shape)
    {
        var r = new long[shape.Length];
        for (int i = 0; i < r.Length; i++) r[i] = shape[i];
        return r;
    }

    public static Func<int, Tensor> Randn(params int[] rest) => n =>
    {
        var shape = new List<int> { n };
        shape.AddRange(rest);
        return Tensor.Randn([.. shape], new Generator(1000 + n));
    };
}
