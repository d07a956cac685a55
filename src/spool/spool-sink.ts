// The consumers' sink in spool mode: each flush goes to the spool table (the latest change per key, stamped with
// the phase's generation, spool-items.ts) instead of the destination, so the checkpoints move on during a copy of
// any length. From the switch on, a flush goes to the spool first and then to the destination, so that the second
// drain, which re-reads an item after writing it, always sees a change that may have overtaken it (spool-phases.ts);
// once the task is done, to the destination only. A generation is only used while the phase view that chose it is
// fresh: a request about to go out under a view that turned out stale restarts the flush in the new phase.
import { ReplicatorError } from '../errors/replicator-error.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { ChangeSink } from '../writer/change-sink.js';
import type { TableWriter, WriteOptions, WriteOutcome } from '../writer/table-writer.js';
import type { PhaseView } from './phase-view.js';
import { generationOf, spoolWrite } from './spool-items.js';

/** The phase moved on between choosing a flush's generation and sending one of its requests. */
class PhaseMovedError extends ReplicatorError {
  override readonly name = 'PhaseMovedError';
}

export interface SpoolSinkDeps {
  readonly spool: Pick<TableWriter, 'tableName' | 'writeRequests'>;
  readonly destination: Pick<TableWriter, 'write'>;
  readonly phase: Pick<PhaseView, 'current'>;
  /** Told the spool writes of each flush (for the metrics: spooled changes). */
  readonly onSpooled?: (count: number) => void;
  /** Closes the clients the writers use, when the worker stops. */
  readonly onClose?: () => void;
}

export class SpoolSink implements ChangeSink {
  readonly needsOldImages = false;
  readonly #deps: SpoolSinkDeps;

  constructor(deps: SpoolSinkDeps) {
    this.#deps = deps;
  }

  close(): void {
    this.#deps.onClose?.();
  }

  get tableName(): string {
    return this.#deps.spool.tableName;
  }

  async write(changes: readonly ChangeRecord[], options: WriteOptions): Promise<WriteOutcome> {
    const { spool, destination, phase } = this.#deps;
    let allSent = false;
    const onAllSent = (): void => {
      if (allSent) return;
      allSent = true;
      options.onAllSent?.();
    };
    for (;;) {
      const generation = generationOf(await phase.current());
      if (generation === undefined) return destination.write(changes, { ...options, onAllSent });
      let spooled: WriteOutcome;
      try {
        spooled = await spool.writeRequests(
          changes.map((change) => spoolWrite(change, generation)),
          {
            signal: options.signal,
            onAllSent,
            beforeSend: async () => {
              if (generationOf(await phase.current()) !== generation)
                throw new PhaseMovedError('phase moved');
              return options.beforeSend?.() ?? performance.now();
            },
          },
        );
      } catch (err) {
        if (err instanceof PhaseMovedError) continue;
        throw err;
      }
      this.#deps.onSpooled?.(changes.length);
      // Checked again once the spool has the flush: a switch meanwhile means the destination must have it too.
      const after = generation === 3 ? 3 : generationOf(await phase.current());
      if (after === 1 || after === 2) return spooled;
      const written = await destination.write(changes, {
        signal: options.signal,
        beforeSend: options.beforeSend,
      });
      return {
        puts: written.puts,
        deletes: written.deletes,
        requests: spooled.requests + written.requests,
        retries: spooled.retries + written.retries,
      };
    }
  }
}
