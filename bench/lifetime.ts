// Everything the benchmark starts (DynamoDB Local instances, their tmpfs directories, replicator processes) is
// registered here, so it is stopped on success, on an error, on Ctrl-C, and killed on a second Ctrl-C.
// `signal` aborts on the first interrupt; every wait of the benchmark listens to it.
type Cleanup = { readonly name: string; readonly async: () => Promise<void>; readonly sync: () => void };

export class Lifetime {
  readonly #abort = new AbortController();
  readonly #cleanups = new Set<Cleanup>();
  #interrupts = 0;

  constructor() {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.#interrupts += 1;
      if (this.#interrupts > 1) {
        process.stderr.write(`bench: second ${signal}: killing everything now\n`);
        process.exit(130);
      }
      process.stderr.write(`bench: ${signal}: stopping (Ctrl-C again to kill)\n`);
      this.#abort.abort(new Error(`interrupted by ${signal}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Last resort on process.exit: synchronous kills only.
    process.once('exit', () => {
      for (const cleanup of this.#cleanups) cleanup.sync();
    });
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Throws when the benchmark was interrupted. */
  check(): void {
    if (this.#abort.signal.aborted) throw new Error('interrupted');
  }

  /** Registers a resource; the returned function releases it (once) and unregisters it. */
  own(name: string, release: () => Promise<void>, kill: () => void): () => Promise<void> {
    const cleanup: Cleanup = { name, async: release, sync: kill };
    this.#cleanups.add(cleanup);
    let done: Promise<void> | undefined;
    return () => {
      done ??= (async () => {
        try {
          await release();
        } finally {
          this.#cleanups.delete(cleanup);
        }
      })();
      return done;
    };
  }

  /** Releases whatever is still registered, newest first; errors are reported, not thrown. */
  async closeAll(): Promise<void> {
    for (const cleanup of [...this.#cleanups].reverse()) {
      try {
        await cleanup.async();
      } catch (err) {
        process.stderr.write(`bench: cleanup of ${cleanup.name} failed: ${String(err)}\n`);
      }
      this.#cleanups.delete(cleanup);
    }
  }
}
