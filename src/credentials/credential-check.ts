// The startup check of one side's credentials: its base credentials (profile or default chain) are resolved,
// then its role is assumed, before any table is touched, so that each mistake ends as one ConfigError line that
// names the side, the profile or the role and what to check. The SDK's own message is kept (it never holds a
// secret); a key, token or secret of ours never goes into one.
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { SIDE_FLAG, type CredentialSource, type SideName } from '../config/credential-source.js';
import { classifyError } from '../errors/classify-error.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';

export interface CredentialCheckTarget {
  readonly side: SideName;
  readonly source: CredentialSource;
  /** Resolves the profile or default chain alone. */
  readonly base: AwsCredentialIdentityProvider;
  /** Resolves what the side's clients use (the role, where there is one). */
  readonly provider: AwsCredentialIdentityProvider;
}

export async function checkCredentials(target: CredentialCheckTarget): Promise<void> {
  try {
    await target.base();
  } catch (err) {
    throw baseFailure(err, target.side, target.source);
  }
  if (target.source.roleArn === undefined) return;
  try {
    await target.provider();
  } catch (err) {
    throw roleFailure(err, target.side, target.source, target.source.roleArn);
  }
}

function nameOf(err: unknown): string {
  return typeof err === 'object' && err !== null ? ((err as { name?: string }).name ?? 'Error') : 'Error';
}

function baseFailure(err: unknown, side: SideName, source: CredentialSource): ConfigError {
  const flag = SIDE_FLAG[side];
  const detail = `${nameOf(err)}: ${errorMessage(err)}`;
  if (source.profile !== undefined) {
    return new ConfigError(
      `the ${side} side's profile ${source.profile} gives no credentials (${detail}): check the profile in the shared config and credentials files (for SSO: aws sso login --profile ${source.profile}) or ${flag}-profile`,
    );
  }
  return new ConfigError(
    `no AWS credentials found for the ${side} side (${detail}): pass ${flag}-profile, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
  );
}

function roleFailure(err: unknown, side: SideName, source: CredentialSource, roleArn: string): ConfigError {
  const flag = SIDE_FLAG[side];
  const detail = `${nameOf(err)}: ${errorMessage(err)}`;
  const verdict = classifyError(err);
  if (verdict.kind === 'retriable' && verdict.reason === 'network') {
    return new ConfigError(
      `cannot reach STS to assume role ${roleArn} for the ${side} side (${detail}): check the network, or AWS_ENDPOINT_URL_STS where STS has its own endpoint`,
    );
  }
  const withExternalId =
    source.externalId === undefined
      ? `; if the trust policy asks for an external id, pass ${flag}-external-id`
      : ` and that its sts:ExternalId condition equals ${flag}-external-id`;
  const base = source.profile === undefined ? 'the default credential chain' : `profile ${source.profile}`;
  return new ConfigError(
    `the ${side} side cannot assume role ${roleArn} with ${base} (${detail}): check that the role's trust policy allows this identity to call sts:AssumeRole${withExternalId} ('ddb-replicator policy' prints one)`,
  );
}
