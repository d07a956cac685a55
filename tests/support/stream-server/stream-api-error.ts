// The errors the DynamoDB Streams API answers with, in the shape the SDK's AWS JSON 1.0 deserializer turns back
// into its own exception classes: `{"__type": "com.amazonaws.dynamodb.v20120810#<Name>", "message": ...}` with
// HTTP 400 for client faults and 500 for InternalServerError (the SDK keeps the part after '#').

export type StreamErrorType =
  | 'ExpiredIteratorException'
  | 'TrimmedDataAccessException'
  | 'ResourceNotFoundException'
  | 'LimitExceededException'
  | 'InternalServerError'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException';

const NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

export class StreamApiError extends Error {
  override readonly name = 'StreamApiError';

  constructor(
    readonly type: StreamErrorType,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return this.type === 'InternalServerError' ? 500 : 400;
  }

  toBody(): { __type: string; message: string } {
    return { __type: `${NAMESPACE}#${this.type}`, message: this.message };
  }
}

/** Messages as AWS words them, so that log lines read like the real thing. */
export const streamErrors = {
  expired: (issuedAtMs: number, nowMs: number, maxAgeMs: number): StreamApiError =>
    new StreamApiError(
      'ExpiredIteratorException',
      `Iterator expired. The iterator was created at time ${new Date(issuedAtMs).toUTCString()} while right now it is ${new Date(nowMs).toUTCString()} which is further in the future than the tolerated delay of ${maxAgeMs} milliseconds.`,
    ),
  expiredOnDemand: (): StreamApiError =>
    new StreamApiError('ExpiredIteratorException', 'Iterator expired (expired on demand by the test).'),
  trimmed: (shardId: string): StreamApiError =>
    new StreamApiError(
      'TrimmedDataAccessException',
      `Attempted to access data in shard ${shardId} that has been trimmed from the stream (older than its retention period).`,
    ),
  streamNotFound: (streamArn: string): StreamApiError =>
    new StreamApiError(
      'ResourceNotFoundException',
      `Requested resource not found: Stream: ${streamArn} not found`,
    ),
  shardNotFound: (shardId: string): StreamApiError =>
    new StreamApiError(
      'ResourceNotFoundException',
      `Requested resource not found: Shard ${shardId} does not exist`,
    ),
  validation: (message: string): StreamApiError => new StreamApiError('ValidationException', message),
  throttled: (): StreamApiError =>
    new StreamApiError('LimitExceededException', 'Rate exceeded for shard or stream (injected by the test).'),
  internal: (): StreamApiError =>
    new StreamApiError(
      'InternalServerError',
      'The server encountered an internal error (injected by the test).',
    ),
};
