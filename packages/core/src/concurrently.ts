/**
 * Runs `task` over `items` with at most `limit` in flight, pulling items lazily from the iterable.
 * That is why this is not p-limit: p-limit queues a closure per item up front, and a plan of a
 * million recordings must not hold a million pending closures. On the first failure (or when
 * `signal` aborts) no new item is started; tasks in flight finish, then the first error is thrown
 * (an abort returns normally: the caller decides what an interruption means).
 */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !signal?.aborted) {
      const next = iterator.next();
      if (next.done) return;
      try {
        await task(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, worker));
  if (failure !== undefined) throw failure.error;
}
