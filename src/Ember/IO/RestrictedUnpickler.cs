using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Ember.IO;

/// <summary>
/// A pickle reader that never executes anything: it understands the opcodes <c>torch.save</c> emits (protocols
/// 2 to 5) and resolves a global only if it is on a fixed allow-list (<c>collections.OrderedDict</c>, the
/// <c>torch._utils</c> tensor rebuilders, the storage types). Any other global (<c>os.system</c>,
/// <c>builtins.eval</c>, a pickled <c>nn.Module</c> class) is refused by name, as are the object-building opcodes
/// (NEWOBJ, INST, OBJ) and BUILD on anything but a dict. Work and memory are linear in the pickle's length: no
/// recursion, every length field is checked against the bytes that remain.
/// </summary>
/// <remarks>
/// Python values map to: dict → <see cref="OrderedDictionary{TKey, TValue}"/> of <c>object</c> keys (string,
/// long, double, bool), list → <see cref="List{T}"/>, tuple → <c>object?[]</c>, int → <see cref="long"/>,
/// float → <see cref="double"/>, str → <see cref="string"/>, bytes → <c>byte[]</c>, None → null.
/// </remarks>
internal sealed class RestrictedUnpickler
{
    /// <summary>A resolved allow-listed global.</summary>
    internal sealed record Global(string Module, string Name)
    {
        public string FullName => $"{Module}.{Name}";
    }

    /// <summary>A persistent id's target, e.g. a storage record of a zip checkpoint.</summary>
    public delegate object PersistentLoad(object? pid);

    /// <summary>Calls an allow-listed global with its arguments (the tensor rebuilders).</summary>
    public delegate object? Reducer(Global callable, object?[] args);

    private static readonly HashSet<string> s_allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage",
        "torch.BoolStorage",
    };

    private readonly byte[] _data;
    private readonly PersistentLoad _persistentLoad;
    private readonly Reducer _reduce;
    private int _pos;

    public RestrictedUnpickler(byte[] data, PersistentLoad persistentLoad, Reducer reduce)
    {
        _data = data;
        _persistentLoad = persistentLoad;
        _reduce = reduce;
    }

    /// <summary>Whether <paramref name="fullName"/> (<c>module.name</c>) may be resolved.</summary>
    public static bool IsAllowed(string fullName) => s_allowed.Contains(fullName);

    private sealed class Mark
    {
        public static readonly Mark Instance = new();
    }

    /// <summary>Runs the pickle to its STOP and returns the value.</summary>
    /// <exception cref="InvalidDataException">Malformed pickle or a refused global or opcode (message says which).
    /// </exception>
    public object? Load()
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        while (true)
        {
            int at = _pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: U8(); break; // PROTO
                case 0x95: Bytes(8); break; // FRAME: a size hint only
                case (byte)'}': stack.Add(new OrderedDictionary<object, object?>()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case (byte)'(': stack.Add(Mark.Instance); marks.Push(stack.Count - 1); break;
                case (byte)'q': memo[U8()] = Top(stack, at); break;
                case (byte)'r': memo[U32()] = Top(stack, at); break;
                case 0x94: memo[memo.Count] = Top(stack, at); break; // MEMOIZE
                case (byte)'h': stack.Add(Get(memo, U8(), at)); break;
                case (byte)'j': stack.Add(Get(memo, U32(), at)); break;
                case (byte)'X': stack.Add(Utf8(U32())); break;
                case 0x8c: stack.Add(Utf8(U8())); break;
                case 0x8d: stack.Add(Utf8(U64())); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Bytes(U8()))); break;
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Bytes(U32()))); break;
                case (byte)'C': stack.Add(Bytes(U8()).ToArray()); break;
                case (byte)'B': stack.Add(Bytes(U32()).ToArray()); break;
                case 0x8e: stack.Add(Bytes(U64()).ToArray()); break;
                case (byte)'c': stack.Add(Resolve(Line(), Line(), at)); break;
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop(stack, at) as string;
                        var module = Pop(stack, at) as string;
                        if (name is null || module is null) throw Bad(at, "STACK_GLOBAL needs two strings");
                        stack.Add(Resolve(module, name, at));
                        break;
                    }
                case (byte)'Q': stack.Add(_persistentLoad(Pop(stack, at))); break;
                case (byte)'t': stack.Add(PopMark(stack, marks, at).ToArray()); break;
                case 0x85: stack.Add(new[] { Pop(stack, at) }); break;
                case 0x86: { var b = Pop(stack, at); var a = Pop(stack, at); stack.Add(new[] { a, b }); break; }
                case 0x87:
                    {
                        var c = Pop(stack, at); var b = Pop(stack, at); var a = Pop(stack, at);
                        stack.Add(new[] { a, b, c });
                        break;
                    }
                case (byte)'K': stack.Add((long)U8()); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case 0x8a: stack.Add(Long(U8(), at)); break;
                case 0x8b: stack.Add(Long(U32(), at)); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'N': stack.Add(null); break;
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;
                case (byte)'R':
                    {
                        var args = Pop(stack, at) as object?[];
                        var callable = Pop(stack, at) as Global;
                        if (args is null || callable is null)
                            throw Bad(at, "REDUCE needs an allowed global and a tuple");
                        stack.Add(Call(callable, args, at));
                        break;
                    }
                case (byte)'b': // BUILD: only the attribute dict PyTorch attaches to an OrderedDict (_metadata)
                    {
                        var state = Pop(stack, at);
                        if (Top(stack, at) is not OrderedDictionary<object, object?> || state is not (null or
                            OrderedDictionary<object, object?>))
                            throw Bad(at, "BUILD on something other than a dict (an object's state) is refused");
                        break;
                    }
                case (byte)'s':
                    {
                        var v = Pop(stack, at); var k = Pop(stack, at);
                        SetItem(Top(stack, at), k, v, at);
                        break;
                    }
                case (byte)'u':
                    {
                        var items = PopMark(stack, marks, at);
                        if (items.Count % 2 != 0) throw Bad(at, "SETITEMS has an odd number of items");
                        var d = Top(stack, at);
                        for (int i = 0; i < items.Count; i += 2) SetItem(d, items[i], items[i + 1], at);
                        break;
                    }
                case (byte)'a': { var v = Pop(stack, at); AsList(Top(stack, at), at).Add(v); break; }
                case (byte)'e':
                    {
                        var items = PopMark(stack, marks, at);
                        AsList(Top(stack, at), at).AddRange(items);
                        break;
                    }
                case (byte)'.':
                    if (stack.Count != 1 || marks.Count != 0) throw Bad(at, "STOP with a malformed stack");
                    return stack[0] is Mark ? throw Bad(at, "STOP on a MARK") : stack[0];
                case 0x81 or 0x92 or (byte)'i' or (byte)'o':
                    throw Bad(at, $"opcode 0x{op:x2} builds an arbitrary object; refused (nothing was executed)");
                default:
                    throw Bad(at, $"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    private object? Call(Global g, object?[] args, int at)
    {
        if (g.FullName == "collections.OrderedDict")
        {
            if (args.Length != 0) throw Bad(at, "OrderedDict called with arguments");
            return new OrderedDictionary<object, object?>();
        }
        try { return _reduce(g, args); }
        catch (InvalidDataException ex) { throw Bad(at, ex.Message); }
    }

    private static void SetItem(object? target, object? key, object? value, int at)
    {
        if (target is not OrderedDictionary<object, object?> d) throw Bad(at, "SETITEM on something other than a dict");
        if (key is not (string or long or double or bool))
            throw Bad(at, $"dict key of type {Describe(key)} is not supported");
        d[key] = value;
    }

    private static List<object?> AsList(object? target, int at) =>
        target as List<object?> ?? throw Bad(at, "APPEND on something other than a list");

    private static Global Resolve(string module, string name, int at)
    {
        string full = $"{module}.{name}";
        if (s_allowed.Contains(full)) return new Global(module, name);
        if (module == "__main__" || module.StartsWith("torch.nn.modules", StringComparison.Ordinal))
            throw Bad(at, $"the file holds a pickled module object ('{full}'), as torch.save(model) writes; " +
                "Ember reads state dicts only: in PyTorch, torch.save(model.state_dict(), path)");
        throw Bad(at, $"the pickle refers to '{full}', which is not on the allow-list of tensor-rebuilding " +
            "globals; refused (nothing was executed)");
    }

    private static object? Top(List<object?> stack, int at) =>
        stack.Count > 0 && stack[^1] is not Mark ? stack[^1] : throw Bad(at, "the stack is empty");

    private static object? Pop(List<object?> stack, int at)
    {
        var v = Top(stack, at);
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    private static List<object?> PopMark(List<object?> stack, Stack<int> marks, int at)
    {
        if (marks.Count == 0) throw Bad(at, "no MARK to pop to");
        int m = marks.Pop();
        var items = stack.GetRange(m + 1, stack.Count - m - 1);
        stack.RemoveRange(m, stack.Count - m);
        foreach (var i in items) if (i is Mark) throw Bad(at, "a MARK inside a MARK's items");
        return items;
    }

    private static object? Get(Dictionary<long, object?> memo, long key, int at) =>
        memo.TryGetValue(key, out var v) ? v : throw Bad(at, $"memo key {key} was never stored");

    private long Long(long n, int at)
    {
        if (n > 8) throw Bad(at, $"a {n}-byte integer is out of range");
        var b = Bytes(n);
        long v = 0;
        for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
        if (b.Length is > 0 and < 8 && (b[^1] & 0x80) != 0) v -= 1L << (8 * b.Length); // sign-extend
        return v;
    }

    private byte U8() => Bytes(1)[0];

    private long U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    private long U64()
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));
        return v > int.MaxValue ? throw Bad(_pos - 8, $"length {v} is out of range") : (long)v;
    }

    private ReadOnlySpan<byte> Bytes(long n)
    {
        if (n < 0 || n > _data.Length - _pos)
            throw Bad(_pos, $"a {n}-byte field runs past the end of the pickle");
        var s = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private string Utf8(long n)
    {
        var b = Bytes(n);
        if (!System.Text.Unicode.Utf8.IsValid(b)) throw Bad(_pos, "a string is not valid UTF-8");
        return Encoding.UTF8.GetString(b);
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 1000) throw Bad(_pos, "GLOBAL without a short newline-terminated name");
        string s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private static InvalidDataException Bad(int at, string problem) => new($"pickle byte {at}: {problem}");

    internal static string Describe(object? v) => v switch
    {
        null => "None",
        string => "str",
        long => "int",
        double => "float",
        bool => "bool",
        object?[] => "tuple",
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        Global g => g.FullName,
        _ => v.GetType().Name,
    };
}
