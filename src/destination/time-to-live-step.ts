// What the destination's TTL needs, from the source's and its own DescribeTimeToLive: enable it with the source's
// attribute, nothing (already so, perhaps by another worker), or a warning where someone set it otherwise on
// purpose. A destination is never changed away from a TTL it has. Pure.
import type { TimeToLiveDescription } from '@aws-sdk/client-dynamodb';

export type TimeToLiveStep =
  | { readonly kind: 'none' }
  | { readonly kind: 'enable'; readonly attribute: string }
  | { readonly kind: 'warn'; readonly message: string };

/** The TTL attribute of a table whose TTL is on (or being turned on); undefined otherwise. */
export function timeToLiveAttribute(ttl: TimeToLiveDescription | undefined): string | undefined {
  const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  return on ? ttl.AttributeName : undefined;
}

export function timeToLiveStep(
  sourceAttribute: string | undefined,
  destination: TimeToLiveDescription | undefined,
  tables: { readonly sourceTable: string; readonly destinationTable: string },
): TimeToLiveStep {
  if (sourceAttribute === undefined) return { kind: 'none' };
  const status = destination?.TimeToLiveStatus ?? 'DISABLED';
  const theirs = timeToLiveAttribute(destination);
  if (theirs === sourceAttribute) return { kind: 'none' };
  if (status === 'DISABLED') return { kind: 'enable', attribute: sourceAttribute };
  const state =
    status === 'DISABLING' ? 'TTL being turned off' : `TTL on attribute ${theirs ?? '?'} (${status})`;
  return {
    kind: 'warn',
    message: `destination table ${tables.destinationTable} has ${state}, source table ${tables.sourceTable} has TTL on attribute ${sourceAttribute}: left as it is; items may expire differently on the two sides (aws dynamodb update-time-to-live changes it)`,
  };
}
