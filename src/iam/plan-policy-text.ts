// Pure: `policy --plan --format text`, a plan's policy set in words for a reviewer: each task's resources under
// its entry (a glob's as patterns), then the documents, placeholders and notes as one task's text prints them.
import type { PlanPolicySet } from './plan-policy-set.js';
import { aligned, closingLines, policyLines } from './policy-text.js';

const optional = (label: string, arn: string | undefined): (readonly [string, string])[] =>
  arn === undefined ? [] : [[label, arn]];

export function planPolicyText(set: PlanPolicySet): string {
  const lines = [
    `IAM policies for ddb-replicator, plan ${set.plan} (${set.setup} setup; covers ${set.features.join(', ')})`,
  ];
  for (const task of set.tasks) {
    const glob = task.selectedBy === 'glob' ? ': the tables the glob selects, now and later' : '';
    lines.push('', `${task.entry}${glob}`);
    const { resources: r } = task;
    lines.push(
      ...aligned([
        ['source table', r.sourceTable],
        ['source stream', r.sourceStream],
        ['destination table', r.destinationTable],
        ...(r.fanOutTables ?? []).map((arn) => ['destination table', arn] as const),
        ['lease table', r.leaseTable],
        // A two-way direction's tables of ours, so that the reviewer sees every table the documents name.
        ...optional('tombstones', r.tombstoneTable),
        ...optional("other side's tombstones", r.otherSideTombstoneTable),
        ...optional('conflict log', r.conflictTable),
      ]).map((line) => `  ${line}`),
    );
  }
  return [...lines, ...policyLines(set.policies), ...closingLines(set)].join('\n');
}
