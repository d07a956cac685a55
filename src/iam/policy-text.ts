// Pure: `policy --format text`, the policy set in words for a reviewer: the resources with their ARNs, then each
// document (where it goes) with each statement's actions, why the replicator calls each and which features need
// it, then what each placeholder stands for and the notes. The JSON output carries the documents to apply. A
// plan's text (plan-policy-text.ts) prints its documents, placeholders and notes with the same functions.
import type { PolicyKind, PolicySet, PrintedPolicy } from './policy-set.js';

const KIND_WORDS: Record<PolicyKind, string> = {
  identity: 'identity policy, attach to',
  trust: 'trust policy of',
  resource: 'resource-based policy, attach to',
};

export function policyText(set: PolicySet): string {
  return [
    `IAM policies for ddb-replicator (${set.setup} setup; covers ${set.features.join(', ')})`,
    '',
    ...aligned([
      ['source table', set.resources.sourceTable],
      ['source stream', set.resources.sourceStream],
      ['destination table', set.resources.destinationTable],
      ...(set.resources.fanOutTables ?? []).map((arn) => ['destination table', arn] as const),
      ['lease table', set.resources.leaseTable],
    ]).map((line) => `  ${line}`),
    ...policyLines(set.policies),
    ...closingLines(set),
  ].join('\n');
}

/** Each document (where it goes), each statement's resources and each action with why and for which features. */
export function policyLines(policies: readonly PrintedPolicy[]): string[] {
  const lines: string[] = [];
  policies.forEach((policy, i) => {
    lines.push('', `${i + 1}. ${policy.name}: ${KIND_WORDS[policy.kind]} ${policy.attachTo}`);
    for (const statement of policy.explain) {
      lines.push(`   ${statement.sid}: ${statement.about}`);
      const width = Math.max(...statement.actions.map((a) => a.action.length));
      for (const action of statement.actions) {
        const features = action.features.length === 0 ? '' : ` [${action.features.join(', ')}]`;
        lines.push(`     ${action.action.padEnd(width)}  ${action.why}${features}`);
      }
    }
  });
  return lines;
}

/** What each placeholder stands for (when there are any), then the notes. */
export function closingLines(set: {
  readonly placeholders: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}): string[] {
  const lines: string[] = [];
  const placeholders = Object.entries(set.placeholders);
  if (placeholders.length > 0) {
    lines.push('', 'Placeholders (replace them before applying the documents):');
    lines.push(...aligned(placeholders).map((line) => `  ${line}`));
  }
  lines.push('', 'Notes:', ...set.notes.map((note) => `  - ${note}`));
  return lines;
}

/** Label and text rows, the texts lined up. */
export function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `${label.padEnd(width)}  ${text}`);
}
