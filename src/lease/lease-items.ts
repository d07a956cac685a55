// A lease as a lease table item and back, in the Kinesis Client Library's attribute names (leaseKey, leaseOwner,
// leaseCounter, checkpoint, ...), so a lease table stays readable by the tools that know that layout.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Lease } from './lease.js';

export function toItem(lease: Lease): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    leaseKey: { S: lease.leaseKey },
    leaseCounter: { N: String(lease.leaseCounter) },
    checkpoint: { S: lease.checkpoint },
    checkpointSubSequenceNumber: { N: String(lease.checkpointSubSequenceNumber) },
    ownerSwitchesSinceCheckpoint: { N: String(lease.ownerSwitchesSinceCheckpoint) },
  };
  if (lease.leaseOwner !== undefined) item.leaseOwner = { S: lease.leaseOwner };
  // A string set cannot be empty in DynamoDB: a shard without parents has no parentShardId attribute.
  if (lease.parentShardIds.length > 0) item.parentShardId = { SS: [...lease.parentShardIds] };
  if (lease.streamArn !== undefined) item.streamArn = { S: lease.streamArn };
  if (lease.pendingOwner !== undefined) item.pendingOwner = { S: lease.pendingOwner };
  if (lease.lastRenewedAt !== undefined) item.lastRenewedAt = { N: String(lease.lastRenewedAt) };
  if (lease.failoverMs !== undefined) item.failoverMs = { N: String(lease.failoverMs) };
  if (lease.behindMs !== undefined) item.behindMs = { N: String(lease.behindMs) };
  if (lease.startingSequenceNumber !== undefined) {
    item.startingSequenceNumber = { S: lease.startingSequenceNumber };
  }
  return item;
}

export function fromItem(item: Record<string, AttributeValue>): Lease {
  const leaseKey = item.leaseKey?.S;
  if (leaseKey === undefined) throw new TypeError('lease item without leaseKey');
  return {
    leaseKey,
    leaseOwner: item.leaseOwner?.S,
    leaseCounter: Number(item.leaseCounter?.N ?? '0'),
    checkpoint: item.checkpoint?.S ?? 'TRIM_HORIZON',
    checkpointSubSequenceNumber: Number(item.checkpointSubSequenceNumber?.N ?? '0'),
    ownerSwitchesSinceCheckpoint: Number(item.ownerSwitchesSinceCheckpoint?.N ?? '0'),
    parentShardIds: item.parentShardId?.SS ?? [],
    streamArn: item.streamArn?.S,
    pendingOwner: item.pendingOwner?.S,
    lastRenewedAt: optionalNumber(item.lastRenewedAt),
    failoverMs: optionalNumber(item.failoverMs),
    behindMs: optionalNumber(item.behindMs),
    startingSequenceNumber: item.startingSequenceNumber?.S,
  };
}

function optionalNumber(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}
