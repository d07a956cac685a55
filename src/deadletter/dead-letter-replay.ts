// `dead-letters replay`: each key's dead letters, oldest change first, written to the destination through the
// same rules as the worker's, each deleted only once its write succeeded (a crash replays it again: harmless,
// the writes are idempotent). A key whose letter is refused again keeps that letter and every later one, so
// its order holds. A key is read again after its last letter, for letters a running worker added meanwhile
// (it routes a key's changes here for as long as the key has any).
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { planOwnedWrites, type DestinationRules } from '../rules/destination-writes.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { RefusedWrite, TableWriter } from '../writer/table-writer.js';
import { toWriteRequest } from '../writer/write-plan.js';
import type { DeadLetter } from './dead-letter-item.js';
import type { DeadLetterStore } from './dead-letter-store.js';

export interface ReplayDeps {
  readonly store: DeadLetterStore;
  readonly writer: TableWriter;
  readonly rules: DestinationRules | undefined;
  /** Called after each letter written and removed. */
  readonly onReplayed?: (letter: DeadLetter) => void;
}

export interface ReplayOutcome {
  readonly replayed: number;
  /** Per key still refused: its first letter and why; the key's later letters wait behind it. */
  readonly refused: { readonly letter: DeadLetter; readonly error: string; readonly waiting: number }[];
}

export async function replayDeadLetters(deps: ReplayDeps, signal: AbortSignal): Promise<ReplayOutcome> {
  const { store } = deps;
  let replayed = 0;
  const refused: ReplayOutcome['refused'][number][] = [];
  const keys = [...(await store.keys(signal))].sort();
  for (const key of keys) {
    for (;;) {
      const letters = await store.ofKey(key, signal);
      if (letters.length === 0) break;
      let stopped = false;
      for (const [index, letter] of letters.entries()) {
        const error = await writeChange(deps, letter.change, signal);
        if (error !== undefined) {
          refused.push({ letter, error, waiting: letters.length - index - 1 });
          stopped = true;
          break;
        }
        await store.delete(letter, signal);
        replayed += 1;
        deps.onReplayed?.(letter);
      }
      if (stopped) break;
    }
  }
  return { replayed, refused };
}

/** Writes one change as the worker would; the refusal's one line, or undefined once written. */
async function writeChange(
  deps: ReplayDeps,
  change: ChangeRecord,
  signal: AbortSignal,
): Promise<string | undefined> {
  let requests: WriteRequest[];
  if (deps.rules === undefined) {
    requests = [toWriteRequest(change)];
  } else {
    const planned = await planOwnedWrites([change], deps.rules);
    const transformError = planned.refused[0]?.error;
    if (transformError !== undefined) return transformError.message;
    requests = planned.requests;
  }
  const refused: RefusedWrite[] = [];
  await deps.writer.writeRequests(requests, { signal, refused });
  return refused[0]?.error.message;
}
