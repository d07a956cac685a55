import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { HttpRequest } from '@smithy/core/transport';
import { FencedHttpHandler } from './fenced-http-handler.js';
import { RequestDeadlines } from './request-deadlines.js';

// The server runs in another process, as DynamoDB does: bytes that left this process reach it even while this
// process spins, which an in-process server (sharing our event loop) would not show.
const SERVER = `
const server = require('node:http').createServer((req, res) => {
  process.stdout.write('request\\n');
  req.resume();
  req.once('end', () => res.end('{}'));
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

let server: ChildProcess;
let port = 0;
let received = 0;

before(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve) => {
    let pending = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'request') received += 1;
        else if (line.startsWith('port ')) resolve(Number(line.slice(5)));
      }
    });
  });
});

after(() => {
  server.kill();
});

function request(): HttpRequest {
  return new HttpRequest({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
}

/** Waits until the server has reported `count` requests (its report comes on another pipe than the answer). */
async function receivedReaches(count: number): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (received < count && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(received, count);
}

/** Reads an answer to its end, which gives its connection back to the pool for the next request. */
async function drain(out: Awaited<ReturnType<FencedHttpHandler['handle']>>): Promise<void> {
  const body = out.response.body as NodeJS.ReadableStream;
  await new Promise((resolve) => {
    body.once('end', resolve);
    body.resume();
  });
}

/** Holds the thread without yielding, as a frozen process does: no timer can fire meanwhile. */
function freeze(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

test('a request within its deadline is sent', async () => {
  const handler = new FencedHttpHandler();
  const deadlines = new RequestDeadlines(new AbortController().signal);
  const before = received;
  const out = await deadlines.run(5_000, (signal) => handler.handle(request(), { abortSignal: signal }));
  assert.equal(out.response.statusCode, 200);
  await drain(out);
  await receivedReaches(before + 1);
  deadlines.close();
  handler.destroy();
});

test('a request whose deadline passed before it went out is refused, not sent, even before its timer fired', async () => {
  const handler = new FencedHttpHandler();
  const deadlines = new RequestDeadlines(new AbortController().signal);
  // A connection in the pool, ready: without the check, the late request would be written to it before the
  // overdue abort timer runs (a new connection would wait for its connect, and the timer would win).
  const warm = received;
  await drain(await deadlines.run(5_000, (signal) => handler.handle(request(), { abortSignal: signal })));
  await receivedReaches(warm + 1);
  const before = received;
  const sent = deadlines.run(50, (signal) => {
    freeze(80);
    assert.equal(signal.aborted, false, 'the abort timer has not run yet');
    return handler.handle(request(), { abortSignal: signal });
  });
  await assert.rejects(sent, (err: Error & { code?: string }) => err.code === 'ETIMEDOUT');
  // Give a request that slipped out the time to arrive and be reported.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(received, before);
  deadlines.close();
  handler.destroy();
});

for (const [connection, agent] of [
  ['a pooled connection', { keepAlive: true }],
  ['a new connection', { keepAlive: false }],
] as const) {
  test(`a freeze after the handler's check, while Node builds the request, is caught before it goes out on ${connection}`, async () => {
    const handler = new FencedHttpHandler({ agent });
    const deadlines = new RequestDeadlines(new AbortController().signal);
    // The first request resolves the handler's configuration (and, kept alive, leaves a connection in the pool).
    const warm = received;
    await drain(await deadlines.run(5_000, (signal) => handler.handle(request(), { abortSignal: signal })));
    await receivedReaches(warm + 1);
    const before = received;
    const late = request();
    // Node reads the headers while it builds the request, after the handler's own check: freeze there.
    let frozen = false;
    Object.defineProperty(late.headers, 'x-freeze', {
      enumerable: true,
      get: () => {
        if (!frozen) freeze(80);
        frozen = true;
        return '1';
      },
    });
    const sent = deadlines.run(50, (signal) => handler.handle(late, { abortSignal: signal }));
    await assert.rejects(sent, (err: Error & { code?: string }) => err.code === 'ETIMEDOUT');
    assert.ok(frozen, 'the freeze happened inside the handler');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received, before);
    deadlines.close();
    handler.destroy();
  });
}

test('a freeze while a new connection is being made is caught when it connects, before the request goes out', async () => {
  const handler = new FencedHttpHandler({ agent: { keepAlive: false } });
  const deadlines = new RequestDeadlines(new AbortController().signal);
  const warm = received;
  await drain(await deadlines.run(5_000, (signal) => handler.handle(request(), { abortSignal: signal })));
  await receivedReaches(warm + 1);
  const before = received;
  // Go on from a timer: after this code the event loop polls (and sees the connection made) before it runs any
  // timer, so the overdue deadline timer cannot be the one that stops the request.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const sent = deadlines.run(50, (signal) => handler.handle(request(), { abortSignal: signal }));
  freeze(80);
  await assert.rejects(sent, (err: Error & { code?: string }) => err.code === 'ETIMEDOUT');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(received, before);
  deadlines.close();
  handler.destroy();
});

test('a signal that is not a request deadline does not fence anything', async () => {
  const handler = new FencedHttpHandler();
  const before = received;
  const out = await handler.handle(request(), { abortSignal: new AbortController().signal });
  assert.equal(out.response.statusCode, 200);
  await drain(out);
  await receivedReaches(before + 1);
  handler.destroy();
});
