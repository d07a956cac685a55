// Pure: what a verify run found, its verdict and exit code, and the summary a person reads (text) or a script
// reads (--json). Keys are shown in DynamoDB JSON ({"pk":{"S":"a"}}, binary as base64), ready for
// `aws dynamodb get-item --key`.
import { EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { formatDuration } from '../observability/progress-bar.js';
import type { DiffKind, Item } from './item-compare.js';
import type { LimiterStats } from './metered-rate-limiter.js';
import type { RecheckStats } from './rechecker.js';
import type { RepairStats } from './repairer.js';

export type KeyJson = Record<string, Record<string, string>>;

export interface KeyExample {
  readonly key: KeyJson;
  /** For a different item: the top-level attributes that differ. */
  readonly attributes?: readonly string[];
}

export interface TableReport {
  readonly table: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  /** Items scanned. */
  readonly items: number;
  readonly segments: number;
  /** DescribeTable's ItemCount (updated about every six hours on AWS). */
  readonly estimatedItems?: number | undefined;
}

export interface VerifySummary {
  readonly source: TableReport;
  readonly destination: TableReport;
  /** Source items looked up on the destination. */
  readonly compared: number;
  /** With rules: source items the rules leave out (their destination keys must hold nothing). */
  readonly leftOut?: number;
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  /** The first keys of each kind, up to --show. */
  readonly keys: Readonly<Record<DiffKind, readonly KeyExample[]>>;
  readonly recheck: RecheckStats & { readonly delayMs: number; readonly rounds: number };
  /** Present with --repair. */
  readonly repair?: Omit<RepairStats, 'failures'> & {
    readonly failures: readonly { readonly key: KeyJson; readonly error: string }[];
  };
  readonly durationMs: number;
  /** Requests retried (throttling, unprocessed keys or items, 5xx, network). */
  readonly retries: number;
  readonly readRate: LimiterStats;
  readonly writeRate?: LimiterStats;
}

/**
 * equal: no differences. different: differences, not repaired. repaired (--repair): every difference found
 * was written to the destination. repair-incomplete: some repair writes were refused.
 */
export type VerifyResult = 'equal' | 'different' | 'repaired' | 'repair-incomplete';

export function differences(summary: VerifySummary): number {
  return summary.missing + summary.extra + summary.different;
}

export function verifyResult(summary: VerifySummary): VerifyResult {
  if (differences(summary) === 0) return 'equal';
  if (summary.repair === undefined) return 'different';
  return summary.repair.failed === 0 ? 'repaired' : 'repair-incomplete';
}

export function verifyExitCode(result: VerifyResult): number {
  return result === 'equal' || result === 'repaired' ? EXIT_OK : EXIT_FAILED;
}

export function keyToJson(key: Item): KeyJson {
  const out: KeyJson = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) out[name] = { S: value.S };
    else if (value.N !== undefined) out[name] = { N: value.N };
    else if (value.B !== undefined) out[name] = { B: Buffer.from(value.B).toString('base64') };
    else out[name] = { '?': JSON.stringify(value) };
  }
  return out;
}

/** The --json document: the verdict and exit code, then every figure. */
export function summaryJson(summary: VerifySummary): Record<string, unknown> {
  const result = verifyResult(summary);
  return { result, exitCode: verifyExitCode(result), ...summary };
}

function where(report: TableReport): string {
  return report.endpoint === undefined
    ? `region ${report.region}`
    : `region ${report.region} at ${report.endpoint}`;
}

function verdict(summary: VerifySummary, result: VerifyResult): string {
  const n = differences(summary);
  const items = (count: number): string => `${count.toLocaleString('en-US')} item${count === 1 ? '' : 's'}`;
  switch (result) {
    case 'equal':
      return 'EQUAL: the destination holds every source item and nothing else';
    case 'different':
      return `DIFFERENT: ${items(n)} differ (run with --repair to fix them)`;
    case 'repaired':
      return `REPAIRED: ${items(n)} differed; every one was written to the destination (run verify again to confirm)`;
    case 'repair-incomplete':
      return `REPAIR INCOMPLETE: ${items(n)} differed; ${items(summary.repair?.failed ?? 0)} could not be written`;
  }
}

export function formatVerifySummary(summary: VerifySummary): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const { source, destination, recheck } = summary;
  const result = verifyResult(summary);
  const lines = [
    `verify: source table ${source.table} (${where(source)}) against destination table ${destination.table} (${where(destination)})`,
    verdict(summary, result),
    `  compared    ${n(summary.compared)} source items (destination: ${n(destination.items)} items scanned)`,
    ...(summary.leftOut === undefined
      ? []
      : [
          `  rules       ${n(summary.leftOut)} source items left out by the rules (absent at the destination)`,
        ]),
    `  missing     ${n(summary.missing)}   (in the source, not in the destination)`,
    `  extra       ${n(summary.extra)}   (in the destination, not in the source)`,
    `  different   ${n(summary.different)}`,
    recheck.suspects === 0
      ? `  re-checked  none (no item differed at first look)`
      : `  re-checked  ${n(recheck.suspects)} items that differed at first look: ${n(recheck.settled)} settled by the re-check (changes in flight), ${n(recheck.drift)} still differ`,
  ];
  const repair = summary.repair;
  if (repair !== undefined) {
    lines.push(
      `  repaired    ${n(repair.written)} written, ${n(repair.deleted)} deleted, ${n(repair.failed)} failed`,
    );
    for (const failure of repair.failures) {
      lines.push(`    failed ${JSON.stringify(failure.key)}: ${failure.error}`);
    }
  }
  const waits = summary.readRate.ratePerSec === null ? '' : `, read-rate waits ${n(summary.readRate.waits)}`;
  const writeWaits =
    summary.writeRate === undefined || summary.writeRate.ratePerSec === null
      ? ''
      : `, write-rate waits ${n(summary.writeRate.waits)}`;
  lines.push(
    `  took        ${formatDuration(summary.durationMs)} (${n(Math.round(summary.durationMs))} ms), ${n(summary.retries)} retries, ${source.segments}+${destination.segments} segments${waits}${writeWaits}`,
  );
  const shown = (['missing', 'extra', 'different'] as const).flatMap((kind) =>
    summary.keys[kind].map((example) => {
      const attributes =
        example.attributes === undefined ? '' : `  attributes: ${example.attributes.join(', ')}`;
      return `  ${kind.padEnd(10)} ${JSON.stringify(example.key)}${attributes}`;
    }),
  );
  if (shown.length > 0) lines.push('first keys of each kind:', ...shown);
  return lines.join('\n');
}
