using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Ember.Data;

/// <summary>
/// Produces <c>source</c> on a background thread, at most <c>depth</c> items ahead of the consumer.
/// The producer never holds the consumer's enumerator: it waits for room in short slices and stops when the
/// enumerator was disposed or, if the caller abandoned it without disposing, once the GC has collected it, so an
/// abandoned enumerator cannot keep a thread blocked forever.
/// </summary>
internal sealed class Prefetcher<T>(IEnumerable<T> source, int depth) : IEnumerable<T>
{
    /// <summary>How long the producer waits for room before checking that its consumer still exists.</summary>
    private const int PollMilliseconds = 100;

    public IEnumerator<T> GetEnumerator() => new Enumerator(source, depth);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed class Enumerator : IEnumerator<T>
    {
        private readonly BlockingCollection<(T Item, ExceptionDispatchInfo? Error)> _queue;
        private readonly CancellationTokenSource _cancel = new();
        private readonly Thread _producer;
        private T _current = default!;
        private bool _finished, _disposed;

        public Enumerator(IEnumerable<T> source, int depth)
        {
            _queue = new(depth);
            _producer = Start(source, _queue, new WeakReference<Enumerator>(this), _cancel.Token);
        }

        // Static, so the thread's delegate captures the queue, the token and a weak reference, never `this`.
        private static Thread Start(IEnumerable<T> source, BlockingCollection<(T, ExceptionDispatchInfo?)> queue,
            WeakReference<Enumerator> owner, CancellationToken token)
        {
            var thread = new Thread(() => Produce(source, queue, owner, token))
            {
                IsBackground = true,
                Name = "Ember DataLoader prefetch",
            };
            thread.Start();
            return thread;
        }

        private static void Produce(IEnumerable<T> source, BlockingCollection<(T, ExceptionDispatchInfo?)> queue,
            WeakReference<Enumerator> owner, CancellationToken token)
        {
            try
            {
                foreach (T item in source)
                    if (!Offer(queue, (item, null), owner, token)) return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { }
            catch (Exception ex) // any failure of the data set or collate reaches the consumer, which rethrows it
            {
                try { Offer(queue, (default!, ExceptionDispatchInfo.Capture(ex)), owner, token); }
                catch (OperationCanceledException) { }
            }
            finally { queue.CompleteAdding(); }
        }

        /// <summary>Waits for room; false when the consumer is gone (collected without being disposed).</summary>
        private static bool Offer(BlockingCollection<(T, ExceptionDispatchInfo?)> queue,
            (T, ExceptionDispatchInfo?) entry, WeakReference<Enumerator> owner, CancellationToken token)
        {
            while (!queue.TryAdd(entry, PollMilliseconds, token))
                if (!owner.TryGetTarget(out _)) return false;
            return true;
        }

        public T Current => _current;

        object? IEnumerator.Current => _current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_finished) return false;
            if (!_queue.TryTake(out var entry, Timeout.Infinite))
            {
                _finished = true;
                return false;
            }
            if (entry.Error is not null)
            {
                _finished = true;
                entry.Error.Throw();
            }
            _current = entry.Item;
            return true;
        }

        public void Reset() => throw new NotSupportedException("A prefetching DataLoader enumerator cannot be reset.");

        /// <summary>Stops the producer (it finishes the batch in progress) and waits for it.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _cancel.Cancel();
            _producer.Join();
            _queue.Dispose();
            _cancel.Dispose();
        }
    }
}
