using System.Linq;
using CsCheck;
using Ember.Tests.Support;

namespace Ember.Tests.Ops;

/// <summary>
/// Properties of every row of the op table on random values (CsCheck) in each golden case's shapes and arguments:
/// the op gives the same values and indices whether its floating-point inputs are contiguous, transposed views or
/// stepped slices of a larger tensor.
/// </summary>
public class OpPropertyTests
{
    private const int Iterations = 25;

    /// <summary>The cases with floating-point inputs (creation ops and integer ops have nothing to lay out).</summary>
    public static TheoryData<string> CasesWithFloatInputs => OpGoldens.Names(c => c.Inputs().Any(IsFloat));

    private static bool IsFloat(Tensor t) => t.DType is DType.Float32 or DType.Float64;

    [Theory]
    [MemberData(nameof(CasesWithFloatInputs))]
    public void ValuesDoNotDependOnTheInputLayout(string name)
    {
        GoldenOpCase c = OpGoldens.Get(name);
        Tensor[] template = c.Inputs();
        int total = template.Where(IsFloat).Sum(t => t.NumEl);
        Gen.Select(Gen.Double[-3, 3].Array[total], Gen.Bool).Sample((values, transpose) =>
        {
            var (contiguous, strided) = Layouts(template, values, transpose);
            var (y, yi) = c.Run(contiguous);
            var (z, zi) = c.Run(strided);
            Close.Equal(y, z, 1e-12, 1e-12, name);
            if (yi is not null) Close.Equal(yi, zi!, 0, 0, name + " indices");
        }, iter: Iterations, threads: 1);
    }

    /// <summary>
    /// The template's floating-point inputs filled with <paramref name="values"/>, once contiguous and once as views:
    /// transposed back from a transposed copy (2-D and up, when <paramref name="transpose"/>) or every other element of
    /// a wider tensor. Index, mask and target inputs stay as recorded.
    /// </summary>
    private static (Tensor[] Contiguous, Tensor[] Strided) Layouts(Tensor[] template, double[] values, bool transpose)
    {
        var contiguous = new Tensor[template.Length];
        var strided = new Tensor[template.Length];
        int offset = 0;
        for (int i = 0; i < template.Length; i++)
        {
            Tensor t = template[i];
            if (!IsFloat(t) || t.Dim == 0)
            {
                if (IsFloat(t)) t = Tensor.Full(t.Shape, values[offset++], t.DType);
                contiguous[i] = strided[i] = t;
                continue;
            }
            int[] shape = t.Shape.ToArray();
            Tensor x = Tensor.From(values[offset..(offset + t.NumEl)], shape).To(t.DType);
            offset += t.NumEl;
            contiguous[i] = x;
            if (transpose && t.Dim >= 2)
            {
                strided[i] = x.Transpose(0, -1).Contiguous().Transpose(0, -1);
                continue;
            }
            shape[^1] = 2 * shape[^1] + 1;
            var big = Tensor.Full(shape, 7.0, t.DType);
            var everyOther = new[] { TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2) };
            big[everyOther] = x;
            strided[i] = big[everyOther];
        }
        return (contiguous, strided);
    }
}
