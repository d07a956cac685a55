// Pure: a plan file's text -> a validated plan, or one ConfigError line. YAML (so JSON too); a syntax error
// names the file, line and column; the schema's findings and the mistakes visible without listing any table
// (globs, excludes, {name}) name the entry and the field. Nothing here reads a file or calls AWS, so the whole
// of it is tested without either.
import { parseDocument } from 'yaml';
import { mergeEntry, entryMistakes, NAME_PLACEHOLDER } from './plan-entry.js';
import { planError, type PlanMistake } from './plan-error.js';
import { describeIssues } from './plan-issues.js';
import { planSchema, type Plan } from './plan-schema.js';

export function parsePlan(text: string, file: string): Plan {
  const document = readYaml(text, file);
  if (document === null || document === undefined) {
    throw planError(file, [
      {
        where: '',
        what: 'the file is empty: write a plan with replications (see README, "Replication plans")',
      },
    ]);
  }
  const parsed = planSchema.safeParse(document);
  if (!parsed.success) throw planError(file, describeIssues(parsed.error.issues, document));
  const plan: Plan = { ...parsed.data, file };
  const mistakes = [
    ...defaultsMistakes(plan),
    ...plan.replications.flatMap((entry, index) => entryMistakes(mergeEntry(plan.defaults, entry, index))),
  ];
  if (mistakes.length > 0) throw planError(file, mistakes);
  return plan;
}

/** A dead-letter table in defaults is every task's unless it holds {name}: their keys would mix in one table. */
function defaultsMistakes(plan: Plan): PlanMistake[] {
  const table = plan.defaults?.deadLetterTable;
  if (table === undefined || table === null || table.includes(NAME_PLACEHOLDER)) return [];
  return [
    {
      where: 'defaults',
      what: `deadLetterTable ${JSON.stringify(table)} has no {name}: every task would share one dead-letter table and their keys would mix; write e.g. "{name}-dead-letters", or name it per entry`,
    },
  ];
}

function readYaml(text: string, file: string): unknown {
  // `merge`: YAML's `<<: *anchor` merge keys, so entries can share a block besides `defaults`.
  const document = parseDocument(text, { merge: true, prettyErrors: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const position = error.linePos?.[0];
    const where = position === undefined ? file : `${file}:${position.line}:${position.col}`;
    // The message's first line, without the position it repeats and the excerpt below it.
    const what = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    throw planError(where, [{ where: '', what: `YAML syntax error: ${what}` }]);
  }
  try {
    return document.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw planError(file, [
      { where: '', what: `cannot read the YAML: ${err instanceof Error ? err.message : String(err)}` },
    ]);
  }
}
