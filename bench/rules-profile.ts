// Where the replicator's CPU goes on the rules' path, from a `node --cpu-prof` profile of one drain: inclusive
// time of the rules' modules and of the stream and buffer steps that do more when rules are on. Inclusive over
// the sampled stack only: after an `await` a continuation runs from the microtask queue without its async
// callers, so each step matches its own module (a frame anywhere in the stack from that file counts once).
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface RulesProfile {
  readonly file: string;
  /** Replicator CPU (not idle) in the profile, ms. */
  readonly busyMs: number;
  /** Inclusive ms of each step (see STEPS). */
  readonly steps: Record<string, number>;
  /** Self ms of the hottest functions of src/ (dist/src/), with file and line. */
  readonly topOwn: readonly { readonly fn: string; readonly ms: number }[];
}

const STEPS: readonly (readonly [string, (f: CallFrame) => boolean])[] = [
  ['rules, all of src/rules/', (f) => f.url.includes('/dist/src/rules/')],
  ['planDestinationWrites (destination-writes)', (f) => f.url.includes('/rules/destination-writes.js')],
  ['filter match (filter-pattern*)', (f) => f.url.includes('/rules/filter-pattern')],
  [
    'transform (transform-call + the module)',
    (f) => f.url.includes('/rules/transform-call.js') || f.url.includes('one-line-transform'),
  ],
  ['attribute rules / composition', (f) => /\/rules\/(attribute-rules|compose-transforms)\.js/.test(f.url)],
  ['toChangeRecord (change-record)', (f) => f.functionName === 'toChangeRecord'],
  ['SquashBuffer (squash-buffer)', (f) => f.url.includes('/buffer/squash-buffer.js')],
  ['TableWriter (table-writer)', (f) => f.url.includes('/writer/table-writer.js')],
  [
    'SDK request encoding (serializeRequest)',
    (f) => f.functionName === 'serializeRequest' && f.url.includes('node_modules'),
  ],
  ['SDK response parsing (deserializeResponse)', (f) => f.functionName === 'deserializeResponse'],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];

export function summarizeRulesProfile(file: string): RulesProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const steps: Record<string, number> = Object.fromEntries(STEPS.map(([name]) => [name, 0]));
  const own = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    busyUs += delta;
    const frame = node.callFrame;
    if (frame.url.includes('/dist/src/')) {
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`;
      own.set(key, (own.get(key) ?? 0) + delta);
    }
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f === undefined) break;
      for (const [name, match] of STEPS) if (match(f)) seen.add(name);
    }
    for (const name of seen) steps[name] = (steps[name] ?? 0) + delta;
  });
  const ms = (us: number): number => Math.round(us / 100) / 10;
  return {
    file,
    busyMs: ms(busyUs),
    steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, ms(v)])),
    topOwn: [...own.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([fn, us]) => ({ fn, ms: ms(us) })),
  };
}
