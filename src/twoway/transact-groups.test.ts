import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  TransactionCanceledException,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { StoppedError } from '../errors/replicator-error.js';
import type { GroupMember } from './transact-group.js';
import { FlushLoad } from './key-batches.js';
import { transactGroups, type GroupAnswer, type SendGroup } from './transact-groups.js';

const member = (key: string, token: string | undefined = `t-${key}`): GroupMember => ({
  actions: [
    { ConditionCheck: { TableName: 'tomb', Key: { k: { S: key } }, ConditionExpression: 'c' } },
    { Put: { TableName: 'tab', Item: { k: { S: key } } } },
  ] satisfies TransactWriteItem[],
  token,
  bytes: 10,
});

/** A recorder of the groups sent; `answer` decides each request's fate (default: applied). */
function sender(answer: (input: TransactWriteItemsCommandInput, call: number) => void = () => undefined) {
  const calls: { target: string; input: TransactWriteItemsCommandInput }[] = [];
  const send = async (target: string, input: TransactWriteItemsCommandInput): Promise<void> => {
    calls.push({ target, input });
    await Promise.resolve();
    answer(input, calls.length);
  };
  return { calls, send };
}

const keysOf = (input: TransactWriteItemsCommandInput | undefined): string[] =>
  (input?.TransactItems ?? []).flatMap((a) => (a.Put === undefined ? [] : [a.Put.Item?.k?.S ?? '?']));

const cancelled = (codes: string[]): TransactionCanceledException =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** Long enough that a test waiting for it would time out: what is sent, is sent for another reason. */
const NEVER_MS = 600_000;

/** A flush of `keys` keys whose only batches are its put groups. */
function groupsOf(options: { keys: number; windowMs: number; signal: AbortSignal; send: SendGroup }) {
  const load = new FlushLoad(options.keys);
  const groups = transactGroups(load, options.send, options);
  return {
    submit: (target: string, member: GroupMember) => groups.submit(target, member),
    keyDone: () => load.keyDone(),
    close: () => groups.close(),
  };
}

describe('TransactGroups', () => {
  test('a flush of one key sends its put at once, whatever the window', async () => {
    const { calls, send } = sender();
    const groups = groupsOf({
      keys: 1,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    assert.deepEqual(await groups.submit('remote', member('a')), { kind: 'applied' });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.input.ClientRequestToken, 't-a');
    groups.close();
  });

  test('waits while another key may join, and sends when that key is done elsewhere', async () => {
    const { calls, send } = sender();
    const groups = groupsOf({
      keys: 3,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    const a = groups.submit('remote', member('a'));
    const b = groups.submit('remote', member('b'));
    await Promise.resolve();
    assert.equal(calls.length, 0, 'the third key may still join');
    groups.keyDone();
    assert.deepEqual(await Promise.all([a, b]), [{ kind: 'applied' }, { kind: 'applied' }]);
    assert.equal(calls.length, 1);
    assert.deepEqual(keysOf(calls[0]?.input), ['a', 'b']);
    assert.match(calls[0]?.input.ClientRequestToken ?? '', /^g-/);
    groups.close();
  });

  test('a full group (100 actions) goes out at once; the next key starts another', async () => {
    const { calls, send } = sender();
    const groups = groupsOf({
      keys: 60,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    const answers: Promise<GroupAnswer>[] = [];
    for (let i = 0; i < 51; i += 1) answers.push(groups.submit('remote', member(`k${i}`)));
    assert.equal(calls.length, 1, 'sent once full, before the 51st joined');
    assert.equal(keysOf(calls[0]?.input).length, 50);
    for (let i = 0; i < 9; i += 1) groups.keyDone();
    await Promise.all(answers);
    assert.equal(calls.length, 2);
    assert.deepEqual(keysOf(calls[1]?.input), ['k50']);
    groups.close();
  });

  test('the window sends a group while another key is still at work', async () => {
    const { calls, send } = sender();
    const groups = groupsOf({ keys: 2, windowMs: 1, signal: new AbortController().signal, send });
    assert.deepEqual(await groups.submit('remote', member('a')), { kind: 'applied' });
    assert.equal(calls.length, 1);
    groups.close();
  });

  test('each side its own requests', async () => {
    const { calls, send } = sender();
    const groups = groupsOf({
      keys: 2,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    await Promise.all([groups.submit('local', member('a')), groups.submit('remote', member('b'))]);
    assert.deepEqual(calls.map((c) => [c.target, keysOf(c.input)]).sort(), [
      ['local', ['a']],
      ['remote', ['b']],
    ]);
    groups.close();
  });

  test('a cancelled group: the member whose condition failed is refused, the others are told to send again', async () => {
    const { send } = sender((_input, call) => {
      if (call === 1)
        throw cancelled(['None', 'None', 'None', 'ConditionalCheckFailed', 'TransactionConflict', 'None']);
    });
    const groups = groupsOf({
      keys: 3,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    const answers = await Promise.all(['a', 'b', 'c'].map((k) => groups.submit('remote', member(k))));
    assert.deepEqual(answers, [
      { kind: 'again' },
      { kind: 'refused', reasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] },
      { kind: 'contended', code: 'TransactionConflict' },
    ]);
    groups.close();
  });

  test('a token used for other parameters: the group is sent again without one', async () => {
    const { calls, send } = sender((input) => {
      if (input.ClientRequestToken !== undefined)
        throw Object.assign(new Error('mismatch'), { name: 'IdempotentParameterMismatchException' });
    });
    const groups = groupsOf({
      keys: 1,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    assert.deepEqual(await groups.submit('remote', member('a')), { kind: 'applied' });
    assert.deepEqual(
      calls.map((c) => c.input.ClientRequestToken),
      ['t-a', undefined],
    );
    groups.close();
  });

  test('any other error fails every member of the group', async () => {
    const failure = new Error('AccessDenied');
    const { send } = sender(() => {
      throw failure;
    });
    const groups = groupsOf({
      keys: 2,
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
      send,
    });
    const answers = await Promise.allSettled([
      groups.submit('remote', member('a')),
      groups.submit('remote', member('b')),
    ]);
    assert.deepEqual(answers, [
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    groups.close();
  });

  test('a stop fails what waits, and nothing is sent after it', async () => {
    const { calls, send } = sender();
    const stop = new AbortController();
    const groups = groupsOf({ keys: 2, windowMs: NEVER_MS, signal: stop.signal, send });
    const waiting = groups.submit('remote', member('a'));
    stop.abort();
    await assert.rejects(waiting, StoppedError);
    await assert.rejects(groups.submit('remote', member('b')), StoppedError);
    assert.equal(calls.length, 0);
    groups.close();
  });
});
