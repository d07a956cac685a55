// The single-key put transactions of one flush, sent in groups (transact-group.ts) as one TransactWriteItems each,
// by the flush's batching (key-batches.ts).
import { TransactionCanceledException, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { KeyBatches, type FlushLoad } from './key-batches.js';
import {
  fitsInGroup,
  groupOutcomes,
  groupToken,
  MAX_GROUP_ACTIONS,
  type GroupMember,
  type MemberOutcome,
} from './transact-group.js';

export type GroupAnswer = { readonly kind: 'applied' } | MemberOutcome;

/** Sends one group's request to the named target; throws what the SDK threw (TransactionCanceledException, ...). */
export type SendGroup = (target: string, input: TransactWriteItemsCommandInput) => Promise<void>;

export type TransactGroups = KeyBatches<GroupMember, GroupAnswer>;

const actionsOf = (members: readonly GroupMember[]): number =>
  members.reduce((n, m) => n + m.actions.length, 0);

/** The put transactions of a flush: `submit(target, member)` answers what became of the member's actions. */
export function transactGroups(
  load: FlushLoad,
  send: SendGroup,
  options: { windowMs: number; signal: AbortSignal },
): TransactGroups {
  return new KeyBatches<GroupMember, GroupAnswer>(
    load,
    {
      fits: (members, member) =>
        fitsInGroup(
          actionsOf(members),
          members.reduce((n, m) => n + m.bytes, 0),
          member,
        ),
      full: (members) => actionsOf(members) >= MAX_GROUP_ACTIONS,
      send: (target, members) => sendGroup(send, target, members),
    },
    options,
  );
}

async function sendGroup(
  send: SendGroup,
  target: string,
  members: readonly GroupMember[],
): Promise<readonly GroupAnswer[]> {
  let input: TransactWriteItemsCommandInput = {
    TransactItems: members.flatMap((m) => [...m.actions]),
    ClientRequestToken: groupToken(members),
  };
  for (;;) {
    try {
      await send(target, input);
      return members.map(() => ({ kind: 'applied' }));
    } catch (err) {
      if (err instanceof TransactionCanceledException) return groupOutcomes(members, err.CancellationReasons);
      if (
        err instanceof Error &&
        err.name === 'IdempotentParameterMismatchException' &&
        input.ClientRequestToken !== undefined
      ) {
        // The token was used (within 10 minutes) for other parameters: sent without one, the conditions decide.
        input = { ...input, ClientRequestToken: undefined };
        continue;
      }
      throw err;
    }
  }
}
