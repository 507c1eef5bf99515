using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.Core;

namespace Ember.Optim;

/// <summary>
/// The state an optimizer keeps for one parameter, seen from its update rule
/// (<see cref="Optimizer{TOptions}.Update{T}"/>) in the parameter's element type <typeparamref name="T"/>: PyTorch's
/// <c>"step"</c> counter, named buffers of the parameter's shape (<c>"exp_avg"</c>, <c>"momentum_buffer"</c>, ...)
/// and named numbers (NAdam's <c>"mu_product"</c>). This is exactly what <see cref="Optimizer.StateDict"/> saves
/// and <see cref="Optimizer.LoadStateDict"/> restores for the parameter.
/// </summary>
/// <remarks>
/// A view valid only during the <c>Update</c> call that received it (hence a <c>ref struct</c>): the spans it returns
/// point into buffers the optimizer owns, and they may be replaced by a later <see cref="Optimizer.LoadStateDict"/>.
/// Buffers are created on first use, so a parameter that has not been updated yet keeps no state.
/// </remarks>
/// <typeparam name="T">The parameter's element type (<see cref="float"/> or <see cref="double"/>).</typeparam>
public readonly ref struct ParamState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Optimizer.StateEntry _entry;
    private readonly RawTensor _param;
    private readonly Optimizer _owner;

    internal ParamState(Optimizer owner, Optimizer.StateEntry entry, RawTensor param)
    {
        _owner = owner;
        _entry = entry;
        _param = param;
    }

    /// <summary>
    /// PyTorch's <c>"step"</c>: how many updates this parameter has had, the current one included (1 in the first
    /// <c>Update</c>). The base increments it before calling <c>Update</c>; it stays 0 for optimizers whose
    /// <see cref="Optimizer.CountsSteps"/> is false (SGD).
    /// </summary>
    public long Step => _entry.Step;

    /// <summary>The number of elements of the parameter (and of every buffer).</summary>
    public int Length => _param.NumEl;

    /// <summary>
    /// The buffer <paramref name="name"/>, of the parameter's shape and dtype, created filled with
    /// <paramref name="fill"/> the first time it is asked for; later calls return the same memory (the fill is then
    /// ignored). Writes through the span are the state.
    /// </summary>
    /// <param name="name">One of the optimizer's <see cref="Optimizer.StateBufferNames"/>.</param>
    /// <param name="fill">The initial value of every element of a new buffer.</param>
    /// <exception cref="InvalidOperationException"><paramref name="name"/> is not a declared buffer name.</exception>
    public Span<T> Buffer(string name, double fill = 0) => BufferTensor(name, fill).Span<T>();

    /// <summary>The buffer <paramref name="name"/> as a tensor, created as <see cref="Buffer"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal RawTensor BufferTensor(string name, double fill = 0)
    {
        if (!_entry.Tensors.TryGetValue(name, out var t))
        {
            _owner.CheckBufferName(name);
            _entry.Tensors[name] = t = RawOps.Full(_param.Shape, fill, _param.DType);
        }
        return t;
    }

    /// <summary>The buffer <paramref name="name"/> as a tensor when it exists (see
    /// <see cref="TryGetBuffer"/>).</summary>
    internal RawTensor? FindBufferTensor(string name) => _entry.Tensors.GetValueOrDefault(name);

    /// <summary>
    /// The buffer <paramref name="name"/> when it exists, without creating it (SGD starts its momentum buffer from the
    /// first gradient instead of from zeros, so it needs to know).
    /// </summary>
    /// <returns>Whether the buffer exists; <paramref name="buffer"/> is empty when not.</returns>
    public bool TryGetBuffer(string name, out Span<T> buffer)
    {
        if (_entry.Tensors.TryGetValue(name, out var t))
        {
            buffer = t.Span<T>();
            return true;
        }
        buffer = default;
        return false;
    }

    /// <summary>
    /// The number <paramref name="name"/>, set to <paramref name="initial"/> the first time it is asked for.
    /// Numbers are saved as <see cref="double"/>s in the state dict.
    /// </summary>
    /// <param name="name">One of the optimizer's <see cref="Optimizer.StateNumberNames"/>.</param>
    /// <param name="initial">The value of a number that does not exist yet.</param>
    /// <exception cref="InvalidOperationException"><paramref name="name"/> is not a declared number name.</exception>
    public double Number(string name, double initial)
    {
        if (_entry.Numbers.TryGetValue(name, out var v)) return v;
        _owner.CheckNumberName(name);
        _entry.Numbers[name] = initial;
        return initial;
    }

    /// <summary>Sets the number <paramref name="name"/> (see <see cref="Number"/>).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="name"/> is not a declared number name.</exception>
    public void SetNumber(string name, double value)
    {
        if (!_entry.Numbers.ContainsKey(name)) _owner.CheckNumberName(name);
        _entry.Numbers[name] = value;
    }
}

public abstract partial class Optimizer
{
    /// <summary>One parameter's state, dtype-free: what <see cref="ParamState{T}"/> views, state dicts copy.</summary>
    internal sealed class StateEntry
    {
        public long Step;
        public readonly Dictionary<string, RawTensor> Tensors = new(StringComparer.Ordinal);
        public readonly Dictionary<string, double> Numbers = new(StringComparer.Ordinal);
    }
}
