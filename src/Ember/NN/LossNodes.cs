using System;
using Ember.Core;
using Ember.NN;

namespace Ember.Graph;

/// <summary>
/// z = reduce(-w[t]·x[n, t, d...]) over counted targets (t ≠ ignoreIndex), the mean dividing by Σ w[t];
/// dL/dx = -w[t]·grad·scale at each target class, 0 elsewhere. Named <c>NllLossBackward0</c>, or
/// <c>NllLoss2DBackward0</c> for inputs with extra dims (as PyTorch 1.13 names them).
/// </summary>
internal sealed class NllLossNode : SingleOutputNode
{
    private RawTensor? _target, _weight;
    private Reduction _reduction;
    private long _ignoreIndex;
    private double _totalWeight;
    private int _n, _c, _s;
    private bool _nd;
    public override string Name => _nd ? "NllLoss2DBackward0" : "NllLossBackward0";

    public static Tensor Apply(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction)
    {
        bool vector = input.Dim == 1;
        int n = vector ? 1 : input.Shape[0], c = input.Shape[vector ? 0 : 1];
        int s = vector ? 1 : input.NumEl / Math.Max(n * c, 1);
        if (!vector && n * c == 0) s = target.NumEl / Math.Max(n, 1);
        var (losses, total, lossSum) = RawOps.NllLossNd(input.Raw, target.Raw, weight?.Raw, n, c, s, ignoreIndex);
        // PyTorch views 3-D and 5-D+ inputs as 4-D for nll_loss2d and views an unreduced result back (ViewBackward0).
        bool viewBack = reduction == Reduction.None && input.Dim >= 3 && input.Dim != 4;
        RawTensor raw = reduction switch
        {
            Reduction.None => viewBack ? losses : RawOps.Reshape(losses, target.Raw.Shape),
            // The reductions come from the double-precision sum the kernel kept while writing the losses.
            Reduction.Sum => RawOps.Scalar(lossSum, losses.DType),
            _ => RawOps.Scalar(lossSum / total, losses.DType),
        };
        if (!Autograd.ShouldRecord(input)) return new Tensor(raw);
        var node = new NllLossNode
        {
            _target = target.Raw, _weight = weight?.Raw, _reduction = reduction, _ignoreIndex = ignoreIndex,
            _totalWeight = total, _n = n, _c = c, _s = s, _nd = input.Dim >= 3,
        };
        node.SetInputs(input);
        var result = new Tensor(raw, node);
        return viewBack ? result.View(target.Shape.ToArray()) : result;
    }

    internal override Tensor?[] Backward(Tensor grad)
    {
        double scale = _reduction == Reduction.Mean ? 1.0 / _totalWeight : 1.0;
        if (!Autograd.IsGradEnabled && _reduction != Reduction.None)
        {
            // A scalar upstream gradient folds into the coefficients: one pass, no multiply.
            double g = RawOps.Contiguous(grad.Raw).Storage.GetDouble(grad.Raw.Offset);
            return [new Tensor(RawOps.Reshape(RawOps.NllCoefficients(_target!, _weight, _n, _c, _s, _ignoreIndex, scale * g, InputDType(0)), InputShape(0)))];
        }
        var coef = RawOps.NllCoefficients(_target!, _weight, _n, _c, _s, _ignoreIndex, scale, InputDType(0));
        int[] gShape = _reduction == Reduction.None ? [_n, 1, _s] : [];
        if (Autograd.IsGradEnabled) return [(new Tensor(coef) * grad.Reshape(gShape)).Reshape(InputShape(0))];
        return [new Tensor(RawOps.Reshape(RawOps.Mul(coef, RawOps.Reshape(grad.Raw, gShape)), InputShape(0)))];
    }
}

/// <summary>The element-wise losses that PyTorch computes in one node.</summary>
internal enum PointwiseLoss { Mse, SmoothL1, Huber, Bce, BceWithLogits }

/// <summary>
/// z = reduce(ℓ(x, t)) for an element-wise loss ℓ, with g = grad (none/sum) or grad / numel (mean):
/// MSE ℓ = d², dℓ/dx = 2d; smooth L1 ℓ = 0.5d²/β (|d| &lt; β) else |d| - 0.5β, dℓ/dx = d/β or sign(d);
/// Huber ℓ = 0.5d² (|d| ≤ δ) else δ(|d| - 0.5δ), dℓ/dx = d or δ·sign(d) (all with dℓ/dt = -dℓ/dx, d = x - t);
/// BCE ℓ = -w(t·log x + (1-t)·log(1-x)) (logs ≥ -100), dℓ/dx = w(x - t)/max(x(1-x), 1e-12), dℓ/dt = -w·logit(x);
/// BCE with logits ℓ = w((1-t)x + (1 + (p-1)t)·softplus(-x)), dℓ/dx = w((pt + 1 - t)σ(x) - pt),
/// dℓ/dt = w(log σ(-x) - p·log σ(x)). The formulas are tensor ops, so they differentiate again.
/// </summary>
internal sealed class PointwiseLossNode : SingleOutputNode
{
    private PointwiseLoss _kind;
    private Reduction _reduction;
    private double _param;
    private SavedTensor? _x, _t;
    private Tensor? _weight, _posWeight;

    public override string Name => _kind switch
    {
        PointwiseLoss.Mse => "MseLossBackward0",
        PointwiseLoss.SmoothL1 => "SmoothL1LossBackward0",
        PointwiseLoss.Huber => "HuberLossBackward0",
        PointwiseLoss.Bce => "BinaryCrossEntropyBackward0",
        _ => "BinaryCrossEntropyWithLogitsBackward0",
    };

    public static Tensor Apply(PointwiseLoss kind, Tensor input, Tensor target, Reduction reduction, double param, Tensor? weight, Tensor? posWeight)
    {
        Tensor loss;
        using (Autograd.NoGrad())
        {
            Tensor x = input.Detach(), t = target.Detach();
            loss = Elementwise(kind, x, t, param, weight, posWeight);
            loss = reduction switch { Reduction.None => loss, Reduction.Sum => loss.Sum(), _ => loss.Mean() };
        }
        if (!Autograd.ShouldRecord(input, target)) return loss;
        var node = new PointwiseLossNode { _kind = kind, _reduction = reduction, _param = param, _weight = weight, _posWeight = posWeight };
        node.SetInputs(input, target);
        node._x = node.Save(input);
        node._t = node.Save(target);
        return new Tensor(loss.Raw, node);
    }

    private static Tensor Mask(RawTensor condition, DType dt) => new(RawOps.Cast(condition, dt));

    private static Tensor Elementwise(PointwiseLoss kind, Tensor x, Tensor t, double p, Tensor? w, Tensor? pw)
    {
        Tensor d = x - t;
        switch (kind)
        {
            case PointwiseLoss.Mse: return d * d;
            case PointwiseLoss.SmoothL1:
                {
                    Tensor z = d.Abs(), m = Mask(RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType)), z.DType);
                    return p == 0 ? z : m * (0.5 * z * z / p) + (1.0 - m) * (z - 0.5 * p);
                }
            case PointwiseLoss.Huber:
                {
                    Tensor z = d.Abs(), m = Mask(RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType)), z.DType);
                    return m * (0.5 * z * z) + (1.0 - m) * (p * (z - 0.5 * p));
                }
            case PointwiseLoss.Bce:
                {
                    Tensor l = -(t * x.Log().Clamp(min: -100) + (1.0 - t) * (1.0 - x).Log().Clamp(min: -100));
                    return w is null ? l : l * w;
                }
            default:
                {
                    Tensor sp = SoftplusNeg(x);
                    Tensor l = pw is null ? (1.0 - t) * x + sp : (1.0 - t) * x + (1.0 + (pw - 1.0) * t) * sp;
                    return w is null ? l : l * w;
                }
        }
    }

    /// <summary>softplus(-x) = log(1 + e^-|x|) + max(-x, 0), stable for any x.</summary>
    private static Tensor SoftplusNeg(Tensor x) => (-x.Abs()).Exp().Log1p() + (-x).ReLU();

    internal override Tensor?[] Backward(Tensor grad)
    {
        Tensor x = Unpack(_x!), t = Unpack(_t!);
        Tensor g = _reduction == Reduction.Mean ? grad / (double)Math.Max(x.NumEl, 1) : grad;
        Tensor? dx = null, dt = null;
        double p = _param;
        switch (_kind)
        {
            case PointwiseLoss.Mse:
            case PointwiseLoss.SmoothL1:
            case PointwiseLoss.Huber:
                {
                    Tensor d = x - t, z = d.Abs();
                    Tensor deriv;
                    if (_kind == PointwiseLoss.Mse) deriv = 2.0 * d;
                    else
                    {
                        var inside = _kind == PointwiseLoss.SmoothL1 ? RawOps.Lt(z.Raw, RawOps.Scalar(p, z.DType)) : RawOps.Le(z.Raw, RawOps.Scalar(p, z.DType));
                        Tensor m = Mask(inside, z.DType);
                        deriv = _kind == PointwiseLoss.SmoothL1 ? (p == 0 ? d.Sign() : m * (d / p) + (1.0 - m) * d.Sign()) : m * d + (1.0 - m) * (p * d.Sign());
                    }
                    Tensor gi = deriv * g;
                    dx = gi;
                    dt = NeedsInputGrad(1) ? -gi : null;
                    break;
                }
            case PointwiseLoss.Bce:
                {
                    Tensor denom = ((1.0 - x) * x).Clamp(min: 1e-12);
                    dx = (x - t) / denom * g;
                    if (NeedsInputGrad(1)) dt = ((1.0 - x).Log() - x.Log()) * g;
                    break;
                }
            default:
                {
                    Tensor s = x.Sigmoid();
                    if (_posWeight is null) dx = (s - t) * g;
                    else
                    {
                        Tensor pt = _posWeight * t;
                        dx = ((pt + 1.0 - t) * s - pt) * g;
                    }
                    if (NeedsInputGrad(1))
                        dt = _posWeight is null ? -x * g : (-SoftplusNeg(-x) + _posWeight * SoftplusNeg(x)) * g;
                    break;
                }
        }
        if (_weight is not null && _kind is PointwiseLoss.Bce or PointwiseLoss.BceWithLogits)
        {
            dx = dx * _weight;
            dt = dt is null ? null : dt * _weight;
        }
        return [NeedsInputGrad(0) ? dx : null, dt];
    }
}
