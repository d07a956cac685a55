// Every flag may also come from the environment: `DDB_REPLICATOR_<FLAG>`, the flag's name in upper snake case
// (`DDB_REPLICATOR_DEST_TABLE` for --dest-table, `DDB_REPLICATOR_PLAN` for --plan), so a container, a Lambda
// function or a systemd unit is configured without a command line. A flag on the command line wins. One
// environment serves every command: a variable another command knows is left alone by this one (a fleet's
// DDB_REPLICATOR_DEST_TABLE does not break `status`), but one that names no flag of any command is a mistake, said
// in one line, as a misspelt flag is.
import type { Argv } from 'yargs';

export const ENV_PREFIX = 'DDB_REPLICATOR_';

/** Pure: the flags the environment sets, by flag name (`dest-table`), with the variable each came from. */
export function envFlags(
  env: NodeJS.ProcessEnv,
): Map<string, { readonly variable: string; readonly value: string }> {
  const flags = new Map<string, { variable: string; value: string }>();
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || value === undefined) continue;
    const flag = variable.slice(ENV_PREFIX.length).toLowerCase().replaceAll('_', '-');
    if (flag === '') continue;
    flags.set(flag, { variable, value });
  }
  return flags;
}

/** Pure: the variables that name no flag of any command (sorted), for the one-line refusal. */
export function unknownVariables(
  flags: ReadonlyMap<string, { readonly variable: string }>,
  known: ReadonlySet<string>,
): string[] {
  return [...flags]
    .filter(([flag]) => !known.has(flag))
    .map(([, { variable }]) => variable)
    .sort();
}

/** The flag names a command's builder defines (its yargs options, aliases included). */
export function flagNames(y: Argv): Set<string> {
  // yargs keeps the options it was given in getOptions(), which its typings leave out.
  const options = (
    y as unknown as {
      getOptions(): { key: Record<string, unknown>; alias?: Record<string, string[]> };
    }
  ).getOptions();
  const names = new Set(Object.keys(options.key));
  for (const aliases of Object.values(options.alias ?? {})) for (const alias of aliases) names.add(alias);
  return names;
}

/**
 * Gives a command's builder the values the environment sets for its own flags, below the command line (yargs
 * config: parsed and checked like a typed flag; the command line wins). The command's other variables are left
 * alone: they belong to other commands.
 */
export function withEnvFlags<T>(y: Argv<T>, flags: ReadonlyMap<string, { readonly value: string }>): Argv<T> {
  if (flags.size === 0) return y;
  const own = flagNames(y);
  const values: Record<string, string> = {};
  for (const [flag, { value }] of flags) {
    // help and version are not settings: an environment that "sets" them would change what every command does.
    if (own.has(flag) && flag !== 'help' && flag !== 'version') values[flag] = value;
  }
  return Object.keys(values).length === 0 ? y : y.config(values);
}

/**
 * Pure: the variables behind the flags a message names (`--batch-size`) that the command line did not give: a
 * mistake in a value from the environment must say where that value came from, as the command line does not show it.
 */
export function envOrigin(message: string, env: NodeJS.ProcessEnv, argv: readonly string[]): string[] {
  const fromEnv = envFlags(env);
  const given = new Set(
    argv
      .filter((arg) => arg.startsWith('--'))
      .map((arg) => arg.slice(2).split('=')[0] ?? '')
      .map((flag) => (flag.startsWith('no-') ? flag.slice(3) : flag)),
  );
  const variables: string[] = [];
  for (const match of message.matchAll(/--([a-z0-9][a-z0-9-]*)/g)) {
    const flag = match[1] ?? '';
    const source = fromEnv.get(flag);
    if (source !== undefined && !given.has(flag) && !variables.includes(source.variable))
      variables.push(source.variable);
  }
  return variables;
}
