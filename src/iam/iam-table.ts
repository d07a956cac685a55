// Pure: the README's IAM table, generated from IAM_PERMISSIONS (one row per resource and set of features that
// need the same actions), and the README with that table put between its markers. `npm run docs:iam` writes it;
// iam-table.test.ts fails when the README's table is not the generated one. The table is laid out as prettier
// lays out Markdown tables, so that `prettier --check` and this generator agree.
import {
  FEATURE_LABELS,
  IAM_FEATURES,
  IAM_PERMISSIONS,
  IAM_RESOURCES,
  RESOURCE_LABELS,
} from './iam-permissions.js';

export const IAM_TABLE_START = '<!-- iam-table:start: generated from src/iam by `npm run docs:iam` -->';
export const IAM_TABLE_END = '<!-- iam-table:end -->';

export function iamTable(): string {
  const rows: string[][] = [];
  for (const resource of IAM_RESOURCES) {
    const groups = new Map<string, string[]>();
    for (const permission of IAM_PERMISSIONS.filter((p) => p.resource === resource)) {
      const key = IAM_FEATURES.filter((f) => permission.features.includes(f))
        .map((f) => FEATURE_LABELS[f])
        .join(', ');
      groups.set(key, [...(groups.get(key) ?? []), `\`${permission.action}\``]);
    }
    for (const [features, actions] of groups) {
      rows.push([RESOURCE_LABELS[resource].name, actions.join(', '), features]);
    }
  }
  const arns = IAM_RESOURCES.map((r) => {
    const { name, arn, where } = RESOURCE_LABELS[r];
    return `${name} \`${arn}\`${where === undefined ? '' : ` (${where})`}`;
  });
  return `${markdownTable(['resource', 'actions', 'needed by'], rows)}\n\nResources: ${arns.join('; ')}.`;
}

/** A Markdown table as prettier writes it: cells padded to the column's width, dashes under the header. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The README with the generated table between the markers; throws when the markers are missing. */
export function withIamTable(readme: string, table = iamTable()): string {
  const start = readme.indexOf(IAM_TABLE_START);
  const end = readme.indexOf(IAM_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${IAM_TABLE_START} ... ${IAM_TABLE_END} markers`);
  }
  return `${readme.slice(0, start + IAM_TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
