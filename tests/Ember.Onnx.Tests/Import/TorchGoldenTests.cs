using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Ember.NN;
using Ember.Optim;
using static Ember.Onnx.Tests.Import.ImportHarness;

namespace Ember.Onnx.Tests.Import;

/// <summary>
/// Files written by PyTorch 1.13's own <c>torch.onnx.export</c> (tools/golden/onnx_import.py: an MLP and a small CNN
/// with BatchNorm, opsets 13 and 17): imported, they give PyTorch's outputs, and the MLP fine-tuned with SGD in Ember
/// follows PyTorch's own SGD steps.
/// </summary>
public class TorchGoldenTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Golden", "Import");
    private static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "onnx_import.json"))).RootElement);

    public static TheoryData<string> Files() =>
        [.. Fixture.Value.GetProperty("files").EnumerateObject().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Pytorch_export_matches_pytorch_outputs_at_two_batch_sizes(string file)
    {
        OnnxModule model = OnnxImporter.Load(Path.Combine(Dir, file));
        JsonElement entry = Fixture.Value.GetProperty("files").GetProperty(file);
        foreach (JsonElement c in entry.GetProperty("cases").EnumerateArray())
        {
            Tensor x = ToTensor(c.GetProperty("input")), expected = ToTensor(c.GetProperty("output"));
            Tensor actual;
            using (Autograd.NoGrad()) actual = model.Call(x);
            AssertClose(expected, actual, $"{file}, batch {x.Shape[0]}");
        }
        Assert.StartsWith("pytorch", model.Producer, StringComparison.Ordinal);
    }

    [Fact]
    public void Pytorch_names_become_the_state_dict_with_batchnorm_statistics_as_buffers()
    {
        OnnxModule cnn = OnnxImporter.Load(Path.Combine(Dir, "cnn_opset17.onnx"));
        string[] parameters = cnn.NamedParameters().Select(p => p.Name).ToArray();
        string[] buffers = cnn.NamedBuffers().Select(b => b.Name).ToArray();
        Assert.Equal(["bn3.running_mean", "bn3.running_var"], buffers);
        // fc, bn3 and head keep PyTorch's names; the exporter folded conv+bn into initializers it named onnx::Conv_*.
        // Root-level names come first in the module tree, then its children (fc, bn3, head).
        Assert.Equal(["fc.weight", "fc.bias", "bn3.weight", "bn3.bias", "head.weight", "head.bias"], parameters[4..]);
        Assert.All(parameters[..4], p => Assert.StartsWith("onnx::Conv_", p, StringComparison.Ordinal));

        OnnxModule mlp = OnnxImporter.Load(Path.Combine(Dir, "mlp_opset13.onnx"));
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "out.weight", "out.bias"],
            mlp.StateDict().Keys.ToArray());
    }

    [Fact]
    public void Fine_tuning_the_pytorch_mlp_follows_pytorch_sgd()
    {
        JsonElement ft = Fixture.Value.GetProperty("finetune");
        OnnxModule model = OnnxImporter.Load(Path.Combine(Dir, ft.GetProperty("file").GetString()!));
        model.Train();
        var opt = new SGD(model.Parameters(), lr: ft.GetProperty("lr").GetDouble(),
            momentum: ft.GetProperty("momentum").GetDouble());
        int step = 0;
        foreach (JsonElement s in ft.GetProperty("steps").EnumerateArray())
        {
            opt.ZeroGrad();
            Tensor x = ToTensor(s.GetProperty("input")), y = ToTensor(s.GetProperty("target"));
            Tensor loss = F.CrossEntropy(model.Call(x), y);
            loss.Backward();
            opt.Step();
            double expected = s.GetProperty("loss").GetDouble(), actual = loss.Item<float>();
            Assert.True(Math.Abs(actual - expected) <= Atol + Rtol * Math.Abs(expected),
                $"step {step}: loss {actual}, PyTorch {expected}");
            step++;
        }
        Assert.Equal(4, step);
        var state = model.StateDict();
        foreach (JsonProperty p in ft.GetProperty("state").EnumerateObject())
            AssertClose(ToTensor(p.Value), state[p.Name], p.Name);
    }

    internal static Tensor ToTensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        JsonElement data = e.GetProperty("data");
        return e.GetProperty("dtype").GetString() switch
        {
            "float32" => Tensor.From<float>(data.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), shape),
            "float64" => Tensor.From<double>(data.EnumerateArray().Select(v => v.GetDouble()).ToArray(), shape),
            "int64" => Tensor.From<long>(data.EnumerateArray().Select(v => v.GetInt64()).ToArray(), shape),
            var d => throw new NotSupportedException(d),
        };
    }
}
