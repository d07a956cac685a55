import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { buildDeadLetterOptions } from './dead-letter-options.js';

test('stop is the default; dead-letter names the table beside the lease table unless told', () => {
  assert.equal(buildDeadLetterOptions({}, 'Lease'), undefined);
  assert.equal(buildDeadLetterOptions({ onReject: 'stop' }, 'Lease'), undefined);
  assert.deepEqual(buildDeadLetterOptions({ onReject: 'dead-letter' }, 'Lease'), {
    tableName: 'Lease-dead-letters',
  });
  assert.deepEqual(buildDeadLetterOptions({ onReject: 'dead-letter', deadLetterTable: 'mine' }, 'Lease'), {
    tableName: 'mine',
  });
});

test('mistakes are one line naming the flag', () => {
  assert.throws(() => buildDeadLetterOptions({ onReject: 'skip' }, 'L'), {
    name: 'ConfigError',
    message: /--on-reject "skip" is not a choice/,
  });
  assert.throws(
    () => buildDeadLetterOptions({ deadLetterTable: 'x-table' }, 'L'),
    (err: unknown) => err instanceof ConfigError && err.message.includes('--dead-letter-table only applies'),
  );
  assert.throws(
    () => buildDeadLetterOptions({ onReject: 'dead-letter', deadLetterTable: 'a b' }, 'L'),
    /--dead-letter-table "a b" is not a valid DynamoDB table name/,
  );
});
