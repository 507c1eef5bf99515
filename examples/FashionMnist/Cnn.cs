using Ember;
using Ember.NN;

/// <summary>LeNet-5 style: two conv/ReLU/max-pool stages, then 120-84-10. Input (B, 1, 28, 28).</summary>
sealed class LeNet : Module
{
    private readonly Sequential features = new(
        new Conv2d(1, 6, kernelSize: 5, padding: 2), new ReLU(), new MaxPool2d(2),   // 6 x 14 x 14
        new Conv2d(6, 16, kernelSize: 5), new ReLU(), new MaxPool2d(2));             // 16 x 5 x 5

    private readonly Sequential classifier = new(
        new Flatten(),
        new Linear(16 * 5 * 5, 120), new ReLU(),
        new Linear(120, 84), new ReLU(),
        new Linear(84, 10));

    public override Tensor Forward(Tensor x) => classifier.Call(features.Call(x));
}
