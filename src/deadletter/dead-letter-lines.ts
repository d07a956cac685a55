// Pure: how `dead-letters list` and `replay` show dead letters, one line each (key, sequence number, shard,
// age, error), or as JSON for scripts.
import type { DeadLetter } from './dead-letter-item.js';

export function ageText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function deadLetterLine(letter: DeadLetter, nowMs: number): string {
  const age = ageText(nowMs - Date.parse(letter.at));
  const change = letter.change;
  return `key ${JSON.stringify(change.keys)} seq ${change.sequenceNumber} ${change.eventName} shard ${letter.shardId} age ${age}: ${letter.error}`;
}

export function deadLetterJson(letter: DeadLetter, nowMs: number): Record<string, unknown> {
  const change = letter.change;
  return {
    task: letter.task,
    key: change.keys,
    sequenceNumber: change.sequenceNumber,
    eventName: change.eventName,
    shardId: letter.shardId,
    at: letter.at,
    ageMs: nowMs - Date.parse(letter.at),
    error: letter.error,
    ...(letter.trimmed === true ? { trimmed: true } : {}),
  };
}
