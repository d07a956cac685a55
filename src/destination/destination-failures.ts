// The one line a user reads when a step of creating the destination fails. The startup checks' wording (side,
// table, place, permission; passed in as `describe`, so this folder does not import the app) is kept, and
// where the user has a choice the line names it: leave out --copy-tags, check --dest-kms-key, or do the step
// by hand. Missing or refused credentials and unreachable endpoints keep the startup checks' own advice. Pure.
import { classifyError } from '../errors/classify-error.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';

/** The startup checks' describeFailure, bound to the sides' locations. */
export type DescribeFailure = (err: unknown, side: 'source' | 'destination', action: string) => ConfigError;

/** ListTagsOfResource on the source failed (--copy-tags): unsupported (DynamoDB Local), refused, or other. */
export function tagsFailure(err: unknown, describe: DescribeFailure): ConfigError {
  const base = describe(err, 'source', 'dynamodb:ListTagsOfResource');
  return withHint(
    err,
    base,
    isAccessDenied(err)
      ? 'or leave out --copy-tags'
      : "leave out --copy-tags to create the destination without the source's tags",
  );
}

export interface CreateContext {
  readonly destinationTable: string;
  readonly kmsKey: string | undefined;
  readonly withTags: boolean;
}

/** CreateTable on the destination failed (other than ResourceInUseException, which means it exists). */
export function createTableFailure(
  err: unknown,
  context: CreateContext,
  describe: DescribeFailure,
): ConfigError {
  const action = context.withTags ? 'dynamodb:CreateTable and dynamodb:TagResource' : 'dynamodb:CreateTable';
  const base = describe(err, 'destination', action);
  if (isAccessDenied(err)) return base;
  const aboutKey = context.kmsKey !== undefined && /kms|key/i.test(errorMessage(err));
  return withHint(
    err,
    base,
    aboutKey
      ? `check --dest-kms-key ${context.kmsKey}: a KMS key in the destination's account and region that this identity and DynamoDB may use`
      : `create destination table ${context.destinationTable} yourself with the source's key schema, or fix what the error names`,
  );
}

/** UpdateTimeToLive (or the DescribeTimeToLive before it) on the destination failed. */
export function timeToLiveFailure(
  err: unknown,
  context: { readonly destinationTable: string; readonly attribute: string; readonly action: string },
  describe: DescribeFailure,
): ConfigError {
  const base = describe(err, 'destination', context.action);
  if (isAccessDenied(err)) return base;
  return withHint(
    err,
    base,
    `or enable TTL yourself (aws dynamodb update-time-to-live --table-name ${context.destinationTable} --time-to-live-specification Enabled=true,AttributeName=${context.attribute}) and start again`,
  );
}

function isAccessDenied(err: unknown): boolean {
  const verdict = classifyError(err);
  return verdict.kind === 'fatal' && verdict.reason === 'access-denied';
}

/** Adds the hint where the base line has no advice of its own (credentials and network lines do). */
function withHint(err: unknown, base: ConfigError, hint: string): ConfigError {
  const verdict = classifyError(err);
  const ownAdvice =
    (verdict.kind === 'fatal' && verdict.reason === 'credentials') ||
    (verdict.kind === 'retriable' && verdict.reason === 'network');
  if (ownAdvice) return base;
  return new ConfigError(`${base.message.replace(/\.$/, '')}; ${hint}`, { cause: err });
}
