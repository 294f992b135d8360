/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Every item is tried even
 * when one fails, and the first failure is thrown once all have settled: a caller that
 * writes a batch (the store applying a plan) or acts on a node (the agent's phases)
 * must not leave calls running behind a rejection it already returned.
 */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
}
