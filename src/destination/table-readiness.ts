// Whether a destination table that is being created can take writes: only once the table and every global
// index are ACTIVE (a write before that can fail or be refused). A table that went away, is being deleted or
// cannot reach its KMS key will never get there: that ends the wait with a line that says what to do. Pure.
import type { TableDescription } from '@aws-sdk/client-dynamodb';

export type Readiness =
  | { readonly kind: 'active' }
  | { readonly kind: 'waiting'; readonly status: string; readonly indexes: string }
  | { readonly kind: 'failed'; readonly message: string };

/** `table` undefined: DescribeTable found no such table. */
export function readiness(
  table: TableDescription | undefined,
  destinationTable: string,
  kmsKey: string | undefined,
): Readiness {
  const name = `destination table ${destinationTable}`;
  if (table === undefined) {
    return {
      kind: 'failed',
      message: `${name} was deleted while waiting for it to become active: start again to create it anew`,
    };
  }
  const status = table.TableStatus ?? 'UNKNOWN';
  switch (status) {
    case 'DELETING':
      return {
        kind: 'failed',
        message: `${name} is being deleted: wait until it is gone and start again to create it anew`,
      };
    case 'INACCESSIBLE_ENCRYPTION_CREDENTIALS':
      return {
        kind: 'failed',
        message: `${name} cannot use its KMS key${kmsKey === undefined ? '' : ` (--dest-kms-key ${kmsKey})`}: let DynamoDB use the key (key policy, grants) or name another with --dest-kms-key, delete the table and start again`,
      };
    case 'ARCHIVING':
    case 'ARCHIVED':
      return {
        kind: 'failed',
        message: `${name} is ${status} (its KMS key was unusable for days): restore access to the key, or delete the table and start again`,
      };
    default:
      break;
  }
  const globals = table.GlobalSecondaryIndexes ?? [];
  const indexesActive = globals.every((g) => g.IndexStatus === 'ACTIVE');
  if (status === 'ACTIVE' && indexesActive) return { kind: 'active' };
  return {
    kind: 'waiting',
    status,
    indexes: globals.map((g) => `${g.IndexName ?? '?'} ${g.IndexStatus ?? 'UNKNOWN'}`).join(', '),
  };
}
