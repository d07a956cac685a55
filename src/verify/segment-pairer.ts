// Pure: pairs the items of segment i of the source scan with those of segment i of the destination scan, so that
// most items need no BatchGetItem lookup. With the same TotalSegments, a parallel Scan puts a key in the same
// segment of both tables and returns a segment's items in the same order (by the hash of the partition key, in
// DynamoDB and in DynamoDB Local), so equal tables pair up page by page with few items waiting. Nothing depends on
// that for correctness: an item that finds no partner in time (the other side finished, or too many of its side
// are waiting) is handed back to be looked up on the other side as before, so only speed depends on it.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes } from '../bootstrap/item-size.js';
import { itemKey } from '../buffer/item-key.js';

type Item = Record<string, AttributeValue>;

export type PairSide = 'source' | 'destination';

export interface Paired {
  /** Items found on both sides: compare them directly. */
  readonly pairs: readonly (readonly [source: Item, destination: Item])[];
  /** Source items to look up in the destination (missing or different unless found equal there). */
  readonly sourceLookups: readonly Item[];
  /** Destination items to look up in the source (extra unless found there). */
  readonly destinationLookups: readonly Item[];
}

/** What one side may keep waiting before it holds back; past twice this the oldest are looked up instead. */
export interface PairLimit {
  readonly items: number;
  /** Estimated item bytes (items can be 400 KB each, so a count alone does not bound memory). */
  readonly bytes: number;
}

export class SegmentPairer {
  readonly #keyAttributes: readonly string[];
  /** Items waiting for a partner, per side, oldest first (a Map keeps insertion order), with their sizes. */
  readonly #waiting: Record<PairSide, Map<string, { item: Item; bytes: number }>> = {
    source: new Map(),
    destination: new Map(),
  };
  readonly #bytes: Record<PairSide, number> = { source: 0, destination: 0 };
  readonly #done: Record<PairSide, boolean> = { source: false, destination: false };
  readonly #limit: PairLimit;

  constructor(keyAttributes: readonly string[], limit: PairLimit) {
    this.#keyAttributes = keyAttributes;
    this.#limit = { items: Math.max(1, limit.items), bytes: Math.max(1, limit.bytes) };
  }

  /** At the limit: the side holds back. */
  #full(side: PairSide): boolean {
    return this.#waiting[side].size >= this.#limit.items || this.#bytes[side] >= this.#limit.bytes;
  }

  /** Past twice the limit: the side's oldest waiting items are looked up. */
  #overCap(side: PairSide): boolean {
    return this.#waiting[side].size > 2 * this.#limit.items || this.#bytes[side] > 2 * this.#limit.bytes;
  }

  /** A page of one side. */
  add(side: PairSide, items: readonly Item[]): Paired {
    const other = otherSide(side);
    const waiting = this.#waiting[side];
    const partners = this.#waiting[other];
    const pairs: [Item, Item][] = [];
    const lookups: Item[] = [];
    for (const item of items) {
      const id = itemKey(item, this.#keyAttributes);
      const partner = partners.get(id);
      if (partner !== undefined) {
        partners.delete(id);
        this.#bytes[other] -= partner.bytes;
        pairs.push(side === 'source' ? [item, partner.item] : [partner.item, item]);
      } else if (this.#done[other]) {
        // The other side has read its whole segment: no partner can come any more.
        lookups.push(item);
      } else {
        const bytes = itemSizeBytes(item);
        waiting.set(id, { item, bytes });
        this.#bytes[side] += bytes;
      }
    }
    // A hard cap on memory when the two scans do not line up: the oldest waiting items are looked up.
    for (const [id, entry] of waiting) {
      if (!this.#overCap(side)) break;
      waiting.delete(id);
      this.#bytes[side] -= entry.bytes;
      lookups.push(entry.item);
    }
    return side === 'source'
      ? { pairs, sourceLookups: lookups, destinationLookups: [] }
      : { pairs, sourceLookups: [], destinationLookups: lookups };
  }

  /** One side has read its whole segment: the other side's waiting items can no longer pair. */
  finish(side: PairSide): Paired {
    this.#done[side] = true;
    const other = otherSide(side);
    const orphans = [...this.#waiting[other].values()].map((entry) => entry.item);
    this.#waiting[other].clear();
    this.#bytes[other] = 0;
    return other === 'source'
      ? { pairs: [], sourceLookups: orphans, destinationLookups: [] }
      : { pairs: [], sourceLookups: [], destinationLookups: orphans };
  }

  /**
   * True while `side` should wait before reading on: it is a limit's worth ahead of a side still reading that is
   * not ahead itself (both ahead means the scans do not line up: then neither waits, the cap applies).
   */
  ahead(side: PairSide): boolean {
    const other = otherSide(side);
    return this.#full(side) && !this.#done[other] && !this.#full(other);
  }

  /** Items waiting on either side. */
  get waiting(): number {
    return this.#waiting.source.size + this.#waiting.destination.size;
  }
}

function otherSide(side: PairSide): PairSide {
  return side === 'source' ? 'destination' : 'source';
}
