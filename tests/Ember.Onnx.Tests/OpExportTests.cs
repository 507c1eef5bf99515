using System;
using System.Collections.Generic;
using Ember.NN;
using static Ember.Onnx.Tests.OrtHarness;

namespace Ember.Onnx.Tests;

/// <summary>Each supported op alone: export, run in ONNX Runtime at two batch sizes, compare with Ember.</summary>
public class OpExportTests
{
    private static readonly Tensor W = Tensor.Randn([6, 4], new Generator(7));
    private static readonly Tensor Mask = Tensor.Randn([4], new Generator(8)) > 0;

    internal static readonly Dictionary<string, (Func<int, Tensor> Input, Func<Module> Model)> Cases = new()
    {
        ["add"] = (Randn(4), () => new Fn(x => x + x * 2.0)),
        ["add_scalar"] = (Randn(4), () => new Fn(x => x + 1.5)),
        ["add_alpha"] = (Randn(4), () => new Fn(x => x.Add(x.Exp(), 0.5))),
        ["sub"] = (Randn(4), () => new Fn(x => x - x.Sigmoid())),
        ["sub_alpha"] = (Randn(4), () => new Fn(x => x.Sub(x.Exp(), 2.0))),
        ["rsub"] = (Randn(4), () => new Fn(x => 1.0 - x)),
        ["mul"] = (Randn(4), () => new Fn(x => x * x)),
        ["div"] = (Randn(4), () => new Fn(x => x / (x.Abs() + 1.0))),
        ["rdiv"] = (Randn(4), () => new Fn(x => 2.0 / (x.Abs() + 1.0))),
        ["neg"] = (Randn(4), () => new Fn(x => -x)),
        ["pow_scalar"] = (Randn(4), () => new Fn(x => x.Pow(3))),
        ["pow_tensor"] = (Randn(4), () => new Fn(x => (x.Abs() + 0.5).Pow(x))),
        ["exp_log_sqrt"] = (Randn(4), () => new Fn(x => (x.Exp() + 1.0).Log().Sqrt())),
        ["rsqrt"] = (Randn(4), () => new Fn(x => (x.Abs() + 1.0).Rsqrt())),
        ["log1p_expm1"] = (Randn(4), () => new Fn(x => x.Abs().Log1p() + x.Expm1())),
        ["abs_sign"] = (Randn(4), () => new Fn(x => x.Abs() * x.Sign())),
        ["sin_cos_erf"] = (Randn(4), () => new Fn(x => x.Sin() + x.Cos() + x.Erf())),
        ["relu"] = (Randn(4), () => new ReLU()),
        ["leaky_relu"] = (Randn(4), () => new LeakyReLU(0.1)),
        ["elu"] = (Randn(4), () => new ELU(0.7)),
        ["gelu"] = (Randn(4), () => new GELU()),
        ["gelu_tanh"] = (Randn(4), () => new GELU("tanh")),
        ["silu"] = (Randn(4), () => new SiLU()),
        ["sigmoid"] = (Randn(4), () => new Sigmoid()),
        ["tanh"] = (Randn(4), () => new Tanh()),
        ["softplus"] = (Randn(4), () => new Softplus()),
        ["softplus_beta"] = (Randn(4), () => new Softplus(2)),
        ["hardtanh"] = (Randn(4), () => new Hardtanh(-0.5, 0.5)),
        ["clamp"] = (Randn(4), () => new Fn(x => x.Clamp(-0.3, 0.8))),
        ["clamp_min"] = (Randn(4), () => new Fn(x => x.Clamp(min: 0.1))),
        ["softmax"] = (Randn(4), () => new Softmax(1)),
        ["log_softmax"] = (Randn(3, 4), () => new LogSoftmax(-1)),
        ["matmul"] = (Randn(4), () => new Fn(x => x.MatMul(W.T))),
        ["matmul_3d"] = (Randn(2, 4), () => new Fn(x => x.MatMul(W.T))),
        ["linear_3d"] = (Randn(2, 4), () => new Linear(4, 3, generator: new Generator(1))),
        ["linear_no_bias"] = (Randn(4), () => new Linear(4, 3, bias: false, generator: new Generator(1))),
        ["reshape"] = (Randn(2, 6), () => new Fn(x => x.Reshape(x.Shape[0], 3, 4))),
        ["view_flatten"] = (Randn(2, 3), () => new Fn(x => x.View(x.Shape[0], -1))),
        ["flatten_module"] = (Randn(2, 3, 2), () => new Flatten()),
        ["transpose"] = (Randn(2, 3), () => new Fn(x => x.Transpose(1, 2))),
        ["permute"] = (Randn(2, 3), () => new Fn(x => x.Permute(0, 2, 1))),
        ["unsqueeze_squeeze"] = (Randn(3), () => new Fn(x => x.Unsqueeze(1).Unsqueeze(-1).Squeeze(1).Squeeze(-1))),
        ["expand"] = (Randn(1, 3), () => new Fn(x => x.Expand(x.Shape[0], 4, 3))),
        ["cat"] = (Randn(3), () => new Fn(x => Tensor.Cat([x, x.Exp()], 1))),
        ["stack"] = (Randn(3), () => new Fn(x => Tensor.Stack([x, x.Exp()], 1))),
        ["slice"] = (Randn(8), () => new Fn(x => x.Narrow(1, 2, 4))),
        ["slice_step"] = (Randn(8), () => new Fn(x => x[.., 1..7])),
        ["select"] = (Randn(3, 4), () => new Fn(x => x.Select(1, 2))),
        ["sum_all"] = (Randn(4), () => new Fn(x => x.Sum())),
        ["sum_dim"] = (Randn(3, 4), () => new Fn(x => x.Sum(1))),
        ["sum_dims_keep"] = (Randn(3, 4), () => new Fn(x => x.Sum([1, 2], keepDim: true))),
        ["mean_all"] = (Randn(4), () => new Fn(x => x.Mean())),
        ["mean_dim"] = (Randn(3, 4), () => new Fn(x => x.Mean(-1, keepDim: true))),
        ["amax"] = (Randn(3, 4), () => new Fn(x => x.Amax(2))),
        ["amin"] = (Randn(3, 4), () => new Fn(x => x.Amin([1], keepDim: true))),
        ["logsumexp"] = (Randn(3, 4), () => new Fn(x => x.LogSumExp([2]))),
        ["max_all"] = (Randn(4), () => new Fn(x => x.Max())),
        ["where_const_mask"] = (Randn(4), () => new Fn(x => Tensor.Where(Mask, x, x * 3.0))),
        ["cast_double"] = (Randn(4), () => new Fn(x => x.To(DType.Float64) * 2.0)),
        ["clone_contiguous"] = (Randn(2, 3), () => new Fn(x => x.Transpose(1, 2).Contiguous())),
        ["conv1d"] = (Randn(2, 9), () => new Conv1d(2, 3, 3, stride: 2, padding: 1, generator: new Generator(1))),
        ["conv2d_groups_dilation"] = (Randn(4, 7, 7), () => new Conv2d(4, 4, 3, padding: 2, dilation: 2, groups: 2,
            generator: new Generator(1))),
        ["conv2d_same"] = (Randn(2, 6, 6), () => new Conv2d(2, 3, 4, padding: "same", generator: new Generator(1))),
        ["conv_transpose2d"] = (Randn(2, 4, 4), () => new ConvTranspose2d(2, 3, 3, stride: 2, padding: 1,
            outputPadding: 1, generator: new Generator(1))),
        ["max_pool1d"] = (Randn(2, 9), () => new MaxPool1d(3, stride: 2, padding: 1)),
        ["max_pool2d_ceil"] = (Randn(2, 7, 7), () => new MaxPool2d(2, ceilMode: true)),
        ["avg_pool2d_pad"] = (Randn(2, 6, 6), () => new AvgPool2d(3, stride: 2, padding: 1)),
        ["avg_pool2d_no_pad_count"] = (Randn(2, 6, 6), () => new AvgPool2d(3, stride: 2, padding: 1,
            countIncludePad: false)),
        ["adaptive_avg_pool_global"] = (Randn(3, 5, 5), () => new AdaptiveAvgPool2d(1)),
        ["adaptive_avg_pool_even"] = (Randn(3, 6, 4), () => new AdaptiveAvgPool2d((3, 2))),
        ["batch_norm1d"] = (Randn(5), () => new BatchNorm1d(5)),
        ["layer_norm"] = (Randn(3, 4), () => new LayerNorm([4])),
        ["layer_norm_2d"] = (Randn(3, 4), () => new LayerNorm([3, 4])),
        ["dropout"] = (Randn(4), () => new NN.Dropout(0.5)),
        ["embedding"] = (n => Tensor.RandInt(7, [n, 3], new Generator(n)), () => new NN.Embedding(7, 4)),
        ["double_model"] = (n => Tensor.Randn([n, 4], new Generator(n), DType.Float64),
            () => new Linear(4, 2, dtype: DType.Float64, generator: new Generator(1))),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Op_matches_ember(string name)
    {
        var (input, model) = Cases[name];
        AssertExportMatches(model(), input);
    }

    [Theory]
    [InlineData("sum_dims_keep", 13)]
    [InlineData("mean_dim", 13)]
    [InlineData("amax", 13)]
    [InlineData("mean_dim", 18)]
    [InlineData("amin", 18)]
    [InlineData("logsumexp", 18)]
    [InlineData("layer_norm_2d", 13)]
    [InlineData("gelu", 20)]
    [InlineData("gelu_tanh", 21)]
    [InlineData("unsqueeze_squeeze", 13)]
    public void Op_matches_ember_at_other_opsets(string name, int opset)
    {
        var (input, model) = Cases[name];
        AssertExportMatches(model(), input, opset);
    }
}
