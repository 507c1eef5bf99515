using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests;

/// <summary>ToString against PyTorch 1.13's str(tensor) for a table of tensors (tools/golden/printing.py).</summary>
public class PrintingTests
{
    private static readonly JsonElement[] s_cases = Golden.Load("printing.json").GetProperty("cases").EnumerateArray()
        .ToArray();

    public static IEnumerable<object[]> Names() =>
        s_cases.Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesPyTorch(string name)
    {
        var c = s_cases.First(e => e.GetProperty("name").GetString() == name);
        var t = Golden.Tensor(c.GetProperty("tensor"));
        if (c.GetProperty("requires_grad").GetBoolean()) t.RequiresGrad = true;
        if (c.GetProperty("expr").ValueKind == JsonValueKind.String) t = t * 2.0;
        Assert.Equal(c.GetProperty("text").GetString(), t.ToString());
    }
}
