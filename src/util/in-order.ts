// Runs `work` over a list with at most `limit` calls in flight, and hands each result to `use` in the list's own
// order, as soon as it and every earlier one are in. So a slow first item delays the use of the later ones (never
// by more than the window: at most `limit` items are ahead of the next use), and what `use` does, and logs, comes
// in the same order as a loop of one `await` after another would give. A failure ends it the way such a loop
// would: the items before it are used, those after it are not, nothing new starts, and once the calls in flight
// have settled (their results dropped) the first failure in list order is thrown. An aborted signal starts nothing
// new either: the results of the calls in flight are still used in order (the caller's `use` decides what an
// abort means; stopping its calls is its own business, through the signal it passes them), then it returns.

export async function inOrder<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  use: (result: R, item: T) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
  const settled: ({ ok: true; value: R } | { ok: false; err: unknown } | undefined)[] = [];
  const running = new Set<Promise<void>>();
  let next = 0;
  let used = 0;
  let progress: (() => void) | undefined;
  const launch = (index: number): void => {
    const item = items[index] as T;
    const call = (async (): Promise<void> => {
      try {
        settled[index] = { ok: true, value: await work(item) };
      } catch (err) {
        settled[index] = { ok: false, err };
      }
    })();
    const entry = call.then(() => {
      running.delete(entry);
      progress?.();
    });
    running.add(entry);
  };
  try {
    while (used < items.length) {
      // The window: the next item to use and at most limit - 1 after it are in flight or done.
      while (signal?.aborted !== true && next < items.length && next < used + limit) {
        launch(next);
        next += 1;
      }
      const head = settled[used];
      if (head === undefined) {
        if (running.size === 0) return; // stopped: nothing in flight will bring the next result
        await new Promise<void>((resolve) => {
          progress = resolve;
        });
        progress = undefined;
        continue;
      }
      if (!head.ok) throw head.err; // nothing more starts: the finally waits for the rest
      settled[used] = undefined;
      use(head.value, items[used] as T);
      used += 1;
    }
  } finally {
    // Nothing left running behind the caller's back.
    await Promise.all(running);
  }
}
