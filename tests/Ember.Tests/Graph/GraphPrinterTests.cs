using System.Linq;
using Ember.Graph;
using Ember.NN;

namespace Ember.Tests.Graph;

public class GraphPrinterTests
{
    [Fact]
    public void SeedGraphPrintsAsATreeWithParameterNames()
    {
        var clf = new Clf();
        var loss = new CrossEntropyLoss().Call(clf.Call(Tensor.Randn(5, 4)), Tensor.From(new long[] { 0, 1, 2, 0, 1 }));
        Assert.Equal(
            "NllLossBackward0\n" +
            "└─ LogSoftmaxBackward0\n" +
            "   └─ AddmmBackward0\n" +
            "      ├─ AccumulateGrad (fc2.bias [3])\n" +
            "      ├─ ReluBackward0\n" +
            "      │  └─ AddmmBackward0\n" +
            "      │     ├─ AccumulateGrad (fc1.bias [10])\n" +
            "      │     ├─ None\n" +
            "      │     └─ TBackward0\n" +
            "      │        └─ AccumulateGrad (fc1.weight [10, 4])\n" +
            "      └─ TBackward0\n" +
            "         └─ AccumulateGrad (fc2.weight [3, 10])",
            GraphPrinter.Format(loss, clf.NamedParameters()).Replace("\r", ""));
    }

    [Fact]
    public void SharedNodesPrintOnceAndDotListsEveryEdge()
    {
        var x = Tensor.Ones([2], requiresGrad: true);
        var y = x * 2.0;
        var z = (y + y.Exp()).Sum();
        string text = GraphPrinter.Format(z).Replace("\r", "");
        Assert.Contains("MulBackward0 #3", text);
        Assert.Contains("MulBackward0 (#3, shown above)", text);
        string dot = GraphPrinter.ToDot(z);
        Assert.StartsWith("digraph backward {", dot);
        Assert.Contains("n3 -> n2;", dot);   // exp's gradient flows into the shared multiply
        Assert.Contains("fillcolor=lightblue", dot);
        Assert.Equal("(no graph: the tensor does not require grad)", GraphPrinter.Format(Tensor.Ones(1)));
    }

    [Fact]
    public void DeepGraphsPrintWithoutRecursion()
    {
        var x = Tensor.Ones([1], requiresGrad: true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = y * 1.0;
        string[] lines = GraphPrinter.Format(y).Split('\n');
        Assert.Equal(2 * 20_000 + 1, lines.Length);   // each multiply and its None edge, then the leaf
        Assert.Contains(lines, l => l.EndsWith("AccumulateGrad ([1])", System.StringComparison.Ordinal));
        Assert.True(lines.Max(l => l.Length) < 200);
    }
}
