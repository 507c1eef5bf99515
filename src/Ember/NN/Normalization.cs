using System;
using System.Globalization;
using Ember.Core;

namespace Ember.NN;

/// <summary>
/// Batch normalization over channel dim 1 with learnable <c>weight</c> (ones) and <c>bias</c> (zeros) and the buffers
/// <c>running_mean</c> (zeros), <c>running_var</c> (ones) and <c>num_batches_tracked</c> (int64 0), named as in
/// PyTorch. Training mode normalizes with batch statistics and updates the running ones; <see cref="ModuleBase.Eval"/>
/// uses the running statistics. See <see cref="F.BatchNorm"/>.
/// </summary>
public abstract class BatchNormBase : Module
{
    private protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats,
        DType dtype)
    {
        if (numFeatures <= 0)
            throw new ArgumentException($"{GetType().Name}: numFeatures must be positive, got {numFeatures}.");
        (NumFeatures, Eps, Momentum, Affine, TrackRunningStats) = (numFeatures, eps, momentum, affine,
            trackRunningStats);
        if (affine)
        {
            Weight = new Parameter(Tensor.Ones([numFeatures], dtype));
            Bias = new Parameter(Tensor.Zeros([numFeatures], dtype));
        }
        if (trackRunningStats)
        {
            RunningMean = Tensor.Zeros([numFeatures], dtype);
            RunningVar = Tensor.Ones([numFeatures], dtype);
            NumBatchesTracked = Tensor.Zeros([], DType.Int64);
        }
    }

    /// <summary>Number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Running-average factor (null: cumulative average).</summary>
    public double? Momentum { get; }

    /// <summary>Whether there are learnable weight and bias.</summary>
    public bool Affine { get; }

    /// <summary>Whether running statistics are kept (otherwise batch statistics are used in eval mode too).</summary>
    public bool TrackRunningStats { get; }

    /// <summary>Scale γ <c>(C)</c>, or null when not affine.</summary>
    public Parameter? Weight { get; private set; }

    /// <summary>Shift β <c>(C)</c>, or null when not affine.</summary>
    public Parameter? Bias { get; private set; }

    /// <summary>Running mean <c>(C)</c> (buffer <c>running_mean</c>).</summary>
    [Buffer, StateName("running_mean")] public Tensor? RunningMean { get; private set; }

    /// <summary>Running unbiased variance <c>(C)</c> (buffer <c>running_var</c>).</summary>
    [Buffer, StateName("running_var")] public Tensor? RunningVar { get; private set; }

    /// <summary>Training batches seen, int64 scalar (buffer <c>num_batches_tracked</c>).</summary>
    [Buffer, StateName("num_batches_tracked")] public Tensor? NumBatchesTracked { get; private set; }

    /// <summary>Resets the running statistics (mean 0, variance 1, count 0).</summary>
    public void ResetRunningStats()
    {
        if (RunningMean is null) return;
        Init.Zeros_(RunningMean);
        Init.Ones_(RunningVar!);
        Init.Zeros_(NumBatchesTracked!);
    }

    /// <summary>Checks the input's rank; the message names the layer.</summary>
    private protected abstract void CheckInput(Tensor input);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException(
                $"{GetType().Name}({NumFeatures}): expected input with {NumFeatures} channels in dim 1, got " +
                $"{Shapes.Format(input.Shape)}.");
        bool useBatchStats = Training || RunningMean is null;
        return F.BatchNorm(input, Training || !useBatchStats ? RunningMean : null,
            Training || !useBatchStats ? RunningVar : null, Weight, Bias,
            useBatchStats, Momentum, Eps, Training ? NumBatchesTracked : null);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Py(Eps)}, momentum={(Momentum is double m ? Py(m) : "None")}, affine={Py(Affine)}, " +
        $"track_running_stats={Py(TrackRunningStats)}";

    internal static string Py(bool b) => b ? "True" : "False";

    /// <summary>A float as Python's repr prints it (<c>1e-05</c>, <c>0.1</c>).</summary>
    internal static string Py(double d) =>
        d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}

/// <summary>Batch normalization of <c>(N, C)</c> or <c>(N, C, L)</c> input; see <see cref="BatchNormBase"/>.</summary>
/// <param name="numFeatures">Channels C.</param>
/// <param name="eps">Added to the variance.</param>
/// <param name="momentum">Running-average factor (null: cumulative average).</param>
/// <param name="affine">Learn weight and bias.</param>
/// <param name="trackRunningStats">Keep running statistics.</param>
/// <param name="dtype">Parameter and buffer dtype.</param>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    private protected override void CheckInput(Tensor input)
    {
        if (input.Dim is not (2 or 3))
            throw new ArgumentException(
                $"BatchNorm1d: expected 2D or 3D input (got {input.Dim}D input {Shapes.Format(input.Shape)}).");
    }
}

/// <summary>Batch normalization of <c>(N, C, H, W)</c> input; see <see cref="BatchNormBase"/>.</summary>
/// <param name="numFeatures">Channels C.</param>
/// <param name="eps">Added to the variance.</param>
/// <param name="momentum">Running-average factor (null: cumulative average).</param>
/// <param name="affine">Learn weight and bias.</param>
/// <param name="trackRunningStats">Keep running statistics.</param>
/// <param name="dtype">Parameter and buffer dtype.</param>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
    bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    private protected override void CheckInput(Tensor input)
    {
        if (input.Dim != 4)
            throw new ArgumentException(
                $"BatchNorm2d: expected 4D input (got {input.Dim}D input {Shapes.Format(input.Shape)}).");
    }
}

/// <summary>
/// Layer normalization over the trailing <see cref="NormalizedShape"/>, with element-wise <c>weight</c> (ones) and
/// <c>bias</c> (zeros) of that shape. Input <c>(*, NormalizedShape...)</c>. See <see cref="F.LayerNorm"/>.
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="normalizedShape">Trailing shape to normalize over, e.g. <c>[512]</c> or <c>[C, H, W]</c>.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="elementwiseAffine">Learn weight and bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true,
        DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = new Parameter(Tensor.Ones(NormalizedShape, dtype));
            Bias = new Parameter(Tensor.Zeros(NormalizedShape, dtype));
        }
    }

    /// <summary>Creates the layer for one trailing dim of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">Size of the last dim.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="elementwiseAffine">Learn weight and bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
        : this([normalizedShape], eps, elementwiseAffine, dtype) { }

    /// <summary>The normalized trailing shape.</summary>
    public int[] NormalizedShape { get; }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Scale, of <see cref="NormalizedShape"/>, or null.</summary>
    public Parameter? Weight { get; private set; }

    /// <summary>Shift, of <see cref="NormalizedShape"/>, or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"({string.Join(", ", NormalizedShape)},), eps={BatchNormBase.Py(Eps)}, " +
        $"elementwise_affine={BatchNormBase.Py(Weight is not null)}";
}

/// <summary>
/// Group normalization of <c>(N, C, *)</c>: C channels in <see cref="NumGroups"/> groups, per-channel <c>weight</c>
/// (ones) and <c>bias</c> (zeros). See <see cref="F.GroupNorm"/>.
/// </summary>
public sealed class GroupNorm : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numGroups">Number of groups (divides <paramref name="numChannels"/>).</param>
    /// <param name="numChannels">Channels C.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="affine">Learn weight and bias.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true, DType dtype = DType.Float32)
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException(
                $"GroupNorm: num_channels ({numChannels}) must be divisible by num_groups ({numGroups}).");
        (NumGroups, NumChannels, Eps) = (numGroups, numChannels, eps);
        if (affine)
        {
            Weight = new Parameter(Tensor.Ones([numChannels], dtype));
            Bias = new Parameter(Tensor.Zeros([numChannels], dtype));
        }
    }

    /// <summary>Number of groups.</summary>
    public int NumGroups { get; }

    /// <summary>Channels C.</summary>
    public int NumChannels { get; }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Per-channel scale, or null.</summary>
    public Parameter? Weight { get; private set; }

    /// <summary>Per-channel shift, or null.</summary>
    public Parameter? Bias { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException(
                $"GroupNorm({NumGroups}, {NumChannels}): expected input (N, {NumChannels}, *), got " +
                $"{Shapes.Format(input.Shape)}.");
        return F.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{NumGroups}, {NumChannels}, eps={BatchNormBase.Py(Eps)}, affine={BatchNormBase.Py(Weight is not null)}";
}
