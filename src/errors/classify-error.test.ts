import {
  InternalServerError,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { ExpiredIteratorException, TrimmedDataAccessException } from '@aws-sdk/client-dynamodb-streams';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyError, isRetriable, type ErrorClass } from './classify-error.js';
import { CredentialsRefreshError } from './replicator-error.js';

/** A plain object shaped like an SDK service error. */
function sdkError(name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}): object {
  return { name, message: `${name} happened`, $metadata: { httpStatusCode }, ...extra };
}

function withCode(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`socket ${code}`), { name, code });
}

const RETRY_THROTTLED: ErrorClass = { kind: 'retriable', reason: 'throttled' };
const RETRY_SERVER: ErrorClass = { kind: 'retriable', reason: 'server' };
const RETRY_NETWORK: ErrorClass = { kind: 'retriable', reason: 'network' };

describe('classifyError: programmer errors', () => {
  for (const make of [
    () => new TypeError('x is not a function'),
    () => new RangeError('bad length'),
    () => new ReferenceError('y is not defined'),
    () => new SyntaxError('Unexpected token'),
  ]) {
    const err = make();
    test(`${err.name} is a programmer error and never retried`, () => {
      assert.deepEqual(classifyError(err), { kind: 'programmer' });
      assert.equal(isRetriable(err), false);
    });
  }

  test('a TypeError that carries SDK metadata is not a programmer error', () => {
    const err = Object.assign(new TypeError('x'), { $metadata: { httpStatusCode: 503 } });
    assert.notDeepEqual(classifyError(err), { kind: 'programmer' });
    assert.equal(classifyError(err).kind, 'retriable');
  });

  test('a TypeError with a socket code is a network error', () => {
    assert.deepEqual(classifyError(withCode('ECONNRESET', 'TypeError')), RETRY_NETWORK);
  });
});

describe('classifyError: stream position errors', () => {
  test('ExpiredIteratorException (SDK class) renews the iterator', () => {
    const err = new ExpiredIteratorException({ message: 'expired', $metadata: { httpStatusCode: 400 } });
    assert.deepEqual(classifyError(err), { kind: 'expired-iterator' });
    assert.equal(isRetriable(err), false);
  });

  test('TrimmedDataAccessException (SDK class) is trimmed data', () => {
    const err = new TrimmedDataAccessException({ message: 'trimmed', $metadata: { httpStatusCode: 400 } });
    assert.deepEqual(classifyError(err), { kind: 'trimmed' });
    assert.equal(isRetriable(err), false);
  });
});

describe('classifyError: fatal errors', () => {
  for (const name of [
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'MissingAuthenticationTokenException',
    'CredentialsProviderError',
  ]) {
    test(`${name} is a credentials error`, () => {
      assert.deepEqual(classifyError(sdkError(name, 400)), { kind: 'fatal', reason: 'credentials' });
    });
  }

  test('a credentials provider error without metadata is a credentials error', () => {
    const err = Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
    assert.deepEqual(classifyError(err), { kind: 'fatal', reason: 'credentials' });
  });

  for (const name of ['AccessDeniedException', 'AccessDenied']) {
    test(`${name} is access denied`, () => {
      assert.deepEqual(classifyError(sdkError(name, 403)), { kind: 'fatal', reason: 'access-denied' });
    });
  }

  test('ResourceNotFoundException (SDK class) is not found', () => {
    const err = new ResourceNotFoundException({ message: 'no table', $metadata: { httpStatusCode: 400 } });
    assert.deepEqual(classifyError(err), { kind: 'fatal', reason: 'not-found' });
  });

  for (const name of ['ValidationException', 'SerializationException']) {
    test(`${name} is a validation error`, () => {
      assert.deepEqual(classifyError(sdkError(name, 400)), { kind: 'fatal', reason: 'validation' });
      assert.equal(isRetriable(sdkError(name, 400)), false);
    });
  }

  for (const status of [400, 403, 404, 409, 413]) {
    test(`an unknown error with status ${status} is fatal`, () => {
      assert.deepEqual(classifyError(sdkError('SomethingNewException', status)), {
        kind: 'fatal',
        reason: 'other',
      });
    });
  }

  test('ConditionalCheckFailedException is not retried', () => {
    assert.deepEqual(classifyError(sdkError('ConditionalCheckFailedException', 400)), {
      kind: 'fatal',
      reason: 'other',
    });
  });

  test('a plain Error without code or metadata is fatal', () => {
    assert.deepEqual(classifyError(new Error('boom')), { kind: 'fatal', reason: 'other' });
  });

  for (const value of ['a string', 42, undefined, null, true, Symbol('s')]) {
    test(`a thrown non-object (${String(value)}) is fatal`, () => {
      assert.deepEqual(classifyError(value), { kind: 'fatal', reason: 'other' });
      assert.equal(isRetriable(value), false);
    });
  }
});

describe('classifyError: throttling', () => {
  test('SDK throttling classes are throttled', () => {
    const meta = { $metadata: { httpStatusCode: 400 } };
    for (const err of [
      new ProvisionedThroughputExceededException({ message: 'x', ...meta }),
      new ThrottlingException({ message: 'x', ...meta }),
      new LimitExceededException({ message: 'x', ...meta }),
      new RequestLimitExceeded({ message: 'x', ...meta }),
    ]) {
      assert.deepEqual(classifyError(err), RETRY_THROTTLED, err.name);
      assert.equal(isRetriable(err), true);
    }
  });

  test('SDK throttling classes with empty metadata are throttled', () => {
    const err = new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} });
    assert.deepEqual(classifyError(err), RETRY_THROTTLED);
  });

  test('HTTP 429 is throttled', () => {
    assert.deepEqual(classifyError(sdkError('Whatever', 429)), RETRY_THROTTLED);
  });

  test('$retryable with throttling is throttled', () => {
    assert.deepEqual(
      classifyError(sdkError('SomeServiceError', 400, { $retryable: { throttling: true } })),
      RETRY_THROTTLED,
    );
  });

  test('$retryable without throttling is still retried', () => {
    assert.equal(classifyError(sdkError('SomeServiceError', 400, { $retryable: {} })).kind, 'retriable');
  });
});

describe('classifyError: server errors', () => {
  for (const status of [500, 502, 503, 504]) {
    test(`status ${status} is retried`, () => {
      assert.equal(classifyError(sdkError('SomethingBroke', status)).kind, 'retriable');
      assert.equal(isRetriable(sdkError('SomethingBroke', status)), true);
    });
    // The SDK's isServerError leaves out 500/502/503/504 (it files them as transient): they are still server faults.
    test(`status ${status} has reason 'server'`, () => {
      assert.deepEqual(classifyError(sdkError('SomethingBroke', status)), RETRY_SERVER);
    });
  }

  for (const status of [501, 505, 599]) {
    test(`status ${status} is a retried server error`, () => {
      assert.deepEqual(classifyError(sdkError('SomethingBroke', status)), RETRY_SERVER);
    });
  }

  test('InternalServerError (SDK class) is retried', () => {
    const err = new InternalServerError({ message: 'x', $metadata: { httpStatusCode: 500 } });
    assert.equal(classifyError(err).kind, 'retriable');
  });
});

describe('classifyError: network errors', () => {
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']) {
    test(`${code} on the error is a network error`, () => {
      assert.deepEqual(classifyError(withCode(code)), RETRY_NETWORK);
    });
    test(`${code} on the cause is a network error`, () => {
      const err = new Error('request failed', { cause: withCode(code) });
      assert.deepEqual(classifyError(err), RETRY_NETWORK);
    });
  }

  for (const code of ['EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']) {
    test(`${code} on the error and on the cause is a network error`, () => {
      assert.deepEqual(classifyError(withCode(code)), RETRY_NETWORK);
      assert.deepEqual(classifyError(new Error('fetch failed', { cause: { code } })), RETRY_NETWORK);
    });
  }

  test('an unknown code on the error or the cause is fatal', () => {
    assert.deepEqual(classifyError(withCode('EWHATEVER')), { kind: 'fatal', reason: 'other' });
    assert.deepEqual(classifyError(new Error('x', { cause: { code: 'EWHATEVER' } })), {
      kind: 'fatal',
      reason: 'other',
    });
  });

  test('a non-object cause is ignored', () => {
    assert.deepEqual(classifyError(new Error('x', { cause: 'ECONNRESET' })), {
      kind: 'fatal',
      reason: 'other',
    });
  });

  for (const name of ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']) {
    test(`${name} is retried as a network error`, () => {
      const err = Object.assign(new Error('timed out'), { name });
      assert.deepEqual(classifyError(err), RETRY_NETWORK);
    });
  }
});

describe('classifyError: credentials that could not be refreshed', () => {
  test('a CredentialsRefreshError is retried (STS may answer next time)', () => {
    const err = new CredentialsRefreshError('the destination side could not refresh');
    assert.deepEqual(classifyError(err), { kind: 'retriable', reason: 'credentials' });
    assert.equal(isRetriable(err), true);
  });
});
