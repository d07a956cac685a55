// Pure: whether a source table's stream can be replicated from (enabled, with new images), and what a user does
// about one that cannot: the `aws dynamodb update-table` command for that table, or `enableStream: true` on the
// plan's entry. A stream without new images is never replaced automatically: disabling it ends it for whoever
// else reads it.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { TableLocation } from '../config/replication-config.js';

export type StreamReadiness =
  | { readonly kind: 'ready'; readonly streamArn: string; readonly viewType: string }
  /** No stream, or a disabled one: enableStream can turn one on. */
  | { readonly kind: 'no-stream' }
  /** A stream of KEYS_ONLY or OLD_IMAGE: it carries no new images and must be replaced by hand. */
  | { readonly kind: 'no-new-images'; readonly viewType: string };

export const ENABLED_VIEW_TYPE = 'NEW_AND_OLD_IMAGES';

export function streamReadiness(table: TableDescription): StreamReadiness {
  const spec = table.StreamSpecification;
  const streamArn = table.LatestStreamArn;
  if (spec?.StreamEnabled !== true || streamArn === undefined) return { kind: 'no-stream' };
  const viewType = spec.StreamViewType ?? 'unknown';
  if (viewType !== 'NEW_IMAGE' && viewType !== 'NEW_AND_OLD_IMAGES')
    return { kind: 'no-new-images', viewType };
  return { kind: 'ready', streamArn, viewType };
}

/** The AWS CLI command that turns the table's stream on (with the endpoint for a local or VPC endpoint). */
export function enableStreamCommand(table: TableLocation, enabled: boolean): string {
  const endpoint = table.endpoint === undefined ? '' : ` --endpoint-url ${table.endpoint}`;
  const profile = table.credentials?.profile === undefined ? '' : ` --profile ${table.credentials.profile}`;
  const spec = enabled ? `StreamEnabled=true,StreamViewType=${ENABLED_VIEW_TYPE}` : 'StreamEnabled=false';
  return `aws dynamodb update-table --table-name ${table.tableName} --stream-specification ${spec} --region ${table.region}${endpoint}${profile}`;
}

/** The one warning line for a table a glob selected that cannot be replicated from: what to do about it. */
export function skippedTableWarning(
  label: string,
  table: TableLocation,
  readiness: Exclude<StreamReadiness, { kind: 'ready' }>,
): string {
  if (readiness.kind === 'no-stream') {
    return `${label}: source table ${table.tableName} has no enabled stream, so it is skipped: enable one (${enableStreamCommand(table, true)}) or set enableStream: true on the entry`;
  }
  return `${label}: the stream of source table ${table.tableName} has view type ${readiness.viewType}, which carries no new images, so it is skipped: replace it by hand (${enableStreamCommand(table, false)}, then ${enableStreamCommand(table, true)}); enableStream never replaces a stream`;
}
