// Pure: `policy --format text`, the policy set in words for a reviewer: the resources with their ARNs, then each
// document (where it goes) with each statement's actions, why the replicator calls each and which features need
// it, then what each placeholder stands for and the notes. The JSON output carries the documents to apply.
import type { PolicyKind, PolicySet } from './policy-set.js';

const KIND_WORDS: Record<PolicyKind, string> = {
  identity: 'identity policy, attach to',
  trust: 'trust policy of',
  resource: 'resource-based policy, attach to',
};

export function policyText(set: PolicySet): string {
  const lines: string[] = [
    `IAM policies for ddb-replicator (${set.setup} setup; covers ${set.features.join(', ')})`,
    '',
    ...aligned([
      ['source table', set.resources.sourceTable],
      ['source stream', set.resources.sourceStream],
      ['destination table', set.resources.destinationTable],
      ['lease table', set.resources.leaseTable],
    ]).map((line) => `  ${line}`),
  ];
  set.policies.forEach((policy, i) => {
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
  const placeholders = Object.entries(set.placeholders);
  if (placeholders.length > 0) {
    lines.push('', 'Placeholders (replace them before applying the documents):');
    lines.push(...aligned(placeholders).map((line) => `  ${line}`));
  }
  lines.push('', 'Notes:', ...set.notes.map((note) => `  - ${note}`));
  return lines.join('\n');
}

function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `${label.padEnd(width)}  ${text}`);
}
