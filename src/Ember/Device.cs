using System;

namespace Ember;

/// <summary>The kind of device a tensor's storage lives on.</summary>
public enum DeviceType
{
    /// <summary>Main memory, computed by the managed kernels.</summary>
    Cpu,
}

/// <summary>
/// Where a tensor's storage lives. Only the CPU exists today; the type is here so that code written now keeps
/// working when another storage arrives (<c>x.To(Device.Cpu)</c>, <c>model.To(device)</c>).
/// </summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The CPU.</summary>
    public static readonly Device Cpu = new(DeviceType.Cpu);

    /// <summary>Parses a PyTorch-style device string (<c>"cpu"</c>).</summary>
    /// <exception cref="ArgumentException">The device is unknown or not available in this build.</exception>
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return Cpu;
        throw new ArgumentException(
            $"Unknown or unavailable device '{name}'. This build of Ember supports only 'cpu'.", nameof(name));
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Type == DeviceType.Cpu ? "cpu" : $"{Type.ToString().ToLowerInvariant()}:{Index}";
}
