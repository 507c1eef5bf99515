namespace Ember.Kernels;

/// <summary>
/// A unit of data-parallel work for <see cref="WorkerPool.For{TTask}(int, ref TTask)"/>.
/// Implement it on a <c>struct</c> that carries the (read-only) inputs of the work: pointers, spans' base
/// addresses, sizes. <see cref="Execute(int)"/> is called exactly once per chunk, possibly concurrently
/// from several threads on the same struct instance, so it must not mutate the struct's fields.
/// </summary>
public interface IParallelTask
{
    /// <summary>Runs chunk <paramref name="chunk"/>, in <c>[0, chunkCount)</c>.</summary>
    void Execute(int chunk);
}
