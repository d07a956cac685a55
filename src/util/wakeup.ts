// A level-triggered wake-up between two loops (reader -> flusher, flusher -> reader): `notify()` before
// `wait()` is not lost, and `wait()` also ends when the signal aborts, so no loop can hang on it.

export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }

  async wait(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.#pending || signal?.aborted === true) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.#resolve === done) this.#resolve = undefined;
        resolve();
      };
      this.#resolve = done;
      signal?.addEventListener('abort', done, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
    this.#pending = false;
  }
}
