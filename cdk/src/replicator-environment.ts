// The replicator's configuration as the CLI and the Lambda handler read it: one DDB_REPLICATOR_<FLAG> variable per
// flag (src/cli/env-flags.ts). The construct sets the variables its props decide; the user's own (rules, tuning)
// are added, but one that the props already decide is refused, so no setting has two places to come from.
import { Token } from 'aws-cdk-lib';
import { ENV_PREFIX } from '../../src/cli/env-flags.js';

/** The variable of a flag: `dest-table` -> `DDB_REPLICATOR_DEST_TABLE` (the inverse of envFlags). */
export function envVariable(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll('-', '_');
}

/** The construct's flags as variables (undefined ones left out), with the user's variables added. */
export function replicatorEnvironment(
  flags: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [flag, value] of Object.entries(flags)) if (value !== undefined) env[envVariable(flag)] = value;
  for (const [variable, value] of Object.entries(extra)) {
    if (!variable.startsWith(ENV_PREFIX)) {
      throw new Error(
        `environment: ${variable} is no replicator variable: write a flag as ${ENV_PREFIX}<FLAG> (${envVariable('exclude-attributes')} for --exclude-attributes)`,
      );
    }
    if (variable in env) {
      throw new Error(
        `environment: ${variable} is set by the construct from its props; set the prop instead`,
      );
    }
    env[variable] = value;
  }
  return env;
}

/**
 * The variables with each token (a value known only at deploy) replaced by a valid stand-in of its kind, for the
 * checks that run at synth: a token can only be checked for being there.
 */
export function withoutTokens(
  env: Readonly<Record<string, string>>,
  standIns: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([variable, value]) => [
      variable,
      Token.isUnresolved(value) ? (standIns[variable] ?? 'stand-in') : value,
    ]),
  );
}
