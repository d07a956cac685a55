// One line of an export's data file as the change it makes to the table. A full export's line is
// {"Item": {...}}: a put. An incremental export's line is {"Keys", "NewImage"?, "OldImage"?, "Metadata":
// {"WriteTimestampMicros"}}: a put of NewImage, or, with Keys and no NewImage, a delete. The values go through
// attribute-json.ts (exact). Pure.
import { itemKey } from '../buffer/item-key.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';
import { AttributeJsonError, parseItem } from './attribute-json.js';
import type { ExportType } from './export-manifest.js';

export interface ExportChange {
  /** The item's key attributes (a full export's line: taken from the item by the table's key). */
  readonly keys: Item;
  /** The item after the change; undefined: deleted. */
  readonly newImage: Item | undefined;
  readonly oldImage: Item | undefined;
  /** Metadata.WriteTimestampMicros of an incremental line; undefined in a full export. */
  readonly writeMicros: bigint | undefined;
}

export class ExportLineError extends Error {
  override readonly name = 'ExportLineError';
}

export function parseExportLine(
  line: string,
  type: ExportType,
  keyAttributes: readonly string[],
): ExportChange {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new ExportLineError('is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ExportLineError('is not a JSON object');
  }
  const o = json as Record<string, unknown>;
  try {
    return type === 'FULL_EXPORT' ? fullLine(o, keyAttributes) : incrementalLine(o);
  } catch (err) {
    if (err instanceof AttributeJsonError) throw new ExportLineError(err.message);
    throw err;
  }
}

function fullLine(o: Record<string, unknown>, keyAttributes: readonly string[]): ExportChange {
  if (o.Item === undefined) throw new ExportLineError('has no Item (a full export line is {"Item": {...}})');
  const item = parseItem(o.Item, 'Item');
  const keys: Item = {};
  for (const name of keyAttributes) {
    const value = item[name];
    if (value === undefined) throw new ExportLineError(`Item has no key attribute ${name}`);
    keys[name] = value;
  }
  return { keys, newImage: item, oldImage: undefined, writeMicros: undefined };
}

function incrementalLine(o: Record<string, unknown>): ExportChange {
  if (o.Keys === undefined) throw new ExportLineError('has no Keys (an incremental export line)');
  const keys = parseItem(o.Keys, 'Keys');
  const newImage = o.NewImage === undefined ? undefined : parseItem(o.NewImage, 'NewImage');
  const oldImage = o.OldImage === undefined ? undefined : parseItem(o.OldImage, 'OldImage');
  return { keys, newImage, oldImage, writeMicros: writeMicros(o.Metadata) };
}

function writeMicros(metadata: unknown): bigint | undefined {
  if (metadata === undefined) return undefined;
  const field =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as Record<string, unknown>).WriteTimestampMicros
      : undefined;
  // Written as DynamoDB JSON ({"N": "..."}); a bare number or string is read too.
  const raw =
    typeof field === 'object' && field !== null ? (field as Record<string, unknown>).N : (field ?? undefined);
  if (raw === undefined) return undefined;
  if ((typeof raw !== 'string' && typeof raw !== 'number') || !/^\d+$/.test(String(raw))) {
    throw new ExportLineError('Metadata.WriteTimestampMicros is not a whole number');
  }
  return BigInt(raw);
}

/**
 * The changes of a run of lines, one per key: the latest write wins (a higher WriteTimestampMicros, else the later
 * line), since one BatchWriteItem may not name a key twice and an older image must never be written last.
 */
export function latestPerKey(
  changes: readonly ExportChange[],
  keyAttributes: readonly string[],
): ExportChange[] {
  const latest = new Map<string, ExportChange>();
  for (const change of changes) {
    const key = itemKey(change.keys, keyAttributes);
    const seen = latest.get(key);
    if (seen !== undefined && isOlder(change, seen)) continue;
    // Deleted first so that insertion order follows the latest line (the order the writes keep).
    latest.delete(key);
    latest.set(key, change);
  }
  return [...latest.values()];
}

function isOlder(change: ExportChange, than: ExportChange): boolean {
  return (
    change.writeMicros !== undefined &&
    than.writeMicros !== undefined &&
    change.writeMicros < than.writeMicros
  );
}

/** The change as the writer and the rules take it: a put (INSERT/MODIFY) or a REMOVE of its keys. */
export function toChange(change: ExportChange): ChangeRecord {
  const base = { sequenceNumber: '', keys: change.keys, createdAtMs: undefined, sizeBytes: 0 };
  if (change.newImage === undefined) {
    return { ...base, eventName: 'REMOVE', newImage: undefined, oldImage: change.oldImage };
  }
  return {
    ...base,
    eventName: change.oldImage === undefined ? 'INSERT' : 'MODIFY',
    newImage: change.newImage,
    oldImage: change.oldImage,
  };
}
