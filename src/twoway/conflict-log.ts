// The conflict log of two-way replication: one item per write that lost its condition (a put below what the
// other table held, an app write overwritten by a newer version before it could be stamped, a delete below the
// item), in a table of ours beside the direction's lease table. Recording is idempotent: a replay of the same
// refusal writes the same item (key: the item's key, then loser and winner), so the log counts each conflict once.
// Items expire (DynamoDB TTL on `exp`) after 30 days.
import {
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { Item } from '../stream/change-record.js';
import { twoWayTableNames } from './two-way-tables.js';
import { parseStamp, type Side } from './version-stamp.js';

export const CONFLICT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export type WriteKind = 'put' | 'delete';

export interface Conflict {
  /** The table where the loser was refused (or overwritten). */
  readonly table: string;
  /** That table's side of the pair (undefined in items recorded before it was kept): two tables may share a name. */
  readonly tableSide?: Side | undefined;
  readonly keys: Item;
  readonly loser: {
    readonly kind: WriteKind;
    /** The side that wrote it. */
    readonly side: Side;
    /** Undefined for an app write overwritten before it was stamped. */
    readonly stamp: string | undefined;
    /** For a put: the digest of its content (content-digest.ts), which tells which app write it was. */
    readonly digest: string | undefined;
  };
  readonly winner: {
    readonly kind: WriteKind;
    /** Undefined when the winner could not be read (gone or unstamped by then). */
    readonly stamp: string | undefined;
  };
  /** When it was recorded (ms since the epoch). */
  readonly at: number;
}

/** The conflict table (on-demand; TTL on `exp` set separately). */
export function conflictTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'k', AttributeType: 'S' },
      { AttributeName: 'c', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'k', KeyType: 'HASH' },
      { AttributeName: 'c', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

function text(value: string | undefined): { S: string } | { NULL: true } {
  return value === undefined ? { NULL: true } : { S: value };
}

/** The PutItem that records a conflict (unconditional: the same conflict recorded twice is one item). */
export function conflictPut(
  tableName: string,
  conflict: Conflict,
  keyAttributes: readonly string[],
): PutItemCommandInput {
  const { loser, winner } = conflict;
  const loserId = loser.stamp ?? `unstamped:${loser.side}:${loser.digest ?? '-'}`;
  return {
    TableName: tableName,
    Item: {
      k: { S: itemKey(conflict.keys, keyAttributes) },
      c: { S: `${loserId}>${winner.stamp ?? '-'}` },
      table: { S: conflict.table },
      ...(conflict.tableSide === undefined ? {} : { tableSide: { S: conflict.tableSide } }),
      keys: { M: conflict.keys },
      loserKind: { S: loser.kind },
      loserSide: { S: loser.side },
      loserStamp: text(loser.stamp),
      loserDigest: text(loser.digest),
      winnerKind: { S: winner.kind },
      winnerStamp: text(winner.stamp),
      at: { S: new Date(conflict.at).toISOString() },
      exp: { N: String(Math.ceil((conflict.at + CONFLICT_RETENTION_MS) / 1000)) },
    },
  };
}

function read(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

/** A stored conflict back from its item. */
export function conflictOf(item: Item): Conflict {
  const side = (value: string | undefined): Side => (value === 'b' ? 'b' : 'a');
  const kind = (value: string | undefined): WriteKind => (value === 'delete' ? 'delete' : 'put');
  const tableSide = read(item, 'tableSide');
  return {
    table: read(item, 'table') ?? '?',
    ...(tableSide === 'a' || tableSide === 'b' ? { tableSide } : {}),
    keys: item.keys?.M ?? {},
    loser: {
      kind: kind(read(item, 'loserKind')),
      side: side(read(item, 'loserSide')),
      stamp: read(item, 'loserStamp'),
      digest: read(item, 'loserDigest'),
    },
    winner: { kind: kind(read(item, 'winnerKind')), stamp: read(item, 'winnerStamp') },
    at: Date.parse(read(item, 'at') ?? '') || 0,
  };
}

/** Every conflict in a conflict table, oldest first. */
export async function readConflicts(
  client: DynamoDBClient,
  tableName: string,
  signal?: AbortSignal,
): Promise<Conflict[]> {
  const conflicts: Conflict[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      { abortSignal: signal },
    );
    for (const item of page.Items ?? []) conflicts.push(conflictOf(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return conflicts.sort((x, y) => x.at - y.at);
}

/** The conflicts of the direction whose lease table this is; undefined when it has no log (it never ran). */
export async function readConflictLog(
  client: DynamoDBClient,
  leaseTableName: string,
  signal?: AbortSignal,
): Promise<Conflict[] | undefined> {
  try {
    return await readConflicts(client, twoWayTableNames(leaseTableName).conflicts, signal);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/** A conflict's key as people read it: `pk="k1",sk=3`. */
export function conflictKeyText(conflict: Pick<Conflict, 'keys'>): string {
  return Object.entries(conflict.keys)
    .map(([name, value]) => `${name}=${JSON.stringify(Object.values(value)[0])}`)
    .join(',');
}

function stampText(stamp: string | undefined): string {
  const side = stamp === undefined ? undefined : parseStamp(stamp)?.side;
  return stamp === undefined ? 'unstamped' : `${stamp}${side === undefined ? '' : ` (side ${side})`}`;
}

/** The write that lost: `put 1764720000000.0003#a (side a)`, or `put an unstamped write of side b`. */
export function loserText(conflict: Pick<Conflict, 'loser'>): string {
  const { loser } = conflict;
  return `${loser.kind} ${loser.stamp === undefined ? `an unstamped write of side ${loser.side}` : stampText(loser.stamp)}`;
}

/** The write that won: `delete 1764720000001.0000#b (side b)`, or `put unstamped` when it could not be read. */
export function winnerText(conflict: Pick<Conflict, 'winner'>): string {
  return `${conflict.winner.kind} ${stampText(conflict.winner.stamp)}`;
}

/** Where it lost: `orders (side b)`; the side tells the tables apart when both sides' have the same name. */
export function conflictTableText(conflict: Pick<Conflict, 'table' | 'tableSide'>): string {
  return conflict.tableSide === undefined ? conflict.table : `${conflict.table} (side ${conflict.tableSide})`;
}

/** One line for people: when, where, which key, who lost to whom. */
export function conflictLine(conflict: Conflict): string {
  return `${new Date(conflict.at).toISOString()} ${conflictTableText(conflict)} ${conflictKeyText(conflict)}: ${loserText(conflict)} lost to ${winnerText(conflict)}`;
}

/** Sends conflictPut. */
export async function recordConflict(
  client: DynamoDBClient,
  tableName: string,
  conflict: Conflict,
  keyAttributes: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await client.send(new PutItemCommand(conflictPut(tableName, conflict, keyAttributes)), {
    abortSignal: signal,
  });
}
