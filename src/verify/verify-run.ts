// One verify run, item by item, in two loops at once:
//  - the scans: segment i of the source and segment i of the destination are read together (one segment count
//    for both tables) and paired item by item (segment-pairer.ts): a key lands in the same segment of both
//    tables and comes in the same order, so most items are compared without any lookup. An item that finds no
//    partner is looked up on the other side (BatchGetItem): a source item in the destination (missing,
//    different), a destination key in the source (extra). The lookups alone would read every item twice more,
//    which made verify several times slower than scanning both tables (bench stage `verify`);
//  - the rechecker: each key that differed is read again on both sides with consistent reads, and counts only
//    if it still differs (changes in flight are settled); with --repair, confirmed drift is written.
// Reads on both sides share one --max-read-rate limiter. The first failure stops the other loops.
// With rules (--filter, --transform, attribute rules), each page of source items is first made into what the
// destination should hold (rules/scanned-items.ts): the items the rules keep, shaped and keyed by their destination
// key, are paired as above; the keys of those left out are looked up in the destination, where an item is extra.
// The re-check and --repair see the source the same way. Without rules, none of this is on the path.
import { setMaxListeners } from 'node:events';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeFailure, type Side } from '../app/startup-checks.js';
import { itemKey } from '../buffer/item-key.js';
import { classifyError } from '../errors/classify-error.js';
import { ReplicatorError, StoppedError } from '../errors/replicator-error.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import { expectedItems, sourceKeyOf } from '../rules/scanned-items.js';
import { TransformError } from '../rules/transform-call.js';
import { EventBus } from '../observability/events.js';
import { scanSegment } from '../scan/scan-segment.js';
import { Semaphore } from '../util/semaphore.js';
import { Wakeup } from '../util/wakeup.js';
import { TableWriter } from '../writer/table-writer.js';
import { batchGet } from './batch-get.js';
import {
  canonicalImage,
  differingAttributes,
  identicalAsRead,
  keyOfItem,
  type DiffKind,
  type Item,
} from './item-compare.js';
import { MeteredRateLimiter } from './metered-rate-limiter.js';
import { Rechecker, type Drift } from './rechecker.js';
import { Repairer } from './repairer.js';
import { SegmentPairer, type PairSide, type Paired } from './segment-pairer.js';
import type { VerifyConfig } from './verify-config.js';
import { keyToJson, type KeyExample, type VerifySummary } from './verify-summary.js';

/** Segments of one table scanned at the same time; the others wait their turn. */
export const MAX_PARALLEL_SEGMENTS = 32;
const REPAIR_CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 30_000;
/** Estimated bytes one side of a segment may hold waiting for its partners: about a page (pages end at 1 MB). */
const PAIR_LIMIT_BYTES = 1024 * 1024;

export interface VerifyRunDeps {
  readonly config: VerifyConfig;
  readonly sourceClient: DynamoDBClient;
  readonly destinationClient: DynamoDBClient;
  /** The source's key attributes, hash key first. */
  readonly keyAttributes: readonly string[];
  /**
   * The replication's rules (for a transform that keeps keys): the destination is compared with the source as
   * they make it. Undefined: with the source as it is.
   */
  readonly rules?: DestinationRules | undefined;
  /** Segments per table; the larger is used for both, so that segment i of each holds the same keys. */
  readonly segments: { readonly source: number; readonly destination: number };
  readonly estimatedItems: number | undefined;
  /** Told about each page of source items compared. */
  readonly onCompared?: (items: number) => void;
  readonly now?: () => number;
  /**
   * What happens to each key found drifted, instead of the one-way Repairer (verify --two-way): built with the
   * run's write limiter, so that --max-write-rate holds for its writes.
   */
  readonly driftSink?: (writeLimiter: MeteredRateLimiter) => DriftSink;
}

/** Takes the drifted keys; flush() once the scans and the re-check are done. */
export interface DriftSink {
  add(drift: Drift, signal: AbortSignal): Promise<void>;
  flush(signal: AbortSignal): Promise<void>;
}

/** Figures while the run goes on, for the progress bar. */
export interface VerifyLive {
  readonly destination: number;
  readonly rechecking: number;
  readonly differ: number;
}

export class VerifyRun {
  readonly #deps: VerifyRunDeps;
  readonly #now: () => number;
  readonly #readLimiter: MeteredRateLimiter;
  readonly #writeLimiter: MeteredRateLimiter;
  readonly #rechecker: Rechecker;
  readonly #repairer: DriftSink | undefined;
  /** The one-way Repairer's figures (undefined with a drift sink of the caller's). */
  readonly #oneWayRepair: Repairer | undefined;
  readonly #rules: DestinationRules | undefined;
  /** Key attributes of each table (the destination's renamed by rules). */
  readonly #keys: Record<PairSide, readonly string[]>;
  #sourceItems = 0;
  #destinationItems = 0;
  #retries = 0;
  readonly #counts: Record<DiffKind, number> = { missing: 0, extra: 0, different: 0 };
  /** Source items the rules left out (with rules only). */
  #leftOut = 0;
  readonly #examples: Record<DiffKind, KeyExample[]> = { missing: [], extra: [], different: [] };

  constructor(deps: VerifyRunDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => performance.now());
    const { config } = deps;
    const rules = deps.rules;
    if (rules?.changesKey === true)
      throw new RangeError('VerifyRun: rules that change keys cannot be verified');
    this.#rules = rules;
    this.#keys = {
      source: deps.keyAttributes,
      destination: rules?.destinationKeyAttributes ?? deps.keyAttributes,
    };
    this.#readLimiter = new MeteredRateLimiter(config.maxReadRate);
    this.#writeLimiter = new MeteredRateLimiter(config.maxWriteRate);
    this.#rechecker = new Rechecker({
      reads: {
        // Keys are the destination's; with rules, the source's item is read by its own key and compared as the
        // rules make it.
        read: async (keys, signal) => {
          const sourceKeys = rules === undefined ? keys : keys.map((key) => sourceKeyOf(key, rules));
          const read = await this.#get('source', sourceKeys, { consistent: true, keysOnly: false }, signal);
          const source = rules === undefined ? read : await this.#expectedByKey(read, rules);
          const destination = await this.#get(
            'destination',
            keys,
            { consistent: true, keysOnly: false },
            signal,
          );
          return { source, destination };
        },
      },
      delayMs: config.recheckDelayMs,
      rounds: config.recheckRounds,
      onDrift: (drift, signal) => this.#onDrift(drift, signal),
    });
    if (deps.driftSink !== undefined) {
      this.#repairer = deps.driftSink(this.#writeLimiter);
    } else if (config.repair) {
      const events = new EventBus();
      events.on('write.retried', () => (this.#retries += 1));
      const writer = new TableWriter({
        client: deps.destinationClient,
        tableName: config.destination.tableName,
        keyAttributes: this.#keys.destination,
        requestSlots: new Semaphore(REPAIR_CONCURRENCY),
        events,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      });
      this.#oneWayRepair = new Repairer(writer, this.#writeLimiter);
      this.#repairer = this.#oneWayRepair;
    }
  }

  live(): VerifyLive {
    const { missing, extra, different } = this.#counts;
    return {
      destination: this.#destinationItems,
      rechecking: this.#rechecker.pending,
      differ: missing + extra + different,
    };
  }

  async run(signal: AbortSignal): Promise<VerifySummary> {
    const started = this.#now();
    const inner = new AbortController();
    const linked = AbortSignal.any([signal, inner.signal]);
    // Every segment, request and backoff listens to this one signal.
    setMaxListeners(0, linked);
    const stopOthers = (err: unknown): never => {
      inner.abort();
      throw err;
    };
    const passes = this.#scanPass(linked).then(() => this.#rechecker.close());
    const results = await Promise.allSettled([
      passes.catch(stopOthers),
      this.#rechecker.run(linked).catch(stopOthers),
    ]);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const failure = errors.find((err) => !(err instanceof StoppedError)) ?? errors[0];
    if (failure !== undefined) throw failure;
    await this.#repairer?.flush(linked);
    return this.#summary(this.#now() - started);
  }

  get #totalSegments(): number {
    return Math.max(this.#deps.segments.source, this.#deps.segments.destination);
  }

  async #scanPass(signal: AbortSignal): Promise<void> {
    await forEachSegment(this.#totalSegments, signal, (segment, total) =>
      this.#scanSegmentPair(segment, total, signal),
    );
  }

  /** Segment `segment` of both tables, read together and paired; what finds no partner is looked up. */
  async #scanSegmentPair(segment: number, total: number, signal: AbortSignal): Promise<void> {
    const { config } = this.#deps;
    const rules = this.#rules;
    const pairer = new SegmentPairer(this.#keys.destination, {
      items: config.pageSize,
      bytes: PAIR_LIMIT_BYTES,
    });
    const wakeups: Record<PairSide, Wakeup> = { source: new Wakeup(), destination: new Wakeup() };
    const readSide = async (side: PairSide): Promise<void> => {
      const other: PairSide = side === 'source' ? 'destination' : 'source';
      const pages = scanSegment({
        client: side === 'source' ? this.#deps.sourceClient : this.#deps.destinationClient,
        tableName: side === 'source' ? config.source.tableName : config.destination.tableName,
        segment,
        totalSegments: total,
        pageSize: config.pageSize,
        readLimiter: this.#readLimiter,
        signal,
      });
      await this.#eachPage(side, pages, async (read) => {
        // With rules, the source's page as the destination should hold it; those left out are checked at once.
        const items =
          side === 'source' && rules !== undefined ? await this.#expectedPage(read, rules, signal) : read;
        const paired = pairer.add(side, items);
        wakeups[other].notify();
        await this.#settle(paired, signal);
        if (side === 'source') {
          this.#sourceItems += read.length;
          this.#deps.onCompared?.(read.length);
        } else {
          this.#destinationItems += read.length;
        }
        // A side that ran a page ahead waits for the other to catch up, so that few items wait for partners.
        while (pairer.ahead(side)) {
          if (signal.aborted) throw new StoppedError();
          await wakeups[side].wait(signal);
        }
      });
      const orphans = pairer.finish(side);
      wakeups[other].notify();
      await this.#settle(orphans, signal);
    };
    await Promise.all([readSide('source'), readSide('destination')]);
  }

  /** Compares the pairs; looks up the items without a partner on the other side. */
  async #settle(paired: Paired, signal: AbortSignal): Promise<void> {
    const keyAttributes = this.#keys.destination;
    for (const [source, destination] of paired.pairs) {
      if (identicalAsRead(source, destination)) continue;
      const sourceImage = canonicalImage(source);
      const destinationImage = canonicalImage(destination);
      if (sourceImage === destinationImage) continue;
      await this.#rechecker.add(
        {
          id: itemKey(source, keyAttributes),
          key: keyOfItem(source, keyAttributes),
          sourceImage,
          destinationImage,
        },
        signal,
      );
    }
    await Promise.all([
      paired.sourceLookups.length === 0 ? undefined : this.#lookUpSourceItems(paired.sourceLookups, signal),
      paired.destinationLookups.length === 0
        ? undefined
        : this.#lookUpDestinationItems(paired.destinationLookups, signal),
    ]);
  }

  /** Source items read from the destination and compared (missing, different). */
  async #lookUpSourceItems(items: readonly Item[], signal: AbortSignal): Promise<void> {
    const keyAttributes = this.#keys.destination;
    const keys = items.map((item) => keyOfItem(item, keyAttributes));
    const found = await this.#get('destination', keys, { consistent: false, keysOnly: false }, signal);
    for (const item of items) {
      const id = itemKey(item, keyAttributes);
      const sourceImage = canonicalImage(item);
      const destinationImage = canonicalImage(found.get(id));
      if (sourceImage === destinationImage) continue;
      await this.#rechecker.add(
        { id, key: keyOfItem(item, keyAttributes), sourceImage, destinationImage },
        signal,
      );
    }
  }

  /** Destination keys looked up in the source (keys only): those not there are extra. */
  async #lookUpDestinationItems(items: readonly Item[], signal: AbortSignal): Promise<void> {
    const keyAttributes = this.#keys.destination;
    const rules = this.#rules;
    // --ttl-deletes skip: the destination keeps items the source's TTL deleted, which verify cannot tell apart.
    if (rules?.ttlDeletes === 'skip') return;
    const keys = items.map((item) => keyOfItem(item, keyAttributes));
    // A source key and its renamed destination key have the same itemKey (values only, in key order).
    const sourceKeys = rules === undefined ? keys : keys.map((key) => sourceKeyOf(key, rules));
    const found = await this.#get('source', sourceKeys, { consistent: false, keysOnly: true }, signal);
    for (const item of items) {
      const id = itemKey(item, keyAttributes);
      if (found.has(id)) continue;
      await this.#rechecker.add(
        {
          id,
          key: keyOfItem(item, keyAttributes),
          sourceImage: canonicalImage(undefined),
          destinationImage: canonicalImage(item),
        },
        signal,
      );
    }
  }

  /**
   * A page of source items as the destination should hold them. The keys of the items the rules leave out are
   * looked up in the destination here: any item found there is extra (a source item the rules keep is looked up
   * by the pairing, as without rules).
   */
  async #expectedPage(items: readonly Item[], rules: DestinationRules, signal: AbortSignal): Promise<Item[]> {
    const expected = await this.#throughRules(items, rules);
    this.#leftOut += expected.absent.length;
    if (expected.absent.length > 0) await this.#lookUpLeftOut(expected.absent, signal);
    return expected.present;
  }

  /** Destination keys that should hold no item, read there: those found are extra. */
  async #lookUpLeftOut(keys: readonly Item[], signal: AbortSignal): Promise<void> {
    const keyAttributes = this.#keys.destination;
    const found = await this.#get('destination', keys, { consistent: false, keysOnly: false }, signal);
    if (found.size === 0) return;
    for (const key of keys) {
      const id = itemKey(key, keyAttributes);
      const item = found.get(id);
      if (item === undefined) continue;
      await this.#rechecker.add(
        { id, key, sourceImage: canonicalImage(undefined), destinationImage: canonicalImage(item) },
        signal,
      );
    }
  }

  /** Source items read by key, as the destination should hold them, by itemKey (the same for both keys). */
  async #expectedByKey(read: Map<string, Item>, rules: DestinationRules): Promise<Map<string, Item>> {
    const { present } = await this.#throughRules([...read.values()], rules);
    return new Map(present.map((item) => [itemKey(item, this.#keys.destination), item]));
  }

  /** The rules applied; a transform's failure ends the run with its one line (exit 1). */
  async #throughRules(items: readonly Item[], rules: DestinationRules) {
    try {
      return await expectedItems(items, rules);
    } catch (err) {
      if (!(err instanceof TransformError)) throw err;
      throw new ReplicatorError(`verify stopped: ${err.message}`, { cause: err });
    }
  }

  /** Runs `onPage` for each page; a scan failure becomes the one line naming the table. */
  async #eachPage(
    side: Side,
    pages: AsyncGenerator<{ items: readonly Item[]; retries: number }>,
    onPage: (items: readonly Item[]) => Promise<void>,
  ): Promise<void> {
    for (;;) {
      let next;
      try {
        next = await pages.next();
      } catch (err) {
        throw this.#describe(err, side, 'dynamodb:Scan');
      }
      if (next.done === true) return;
      this.#retries += next.value.retries;
      if (next.value.items.length > 0) await onPage(next.value.items);
    }
  }

  async #get(
    side: Side,
    keys: readonly Item[],
    mode: { consistent: boolean; keysOnly: boolean },
    signal: AbortSignal,
  ): Promise<Map<string, Item>> {
    const location = side === 'source' ? this.#deps.config.source : this.#deps.config.destination;
    try {
      return await batchGet(keys, {
        client: side === 'source' ? this.#deps.sourceClient : this.#deps.destinationClient,
        tableName: location.tableName,
        keyAttributes: side === 'source' ? this.#keys.source : this.#keys.destination,
        consistentRead: mode.consistent,
        keysOnly: mode.keysOnly,
        readLimiter: this.#readLimiter,
        maxKeysPerRequest: this.#readLimiter.maxRequest,
        signal,
        onRetry: () => (this.#retries += 1),
      });
    } catch (err) {
      throw this.#describe(err, side, 'dynamodb:BatchGetItem');
    }
  }

  #describe(err: unknown, side: Side, action: string): Error {
    if (err instanceof ReplicatorError) return err;
    if (err instanceof Error && classifyError(err).kind === 'programmer') return err;
    const location = side === 'source' ? this.#deps.config.source : this.#deps.config.destination;
    return describeFailure(err, side, location, action);
  }

  async #onDrift(drift: Drift, signal: AbortSignal): Promise<void> {
    this.#counts[drift.kind] += 1;
    const examples = this.#examples[drift.kind];
    if (examples.length < this.#deps.config.show) {
      const attributes =
        drift.source !== undefined && drift.destination !== undefined
          ? differingAttributes(drift.source, drift.destination)
          : undefined;
      examples.push({ key: keyToJson(drift.key), ...(attributes === undefined ? {} : { attributes }) });
    }
    await this.#repairer?.add(drift, signal);
  }

  #summary(durationMs: number): VerifySummary {
    const { config } = this.#deps;
    const repair = this.#oneWayRepair?.stats();
    return {
      source: {
        table: config.source.tableName,
        region: config.source.region,
        endpoint: config.source.endpoint,
        items: this.#sourceItems,
        segments: this.#totalSegments,
        estimatedItems: this.#deps.estimatedItems,
      },
      destination: {
        table: config.destination.tableName,
        region: config.destination.region,
        endpoint: config.destination.endpoint,
        items: this.#destinationItems,
        segments: this.#totalSegments,
      },
      compared: this.#sourceItems,
      ...(this.#rules === undefined ? {} : { leftOut: this.#leftOut }),
      ...this.#counts,
      keys: this.#examples,
      recheck: { ...this.#rechecker.stats(), delayMs: config.recheckDelayMs, rounds: config.recheckRounds },
      ...(repair === undefined
        ? {}
        : {
            repair: {
              ...repair,
              failures: repair.failures.map((f) => ({ key: keyToJson(f.key), error: f.error })),
            },
          }),
      durationMs,
      retries: this.#retries,
      readRate: this.#readLimiter.stats(),
      ...(config.repair ? { writeRate: this.#writeLimiter.stats() } : {}),
    };
  }
}

/** Scans segments 0..total-1, at most MAX_PARALLEL_SEGMENTS at a time. */
async function forEachSegment(
  total: number,
  signal: AbortSignal,
  scan: (segment: number, total: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      if (signal.aborted) throw new StoppedError();
      const segment = next;
      next += 1;
      await scan(segment, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(total, MAX_PARALLEL_SEGMENTS) }, worker));
}
