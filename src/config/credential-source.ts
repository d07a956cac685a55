// Pure: where one side's credentials come from (a named profile, else the default provider chain; then,
// optionally, a role assumed with them), from that side's flags. Only names and ARNs live here, never a key:
// the providers that turn this into credentials are built in src/credentials/.
import { ConfigError } from '../errors/replicator-error.js';

export type SideName = 'source' | 'destination' | 'lease';

/** The flag prefix of each side, for messages that tell the user which flag to fix. */
export const SIDE_FLAG: Record<SideName, string> = {
  source: '--source',
  destination: '--dest',
  lease: '--lease',
};

export interface CredentialSource {
  /** A profile of the shared config and credentials files; undefined: the default provider chain. */
  readonly profile?: string | undefined;
  /** A role the base credentials assume through STS in the side's region. */
  readonly roleArn?: string | undefined;
  readonly externalId?: string | undefined;
}

export interface CredentialFlags {
  readonly profile?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly externalId?: string | undefined;
}

/** The profiles the shared files define, and the region each names (for a side without a region flag). */
export interface KnownProfiles {
  readonly names: ReadonlySet<string>;
  readonly region: (profile: string) => string | undefined;
  /** Where the profiles were looked for, for the message about a missing one. */
  readonly files: string;
}

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
// IAM's own rule for sts:ExternalId: 2 to 1224 of these characters.
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The default provider chain, without a role. */
export const DEFAULT_CREDENTIALS: CredentialSource = {};

export function credentialSource(
  flags: CredentialFlags,
  side: SideName,
  profiles: KnownProfiles | undefined,
): CredentialSource {
  const prefix = SIDE_FLAG[side];
  const profile = emptyAsUndefined(flags.profile);
  const roleArn = emptyAsUndefined(flags.roleArn);
  const externalId = emptyAsUndefined(flags.externalId);
  if (profile !== undefined && profiles !== undefined && !profiles.names.has(profile)) {
    throw new ConfigError(
      `${prefix}-profile ${JSON.stringify(profile)}: no such profile in ${profiles.files}; check the name (aws configure list-profiles) or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE`,
    );
  }
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw new ConfigError(
      `${prefix}-role-arn ${JSON.stringify(roleArn)} is not an IAM role ARN: write it as arn:aws:iam::<12-digit account>:role/<name>`,
    );
  }
  if (externalId !== undefined) {
    if (roleArn === undefined) {
      throw new ConfigError(
        `${prefix}-external-id is given without ${prefix}-role-arn: an external id only applies to a role that is assumed`,
      );
    }
    if (!EXTERNAL_ID.test(externalId)) {
      throw new ConfigError(
        `${prefix}-external-id must be 2 to 1224 of the characters a-z A-Z 0-9 + = , . @ : / - _`,
      );
    }
  }
  return {
    ...(profile === undefined ? {} : { profile }),
    ...(roleArn === undefined ? {} : { roleArn }),
    ...(externalId === undefined ? {} : { externalId }),
  };
}

/** The lease table's: its own flags where any is given, else the source side's (it lives with the source). */
export function leaseCredentialSource(
  flags: CredentialFlags | undefined,
  source: CredentialSource,
  profiles: KnownProfiles | undefined,
): CredentialSource {
  if (flags === undefined || Object.values(flags).every((v) => v === undefined)) return source;
  return credentialSource(flags, 'lease', profiles);
}

export function sameCredentials(a: CredentialSource, b: CredentialSource): boolean {
  return a.profile === b.profile && a.roleArn === b.roleArn && a.externalId === b.externalId;
}

/** How a side gets its credentials, for log lines and messages: names and ARNs only, never a secret. */
export function describeCredentials(source: CredentialSource): string {
  const base = source.profile === undefined ? 'the default credential chain' : `profile ${source.profile}`;
  return source.roleArn === undefined ? base : `role ${source.roleArn} assumed with ${base}`;
}

/**
 * A role session name from a worker id: STS allows 2 to 64 of [\w+=,.@-], and CloudTrail shows it, so it says
 * which worker acted.
 */
export function roleSessionName(workerId: string): string {
  const cleaned = workerId.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `ddb-replicator-${cleaned}`.slice(0, 64);
}

function emptyAsUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
