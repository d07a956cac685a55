// Runs chaos scenarios one after another against the DynamoDB Local pair named by the test environment, each in
// a fresh ChaosContext with its own seed (derived from the suite's seed, printed so a run can be replayed), and
// adds up the totals the suite prints: scenarios, faults injected by kind, processes killed, frozen and
// restarted, items compared, mismatches and failed checks.
import { ChaosContext } from './chaos-context.js';
import type { Scenario, ScenarioSettings } from './scenarios.js';

export interface ScenarioResult {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: ReadonlyMap<string, number>;
  readonly killed: number;
  readonly frozen: number;
  readonly restarted: number;
  readonly compared: number;
  readonly mismatches: number;
  readonly problems: readonly string[];
  readonly notes: readonly string[];
}

export class ChaosTotals {
  readonly results: ScenarioResult[] = [];

  add(result: ScenarioResult): void {
    this.results.push(result);
  }

  get mismatches(): number {
    return this.#sum((r) => r.mismatches);
  }

  get problems(): number {
    return this.#sum((r) => r.problems.length);
  }

  faults(): Map<string, number> {
    const total = new Map<string, number>();
    for (const result of this.results) {
      for (const [kind, n] of result.faults) total.set(kind, (total.get(kind) ?? 0) + n);
    }
    return total;
  }

  /** The lines the suite ends with. */
  format(seed: number): string {
    const faults = this.faults();
    const byKind = [...faults.entries()].map(([kind, n]) => `${kind} ${n}`).join(', ');
    const failed = this.results.filter((r) => r.problems.length > 0);
    const lines = [
      `chaos totals (seed ${seed}):`,
      `  scenarios: ${this.results.length} (${failed.length} with problems)`,
      `  faults injected: ${this.#sumMap(faults)}${byKind === '' ? '' : ` (${byKind})`}`,
      `  processes: ${this.#sum((r) => r.killed)} killed (kill -9), ${this.#sum((r) => r.frozen)} stopped (SIGSTOP/SIGCONT), ${this.#sum((r) => r.restarted)} restarted`,
      `  items compared: ${this.#sum((r) => r.compared)}`,
      `  mismatches: ${this.mismatches}`,
      `  failed checks: ${this.problems}`,
    ];
    for (const result of failed) {
      lines.push(`  ${result.scenario} (seed ${result.seed}):`);
      for (const problem of result.problems) lines.push(`    - ${problem.split('\n')[0] ?? problem}`);
    }
    return lines.join('\n');
  }

  #sum(of: (r: ScenarioResult) => number): number {
    return this.results.reduce((total, r) => total + of(r), 0);
  }

  #sumMap(map: ReadonlyMap<string, number>): number {
    let total = 0;
    for (const n of map.values()) total += n;
    return total;
  }
}

export interface RunOptions {
  readonly seed: number;
  readonly failoverMs?: number;
  readonly logDir?: string | undefined;
  readonly log: (line: string) => void;
}

/** Runs one scenario; a scenario that throws counts as a failed check, never stops the suite. */
export async function runScenario(
  scenario: Scenario,
  settings: ScenarioSettings,
  options: RunOptions,
): Promise<ScenarioResult> {
  const started = performance.now();
  options.log(`${scenario.name} (seed ${options.seed}): ${scenario.summary}`);
  let ctx: ChaosContext;
  try {
    ctx = await ChaosContext.create({
      scenario: scenario.name,
      seed: options.seed,
      failoverMs: options.failoverMs ?? 3_000,
      dropHoldMs: settings.dropHoldMs,
      logDir: options.logDir,
      log: options.log,
    });
  } catch (err) {
    const problem = `could not set the scenario up: ${err instanceof Error ? err.message : String(err)}`;
    options.log(`${scenario.name} (seed ${options.seed}): PROBLEM: ${problem}`);
    return { ...emptyResult(scenario.name, options.seed), problems: [problem] };
  }
  try {
    await scenario.run(ctx, settings);
  } catch (err) {
    ctx.problem(`scenario failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    ctx.log(`requests seen: ${ctx.requestCounts()}`);
    await ctx.close();
  }
  const result: ScenarioResult = {
    scenario: scenario.name,
    seed: options.seed,
    durationMs: performance.now() - started,
    faults: ctx.faultsInjected(),
    ...ctx.counts,
    problems: [...ctx.problems],
    notes: [...ctx.notes],
  };
  const faults = [...result.faults.values()].reduce((a, b) => a + b, 0);
  options.log(
    `${scenario.name} (seed ${options.seed}): ${result.problems.length === 0 ? 'ok' : `${result.problems.length} PROBLEMS`} in ${Math.round(result.durationMs / 1000)} s; ${faults} faults, ${result.killed} killed, ${result.frozen} stopped, ${result.restarted} restarted, ${result.compared} items compared, ${result.mismatches} mismatches`,
  );
  return result;
}

function emptyResult(scenario: string, seed: number): ScenarioResult {
  return {
    scenario,
    seed,
    durationMs: 0,
    faults: new Map(),
    killed: 0,
    frozen: 0,
    restarted: 0,
    compared: 0,
    mismatches: 0,
    problems: [],
    notes: [],
  };
}

/** A scenario's seed from the suite's seed and its position in the run. */
export function scenarioSeed(suiteSeed: number, index: number): number {
  return (Math.imul(suiteSeed ^ 0x9e3779b9, 2654435761) + Math.imul(index + 1, 40503)) >>> 0;
}
