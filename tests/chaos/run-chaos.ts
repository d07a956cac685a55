// `npm run test:chaos`: the long chaos suite. Starts its own DynamoDB Local pair, then runs the scenarios round
// after round, each with a seed derived from the suite's seed and settings drawn from it, until the time is up
// (--minutes, default 10; a scenario under way finishes). Prints the totals; exits 1 on any mismatch or failed
// check. Flags: --minutes N, --seed S, --only a,b (scenario names), --replay name:seed (one scenario, as it ran
// in an earlier suite), --log-dir DIR (worker logs per scenario; default a fresh temp directory), --short (the
// short version's settings: seconds of faults instead of 20-60 s).
// Ctrl-C stops after the scenario under way; a second Ctrl-C exits at once (the processes started are killed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_CREDENTIALS, startDynamoDbLocal, type DynamoDbLocal } from '../../src/local/dynamodb-local.js';
import { seededRandom } from '../support/fault-proxy.js';
import { ChaosTotals, runScenario, scenarioSeed } from './chaos-runner.js';
import {
  SCENARIOS,
  SHORT_SETTINGS,
  scenarioNamed,
  type Scenario,
  type ScenarioSettings,
} from './scenarios.js';

const FAILOVER_MS = 3_000;

function longSettings(seed: number): ScenarioSettings {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const between = (min: number, max: number): number => Math.round(min + random() * (max - min));
  return {
    activeMs: between(20_000, 60_000),
    dose: 0.1 + random() * 0.2,
    outageMs: between(2 * FAILOVER_MS + 1_000, 5 * FAILOVER_MS),
    convergeTimeoutMs: 180_000,
    // Longer than the SDK's 30 s data-path request timeout: an answer that never comes.
    dropHoldMs: 35_000,
  };
}

function stamp(started: number): string {
  const s = Math.floor((performance.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string' },
      only: { type: 'string' },
      replay: { type: 'string' },
      'log-dir': { type: 'string' },
      short: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  let plan: (index: number) => { scenario: Scenario; seed: number };
  if (values.replay !== undefined) {
    const [name = '', replaySeed = ''] = values.replay.split(':');
    const scenario = scenarioNamed(name);
    plan = () => ({ scenario, seed: Number(replaySeed) });
  } else {
    const list = values.only === undefined ? SCENARIOS : values.only.split(',').map(scenarioNamed);
    plan = (index) => ({ scenario: list[index % list.length]!, seed: scenarioSeed(seed, index) });
  }
  const logDir = values['log-dir'] ?? mkdtempSync(join(tmpdir(), `ddb-chaos-${seed}-`));
  const started = performance.now();
  const log = (line: string): void => void process.stdout.write(`[chaos ${stamp(started)}] ${line}\n`);
  log(`seed ${seed}, ${minutes} minutes, failover ${FAILOVER_MS} ms, worker logs in ${logDir}`);

  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    log('interrupted: stopping after the scenario under way (Ctrl-C again to exit now)');
  });

  const instances: DynamoDbLocal[] = [];
  const totals = new ChaosTotals();
  try {
    instances.push(...(await Promise.all([startDynamoDbLocal(), startDynamoDbLocal()])));
    Object.assign(process.env, {
      DDB_TEST_SOURCE_ENDPOINT: instances[0]?.endpoint,
      DDB_TEST_DEST_ENDPOINT: instances[1]?.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    // The clock starts once DynamoDB Local is up; the first scenario always runs.
    const deadline = performance.now() + minutes * 60_000;
    const rounds = values.replay === undefined ? Number.MAX_SAFE_INTEGER : 1;
    for (
      let index = 0;
      index < rounds && !stopping && (index === 0 || performance.now() < deadline);
      index++
    ) {
      const { scenario, seed: scenarioSeedValue } = plan(index);
      const settings = values.short ? SHORT_SETTINGS : longSettings(scenarioSeedValue);
      const result = await runScenario(scenario, settings, {
        seed: scenarioSeedValue,
        failoverMs: FAILOVER_MS,
        logDir,
        log,
      });
      totals.add(result);
      if (result.problems.length > 0) {
        log(`replay: node dist/tests/chaos/run-chaos.js --replay ${scenario.name}:${scenarioSeedValue}`);
      }
    }
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
  const notes = totals.results.flatMap((r) => r.notes.map((n) => `  ${r.scenario} (seed ${r.seed}): ${n}`));
  if (notes.length > 0) process.stdout.write(`notes:\n${notes.join('\n')}\n`);
  process.stdout.write(`${totals.format(seed)}\n`);
  return totals.mismatches > 0 || totals.problems > 0 || totals.results.length === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
