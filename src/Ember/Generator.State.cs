using System;
using System.Buffers.Binary;

namespace Ember;

public sealed partial class Generator
{
    private const byte StateFormat = 1;

    /// <summary>The size of <see cref="GetState"/>'s result.</summary>
    private const int StateBytes = 1 + 4 * 8 + 1 + 8;

    /// <summary>
    /// The generator's complete state as opaque bytes (PyTorch's <c>get_state()</c>): restoring it with
    /// <see cref="SetState"/> continues the exact same sequence, e.g. when resuming training from a checkpoint. The
    /// first byte identifies the layout, so a later algorithm can refuse a state it cannot read.
    /// </summary>
    public byte[] GetState()
    {
        var b = new byte[StateBytes];
        b[0] = StateFormat;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(1), _s0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(9), _s1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(17), _s2);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(25), _s3);
        b[33] = _spareNormal.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(34), _spareNormal ?? 0);
        return b;
    }

    /// <summary>Restores a state from <see cref="GetState"/> (the seed reported by <see cref="InitialSeed"/> is
    /// not part of it and is left alone).</summary>
    /// <exception cref="ArgumentException">The bytes are not a state of this generator's kind.</exception>
    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != StateBytes || state[0] != StateFormat || state[33] > 1)
            throw new ArgumentException(
                $"Generator.SetState: expected {StateBytes} bytes of state format {StateFormat}, got " +
                $"{state.Length} bytes{(state.Length > 0 ? $" of format {state[0]}" : "")}.", nameof(state));
        ulong s0 = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(1));
        ulong s1 = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(9));
        ulong s2 = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(17));
        ulong s3 = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(25));
        if ((s0 | s1 | s2 | s3) == 0)
            throw new ArgumentException("Generator.SetState: an all-zero xoshiro state is invalid.", nameof(state));
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
        _spareNormal = state[33] == 1 ? BinaryPrimitives.ReadDoubleLittleEndian(state.AsSpan(34)) : null;
    }
}
