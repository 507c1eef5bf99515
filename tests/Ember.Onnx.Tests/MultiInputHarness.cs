using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ember.NN;
using Microsoft.ML.OnnxRuntime;

namespace Ember.Onnx.Tests;

/// <summary>Symbolic dims per graph input/output name, as <c>dynamicAxes</c> takes them.</summary>
public sealed class Axes : Dictionary<string, IReadOnlyDictionary<int, string>>
{
    public Axes Add(string name, params (int Dim, string Param)[] dims)
    {
        var d = new Dictionary<int, string>();
        foreach (var (dim, param) in dims) d[dim] = param;
        this[name] = d;
        return this;
    }
}

/// <summary>
/// Exports a module with tuple inputs/outputs (<see cref="OnnxExporter.ExportModuleToBytes"/>), then runs the file
/// in ONNX Runtime at several sizes and compares every output with Ember's within atol 1e-5 + rtol 1e-4.
/// </summary>
public static class MultiInputHarness
{
    /// <summary>
    /// The tensors and int arrays of a tensor or a (nested) tuple in order, the same object once (as the exporter).
    /// </summary>
    public static List<object> Tensors(object? value, bool distinct)
    {
        var list = new List<object>();
        void Walk(object? v)
        {
            if (v is Tensor or int[])
            {
                if (!distinct || !list.Exists(u => ReferenceEquals(u, v))) list.Add(v!);
            }
            else if (v is ITuple tuple)
            {
                for (int i = 0; i < tuple.Length; i++) Walk(tuple[i]);
            }
        }
        Walk(value);
        return list;
    }

    /// <summary>
    /// Exports <paramref name="model"/> on <c>input(sizes[0])</c>, then for every size checks ONNX Runtime against
    /// Ember. <paramref name="input"/> takes (batch, length). Returns the exported bytes.
    /// </summary>
    public static byte[] AssertExportMatches<TIn, TOut>(Module<TIn, TOut> model, Func<int, int, TIn> input,
        Axes? axes, (int Batch, int Length)[] sizes, int opset = OnnxExporter.DefaultOpset)
    {
        model.Eval();
        TIn example = input(sizes[0].Batch, sizes[0].Length);
        byte[] bytes = OnnxExporter.ExportModuleToBytes(model, example, opset, dynamicAxes: axes);
        Assert.Empty(OnnxChecker.Check(bytes));
        using var session = new InferenceSession(bytes);
        foreach (var (n, len) in sizes)
        {
            TIn x = input(n, len);
            TOut expected;
            using (Autograd.NoGrad()) expected = model.Call(x);
            List<object> ins = Tensors(x, distinct: true), outs = Tensors(expected, distinct: false);
            var names = new List<string>(session.InputNames);
            Assert.Equal(ins.Count, names.Count);
            var values = new List<OrtValue>();
            try
            {
                foreach (object t in ins)
                    values.Add(t is int[] a ? OrtValue.CreateTensorValueFromMemory(a, [a.Length]) : ToOrt((Tensor)t));
                using var options = new RunOptions();
                var outNames = new List<string>(session.OutputNames);
                Assert.Equal(outs.Count, outNames.Count);
                using var results = session.Run(options, names, values, outNames);
                for (int o = 0; o < outs.Count; o++)
                    Compare((Tensor)outs[o], results[o], $"batch {n}, length {len}, output {outNames[o]}");
            }
            finally
            {
                foreach (OrtValue v in values) v.Dispose();
            }
        }
        return bytes;
    }

    public static OrtValue ToOrt(Tensor x)
    {
        long[] dims = OrtHarness.ToLongs(x.Shape);
        return x.DType switch
        {
            DType.Float32 => OrtValue.CreateTensorValueFromMemory(x.ToArray<float>(), dims),
            DType.Float64 => OrtValue.CreateTensorValueFromMemory(x.ToArray<double>(), dims),
            DType.Int64 => OrtValue.CreateTensorValueFromMemory(x.ToArray<long>(), dims),
            DType.Bool => OrtValue.CreateTensorValueFromMemory(x.ToArray<bool>(), dims),
            _ => throw new NotSupportedException(x.DType.ToString()),
        };
    }

    private static void Compare(Tensor expected, OrtValue actual, string where)
    {
        var info = actual.GetTensorTypeAndShape();
        Assert.Equal(OrtHarness.ToLongs(expected.Shape), info.Shape);
        float[] e = expected.To(DType.Float32).ToArray<float>();
        float[] a = actual.GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            double tol = OrtHarness.Atol + OrtHarness.Rtol * Math.Abs(e[i]);
            if (!(Math.Abs(a[i] - e[i]) <= tol) && !(float.IsNaN(e[i]) && float.IsNaN(a[i])))
                Assert.Fail($"{where}, element {i}: ONNX Runtime {a[i]}, Ember {e[i]} (tol {tol:g3})");
        }
    }
}
