// What the tasks of one process share: the memory budget of the stream records read and not yet written, and the
// write slots. A single task gets its own from its config; a plan's tasks share one (each within a write limit of
// its own, see NestedSlots), so that the process keeps its --max-buffer-mb and --write-concurrency however many
// tables it replicates.
import { Semaphore, type Slots } from '../util/semaphore.js';

/** What the tasks of one process share: the memory budget of buffered records and the write slots. */
export interface ProcessResources {
  /** Bytes of stream records read and not yet written, over every shard of every task. */
  readonly memory: Semaphore;
  /** BatchWriteItem requests in flight (a task's own limit nested in the process's in a plan). */
  readonly writeSlots: Slots;
}

export function processResources(config: {
  readonly maxBufferBytes: number;
  readonly writeConcurrency: number;
}): ProcessResources {
  return {
    memory: new Semaphore(config.maxBufferBytes),
    writeSlots: new Semaphore(config.writeConcurrency),
  };
}
