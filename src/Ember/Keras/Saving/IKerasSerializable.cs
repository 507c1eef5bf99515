using System.Text.Json.Nodes;

namespace Ember.Keras.Saving;

/// <summary>
/// A custom layer that whole-model saving can record: its class name (the one registered with
/// <see cref="KerasModel.Register"/>) and its configuration (Keras's <c>get_config()</c>), which the registered
/// factory receives back on load. The weights are saved separately, under the layer's state-dict names, so the
/// configuration only needs what the constructor needs. A parameter-free layer with no configuration need not
/// implement this: registering a factory under its type name is enough.
/// </summary>
public interface IKerasSerializable
{
    /// <summary>The name the factory is registered under (Keras's <c>class_name</c>).</summary>
    string ClassName { get; }

    /// <summary>The constructor arguments as a JSON object (Keras's <c>get_config()</c>). The saver adds the
    /// layer's name under <c>"name"</c> when the object has none.</summary>
    JsonObject GetConfig();
}
