// Pure: what `verify --plan` prints after comparing every pair: one line per pair (source, destination, items
// compared, missing, extra, different, verdict; a fan-out is one pair per destination) and the pairs that could
// not be compared, or the same as JSON; and its exit code: 130 interrupted, 2 a pair could not be verified (a
// table missing, access refused), 1 a pair differs (any destination of a fan-out), else 0.
import { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../cli/exit-codes.js';
import type { TableLocation } from '../config/replication-config.js';
import { columns, tableJson, tableText } from './report-text.js';
import { summaryJson, verifyExitCode, verifyResult, type VerifySummary } from '../verify/verify-summary.js';

export interface PairOutcome {
  /** The plan's entry and the table its glob selected (taskLabel). */
  readonly label: string;
  readonly taskName: string;
  readonly source: TableLocation;
  readonly destination: TableLocation;
  /** How many destinations the pair's task has: more than one for a fan-out (one pair each); 1 if absent. */
  readonly destinations?: number | undefined;
  /** What happened: compared, could not be compared (one line), or not reached before an interrupt. */
  readonly outcome:
    | { readonly kind: 'verified'; readonly summary: VerifySummary }
    | { readonly kind: 'failed'; readonly error: string }
    | { readonly kind: 'interrupted' };
}

/** Where a pair's detail lines point: its entry, and for a fan-out's pair also its destination table. */
export function pairWhere(pair: Pick<PairOutcome, 'label' | 'destination' | 'destinations'>): string {
  return (pair.destinations ?? 1) > 1 ? `${pair.label} -> ${tableText(pair.destination)}` : pair.label;
}

const VERDICTS = {
  equal: 'equal',
  different: 'DIFFERENT',
  repaired: 'repaired',
  'repair-incomplete': 'REPAIR INCOMPLETE',
  'needs-preference': 'NEEDS --prefer',
} as const;

export function planVerifyExitCode(pairs: readonly PairOutcome[]): number {
  const kinds = pairs.map((p) => p.outcome);
  if (kinds.some((o) => o.kind === 'interrupted')) return EXIT_INTERRUPTED;
  if (kinds.some((o) => o.kind === 'failed')) return EXIT_CONFIG;
  const failing = kinds.some(
    (o) => o.kind === 'verified' && verifyExitCode(verifyResult(o.summary)) !== EXIT_OK,
  );
  return failing ? EXIT_FAILED : EXIT_OK;
}

export function formatPlanVerify(pairs: readonly PairOutcome[]): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const rows = pairs.map((pair) => {
    const o = pair.outcome;
    const figures =
      o.kind === 'verified'
        ? [n(o.summary.compared), n(o.summary.missing), n(o.summary.extra), n(o.summary.different)]
        : ['-', '-', '-', '-'];
    const verdict =
      o.kind === 'verified'
        ? VERDICTS[verifyResult(o.summary)]
        : o.kind === 'failed'
          ? 'NOT VERIFIED (error below)'
          : 'not verified (interrupted)';
    return [tableText(pair.source), tableText(pair.destination), ...figures, verdict];
  });
  const header = ['SOURCE', 'DESTINATION', 'COMPARED', 'MISSING', 'EXTRA', 'DIFFERENT', 'VERDICT'];
  const lines = columns([header, ...rows]);
  const counts = new Map<string, number>();
  for (const pair of pairs) {
    const o = pair.outcome;
    const key =
      o.kind === 'verified'
        ? verifyResult(o.summary).replace('-', ' ')
        : o.kind === 'failed'
          ? 'not verified'
          : 'interrupted';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const tally = [...counts.entries()].map(([kind, count]) => `${count} ${kind}`).join(', ');
  const details = pairs.flatMap((pair) => {
    const o = pair.outcome;
    if (o.kind === 'failed') return [`${pairWhere(pair)}: ${o.error}`];
    if (o.kind !== 'verified') return [];
    const keys = (['missing', 'extra', 'different'] as const).flatMap((kind) =>
      o.summary.keys[kind].map((example) => {
        const attributes =
          example.attributes === undefined ? '' : `  attributes: ${example.attributes.join(', ')}`;
        return `  ${kind.padEnd(10)} ${JSON.stringify(example.key)}${attributes}`;
      }),
    );
    return keys.length === 0 ? [] : [`${pairWhere(pair)}: first keys of each kind:`, ...keys];
  });
  const pairCount = `${pairs.length} pair${pairs.length === 1 ? '' : 's'}`;
  return [...lines, '', pairs.length === 0 ? 'no pair to verify' : `${pairCount}: ${tally}`, ...details].join(
    '\n',
  );
}

export function planVerifyJson(pairs: readonly PairOutcome[]): Record<string, unknown> {
  return {
    exitCode: planVerifyExitCode(pairs),
    pairs: pairs.map((pair) => {
      const o = pair.outcome;
      const common = {
        entry: pair.label,
        taskName: pair.taskName,
        source: tableJson(pair.source),
        destination: tableJson(pair.destination),
      };
      if (o.kind === 'verified') return { ...common, ...summaryJson(o.summary) };
      if (o.kind === 'failed') return { ...common, result: 'not-verified', error: o.error };
      return { ...common, result: 'interrupted' };
    }),
  };
}
