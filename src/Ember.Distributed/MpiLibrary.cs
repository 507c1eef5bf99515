using System;
using System.Runtime.InteropServices;

namespace Ember.Distributed;

/// <summary>
/// A thin binding of exactly the MPI C calls Ember uses, resolved at run time with <see cref="NativeLibrary"/> so that
/// nothing else in Ember needs MPI installed. Handles differ by implementation: Open MPI's <c>MPI_COMM_WORLD</c>,
/// <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ... are the addresses of exported globals (<c>ompi_mpi_comm_world</c>, ...),
/// MPICH's (and MS-MPI's, Intel MPI's) are integer constants. Both are passed as pointer-sized integers: on the 64-bit
/// C ABIs a 32-bit <c>int</c> argument is read from the low half of its register or stack slot, so one set of
/// signatures serves both.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    public const int ThreadSingle = 0, ThreadFunneled = 1, ThreadSerialized = 2, ThreadMultiple = 3;

    private readonly delegate* unmanaged<int*, void*, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _reduceScatterBlock;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;

    private MpiLibrary(nint lib, string path)
    {
        Path = path;
        IsOpenMpi = NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out nint world);
        _initThread = (delegate* unmanaged<int*, void*, int, int*, int>)Export(lib, "MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(lib, "MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_size");
        _barrier = (delegate* unmanaged<nint, int>)Export(lib, "MPI_Barrier");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(lib, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(lib, "MPI_Bcast");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export(lib, "MPI_Allgather");
        _reduceScatterBlock =
            (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(lib, "MPI_Reduce_scatter_block");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(lib, "MPI_Error_string");
        if (IsOpenMpi)
        {
            CommWorld = world;
            Float = Export(lib, "ompi_mpi_float");
            Double = Export(lib, "ompi_mpi_double");
            Int = Export(lib, "ompi_mpi_int");
            LongLong = Export(lib, "ompi_mpi_long_long_int");
            Sum = Export(lib, "ompi_mpi_op_sum");
            Max = Export(lib, "ompi_mpi_op_max");
            InPlace = 1;
        }
        else
        {
            // mpi.h of MPICH 3/4 (and its ABI-compatible derivatives): handles are 32-bit constants.
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Int = 0x4c000405;
            LongLong = 0x4c000809;
            Sum = 0x58000003;
            Max = 0x58000001;
            InPlace = -1;
        }
    }

    /// <summary>The library file that was loaded.</summary>
    public string Path { get; }

    /// <summary>Open MPI (handles are addresses of exported globals) rather than MPICH (integer handles).</summary>
    public bool IsOpenMpi { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Int { get; }
    public nint LongLong { get; }
    public nint Sum { get; }
    public nint Max { get; }
    public nint InPlace { get; }

    /// <summary>
    /// Candidate library names, most specific first: <c>EMBER_MPI_LIBRARY</c> when set, then Open MPI 3-5's soname,
    /// MPICH's, and the unversioned development links.
    /// </summary>
    public static string[] Candidates()
    {
        string? custom = Environment.GetEnvironmentVariable("EMBER_MPI_LIBRARY");
        string[] known = OperatingSystem.IsMacOS()
            ? ["libmpi.40.dylib", "libmpi.12.dylib", "libmpi.dylib"]
            : OperatingSystem.IsWindows()
                ? ["msmpi.dll", "impi.dll"]
                : ["libmpi.so.40", "libmpi.so.12", "libmpich.so.12", "libmpi.so", "libmpich.so"];
        return string.IsNullOrEmpty(custom) ? known : [custom, .. known];
    }

    /// <summary>Loads the first MPI library found, or throws naming what was tried.</summary>
    public static MpiLibrary Load()
    {
        var tried = new System.Text.StringBuilder();
        foreach (string name in Candidates())
        {
            if (!OpenGlobal(name, out nint lib)) { tried.Append(' ').Append(name); continue; }
            return new MpiLibrary(lib, name);
        }
        throw new DllNotFoundException(
            "ProcessGroup: no MPI library found (tried" + tried + "). Install Open MPI (Debian/Ubuntu: " +
            "apt-get install " +
            "openmpi-bin libopenmpi-dev) or MPICH, or set EMBER_MPI_LIBRARY to the library's path.");
    }

    // Open MPI loads its components (plugins) with dlopen and they resolve symbols of libmpi itself, so libmpi must be
    // opened RTLD_GLOBAL; NativeLibrary.Load opens libraries RTLD_LOCAL. On Linux the library is first opened through
    // libc's dlopen with RTLD_NOW | RTLD_GLOBAL; NativeLibrary then returns the same handle.
    private static bool OpenGlobal(string name, out nint lib)
    {
        if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out nint libc) &&
            NativeLibrary.TryGetExport(libc, "dlopen", out nint dlopen))
        {
            const int RtldNow = 2, RtldGlobal = 0x100;
            nint utf8 = Marshal.StringToCoTaskMemUTF8(name);
            try
            {
                nint handle = ((delegate* unmanaged<nint, int, nint>)dlopen)(utf8, RtldNow | RtldGlobal);
                if (handle == 0) { lib = 0; return false; }
            }
            finally
            {
                Marshal.FreeCoTaskMem(utf8);
            }
        }
        return NativeLibrary.TryLoad(name, out lib);
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out nint address) ? address
        : throw new EntryPointNotFoundException($"ProcessGroup: the MPI library has no symbol {name}.");

    public bool Initialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool Finalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary>MPI_Init_thread with no arguments; returns the thread level provided.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int CommRank()
    {
        int r;
        Check(_commRank(CommWorld, &r), "MPI_Comm_rank");
        return r;
    }

    public int CommSize()
    {
        int n;
        Check(_commSize(CommWorld, &n), "MPI_Comm_size");
        return n;
    }

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    /// <summary>In-place all-reduce (<c>MPI_IN_PLACE</c> as the send buffer).</summary>
    public void AllReduceInPlace(void* buffer, int count, nint type, nint op) =>
        Check(_allreduce((void*)InPlace, buffer, count, type, op, CommWorld), "MPI_Allreduce");

    public void Bcast(void* buffer, int count, nint type, int root) =>
        Check(_bcast(buffer, count, type, root, CommWorld), "MPI_Bcast");

    public void AllGather(void* send, int count, nint type, void* receive) =>
        Check(_allgather(send, count, type, receive, count, type, CommWorld), "MPI_Allgather");

    public void ReduceScatterBlock(void* send, void* receive, int count, nint type, nint op) =>
        Check(_reduceScatterBlock(send, receive, count, type, op, CommWorld), "MPI_Reduce_scatter_block");

    private void Check(int code, string call)
    {
        if (code == 0) return;
        // MPI's default error handler aborts the job before returning; this runs only under MPI_ERRORS_RETURN.
        byte* text = stackalloc byte[512];
        int len = 0;
        string message = _errorString(code, text, &len) == 0 ? Marshal.PtrToStringUTF8((nint)text, len) : "";
        throw new InvalidOperationException($"{call} failed with MPI error {code}: {message}");
    }
}
