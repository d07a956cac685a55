// Every mistake in a plan is one ConfigError line (exit 2) that starts with the file and names the entry by its
// index and its source table, so a plan of fifty entries points at the one to fix.
import { ConfigError } from '../errors/replicator-error.js';

/** One mistake: where it is (`defaults`, an entry's label, or '' for the file as a whole) and what it is. */
export interface PlanMistake {
  readonly where: string;
  readonly what: string;
}

/** At most this many mistakes in one line; the rest are counted. */
const MAX_MISTAKES = 5;

/** The mistakes of one place follow its name once: `plan p.yaml: replications[0] (source orders): a; b`. */
export function planError(file: string, mistakes: readonly PlanMistake[]): ConfigError {
  const seen = new Set<string>();
  const unique = mistakes.filter((m) => {
    const key = `${m.where}\n${m.what}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // The file's own mistakes first: after an entry's, they would read as that entry's.
  const ordered = [...unique.filter((m) => m.where === ''), ...unique.filter((m) => m.where !== '')];
  const shown = ordered.slice(0, MAX_MISTAKES);
  const parts: string[] = [];
  let last: string | undefined;
  for (const { where, what } of shown) {
    parts.push(where !== last && where !== '' ? `${where}: ${what}` : what);
    last = where;
  }
  const more = unique.length > MAX_MISTAKES ? ` (and ${unique.length - MAX_MISTAKES} more)` : '';
  return new ConfigError(`plan ${file}: ${parts.join('; ')}${more}`);
}

/**
 * `replications[2] (source audit-*)`; with `selected`, the table a glob selected: `replications[2] (source
 * audit-eu, selected by audit-*)`.
 */
export function entryLabel(index: number, sourceTable: unknown, selected?: string): string {
  // YAML reads `table: 2024` as a number; it still names the entry.
  if (typeof sourceTable === 'number') return `replications[${index}] (source ${sourceTable})`;
  if (typeof sourceTable !== 'string' || sourceTable === '')
    return `replications[${index}] (no source table)`;
  if (selected !== undefined)
    return `replications[${index}] (source ${selected}, selected by ${sourceTable})`;
  return `replications[${index}] (source ${sourceTable})`;
}
