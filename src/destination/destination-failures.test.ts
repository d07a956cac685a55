import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import {
  createTableFailure,
  tagsFailure,
  timeToLiveFailure,
  type DescribeFailure,
} from './destination-failures.js';

const named = (name: string, text: string, extra: object = {}): Error =>
  Object.assign(new Error(text), { name, ...extra });

/** Stands in for the startup checks' describeFailure: says which side and action it was given. */
const calls: { side: string; action: string }[] = [];
const describe_: DescribeFailure = (err, side, action) => {
  calls.push({ side, action });
  const name = err instanceof Error ? err.name : 'Error';
  return new ConfigError(
    `[${side}] ${action} failed: ${name}: ${err instanceof Error ? err.message : String(err)}`,
  );
};

const ACCESS_DENIED = named('AccessDeniedException', 'not authorized');
const UNKNOWN_OPERATION = named(
  'UnknownOperationException',
  'Tagging is not currently supported in DynamoDB Local.',
);
const VALIDATION = named('ValidationException', 'One or more parameter values were invalid');
const BAD_KEY = named('ValidationException', 'KMSMasterKeyId alias/nope is not valid');
const BAD_TOKEN = named('UnrecognizedClientException', 'The security token is invalid');
const NO_CREDENTIALS = named('CredentialsProviderError', 'Could not load credentials');
const UNREACHABLE = named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });

function lastCall(): { side: string; action: string } | undefined {
  return calls.at(-1);
}

describe('tagsFailure', () => {
  test('names ListTagsOfResource on the source', () => {
    tagsFailure(UNKNOWN_OPERATION, describe_);
    assert.deepEqual(lastCall(), { side: 'source', action: 'dynamodb:ListTagsOfResource' });
  });

  test('unsupported (DynamoDB Local) or any other refusal: leave out --copy-tags, one sentence end', () => {
    for (const err of [UNKNOWN_OPERATION, VALIDATION, named('InternalFailure', 'odd')]) {
      const { message } = tagsFailure(err, describe_);
      assert.ok(message.includes(err.message.replace(/\.$/, '')), message);
      assert.ok(
        message.endsWith("leave out --copy-tags to create the destination without the source's tags"),
        message,
      );
      assert.ok(!message.includes('.;'), message);
    }
  });

  test('access denied: grant it, or leave out --copy-tags', () => {
    const { message } = tagsFailure(ACCESS_DENIED, describe_);
    assert.ok(message.includes('AccessDeniedException'), message);
    assert.ok(message.endsWith('or leave out --copy-tags'), message);
  });

  test('credentials and network failures keep their own advice', () => {
    for (const err of [BAD_TOKEN, NO_CREDENTIALS, UNREACHABLE]) {
      const { message } = tagsFailure(err, describe_);
      assert.ok(!message.includes('--copy-tags'), message);
    }
  });

  test('the result is a ConfigError (exit 2)', () => {
    assert.ok(tagsFailure(UNKNOWN_OPERATION, describe_) instanceof ConfigError);
  });
});

describe('createTableFailure', () => {
  const context = { destinationTable: 'dst', kmsKey: undefined, withTags: false };

  test('access denied names dynamodb:CreateTable on the destination and nothing else to do', () => {
    const { message } = createTableFailure(ACCESS_DENIED, context, describe_);
    assert.deepEqual(lastCall(), { side: 'destination', action: 'dynamodb:CreateTable' });
    assert.equal(message, '[destination] dynamodb:CreateTable failed: AccessDeniedException: not authorized');
  });

  test('with tags the line names dynamodb:TagResource too (CreateTable with Tags needs it)', () => {
    createTableFailure(ACCESS_DENIED, { ...context, withTags: true }, describe_);
    assert.deepEqual(lastCall(), {
      side: 'destination',
      action: 'dynamodb:CreateTable and dynamodb:TagResource',
    });
  });

  test('a refusal about the key, with --dest-kms-key given: check --dest-kms-key', () => {
    const { message } = createTableFailure(BAD_KEY, { ...context, kmsKey: 'alias/nope' }, describe_);
    assert.ok(message.includes('KMSMasterKeyId alias/nope is not valid'), message);
    assert.ok(message.includes('check --dest-kms-key alias/nope'), message);
  });

  test('any other refusal: create it yourself, naming the table', () => {
    for (const [err, kmsKey] of [
      [VALIDATION, undefined],
      [VALIDATION, 'alias/k'],
      [BAD_KEY, undefined],
      [named('LimitExceededException', 'Too many tables'), undefined],
    ] as const) {
      const { message } = createTableFailure(err, { ...context, kmsKey }, describe_);
      assert.ok(message.includes('create destination table dst yourself'), message);
      assert.ok(!message.includes('--dest-kms-key'), message);
    }
  });

  test('credentials and network failures keep their own advice', () => {
    for (const err of [BAD_TOKEN, NO_CREDENTIALS, UNREACHABLE]) {
      const { message } = createTableFailure(err, context, describe_);
      assert.ok(!message.includes('yourself'), message);
    }
  });
});

describe('timeToLiveFailure', () => {
  const context = { destinationTable: 'dst', attribute: 'expires', action: 'dynamodb:UpdateTimeToLive' };

  test('access denied names the action on the destination', () => {
    const { message } = timeToLiveFailure(ACCESS_DENIED, context, describe_);
    assert.deepEqual(lastCall(), { side: 'destination', action: 'dynamodb:UpdateTimeToLive' });
    assert.ok(!message.includes('update-time-to-live'), message);
  });

  test('any other refusal gives the command that enables TTL by hand', () => {
    const { message } = timeToLiveFailure(VALIDATION, context, describe_);
    assert.ok(
      message.includes(
        'aws dynamodb update-time-to-live --table-name dst --time-to-live-specification Enabled=true,AttributeName=expires',
      ),
      message,
    );
  });

  test('credentials and network failures keep their own advice', () => {
    for (const err of [BAD_TOKEN, UNREACHABLE]) {
      assert.ok(!timeToLiveFailure(err, context, describe_).message.includes('update-time-to-live'));
    }
  });
});
