// Pure decisions of a grouped transaction: the puts of many keys sent as one TransactWriteItems (each key's check of
// its tombstone and its conditional put, side by side). One request of 50 keys costs DynamoDB Local about a fifth of
// the CPU of 50 single-key transactions, and the replicator a twentieth (docs/benchmarks.md, stage twoway). The
// group is all or nothing: when DynamoDB cancels it, each key's part of the CancellationReasons says what happened
// to that key, and only a key whose own condition failed has lost; the others are sent again.
import { createHash } from 'node:crypto';
import type { CancellationReason, TransactWriteItem } from '@aws-sdk/client-dynamodb';

/** DynamoDB's limits on one TransactWriteItems: 100 actions, 4 MB in all. */
export const MAX_GROUP_ACTIONS = 100;
/** Below the 4 MB limit, with room for what itemSizeBytes does not count (expressions, names, encoding). */
export const MAX_GROUP_BYTES = 3 * 1024 * 1024;

/** One key's writes inside a group: the actions of its single transaction, in order. */
export interface GroupMember {
  readonly actions: readonly TransactWriteItem[];
  /** The member's own ClientRequestToken, when it has one (a group's token is derived from them). */
  readonly token: string | undefined;
  /** Its items' size (itemSizeBytes), for the group's 4 MB limit. */
  readonly bytes: number;
}

export type MemberOutcome =
  /** Its condition failed: the reasons of its own actions, as a single transaction would have given them. */
  | { readonly kind: 'refused'; readonly reasons: CancellationReason[] }
  /** Another member's condition cancelled the group; nothing happened to this key: send it again. */
  | { readonly kind: 'again' }
  /** A conflict or throttling inside the transaction on this key (TransactionConflict, ...): again, after a wait. */
  | { readonly kind: 'contended'; readonly code: string };

/** Whether `member` still fits in a group that holds `actions` actions and `bytes` bytes. */
export function fitsInGroup(actions: number, bytes: number, member: GroupMember): boolean {
  if (actions === 0) return true;
  return actions + member.actions.length <= MAX_GROUP_ACTIONS && bytes + member.bytes <= MAX_GROUP_BYTES;
}

/**
 * What a cancelled group meant for each member, from DynamoDB's CancellationReasons (one per action, in order;
 * an action that was not evaluated says None). A member with another code than a failed condition among its own
 * reasons (TransactionConflict, ThrottlingError, ...) is contended, as a transaction of its own was retried then;
 * else one with a failed condition is refused; the rest were only caught in the cancellation. Reasons missing or
 * short (not every client returns them) leave a member contended, never refused: a refusal that did not happen
 * would record a conflict that did not happen.
 */
export function groupOutcomes(
  members: readonly Pick<GroupMember, 'actions'>[],
  reasons: readonly CancellationReason[] | undefined,
): MemberOutcome[] {
  let at = 0;
  return members.map((member) => {
    const own = (reasons ?? []).slice(at, at + member.actions.length);
    at += member.actions.length;
    if (own.length < member.actions.length) return { kind: 'contended', code: 'NoReason' };
    // As a single transaction was judged: a conflict on any of its actions is waited out before a refusal counts.
    const other = own.find(
      (r) => r.Code !== undefined && r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed',
    );
    if (other?.Code !== undefined) return { kind: 'contended', code: other.Code };
    if (own.some((r) => r.Code === 'ConditionalCheckFailed')) return { kind: 'refused', reasons: own };
    return { kind: 'again' };
  });
}

/**
 * The group's ClientRequestToken (at most 36 characters): the same members in the same order give the same token,
 * so a group resent after a lost answer is applied once. A group with a member without a token has none.
 */
export function groupToken(members: readonly Pick<GroupMember, 'token'>[]): string | undefined {
  const [only] = members;
  if (members.length === 1) return only?.token;
  const hash = createHash('sha256');
  for (const member of members) {
    if (member.token === undefined) return undefined;
    hash.update(member.token).update('\n');
  }
  return `g-${hash.digest('base64url').slice(0, 34)}`;
}
