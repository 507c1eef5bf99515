using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Ember.Tests.Support;

namespace Ember.Tests.Ops;

/// <summary>One op golden case: its JSON (inputs, args, PyTorch's outputs and gradients), its table row.</summary>
public sealed record GoldenOpCase(string Name, string File, JsonElement Json, OpCase? Row)
{
    /// <summary>The op name of the JSON (<c>op</c>).</summary>
    public string Op => Json.GetProperty("op").GetString()!;

    /// <summary>The row, which <see cref="OpTableTests"/> guarantees exists.</summary>
    public OpCase Case =>
        Row ?? throw new InvalidOperationException($"{File}: op '{Op}' of '{Name}' has no row in OpCases");

    /// <summary>The case's PyTorch arguments.</summary>
    public OpArgs Args => new(Json.GetProperty("args"));

    /// <summary>Whether PyTorch recorded a backward here (an output gradient and an input that requires it).</summary>
    public bool HasGoldenBackward =>
        Json.GetProperty("grad_output").ValueKind != JsonValueKind.Null && RequiresGrad.Any(r => r);

    /// <summary>Which inputs require grad in PyTorch's run.</summary>
    public bool[] RequiresGrad =>
        Json.GetProperty("requires_grad").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.True).ToArray();

    /// <summary>Fresh inputs with RequiresGrad as recorded.</summary>
    public Tensor[] Inputs()
    {
        bool[] rg = RequiresGrad;
        return Json.GetProperty("inputs").EnumerateArray().Select((t, i) => Golden.Tensor(t, rg[i])).ToArray();
    }

    /// <summary>Runs the row's op on the given inputs with this case's arguments.</summary>
    public OpOutput Run(Tensor[] x) => Case.Run(x, Args);
}

/// <summary>The golden files of the op table, and the theory data the table-driven tests enumerate.</summary>
public static class OpGoldens
{
    /// <summary>
    /// The files written by tools/golden/ops.py, ops_math.py, ops_reduce.py, ops_index.py and ops_arith.py.
    /// </summary>
    public static readonly string[] Files =
        ["ops.json", "ops_math.json", "ops_reduce.json", "ops_index.json", "ops_arith.json"];

    /// <summary>Every case of every file, in file order.</summary>
    public static readonly GoldenOpCase[] All = Files
        .SelectMany(f => Golden.Load(f).GetProperty("cases").EnumerateArray().Select(c =>
        {
            string name = c.GetProperty("name").GetString()!;
            return new GoldenOpCase(name, f, c, OpCases.Find(c.GetProperty("op").GetString()!));
        }))
        .ToArray();

    private static readonly Dictionary<string, GoldenOpCase> s_byName = All.ToDictionary(c => c.Name);

    /// <summary>The case of that name.</summary>
    public static GoldenOpCase Get(string name) => s_byName[name];

    /// <summary>The names of the cases that satisfy <paramref name="where"/>, as theory data.</summary>
    public static TheoryData<string> Names(Func<GoldenOpCase, bool> where)
    {
        var data = new TheoryData<string>();
        foreach (var c in All)
            if (where(c)) data.Add(c.Name);
        return data;
    }

    /// <summary>Whether GradCheck applies: the row is differentiable (the golden agrees, see OpTableTests).</summary>
    public static bool Differentiable(GoldenOpCase c) => c.Row?.IsDifferentiable ?? false;
}
