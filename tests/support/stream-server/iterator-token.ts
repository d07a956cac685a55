// Shard iterators as opaque strings that carry their own state (stream, shard, position, issue time, and the
// shard's expiry epoch when issued), so the server keeps nothing per iterator however many a reader asks for.
// Expiring iterators on demand bumps the epoch; a token from an older epoch is expired. The stream's nonce
// makes tokens of another model (or another server run) invalid instead of silently pointing somewhere.

export interface IteratorState {
  readonly streamArn: string;
  readonly nonce: string;
  readonly shardId: string;
  /** The next record to serve is the first with a sequence number >= cursor. */
  readonly cursor: bigint;
  readonly issuedAtMs: number;
  readonly epoch: number;
}

interface TokenBody {
  n: string;
  s: string;
  c: string;
  t: number;
  e: number;
}

export function encodeIterator(state: IteratorState): string {
  const body: TokenBody = {
    n: state.nonce,
    s: state.shardId,
    c: state.cursor.toString(),
    t: state.issuedAtMs,
    e: state.epoch,
  };
  // AWS iterators also begin with the stream ARN; readers must not depend on anything after it.
  return `${state.streamArn}|1|${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
}

/** The state of a token, or undefined when it is not one of ours. */
export function decodeIterator(token: unknown): IteratorState | undefined {
  if (typeof token !== 'string' || token.length > 2048) return undefined;
  const parts = token.split('|');
  if (parts.length !== 3 || parts[1] !== '1') return undefined;
  try {
    const body = JSON.parse(Buffer.from(parts[2] ?? '', 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (
      typeof body.n !== 'string' ||
      typeof body.s !== 'string' ||
      typeof body.c !== 'string' ||
      !/^\d+$/.test(body.c) ||
      typeof body.t !== 'number' ||
      typeof body.e !== 'number'
    ) {
      return undefined;
    }
    return {
      streamArn: parts[0] ?? '',
      nonce: body.n,
      shardId: body.s,
      cursor: BigInt(body.c),
      issuedAtMs: body.t,
      epoch: body.e,
    };
  } catch {
    return undefined;
  }
}
