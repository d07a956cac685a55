// Flushes for the unit tests of what writes them (flush-chain, fan-out): one MODIFY per key, squashed as the
// pipeline's buffer would, with sequence numbers that keep growing across the tests of a file.
import assert from 'node:assert/strict';
import { SquashBuffer, type Flush } from '../../src/buffer/squash-buffer.js';
import type { ChangeRecord } from '../../src/stream/change-record.js';

let sequence = 0;

export function flushOf(...keys: string[]): Flush {
  const buffer = new SquashBuffer(['pk']);
  for (const key of keys) {
    sequence += 1;
    const record: ChangeRecord = {
      sequenceNumber: String(sequence),
      eventName: 'MODIFY',
      keys: { pk: { S: key } },
      newImage: { pk: { S: key } },
      createdAtMs: undefined,
      sizeBytes: 10,
    };
    buffer.add(record);
  }
  const flush = buffer.drain();
  assert.ok(flush !== undefined);
  return flush;
}

/** Resolves once the callbacks already queued have run. */
export const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
