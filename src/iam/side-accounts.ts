// Pure: which account each table of a policy lives in, and which principal stands for each set of credentials,
// from what is known: the --source-account/--dest-account flags, the accounts in role ARNs, and the identities
// STS reported for the credentials (GetCallerIdentity). What none of them tells becomes a placeholder the output
// explains, never a guess: a wrong account in a policy fails later and quietly, a placeholder fails at once.
import { sameCredentials, type CredentialSource } from '../config/credential-source.js';
import { partitionOf, principalOf, roleAccount, rootPrincipal } from './aws-arns.js';

export const PLACEHOLDERS = {
  source: '<SOURCE_ACCOUNT_ID>',
  destination: '<DEST_ACCOUNT_ID>',
  lease: '<LEASE_ACCOUNT_ID>',
  caller: '<CALLER_ACCOUNT_ID>',
  streamLabel: '<STREAM_LABEL>',
} as const;

/**
 * role: the replicator runs with the source account's credentials and assumes roles where the flags name them;
 * resource-policy: it runs with the destination account's credentials and reads the source through resource-based
 * policies on the source table and its stream (no role to assume).
 */
export const POLICY_SETUPS = ['role', 'resource-policy'] as const;
export type PolicySetup = (typeof POLICY_SETUPS)[number];

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export type PolicySide = 'source' | 'destination' | 'lease';
export const POLICY_SIDES: readonly PolicySide[] = ['source', 'destination', 'lease'];

export interface AccountInputs {
  readonly setup: PolicySetup;
  readonly sourceRegion: string;
  readonly credentials: Readonly<Record<PolicySide, CredentialSource>>;
  /** --source-account and --dest-account. */
  readonly accounts: { readonly source?: string | undefined; readonly destination?: string | undefined };
  /** The account of --source-stream-arn. */
  readonly streamAccount?: string | undefined;
  /** GetCallerIdentity of each set of base credentials, by baseKey. */
  readonly identities: ReadonlyMap<string, CallerIdentity>;
}

/** Names a side's base credentials (its profile, or the default chain), before any role. */
export function baseKey(credentials: CredentialSource): string {
  return credentials.profile === undefined ? 'default' : `profile:${credentials.profile}`;
}

export interface TableAccounts {
  readonly source: string;
  readonly destination: string;
  readonly lease: string;
}

export function tableAccounts(inputs: AccountInputs): TableAccounts {
  const { source: s, destination: d, lease: l } = inputs.credentials;
  const byRole = inputs.setup === 'role';
  const own = (c: CredentialSource): string | undefined =>
    c.roleArn !== undefined ? roleAccount(c.roleArn) : inputs.identities.get(baseKey(c))?.account;
  // Resource-policy setup: the source side's credentials are the destination account's, never the source's.
  const source =
    inputs.accounts.source ?? (byRole ? own(s) : undefined) ?? inputs.streamAccount ?? PLACEHOLDERS.source;
  // The same credentials without a role reach only their own account's tables (no policy here grants more).
  const destination =
    inputs.accounts.destination ??
    own(d) ??
    (byRole && sameCredentials(d, s) ? source : undefined) ??
    PLACEHOLDERS.destination;
  // The lease table is created by its side's credentials, so it is in their account.
  const lease =
    own(l) ??
    (sameCredentials(l, s) ? (byRole ? source : destination) : undefined) ??
    (sameCredentials(l, d) ? destination : undefined) ??
    PLACEHOLDERS.lease;
  return { source, destination, lease };
}

/**
 * The principal of a set of base credentials: the identity STS reported (a session's role), else the root of the
 * account the tables they reach directly are in, else a placeholder account.
 */
export function basePrincipal(inputs: AccountInputs, accounts: TableAccounts, key: string): string {
  const identity = inputs.identities.get(key);
  if (identity !== undefined) return principalOf(identity.arn, identity.account);
  const partition = partitionOf(inputs.sourceRegion);
  for (const side of POLICY_SIDES) {
    const credentials = inputs.credentials[side];
    if (credentials.roleArn !== undefined || baseKey(credentials) !== key) continue;
    const account =
      side === 'source' ? (inputs.setup === 'role' ? accounts.source : accounts.destination) : accounts[side];
    return rootPrincipal(partition, account);
  }
  return rootPrincipal(partition, PLACEHOLDERS.caller);
}

/** The principal that acts on a side: its role, else its base credentials' principal. */
export function sidePrincipal(inputs: AccountInputs, accounts: TableAccounts, side: PolicySide): string {
  const credentials = inputs.credentials[side];
  return credentials.roleArn ?? basePrincipal(inputs, accounts, baseKey(credentials));
}
