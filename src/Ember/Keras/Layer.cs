using System;
using System.Text;
using Ember.Core;
using Ember.NN;

namespace Ember.Keras;

/// <summary>
/// What a Keras-style <see cref="Sequential"/> needs from a child to name it as Keras does: the name given by the user,
/// or the snake-case base Keras uses for the type (<c>dense</c>, <c>conv2d</c>, ...).
/// </summary>
public interface IKerasLayer
{
    /// <summary>The name given at construction, or null to take a generated one (<c>dense</c>, <c>dense_1</c>,
    /// ...).</summary>
    string? Name { get; }

    /// <summary>The base of generated names (Keras's snake-case class name, e.g. <c>dense</c>).</summary>
    string DefaultName { get; }
}

/// <summary>
/// A Keras-style layer whose parameters depend on the input size: built on the first <see
/// cref="Module{TIn,TOut}.Call"/>
/// (the shared call entry's lazy build), or explicitly with <see cref="Build(int[])"/>. Until then its parameters are
/// empty placeholders (<see cref="Parameter.IsUninitialized"/>), which optimizers refuse with a message naming the fix.
/// </summary>
public abstract class LazyLayer : Module, IKerasLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name in a Keras-style <see cref="Sequential"/>, or null for a generated
    /// one.</param>
    /// <param name="dtype">Parameter dtype (float32 by default).</param>
    protected LazyLayer(string? name, DType dtype)
    {
        Name = name;
        DType = dtype;
    }

    /// <inheritdoc/>
    public string? Name { get; }

    /// <inheritdoc/>
    public abstract string DefaultName { get; }

    /// <summary>The parameter dtype.</summary>
    public DType DType { get; }

    /// <summary>Whether the parameters exist (the input size is known).</summary>
    public bool Built { get; private set; }

    /// <summary>The input shape the layer was built for, without the batch dim (null until built).</summary>
    public int[]? BuiltInputShape { get; private set; }

    /// <summary>Creates the parameters for inputs of <paramref name="inputShape"/> (without the batch dim).</summary>
    public void Build(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (Built) return;
        CreateParameters(inputShape);
        BuiltInputShape = (int[])inputShape.Clone();
        Built = true;
    }

    /// <summary>Creates the parameters for a per-sample input shape; called once.</summary>
    protected abstract void CreateParameters(int[] inputShape);

    /// <inheritdoc/>
    protected sealed override void Build(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Built) return;
        if (input.Dim < 1)
            throw new ArgumentException($"{GetType().Name}: expected a batch of inputs, got a scalar tensor.");
        Build(input.Shape[1..].ToArray());
    }

    /// <summary>Throws unless the layer is built (called by <c>Forward</c>, which <c>Call</c> reaches after the
    /// build).</summary>
    protected void EnsureBuilt()
    {
        if (!Built)
            throw new InvalidOperationException($"{GetType().Name} '{Name ?? DefaultName}' is not built: call it " +
                "through Call(x) (which builds it from the input) or Build(shape) before Forward.");
    }

    /// <summary>Checks the per-sample shape of <paramref name="input"/> against the built one (last dim).</summary>
    protected void CheckLastDim(Tensor input, int expected)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim < 2 || input.Shape[^1] != expected)
            throw new ArgumentException($"{GetType().Name} '{Name ?? DefaultName}' was built for inputs of shape " +
                $"(None, ..., {expected}) but got {Shapes.Format(input.Shape)}.");
    }

    /// <summary>Snake-case of a type name, as Keras derives layer names (<c>GlobalAveragePooling2D</c> →
    /// <c>global_average_pooling2d</c>).</summary>
    public static string SnakeCase(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var sb = new StringBuilder();
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (char.IsUpper(c))
            {
                bool prevLower = i > 0 && (char.IsLower(typeName[i - 1]) || char.IsDigit(typeName[i - 1]));
                bool nextLower = i + 1 < typeName.Length && char.IsLower(typeName[i + 1]);
                bool prevUpper = i > 0 && char.IsUpper(typeName[i - 1]);
                if (i > 0 && (prevLower && !char.IsDigit(typeName[i - 1]) || prevUpper && nextLower)) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Declares the per-sample input shape of a Keras-style <see cref="Sequential"/> (<c>keras.Input(shape=(4,))</c>): the
/// model builds its layers from it at once. It is not a child: it takes no name or index, and holds no parameters.
/// </summary>
public sealed class Input : Module
{
    /// <summary>Declares inputs of per-sample <paramref name="shape"/> (without the batch dim).</summary>
    /// <param name="shape">The per-sample shape, e.g. <c>4</c> for 4 features.</param>
    public Input(params int[] shape) : this(shape, DType.Float32) { }

    /// <summary>Declares inputs of per-sample <paramref name="shape"/> and element type <paramref
    /// name="dtype"/>.</summary>
    public Input(int[] shape, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d <= 0) throw new ArgumentException($"Input: dims must be positive, got {Shapes.Format(shape)}.");
        Shape = (int[])shape.Clone();
        DType = dtype;
    }

    /// <summary>The per-sample shape.</summary>
    public int[] Shape { get; }

    /// <summary>The element type of the inputs (float32 unless given; int64 for token ids into an Embedding).</summary>
    public DType DType { get; }

    /// <summary>Returns the input unchanged.</summary>
    public override Tensor Forward(Tensor input) => input;

    /// <inheritdoc/>
    protected override bool AcceptsIntegerInput => true;

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"shape={Shapes.Format(Shape)}";
}
