// Pure classification of an error thrown by an AWS SDK call, so that every loop makes the same decision:
// retry (throttling, 5xx, network), renew the iterator, stop the shard for lost data, or stop for good.
// Throttling and transient detection come from the SDK's own classifiers (@smithy/core/retry), not a home list.
// Programmer errors (TypeError and the like) are never retried: retrying cannot fix them.
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

export type RetriableReason = 'throttled' | 'server' | 'network' | 'credentials';

export type ErrorClass =
  | { readonly kind: 'retriable'; readonly reason: RetriableReason }
  | { readonly kind: 'expired-iterator' }
  | { readonly kind: 'trimmed' }
  | { readonly kind: 'fatal'; readonly reason: FatalReason }
  | { readonly kind: 'programmer' };

export type FatalReason = 'not-found' | 'access-denied' | 'credentials' | 'validation' | 'other';

const PROGRAMMER_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);
const ACCESS_ERRORS = new Set(['AccessDeniedException', 'AccessDenied']);
// Node's socket errors that the SDK does not decorate; a network that is down is worth waiting for.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

export function classifyError(err: unknown): ErrorClass {
  if (typeof err !== 'object' || err === null) return { kind: 'fatal', reason: 'other' };
  const shape = err as ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const code = typeof shape.code === 'string' ? shape.code : '';
  if (PROGRAMMER_ERRORS.has(name) && shape.$metadata === undefined && !NETWORK_CODES.has(code)) {
    return { kind: 'programmer' };
  }
  if (name === 'ExpiredIteratorException') return { kind: 'expired-iterator' };
  // A side's credentials could not be refreshed and those in hand expired (src/credentials/): a refresh may work
  // on the next try, and the startup checks already proved the credentials could be had.
  if (name === 'CredentialsRefreshError') return { kind: 'retriable', reason: 'credentials' };
  if (name === 'TrimmedDataAccessException') return { kind: 'trimmed' };
  if (CREDENTIAL_ERRORS.has(name)) return { kind: 'fatal', reason: 'credentials' };
  if (ACCESS_ERRORS.has(name)) return { kind: 'fatal', reason: 'access-denied' };
  if (name === 'ResourceNotFoundException') return { kind: 'fatal', reason: 'not-found' };
  if (name === 'ValidationException' || name === 'SerializationException') {
    return { kind: 'fatal', reason: 'validation' };
  }
  // The SDK types are structural; the classifiers only read name, $metadata and $retryable.
  const sdkError = err as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError)) return { kind: 'retriable', reason: 'throttled' };
  const status = shape.$metadata?.httpStatusCode;
  // Checked before the transient test, which also claims 500/502/503/504: an answer from a server is no network fault.
  if (isServerError(sdkError) || (status !== undefined && status >= 500)) {
    return { kind: 'retriable', reason: 'server' };
  }
  if (isTransientError(sdkError) || NETWORK_CODES.has(code) || hasNetworkCause(shape.cause)) {
    return { kind: 'retriable', reason: 'network' };
  }
  return { kind: 'fatal', reason: 'other' };
}

function hasNetworkCause(cause: unknown): boolean {
  if (typeof cause !== 'object' || cause === null) return false;
  const { code } = cause as ErrorShape;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export function isRetriable(err: unknown): boolean {
  return classifyError(err).kind === 'retriable';
}
