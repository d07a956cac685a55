// A benchmark stage beyond the catch-up family (lag, failover, shards, copy, verify): one file each, listed in
// extra-stages.ts. A stage starts its own fresh DynamoDB Local instances (instances.ts) through the lifetime, so
// they are stopped whatever happens, and returns both the lines it prints and the figures that go into the JSON.
import type { Lifetime } from './lifetime.js';

export interface StageContext {
  readonly lifetime: Lifetime;
  readonly log: (line: string) => void;
  /** bench-results/: where a stage may write extra files (profiles, traces). */
  readonly outDir: string;
  /** `--quick`: smallest sizes that still exercise the stage (a smoke run, figures not meaningful). */
  readonly quick: boolean;
  /** Stream records or items a stage moves when it has no size of its own (`--records`). */
  readonly records: number;
  /** The best raw BatchWriteItem ceiling measured earlier in this run (items/s), when the raw stage ran. */
  readonly rawItemsPerSec: number | undefined;
  /** `--lag-rates`: source write rates of the lag stage. */
  readonly lagRates: readonly number[];
}

export interface StageResult {
  /** Printed under the stage's heading: tables and one-line conclusions (targets met or missed, and by what). */
  readonly lines: readonly string[];
  /** Everything measured, as JSON. */
  readonly figures: Record<string, unknown>;
}

export interface BenchStage {
  /** The name `--only` takes. */
  readonly name: string;
  /** The heading of its section in the report. */
  readonly title: string;
  readonly run: (ctx: StageContext) => Promise<StageResult>;
}
