// The managed heap over the seed loop (docs/memory.md): live bytes after a full collection, every tenth of the run,
// for the ordinary loop and for the loop that keeps `total = total + loss`.
using System;
using System.Diagnostics;
using Ember;
using Ember.Data;
using Ember.Graph;
using Ember.NN;
using Ember.Optim;

int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
GraphGrowth.Detected += (_, e) => Console.WriteLine($"  warning at this step: {e.Message}");
Run("seed loop, total += loss.Item<float>()", steps, leak: false);
Run("seed loop, total = total + loss (the mistake)", steps / 10, leak: true);

static void Run(string title, int steps, bool leak)
{
    Console.WriteLine($"{title}: {steps:N0} steps");
    Console.WriteLine("     step   live heap (KiB)");
    Tensor.ManualSeed(0);
    var iris = Datasets.Iris();
    var (x, y) = (Tensor.From(iris.Data), Tensor.From(iris.Target));
    var clf = new Sequential(new Linear(4, 10), new ReLU(), new Linear(10, 3));
    var optimizer = new Adam(clf.Parameters(), lr: 0.01);
    var lossFn = new CrossEntropyLoss();
    float total = 0;
    Tensor kept = Tensor.From(0f);
    var clock = Stopwatch.StartNew();
    for (int i = 1; i <= steps; i++)
    {
        var loss = lossFn.Call(clf.Call(x), y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        if (leak) kept = kept + loss;
        else total += loss.Item<float>();
        if (i == 1 || i % (steps / 10) == 0)
            Console.WriteLine($"{i,9:N0}   {GC.GetTotalMemory(forceFullCollection: true) / 1024.0,15:N0}");
    }
    float mean = (leak ? kept.Item<float>() : total) / steps;
    Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F1} s; mean loss {mean:F4}");
}
