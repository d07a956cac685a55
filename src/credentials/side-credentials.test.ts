import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { AwsCredentialIdentity } from '@smithy/types';
import { classifyError } from '../errors/classify-error.js';
import { withRefreshFallback } from './side-credentials.js';

const ROLE = 'arn:aws:iam::222222222222:role/replicator';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A provider that answers from a script: credentials, or an error to throw. */
function scripted(answers: (AwsCredentialIdentity | Error)[]) {
  let calls = 0;
  const provider = () => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls += 1;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer!);
  };
  return { provider, calls: () => calls };
}

function credentials(n: number, expiresAt: number): AwsCredentialIdentity {
  return {
    accessKeyId: `key-${n}`,
    secretAccessKey: `secret-${n}`,
    sessionToken: `token-${n}`,
    expiration: new Date(expiresAt),
  };
}

const stsDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('withRefreshFallback', () => {
  test('a failed refresh hands out the valid credentials in hand, logs the side and role, and backs off', async () => {
    let now = 0;
    const { logger, lines } = capturingLogger();
    const inner = scripted([credentials(1, 300_000), stsDown, credentials(2, 900_000)]);
    const provider = withRefreshFallback(inner.provider, {
      side: 'destination',
      source: { roleArn: ROLE },
      logger,
      now: () => now,
      random: () => 0.5,
    });
    assert.equal((await provider()).accessKeyId, 'key-1');
    now = 10_000;
    assert.equal((await provider()).accessKeyId, 'key-1', 'the refresh failed: the current ones');
    assert.equal(inner.calls(), 2);
    const warning = lines.find((l) => l.level === 40);
    assert.equal(warning?.side, 'destination');
    assert.match(String(warning?.credentials), new RegExp(ROLE));
    assert.match(String(warning?.msg), /going on with the current credentials/);
    // Within the backoff the provider is not asked again.
    now = 10_500;
    assert.equal((await provider()).accessKeyId, 'key-1');
    assert.equal(inner.calls(), 2);
    now = 60_000;
    assert.equal((await provider()).accessKeyId, 'key-2');
    assert.equal(inner.calls(), 3);
    assert.ok(lines.some((l) => l.msg === 'credentials refreshed again' && l.failures === 1));
  });

  test('once the credentials in hand have expired, a failed refresh is a retriable error naming side and role', async () => {
    let now = 0;
    const { logger } = capturingLogger();
    const inner = scripted([credentials(1, 20_000), stsDown]);
    const provider = withRefreshFallback(inner.provider, {
      side: 'destination',
      source: { roleArn: ROLE, profile: 'base' },
      logger,
      now: () => now,
      random: () => 0.5,
    });
    await provider();
    now = 10_000;
    const err = await provider().then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.equal((err as Error).name, 'CredentialsRefreshError');
    assert.match(
      (err as Error).message,
      /destination side's credentials \(role .*replicator assumed with profile base\)/,
    );
    assert.deepEqual(classifyError(err), { kind: 'retriable', reason: 'credentials' });
    // Within the backoff it fails at once, without asking STS.
    await assert.rejects(provider(), { name: 'CredentialsRefreshError' });
    assert.equal(inner.calls(), 2);
  });

  test('the first failure is not wrapped: the startup check reports it as it is', async () => {
    const { logger } = capturingLogger();
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    const provider = withRefreshFallback(scripted([denied]).provider, {
      side: 'source',
      source: { roleArn: ROLE },
      logger,
    });
    await assert.rejects(provider(), { name: 'AccessDenied' });
  });

  test('no secret in any log line', async () => {
    let now = 0;
    const { logger, lines } = capturingLogger();
    const inner = scripted([
      credentials(1, 300_000),
      stsDown,
      credentials(2, 900_000),
      credentials(3, 1_500_000),
    ]);
    const provider = withRefreshFallback(inner.provider, {
      side: 'destination',
      source: { roleArn: ROLE },
      logger,
      now: () => now,
      random: () => 0.5,
    });
    for (const at of [0, 10_000, 60_000, 700_000]) {
      now = at;
      await provider();
    }
    assert.ok(lines.length >= 3, JSON.stringify(lines));
    const text = JSON.stringify(lines);
    for (const n of [1, 2, 3]) {
      assert.ok(!text.includes(`secret-${n}`) && !text.includes(`token-${n}`), text);
    }
  });
});
