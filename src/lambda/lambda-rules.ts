// Rules in Lambda mode, with the CLI's code: the same DestinationRules (rules/destination-rules.ts) and the same
// planner between the squash buffer and the table writer (rules/destination-writes.ts). What the CLI learns from
// DescribeTable on the source, a handler reads off the batch: the key attributes from a record's Keys, the view
// type from its StreamViewType, the table from the stream's ARN; so the function needs no access to the source
// table. A transform that fails (TransformError) fails the batch at the first record it fails on: the records
// before it are planned (and then written) without it, Lambda retries from it, and per-key order holds.
import type { KeyAttribute } from '../app/startup-checks.js';
import { SquashBuffer, type Flush } from '../buffer/squash-buffer.js';
import { ConfigError } from '../errors/replicator-error.js';
import { destinationRules, expectedDestinationKey } from '../rules/destination-rules.js';
import {
  planDestinationWrites,
  planOwnedWrites,
  type DestinationRules,
  type PlannedWrites,
} from '../rules/destination-writes.js';
import type { RuleOptions } from '../rules/rule-options.js';
import { TransformError } from '../rules/transform-call.js';
import type { LoadedTransform } from '../rules/transform-module.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';

/** What a batch says of the stream it comes from. */
export interface BatchStream {
  readonly sourceTable: string;
  /** The record's StreamViewType; undefined when the event does not carry it. */
  readonly viewType: string | undefined;
  /** A record's Keys: the source key's attribute names and types. */
  readonly keys: Item;
}

/**
 * The source key as the records show it. Keys do not say which attribute is the hash key; the rules read only
 * names and types, so an attribute takes the role of the destination attribute it becomes (renamed), else the
 * order of Keys.
 */
export function sourceKeyOf(
  keys: Item,
  destinationKey: readonly KeyAttribute[],
  options: RuleOptions | undefined,
): KeyAttribute[] {
  return Object.entries(keys).map(([name, value], i) => {
    const renamed = options?.renameAttributes.get(name) ?? name;
    const role = destinationKey.find((part) => part.name === renamed)?.keyType;
    return {
      name,
      keyType: role ?? (i === 0 ? 'HASH' : 'RANGE'),
      type: Object.keys(value)[0] ?? '?',
    };
  });
}

function namesAndTypes(key: readonly KeyAttribute[]): string {
  return key
    .map((part) => `${part.name} ${part.type}`)
    .sort()
    .join(', ');
}

/**
 * The CLI's DestinationRules for the batch's stream, after the check the CLI makes at start: the destination has
 * the source's key, renamed by --rename-attributes (any key, for a transform that changes keys).
 */
export function batchRules(
  options: RuleOptions,
  loaded: LoadedTransform | undefined,
  stream: BatchStream,
  destination: { readonly tableName: string; readonly key: readonly KeyAttribute[] },
): DestinationRules {
  const sourceKey = sourceKeyOf(stream.keys, destination.key, options);
  const expected = expectedDestinationKey(sourceKey, options, loaded);
  if (expected !== undefined && namesAndTypes(expected) !== namesAndTypes(destination.key)) {
    const renamed =
      namesAndTypes(expected) === namesAndTypes(sourceKey)
        ? ''
        : ` (renamed by --rename-attributes: ${namesAndTypes(expected)})`;
    throw new ConfigError(
      `key schemas differ: the records of source table ${stream.sourceTable} have key (${namesAndTypes(sourceKey)})${renamed} but destination table ${destination.tableName} has (${namesAndTypes(destination.key)}); create the destination with the ${renamed === '' ? "source's" : 'renamed'} key schema`,
    );
  }
  return destinationRules(options, loaded, {
    sourceTable: stream.sourceTable,
    destinationTable: destination.tableName,
    viewType: stream.viewType ?? 'not given in the event',
    sourceKey,
    destinationKey: destination.key,
  });
}

export interface PlannedBatch {
  /** Records [0, end) are planned; end < the batch's length when a transform failed at record `end`. */
  readonly end: number;
  /** The squashed records [0, end); undefined when end is 0. */
  readonly flush: Flush | undefined;
  readonly planned: PlannedWrites | undefined;
  /** Why the batch stops at `end` (names the source key). */
  readonly refusal: TransformError | undefined;
}

function squash(changes: readonly ChangeRecord[], keyAttributes: readonly string[]): Flush | undefined {
  // Rules need the changes squashing replaced (every image the destination may hold: destination-writes.ts).
  const buffer = new SquashBuffer(keyAttributes, true);
  buffer.addAll(changes);
  return buffer.drain();
}

/**
 * The batch squashed and planned as the CLI plans a flush. A TransformError cuts the batch before the earliest
 * record that fails on its own (planOwnedWrites says which), and the records before it are planned again: their
 * keys' states there are earlier ones, which may fail too, so this repeats until a prefix plans whole (the empty
 * one at worst). A transform is therefore called more than once per image when one fails: it must be pure, as
 * a replay after a crash already asks of it in the CLI.
 */
export async function planBatch(
  changes: readonly ChangeRecord[],
  keyAttributes: readonly string[],
  rules: DestinationRules,
): Promise<PlannedBatch> {
  const position = new Map(changes.map((change, i) => [change.sequenceNumber, i]));
  let end = changes.length;
  let refusal: TransformError | undefined;
  for (;;) {
    const flush = squash(changes.slice(0, end), keyAttributes);
    if (flush === undefined) return { end, flush, planned: undefined, refusal };
    try {
      return { end, flush, planned: await planDestinationWrites(flush.changes, rules), refusal };
    } catch (err) {
      if (!(err instanceof TransformError)) throw err;
      let first: { at: number; error: TransformError } | undefined;
      for (const { change, error } of (await planOwnedWrites(flush.changes, rules)).refused) {
        const at = position.get(change.sequenceNumber);
        if (at !== undefined && (first === undefined || at < first.at)) first = { at, error };
      }
      // A transform that failed once and not again (not pure): the whole batch, never a guess.
      if (first === undefined) throw err;
      end = first.at;
      refusal = first.error;
    }
  }
}
