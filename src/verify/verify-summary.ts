// Pure: what a verify run found, its verdict and exit code, and the summary a person reads (text) or a script
// reads (--json). Keys are shown in DynamoDB JSON ({"pk":{"S":"a"}}, binary as base64), ready for
// `aws dynamodb get-item --key`.
import { EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { formatDuration } from '../observability/progress-bar.js';
import type { DiffKind, Item } from './item-compare.js';
import type { LimiterStats } from './metered-rate-limiter.js';
import type { RecheckStats } from './rechecker.js';
import type { RepairStats } from './repairer.js';
import type { TwoWayReport } from './two-way-resolver.js';

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
  /** verify --two-way: source is side A, destination side B, and each difference's winner. */
  readonly twoWay?: TwoWayReport;
}

/**
 * equal: no differences. different: differences, not repaired. repaired (--repair): every difference found
 * was written to the destination. repair-incomplete: some repair writes were refused. needs-preference
 * (--two-way): some differences only --prefer can decide, and it was not given.
 */
export type VerifyResult = 'equal' | 'different' | 'repaired' | 'repair-incomplete' | 'needs-preference';

export function differences(summary: VerifySummary): number {
  return summary.missing + summary.extra + summary.different;
}

export function verifyResult(summary: VerifySummary): VerifyResult {
  if (differences(summary) === 0) return 'equal';
  const twoWay = summary.twoWay;
  if (twoWay !== undefined) {
    if (twoWay.needPreference > 0) return 'needs-preference';
    if (twoWay.repair === undefined) return 'different';
    return twoWay.repair.failed + twoWay.repair.changed === 0 ? 'repaired' : 'repair-incomplete';
  }
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
  const twoWay = summary.twoWay;
  if (twoWay !== undefined) {
    switch (result) {
      case 'equal':
        return 'EQUAL: both sides hold the same items, markers included';
      case 'needs-preference': {
        const k = twoWay.needPreference;
        const which =
          k === n
            ? k === 1
              ? 'the 1 item that differs is'
              : `all ${items(n)} that differ are`
            : `${k.toLocaleString('en-US')} of the ${items(n)} that differ ${k === 1 ? 'is' : 'are'}`;
        return `NEEDS A PREFERENCE: ${which} unstamped on a side, so no version orders ${k === 1 ? 'it' : 'them'}: pass --prefer a|b to say which side wins`;
      }
      case 'different':
        return `DIFFERENT: ${items(n)} differ (run with --repair to write each winner to the other side)`;
      case 'repaired':
        return `REPAIRED: ${items(n)} differed; each winner was written to the other side (run verify --two-way again to confirm)`;
      case 'repair-incomplete':
        return `REPAIR INCOMPLETE: ${items(n)} differed; ${items((twoWay.repair?.changed ?? 0) + (twoWay.repair?.failed ?? 0))} not written (changed since read, or refused): run verify --two-way again`;
    }
  }
  switch (result) {
    case 'equal':
      return 'EQUAL: the destination holds every source item and nothing else';
    case 'different':
      return `DIFFERENT: ${items(n)} differ (run with --repair to fix them)`;
    case 'repaired':
      return `REPAIRED: ${items(n)} differed; every one was written to the destination (run verify again to confirm)`;
    case 'repair-incomplete':
      return `REPAIR INCOMPLETE: ${items(n)} differed; ${items(summary.repair?.failed ?? 0)} could not be written`;
    case 'needs-preference':
      throw new RangeError('a one-way verify never needs a preference');
  }
}

export function formatVerifySummary(summary: VerifySummary): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const { source, destination, recheck } = summary;
  const result = verifyResult(summary);
  if (summary.twoWay !== undefined) return formatTwoWay(summary, summary.twoWay, result);
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
  lines.push(...repairLines(summary), tookLine(summary));
  lines.push(...shownKeys(summary));
  return lines.join('\n');
}

function repairLines(summary: VerifySummary): string[] {
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines: string[] = [];
  const repair = summary.repair;
  if (repair !== undefined) {
    lines.push(
      `  repaired    ${n(repair.written)} written, ${n(repair.deleted)} deleted, ${n(repair.failed)} failed`,
    );
    for (const failure of repair.failures) {
      lines.push(`    failed ${JSON.stringify(failure.key)}: ${failure.error}`);
    }
  }
  return lines;
}

function tookLine(summary: VerifySummary): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const { source, destination } = summary;
  const waits = summary.readRate.ratePerSec === null ? '' : `, read-rate waits ${n(summary.readRate.waits)}`;
  const writeWaits =
    summary.writeRate === undefined || summary.writeRate.ratePerSec === null
      ? ''
      : `, write-rate waits ${n(summary.writeRate.waits)}`;
  return `  took        ${formatDuration(summary.durationMs)} (${n(Math.round(summary.durationMs))} ms), ${n(summary.retries)} retries, ${source.segments}+${destination.segments} segments${waits}${writeWaits}`;
}

function shownKeys(summary: VerifySummary, names: Record<DiffKind, string> = KIND_NAMES): string[] {
  const shown = (['missing', 'extra', 'different'] as const).flatMap((kind) =>
    summary.keys[kind].map((example) => {
      const attributes =
        example.attributes === undefined ? '' : `  attributes: ${example.attributes.join(', ')}`;
      return `  ${names[kind].padEnd(10)} ${JSON.stringify(example.key)}${attributes}`;
    }),
  );
  const needs = (summary.twoWay?.needPreferenceKeys ?? []).map(
    (key) => `  ${'--prefer'.padEnd(10)} ${JSON.stringify(key)}`,
  );
  return shown.length + needs.length > 0 ? ['first keys of each kind:', ...shown, ...needs] : [];
}

const KIND_NAMES: Record<DiffKind, string> = { missing: 'missing', extra: 'extra', different: 'different' };
const SIDE_NAMES: Record<DiffKind, string> = {
  missing: 'only on A',
  extra: 'only on B',
  different: 'different',
};

/** verify --two-way's summary: side A and side B, and who wins the keys that differ. */
function formatTwoWay(summary: VerifySummary, twoWay: TwoWayReport, result: VerifyResult): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const { source, destination, recheck } = summary;
  const lines = [
    `verify --two-way: side A table ${source.table} (${where(source)}) against side B table ${destination.table} (${where(destination)})`,
    verdict(summary, result),
    `  compared    ${n(source.items)} items of A, ${n(destination.items)} of B, markers included`,
    `  only on A   ${n(summary.missing)}`,
    `  only on B   ${n(summary.extra)}`,
    `  different   ${n(summary.different)}`,
    recheck.suspects === 0
      ? `  re-checked  none (no item differed at first look)`
      : `  re-checked  ${n(recheck.suspects)} items that differed at first look: ${n(recheck.settled)} settled by the re-check (changes in flight), ${n(recheck.drift)} still differ`,
    `  winners     A ${n(twoWay.winners.a)}, B ${n(twoWay.winners.b)}, absent (a delete above the stamps) ${n(twoWay.winners.absent)}; by --prefer${twoWay.prefer === undefined ? '' : ` ${twoWay.prefer}`} ${n(twoWay.byPreference)}; needing --prefer ${n(twoWay.needPreference)}`,
  ];
  const repair = twoWay.repair;
  if (repair !== undefined) {
    lines.push(
      `  repaired    ${n(repair.written)} written (${n(repair.stamped)} stamped first), ${n(repair.deleted)} deleted, ${n(repair.changed)} changed since read (left alone), ${n(repair.failed)} failed`,
    );
    for (const failure of repair.failures) {
      lines.push(`    failed ${JSON.stringify(failure.key)}: ${failure.error}`);
    }
  }
  lines.push(tookLine(summary), ...shownKeys(summary, SIDE_NAMES));
  return lines.join('\n');
}
