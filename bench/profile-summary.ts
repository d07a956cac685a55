// Reads a V8 CPU profile of the replicator (`node --cpu-prof`) and says where its CPU went: self time by
// category (SDK, Node HTTP, our code, logging, GC, idle), the hottest functions, and inclusive time of the
// stages a catch-up goes through (GetRecords parsing, record conversion, squashing, BatchWriteItem encoding).
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

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly busyMs: number;
  readonly categories: Record<string, number>;
  readonly stages: Record<string, number>;
  readonly topSelf: readonly { readonly fn: string; readonly ms: number }[];
}

function category(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(root)') return 'v8/native (unattributed)';
  if (url.includes('/node_modules/pino') || url.includes('sonic-boom')) return 'logging (pino)';
  if (url.includes('/node_modules/@smithy/') || url.includes('/node_modules/@aws-sdk/')) return 'aws sdk';
  if (url.includes('/node_modules/')) return 'other dependencies';
  if (url.includes('/dist/src/')) return 'replicator (src/)';
  if (url.includes('/dist/bench/')) return 'bench trace hook';
  if (/^node:(_http|http|https|net|_tls|tls|internal\/(http|net|stream_base|streams|tls|dns))/.test(url))
    return 'node http/net/streams';
  if (url.startsWith('node:')) return 'node other';
  return 'v8 builtins (JSON, regexp, ...)';
}

// The SDK (schema-based serde) has no per-command functions: a response's parsing is `deserializeResponse`
// whatever the command; BatchWriteItem answers are tiny, so that time is mostly GetRecords pages.
const STAGES: readonly (readonly [string, (frame: CallFrame) => boolean])[] = [
  ['module loading and evaluation', (f) => f.url.startsWith('node:internal/modules/')],
  ['SDK response parsing (deserializeResponse)', (f) => f.functionName === 'deserializeResponse'],
  ['SDK request encoding (serializeRequest)', (f) => f.functionName === 'serializeRequest'],
  ['SigV4 signing (signRequest)', (f) => f.functionName === 'signRequest'],
  ['SDK middleware stack setup (resolveMiddleware)', (f) => f.functionName === 'resolveMiddleware'],
  [
    'socket writes (writev/writeBuffer syscalls)',
    (f) => f.url === '' && /^(writev|writeBuffer|writeUtf8String)$/.test(f.functionName),
  ],
  ['toChangeRecord', (f) => f.functionName === 'toChangeRecord'],
  ['SquashBuffer.add/addAll', (f) => f.url.includes('squash-buffer') && f.functionName.startsWith('add')],
  ['batchesOf', (f) => f.functionName === 'batchesOf'],
  ['TableWriter #writeBatch', (f) => f.url.includes('table-writer') && f.functionName === '#writeBatch'],
  ['logging (pino)', (f) => f.url.includes('/node_modules/pino')],
  [
    'checkpoint (DynamoLeaseStore.checkpoint)',
    (f) => f.url.includes('lease-store') && f.functionName === 'checkpoint',
  ],
];

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const categories: Record<string, number> = {};
  const self = new Map<string, number>();
  const stages: Record<string, number> = Object.fromEntries(STAGES.map(([name]) => [name, 0]));
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined) return;
    totalUs += delta;
    const frame = node.callFrame;
    const cat = category(frame);
    categories[cat] = (categories[cat] ?? 0) + delta;
    const short = frame.url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^file:\/\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${short}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    // Inclusive stage time: count a sample once per stage found among its callers.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f === undefined) break;
      for (const [name, match] of STAGES) if (!seen.has(name) && match(f)) seen.add(name);
    }
    for (const name of seen) stages[name] = (stages[name] ?? 0) + delta;
  });
  const ms = (us: number): number => Math.round(us / 100) / 10;
  const idle = categories.idle ?? 0;
  return {
    file,
    totalMs: ms(totalUs),
    busyMs: ms(totalUs - idle),
    categories: Object.fromEntries(
      Object.entries(categories)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, ms(v)]),
    ),
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, ms(v)])),
    topSelf: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([fn, us]) => ({ fn, ms: ms(us) })),
  };
}
