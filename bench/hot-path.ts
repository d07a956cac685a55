// A quick, machine-independent look at the replicator's CPU per record on its hot path, without DynamoDB Local:
// a stub HTTP server in a child process answers GetRecords with a canned page of 1,000 records (the catch-up's
// item shape, NEW_AND_OLD_IMAGES) and BatchWriteItem with no unprocessed items. This process reads pages through
// the real streams client and codec, converts and squashes them, and writes them through the real TableWriter
// and DynamoDB client (16 requests in flight); it reports its own CPU (user + system) per 1,000 records.
// `node dist/bench/hot-path.js [pages] [--profile-dir DIR] [--cold]`; the stub's CPU is not counted. `--cold`
// skips the warm-up and prints the CPU of every 10 pages from the first: how a fresh process (a replicator just
// started, a catch-up) pays for V8 compiling the SDK's and Node's request path while it runs.
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoClient, createStreamsClient, DATA_PATH, STREAM_READS } from '../src/app/aws-clients.js';
import { SquashBuffer } from '../src/buffer/squash-buffer.js';
import { EventBus } from '../src/observability/events.js';
import { toChangeRecord } from '../src/stream/change-record.js';
import { SdkStreamApi } from '../src/stream/stream-api.js';
import { Semaphore } from '../src/util/semaphore.js';
import { TableWriter } from '../src/writer/table-writer.js';
import { makeItem } from './items.js';

const PAGE = 1000;
/** Pages per figure of a `--cold` run. */
const COLD_BLOCK = 10;

function page(from: number): string {
  const records = [];
  for (let i = 0; i < PAGE; i++) {
    const n = from + i;
    const item = makeItem(n);
    records.push({
      eventID: `e${n}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1_700_000_000,
        Keys: { pk: item.pk },
        NewImage: item,
        SequenceNumber: String(100_000_000_000_000_000_000n + BigInt(n)),
        SizeBytes: 200,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  }
  return JSON.stringify({ Records: records, NextShardIterator: 'next' });
}

async function server(): Promise<void> {
  const http = await import('node:http');
  const bodies = [page(0), page(PAGE)];
  let served = 0;
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = target.endsWith('GetRecords') ? bodies[served++ % 2] : '{"UnprocessedItems":{}}';
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r' });
      res.end(body);
    });
  });
  srv.listen(0, '127.0.0.1', () => {
    const address = srv.address();
    process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
  });
}

async function main(): Promise<void> {
  const pages = Number(process.argv[2] ?? 60);
  const profileAt = process.argv.indexOf('--profile-dir');
  const profileDir = profileAt > 0 ? process.argv[profileAt + 1] : undefined;
  const child = fork(process.argv[1] ?? '', ['--serve'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ACCESS_KEY_ID = 'x';
  process.env.AWS_SECRET_ACCESS_KEY = 'y';
  const streams = new SdkStreamApi(createStreamsClient({ region: 'us-east-1', endpoint }, STREAM_READS));
  const writer = new TableWriter({
    client: createDynamoClient({ region: 'us-west-2', endpoint }, DATA_PATH),
    tableName: 'dest',
    keyAttributes: ['pk'],
    requestSlots: new Semaphore(16),
    events: new EventBus(),
    requestTimeoutMs: 10_000,
  });
  const signal = new AbortController().signal;
  const cycle = async (n: number): Promise<{ read: number; write: number }> => {
    let read = 0;
    let write = 0;
    for (let i = 0; i < n; i++) {
      const a = process.cpuUsage();
      const got = await streams.getRecords('it', PAGE, signal);
      const buffer = new SquashBuffer(['pk']);
      buffer.addAll(got.records.map((r) => toChangeRecord(r)));
      const flush = buffer.drain();
      const b = process.cpuUsage(a);
      read += b.user + b.system;
      const c = process.cpuUsage();
      await writer.write(flush?.changes ?? [], { signal, beforeSend: () => performance.now() });
      const d = process.cpuUsage(c);
      write += d.user + d.system;
    }
    return { read, write };
  };
  if (process.argv.includes('--cold')) {
    const blocks = Math.ceil(pages / COLD_BLOCK);
    const costs: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const t = await cycle(COLD_BLOCK);
      costs.push((t.read + t.write) / 1000 / COLD_BLOCK);
    }
    const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
    console.log(
      `hot path, cold: CPU ms per 1,000 records by ${COLD_BLOCK * PAGE} records from the start: ${costs.map((c) => c.toFixed(1)).join(', ')}; mean ${mean.toFixed(1)}`,
    );
    child.kill();
    process.exit(0);
  }
  await cycle(Math.max(10, Math.floor(pages / 3)));
  let session: Session | undefined;
  if (profileDir !== undefined) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const t = await cycle(pages);
  if (session !== undefined && profileDir !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `hot-path-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  }
  const per1k = (us: number): string => (us / 1000 / pages).toFixed(1);
  console.log(
    `hot path: ${pages} pages of ${PAGE}: CPU ms per 1,000 records: read+squash ${per1k(t.read)}, write ${per1k(t.write)}, total ${per1k(t.read + t.write)}`,
  );
  child.kill();
  process.exit(0);
}

if (process.argv.includes('--serve')) void server();
else void main();
