// Pure: the dead-letter table's item for one refused change, and back. One item per change: hash key `pk` the
// source key's canonical text (buffer/item-key.ts), range key `sk` the sequence number zero-padded to 48 digits,
// so that a Query of one key returns its changes in stream order (sequence numbers are decimal strings of up to
// about 40 digits; compared as text only when of equal length). The record keeps what rules need to plan it
// again: event, keys, images and the changes squashing replaced (ttl flag included).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeEvent, ChangeRecord, Item } from '../stream/change-record.js';

export const SORT_KEY_DIGITS = 48;
const DEAD_LETTER_SUFFIX = '-dead-letters';

/** Beside the lease table: `<lease table>-dead-letters` (a task name of 200 characters still fits in 255). */
export function deadLetterTableName(leaseTable: string): string {
  return leaseTable + DEAD_LETTER_SUFFIX;
}

export function sortKeyOf(sequenceNumber: string): string {
  if (!/^\d{1,48}$/.test(sequenceNumber)) {
    throw new RangeError(`sequence number ${JSON.stringify(sequenceNumber)} is not 1-48 decimal digits`);
  }
  return sequenceNumber.padStart(SORT_KEY_DIGITS, '0');
}

export interface DeadLetter {
  readonly task: string;
  readonly shardId: string;
  /** The source key's canonical text: the table's hash key. */
  readonly key: string;
  readonly change: ChangeRecord;
  /** One line: why the change was refused, or that an earlier change of its key was. */
  readonly error: string;
  readonly at: string;
  /** The record was too large to keep whole: its replaced changes and old image were left out. */
  readonly trimmed?: boolean;
}

export function deadLetterOf(
  change: ChangeRecord,
  where: { readonly task: string; readonly shardId: string; readonly keyAttributes: readonly string[] },
  error: string,
  at: Date,
): DeadLetter {
  return {
    task: where.task,
    shardId: where.shardId,
    key: itemKey(change.keys, where.keyAttributes),
    change,
    error: error.replace(/\s*\n\s*/g, ' '),
    at: at.toISOString(),
  };
}

/** The item as stored; `trim` leaves out the replaced changes and the old image (for a record near 400 KB). */
export function toDeadLetterItem(letter: DeadLetter, trim = false): Item {
  const change = letter.change;
  const item: Item = {
    pk: { S: letter.key },
    sk: { S: sortKeyOf(change.sequenceNumber) },
    task: { S: letter.task },
    shardId: { S: letter.shardId },
    sequenceNumber: { S: change.sequenceNumber },
    keys: { M: change.keys },
    record: { M: recordAttributes(change, !trim) },
    error: { S: letter.error },
    at: { S: letter.at },
  };
  if (trim) item.trimmed = { BOOL: true };
  return item;
}

function recordAttributes(change: ChangeRecord, whole: boolean): Item {
  const record: Item = { eventName: { S: change.eventName }, sequenceNumber: { S: change.sequenceNumber } };
  if (change.newImage !== undefined) record.newImage = { M: change.newImage };
  if (whole && change.oldImage !== undefined) record.oldImage = { M: change.oldImage };
  if (change.ttlDelete === true) record.ttlDelete = { BOOL: true };
  if (whole && change.earlier !== undefined && change.earlier.length > 0) {
    record.earlier = { L: change.earlier.map((e) => ({ M: recordAttributes(e, true) })) };
  }
  return record;
}

export class DeadLetterFormatError extends Error {
  override readonly name = 'DeadLetterFormatError';
}

export function fromDeadLetterItem(item: Item): DeadLetter {
  const text = (value: AttributeValue | undefined, name: string): string => {
    if (value?.S === undefined) throw new DeadLetterFormatError(`dead letter has no ${name} (S)`);
    return value.S;
  };
  const keys = item.keys?.M;
  const record = item.record?.M;
  if (keys === undefined || record === undefined) {
    throw new DeadLetterFormatError(`dead letter ${item.pk?.S ?? '?'} has no keys or record`);
  }
  return {
    task: text(item.task, 'task'),
    shardId: text(item.shardId, 'shardId'),
    key: text(item.pk, 'pk'),
    change: changeOf(record, keys),
    error: text(item.error, 'error'),
    at: text(item.at, 'at'),
    ...(item.trimmed?.BOOL === true ? { trimmed: true } : {}),
  };
}

const EVENTS: readonly ChangeEvent[] = ['INSERT', 'MODIFY', 'REMOVE'];

function changeOf(record: Item, keys: Item): ChangeRecord {
  const eventName = EVENTS.find((e) => e === record.eventName?.S);
  const sequenceNumber = record.sequenceNumber?.S;
  if (eventName === undefined || sequenceNumber === undefined) {
    throw new DeadLetterFormatError('dead letter record has no eventName or sequenceNumber');
  }
  const earlier = record.earlier?.L?.map((e) => {
    if (e.M === undefined)
      throw new DeadLetterFormatError('dead letter record has a malformed earlier change');
    return changeOf(e.M, keys);
  });
  return {
    sequenceNumber,
    eventName,
    keys,
    newImage: record.newImage?.M,
    ...(record.oldImage?.M === undefined ? {} : { oldImage: record.oldImage.M }),
    ...(record.ttlDelete?.BOOL === true ? { ttlDelete: true } : {}),
    ...(earlier === undefined ? {} : { earlier }),
    createdAtMs: undefined,
    sizeBytes: 0,
  };
}
