// Scripted faults: rules that make matching calls fail (LimitExceededException, InternalServerError or any API
// error), wait (a delay, or a hold until the test releases it) or both, for the next N calls or a fraction p of
// them, of one operation or all, of one shard or all. Every rule counts its hits so that a test can assert the
// faults it injected really happened. Random choices come from a seeded generator: a failing run replays.
import { StreamApiError, streamErrors, type StreamErrorType } from './stream-api-error.js';
import type { StreamOperation } from './stream-operations.js';

export type FaultAction =
  | { readonly kind: 'error'; readonly error: StreamErrorType; readonly message?: string }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hold' };

export interface FaultScope {
  /** Only calls of this operation (default: every operation). */
  readonly operation?: StreamOperation;
  /** Only calls on this shard (GetShardIterator, GetRecords); calls without a shard never match. */
  readonly shardId?: string;
  readonly streamArn?: string;
  /** Fire this many times, then retire (default: until removed). */
  readonly count?: number;
  /** Chance that a matching call is hit (default 1). */
  readonly probability?: number;
  /** Let this many matching calls pass untouched first (e.g. to hit the second DescribeStream of a start). */
  readonly skip?: number;
}

export interface FaultSpec extends FaultScope {
  readonly action: FaultAction;
}

export interface CallInfo {
  readonly operation: StreamOperation;
  readonly streamArn?: string | undefined;
  readonly shardId?: string | undefined;
}

export class FaultRule {
  readonly spec: FaultSpec;
  #hits = 0;
  #skipped = 0;
  #removed = false;
  readonly #released: Promise<void>;
  #release: () => void = () => undefined;

  constructor(spec: FaultSpec) {
    this.spec = spec;
    this.#released = new Promise((resolve) => (this.#release = resolve));
  }

  /** Calls this rule has hit so far. */
  get hits(): number {
    return this.#hits;
  }

  get active(): boolean {
    return !this.#removed && (this.spec.count === undefined || this.#hits < this.spec.count);
  }

  /** Retires the rule; calls it holds go on. */
  remove(): void {
    this.#removed = true;
    this.#release();
  }

  matches(call: CallInfo): boolean {
    const { operation, shardId, streamArn } = this.spec;
    if (operation !== undefined && operation !== call.operation) return false;
    if (shardId !== undefined && shardId !== call.shardId) return false;
    if (streamArn !== undefined && streamArn !== call.streamArn) return false;
    return true;
  }

  /** Consumes one of the calls to let pass; false once they are used up. */
  skips(): boolean {
    if (this.#skipped >= (this.spec.skip ?? 0)) return false;
    this.#skipped += 1;
    return true;
  }

  hit(): void {
    this.#hits += 1;
  }

  /** Resolves when the rule is removed (what a held call waits for). */
  get released(): Promise<void> {
    return this.#released;
  }
}

export interface FaultDecision {
  readonly delayMs: number;
  readonly holds: readonly Promise<void>[];
  readonly error: StreamApiError | undefined;
  readonly fired: readonly FaultRule[];
}

export class Faults {
  #rules: FaultRule[] = [];
  /** Every rule ever added: retired hold rules still have calls waiting on them until released. */
  readonly #all: FaultRule[] = [];
  #state: number;
  readonly #injected = new Map<string, number>();

  constructor(seed = 1) {
    this.#state = seed >>> 0;
  }

  add(spec: FaultSpec): FaultRule {
    const p = spec.probability ?? 1;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
    const rule = new FaultRule(spec);
    this.#rules.push(rule);
    this.#all.push(rule);
    return rule;
  }

  /** LimitExceededException, as DynamoDB Streams throttles. */
  throttle(scope: FaultScope = {}): FaultRule {
    return this.add({ ...scope, action: { kind: 'error', error: 'LimitExceededException' } });
  }

  internalError(scope: FaultScope = {}): FaultRule {
    return this.add({ ...scope, action: { kind: 'error', error: 'InternalServerError' } });
  }

  error(error: StreamErrorType, scope: FaultScope = {}): FaultRule {
    return this.add({ ...scope, action: { kind: 'error', error } });
  }

  /** The call is answered `ms` later, evaluated against the model as it is then. */
  delay(ms: number, scope: FaultScope = {}): FaultRule {
    return this.add({ ...scope, action: { kind: 'delay', ms } });
  }

  /** Matching calls wait until `rule.remove()` (or the server closes), then are evaluated. */
  hold(scope: FaultScope = {}): FaultRule {
    return this.add({ ...scope, action: { kind: 'hold' } });
  }

  /** Removes every rule (held calls go on); counts stay. */
  clear(): void {
    for (const rule of this.#all) rule.remove();
    this.#rules = [];
  }

  /** How many calls each kind of fault hit: an error type, 'delay' or 'hold'. */
  injected(kind?: string): number {
    if (kind !== undefined) return this.#injected.get(kind) ?? 0;
    let total = 0;
    for (const n of this.#injected.values()) total += n;
    return total;
  }

  injectedCounts(): Record<string, number> {
    return Object.fromEntries(this.#injected);
  }

  decide(call: CallInfo): FaultDecision | undefined {
    let delayMs = 0;
    const holds: Promise<void>[] = [];
    let error: StreamApiError | undefined;
    const fired: FaultRule[] = [];
    for (const rule of this.#rules) {
      if (!rule.active || !rule.matches(call)) continue;
      const { action } = rule.spec;
      // One error per call: a later error rule must not use up its count on a call it does not answer.
      if (action.kind === 'error' && error !== undefined) continue;
      if (rule.skips()) continue;
      if (this.#random() >= (rule.spec.probability ?? 1)) continue;
      rule.hit();
      fired.push(rule);
      const label = action.kind === 'error' ? action.error : action.kind;
      this.#injected.set(label, (this.#injected.get(label) ?? 0) + 1);
      if (action.kind === 'delay') delayMs += action.ms;
      else if (action.kind === 'hold') holds.push(rule.released);
      else error = errorFor(action.error, action.message);
    }
    this.#rules = this.#rules.filter((r) => r.active);
    return fired.length === 0 ? undefined : { delayMs, holds, error, fired };
  }

  /** mulberry32: small, seeded, good enough to pick which calls fail. */
  #random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function errorFor(type: StreamErrorType, message: string | undefined): StreamApiError {
  if (message !== undefined) return new StreamApiError(type, message);
  if (type === 'LimitExceededException') return streamErrors.throttled();
  if (type === 'InternalServerError') return streamErrors.internal();
  return new StreamApiError(type, `${type} (injected by the test)`);
}
