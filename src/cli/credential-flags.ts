// The flags that say whose credentials reach each side (--source-profile, --dest-role-arn, ...), shared by every
// command that touches a table, and the loading of the shared config files they name, so that a missing profile
// is refused by name and a side without a region flag takes its profile's region.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { Argv } from 'yargs';
import type { KnownProfiles, SideName } from '../config/credential-source.js';

const FLAG_SIDE: Record<SideName, { readonly prefix: string; readonly label: string }> = {
  source: { prefix: 'source', label: 'source table and its stream' },
  destination: { prefix: 'dest', label: 'destination table' },
  lease: { prefix: 'lease', label: 'lease table' },
};

const DEFAULTS: Record<SideName, string> = {
  source: 'the default credential chain',
  destination: 'the default credential chain',
  lease: "the source side's",
};

/** --<side>-profile, --<side>-role-arn and --<side>-external-id for each side named. */
export function credentialFlags<T>(yargs: Argv<T>, sides: readonly SideName[]): Argv<T> {
  let y = yargs;
  for (const side of sides) {
    const { prefix, label } = FLAG_SIDE[side];
    y = y
      .option(`${prefix}-profile`, {
        type: 'string',
        describe: `Profile of the shared config/credentials files for the ${label} [default: ${DEFAULTS[side]}]`,
      })
      .option(`${prefix}-role-arn`, {
        type: 'string',
        describe: `IAM role to assume (STS, in the side's region) for the ${label}`,
      })
      .option(`${prefix}-external-id`, {
        type: 'string',
        describe: `External id for --${prefix}-role-arn, as the role's trust policy asks`,
      });
  }
  return y;
}

/**
 * The profiles the shared files define. Read only when a profile flag is given: the files may not exist, and
 * without a profile flag nothing here is needed.
 */
export async function loadKnownProfiles(anyProfileGiven: boolean): Promise<KnownProfiles | undefined> {
  if (!anyProfileGiven) return undefined;
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  const names = new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)]);
  const home = homedir();
  const files = [
    process.env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'),
    process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
  ].join(' or ');
  return {
    names,
    region: (profile) => configFile[profile]?.region ?? credentialsFile[profile]?.region,
    files,
  };
}

function stringArg(args: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

/** The values of one side's credential flags, as credentialFlags defined them. */
export function credentialArgs(
  args: Readonly<Record<string, unknown>>,
  side: SideName,
): { profile: string | undefined; roleArn: string | undefined; externalId: string | undefined } {
  const { prefix } = FLAG_SIDE[side];
  return {
    profile: stringArg(args, `${prefix}-profile`),
    roleArn: stringArg(args, `${prefix}-role-arn`),
    externalId: stringArg(args, `${prefix}-external-id`),
  };
}

/** Whether any side's profile flag is given (then the shared files are read). */
export function anyProfile(args: Readonly<Record<string, unknown>>, sides: readonly SideName[]): boolean {
  return sides.some((side) => credentialArgs(args, side).profile !== undefined);
}
