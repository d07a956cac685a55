// A two-way version as one DynamoDB string: "<ms, 13 digits>.<counter, 4 digits>#<side>", e.g.
// "1764720000000.0003#a". One attribute, not a version and a side in two: a ConditionExpression then tests
// "absent, unstamped, or lower (version, side)" with a single `<` (DynamoDB orders strings by their UTF-8 bytes, and
// fixed-width digits make byte order the order of (ms, counter, side)), no item can hold half a marker, and the
// order compared in code (compareStamps) is exactly the order DynamoDB applies, for any string an item may hold.
// Thirteen digits of milliseconds last until the year 2286; a clock past that is refused, never mis-ordered.

export type Side = 'a' | 'b';

export const SIDES: readonly Side[] = ['a', 'b'];

export interface Version {
  /** Milliseconds since the epoch (hybrid: may run ahead of the wall clock, never behind a version seen). */
  readonly ms: number;
  /** Orders versions within one millisecond. */
  readonly counter: number;
  readonly side: Side;
}

export const MS_DIGITS = 13;
export const COUNTER_DIGITS = 4;
export const MAX_MS = 10 ** MS_DIGITS - 1;
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;

const STAMP = /^(\d{13})\.(\d{4})#([ab])$/;

export function formatStamp(version: Version): string {
  const { ms, counter, side } = version;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MS) {
    throw new RangeError(`version milliseconds ${ms} do not fit ${MS_DIGITS} digits`);
  }
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
    throw new RangeError(`version counter ${counter} does not fit ${COUNTER_DIGITS} digits`);
  }
  if (!SIDES.includes(side)) throw new RangeError(`version side ${side} is not a or b`);
  return `${String(ms).padStart(MS_DIGITS, '0')}.${String(counter).padStart(COUNTER_DIGITS, '0')}#${side}`;
}

/** The version a stamp holds, or undefined for a string that is not one (an app wrote the marker). */
export function parseStamp(stamp: string): Version | undefined {
  const match = STAMP.exec(stamp);
  if (match === null) return undefined;
  return { ms: Number(match[1]), counter: Number(match[2]), side: match[3] as Side };
}

/**
 * DynamoDB's order of two string values (UTF-8 bytes), which for well-formed stamps is the order of
 * (ms, counter, side). JavaScript's `<` compares UTF-16 units and differs from it beyond the BMP.
 */
export function compareStamps(a: string, b: string): number {
  return Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** The order of two possibly absent stamps: unstamped (undefined) is below every stamp. */
export function compareMaybeStamps(a: string | undefined, b: string | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return compareStamps(a, b);
}
