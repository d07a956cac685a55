// Pure: a record of a DynamoDB Streams event as Lambda delivers it (JSON: attribute values in DynamoDB JSON with
// binary values as base64 text, the creation time in epoch seconds) into the stream record the rest of the
// replicator reads (the SDK's shape: bytes, a Date). Numbers stay the strings they are, so 38 digits survive.
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { fromBase64 } from '@smithy/core/serde';
import { readAttributeValue } from '../stream/stream-codec.js';

/** One record of a Lambda DynamoDB Streams event, as far as the replicator reads it. */
export interface LambdaStreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventSourceARN?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

export interface LambdaStreamEvent {
  readonly Records?: readonly LambdaStreamRecord[];
}

/** A copy of an image with binary values as bytes (the event is not changed: Lambda may retry with it). */
function image(values: Record<string, unknown> | undefined): Record<string, never> | undefined {
  if (values === undefined) return undefined;
  const copy = structuredClone(values);
  for (const name of Object.keys(copy)) readAttributeValue(copy[name], fromBase64);
  return copy as Record<string, never>;
}

export function fromLambdaRecord(record: LambdaStreamRecord): _Record {
  const data = record.dynamodb;
  const created = data?.ApproximateCreationDateTime;
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName as _Record['eventName'] }),
    ...(record.userIdentity === undefined
      ? {}
      : { userIdentity: { Type: record.userIdentity.type, PrincipalId: record.userIdentity.principalId } }),
    dynamodb: {
      ...(data?.SequenceNumber === undefined ? {} : { SequenceNumber: data.SequenceNumber }),
      ...(data?.SizeBytes === undefined ? {} : { SizeBytes: data.SizeBytes }),
      ...(created === undefined ? {} : { ApproximateCreationDateTime: new Date(created * 1000) }),
      ...(data?.Keys === undefined ? {} : { Keys: image(data.Keys) }),
      ...(data?.NewImage === undefined ? {} : { NewImage: image(data.NewImage) }),
      ...(data?.OldImage === undefined ? {} : { OldImage: image(data.OldImage) }),
    },
  };
}

/** The source table's name from a stream ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`). */
export function tableOfStreamArn(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /:table\/([^/]+)\/stream\//.exec(arn)?.[1];
}
