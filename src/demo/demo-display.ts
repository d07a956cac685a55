// What the demo prints on stdout, for a newcomer reading it as it scrolls: what was set up, one line of figures
// a second while the replicator runs, and a summary with the verdict. Every figure says what it measures. The
// replicator's own log goes to stderr; nothing here depends on a terminal (no colours, no cursor movement).
import type { TableComparison } from './verify-tables.js';
import type { WorkloadCounts } from './workload.js';

export interface TickFigures {
  readonly elapsedS: number;
  readonly sourceWritesPerS: number;
  readonly replicatedPerS: number;
  /** Source writes the replicator has not applied yet. */
  readonly behind: number;
  readonly lagMs: number | undefined;
}

export interface SummaryFigures {
  readonly workload: WorkloadCounts;
  readonly heartbeats: number;
  readonly recordsReplicated: number;
  readonly itemsWritten: number;
  /** When the first batch reached the destination, on the clock of performance.now() (process start). */
  readonly firstReplicatedAt: number | undefined;
  /** When the replicator was started, on the same clock. */
  readonly replicatorStartedAt: number;
  readonly startupMs: number;
  readonly warmUpMs: number;
  readonly comparison: TableComparison | undefined;
}

const COLUMNS = [
  ['time', 6],
  ['source writes/s', 16],
  ['replicated/s', 13],
  ['behind', 8],
  ['lag', 9],
] as const;

export class DemoDisplay {
  readonly #write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  line(text = ''): void {
    this.#write(`${text}\n`);
  }

  /**
   * The start of a line for a step that takes seconds, so that the wait is explained while it lasts; `line`
   * finishes it. A message that comes in between (a Ctrl-C, a failure) opens with `line()`, which ends it.
   */
  begin(text: string): void {
    this.#write(`${text} ...`);
  }

  tableHeader(): void {
    this.line();
    this.line(COLUMNS.map(([title, width]) => title.padStart(width)).join(''));
  }

  tick(figures: TickFigures): void {
    const cells = [
      `${figures.elapsedS}s`,
      count(figures.sourceWritesPerS),
      count(figures.replicatedPerS),
      count(figures.behind),
      figures.lagMs === undefined ? '-' : duration(figures.lagMs),
    ];
    this.line(cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join(''));
  }

  legend(): void {
    this.line('  source writes/s  writes to the source table: the workload plus a heartbeat every 100 ms');
    this.line('  replicated/s     stream records the replicator applied to the destination');
    this.line('  behind           source writes not yet applied to the destination');
    this.line(
      '  lag              worst time this second until a heartbeat written on the source was readable on',
    );
    this.line('                   the destination (the demo clock; read every 20 ms)');
  }

  summary(figures: SummaryFigures): void {
    const w = figures.workload;
    const written = w.backlog + w.puts + w.updates + w.deletes + figures.heartbeats;
    this.line();
    this.line('Summary');
    this.line(
      `  written to the source  ${count(written)}: ${count(w.backlog)} backlog items, ${count(w.puts)} puts, ${count(w.updates)} updates, ${count(w.deletes)} deletes, ${count(figures.heartbeats)} heartbeats`,
    );
    if (w.failed > 0)
      this.line(`                         ${count(w.failed)} writes failed (outcome unknown; see stderr)`);
    this.line(
      `  replicated             ${count(figures.recordsReplicated)} stream records, as ${count(figures.itemsWritten)} item writes to the destination (changes to one key within a batch are merged)`,
    );
    // Timed from the replicator's start: what it measures is the replicator, not the JVMs' start or the backlog.
    const at = figures.firstReplicatedAt;
    this.line(
      at === undefined
        ? '  first item replicated  never'
        : `  first item replicated  ${seconds(at - figures.replicatorStartedAt)} after the replicator started (${seconds(at)} after the demo started: ${seconds(figures.startupMs)} starting DynamoDB Local, ${seconds(figures.warmUpMs)} warming it up)`,
    );
    const c = figures.comparison;
    if (c === undefined) return;
    this.line(
      `  compared               ${count(c.compared)} items (source ${count(c.sourceItems)}, destination ${count(c.destinationItems)}): ${count(c.missing)} missing, ${count(c.extra)} extra, ${count(c.different)} different`,
    );
    const examples = [
      ...c.examples.missing.map((k) => `missing ${k}`),
      ...c.examples.extra.map((k) => `extra ${k}`),
      ...c.examples.different.map((k) => `different ${k}`),
    ];
    if (examples.length > 0) this.line(`                         e.g. ${examples.join(', ')}`);
  }
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
