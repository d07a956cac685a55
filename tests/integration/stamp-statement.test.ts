// dynamodb-local: shared
// The batched stamp (src/twoway/stamp-statement.ts) against the UpdateItem it stands for (stampIfUnchanged), on a
// real table: for every state an item can be in when its stamp arrives, both must apply or both be refused, and
// return the same item. What a mock would get wrong is exactly this: how DynamoDB evaluates a PartiQL UPDATE's
// WHERE (a missing key, a version of another type) and what a batch returns per statement.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchExecuteStatementCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '../../src/stream/change-record.js';
import { stampIfUnchanged } from '../../src/twoway/conditional-apply.js';
import { markerNames } from '../../src/twoway/markers.js';
import { stampAnswers, stampStatement, type StampAnswer } from '../../src/twoway/stamp-statement.js';
import { sourceClient, uniqueName } from '../support/local-env.js';

const client = sourceClient();
const tableName = uniqueName('stamp-statement');
const markers = markerNames();
const target = { tableName, markers };
// A sort key whose name needs quoting in PartiQL (a space), of type N: the parameters carry the key's own types.
const SORT = 'sort key';

const SEEN = '1764720000000.0001#a';
const OTHER = '1764720000005.0000#b';
const NEW = '1764720000009.0000#a';

before(async () => {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: SORT, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: SORT, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

after(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
});

/** The states an item may be in when the stamp of an app write arrives. */
const states: Record<string, Record<string, { S: string } | { N: string }> | undefined> = {
  absent: undefined,
  unstamped: { x: { N: '1' } },
  'version of another type': { x: { N: '1' }, [markers.version]: { N: '5' } },
  'the stamp the stream showed': { x: { N: '1' }, [markers.version]: { S: SEEN } },
  'another stamp': { x: { N: '1' }, [markers.version]: { S: OTHER } },
};

/** What the stream showed of the app write: without a stamp, or with the one it kept. */
const seenImages: Record<string, Item> = {
  'an unstamped write': { x: { N: '2' } },
  'a write that kept its stamp': { x: { N: '2' }, [markers.version]: { S: SEEN } },
};

type Outcome = { applied: boolean; item: Item | undefined };

const withoutKey = (item: Item | undefined): Item | undefined => {
  if (item === undefined) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([name]) => name !== 'pk' && name !== SORT));
};

async function viaUpdateItem(keys: Item, image: Item): Promise<Outcome> {
  try {
    const out = await client.send(new UpdateItemCommand(stampIfUnchanged(target, keys, image, NEW)));
    return { applied: true, item: withoutKey(out.Attributes) };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    return { applied: false, item: withoutKey(err.Item) };
  }
}

describe('stampStatement in a batch, against stampIfUnchanged', () => {
  const cases = Object.entries(states).flatMap(([state, content]) =>
    Object.entries(seenImages).map(([seen, image]) => ({ state, content, seen, image })),
  );

  test('every state of the item, every stamp the stream showed: the same answer and the same item', async () => {
    const keysOf = (i: number, way: string): Item => ({ pk: { S: `${way}-${i}` }, [SORT]: { N: String(i) } });
    for (const [i, { content }] of cases.entries()) {
      for (const way of ['update', 'batch']) {
        if (content !== undefined)
          await client.send(
            new PutItemCommand({ TableName: tableName, Item: { ...keysOf(i, way), ...content } }),
          );
      }
    }
    const statements = cases.map(({ image }, i) => {
      const statement = stampStatement(target, keysOf(i, 'batch'), image, NEW);
      assert.ok(statement !== undefined, 'every name here can be written in PartiQL');
      return statement;
    });
    // One batch for all ten: the keys are distinct, as a flush's are.
    const out = await client.send(new BatchExecuteStatementCommand({ Statements: statements }));
    const answers = stampAnswers(out.Responses, statements.length);
    const asOutcome = (a: StampAnswer | undefined): Outcome | StampAnswer | undefined =>
      a?.kind === 'alone'
        ? a
        : a === undefined
          ? undefined
          : { applied: a.kind === 'stamped', item: withoutKey(a.item) };
    let applied = 0;
    for (const [i, { state, seen, image }] of cases.entries()) {
      const alone = await viaUpdateItem(keysOf(i, 'update'), image);
      if (alone.applied) applied += 1;
      assert.deepEqual(asOutcome(answers[i]), alone, `${state}, ${seen}`);
    }
    // Both ways of applying and of refusing were met: the comparison above is not of refusals only.
    assert.equal(applied, 3);
  });
});
