import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { formatDuration, formatProgressLine, ProgressBar, progressState } from './progress-bar.js';

describe('progressState', () => {
  test('rate over the window, ETA from what is left', () => {
    const state = progressState(600, 1000, 0, 10_000, { at: 4_000, done: 0 });
    assert.equal(state.ratePerSec, 100);
    assert.equal(state.etaMs, 4_000);
    assert.equal(state.elapsedMs, 10_000);
  });
  test('no ETA without a total, past the total, or before any progress', () => {
    assert.equal(progressState(10, undefined, 0, 1000, undefined).etaMs, undefined);
    assert.equal(progressState(1200, 1000, 0, 1000, undefined).etaMs, undefined);
    assert.equal(progressState(0, 1000, 0, 1000, undefined).etaMs, undefined);
    assert.equal(progressState(0, 1000, 0, 0, undefined).ratePerSec, 0);
  });
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(65_000), '1:05');
  assert.equal(formatDuration(3_725_000), '1:02:05');
});

describe('formatProgressLine', () => {
  const state = { done: 2500, total: 10_000, elapsedMs: 5000, ratePerSec: 500, etaMs: 15_000 };
  test('a bar, percentage, counts, rate, ETA, elapsed and the extra figures', () => {
    const line = formatProgressLine('verify', 'items', state, { differ: 3 }, 120);
    assert.equal(
      line,
      'verify [########......................]  25% 2,500/10,000 items  500/s  ETA 0:15  0:05  differ 3',
    );
    assert.ok(line.length <= 120);
  });
  test('no bar when narrow or when the total is unknown', () => {
    assert.doesNotMatch(formatProgressLine('verify', 'items', state, {}, 50), /\[/);
    assert.ok(formatProgressLine('verify', 'items', state, {}, 50).length <= 50);
    assert.equal(
      formatProgressLine('copy', 'items', { ...state, total: undefined, etaMs: undefined }, {}, 120),
      'copy 2,500 items  500/s  0:05',
    );
  });
  test('done past an estimated total shows a full bar', () => {
    const line = formatProgressLine('verify', 'items', { ...state, done: 12_000, etaMs: undefined }, {}, 120);
    assert.match(line, /\[#+\] 100% 12,000\/10,000 items/);
  });
});

describe('ProgressBar', () => {
  test('on a terminal: redraws one line in place and ends it on stop', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const bar = new ProgressBar({
      label: 'verify',
      total: 100,
      stream: out as unknown as NodeJS.WriteStream,
      tty: true,
      intervalMs: 5,
    });
    bar.start();
    bar.add(40);
    await new Promise((resolve) => setTimeout(resolve, 30));
    bar.add(60);
    await bar.stop();
    await bar.stop();
    assert.match(text, /^\rverify \[/);
    assert.match(text, /\rverify \[#+\] 100% 100\/100 items .*\n$/);
    assert.equal(text.split('\n').length, 2, 'one line, ended once');
  });

  test('elsewhere: log lines with the figures', async () => {
    const lines: { fields: object; message: string }[] = [];
    const bar = new ProgressBar({
      label: 'bootstrap',
      total: 10,
      tty: false,
      intervalMs: 5,
      log: { info: (fields, message) => lines.push({ fields, message }) },
      extra: () => ({ retries: 2 }),
    });
    bar.start();
    bar.set(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await bar.stop();
    assert.ok(lines.length >= 2);
    const last = lines.at(-1);
    assert.equal(last?.message, 'bootstrap progress');
    assert.deepEqual(
      {
        ...(last?.fields as { progress: Record<string, unknown> }).progress,
        ratePerSec: 0,
        elapsedMs: 0,
        etaMs: 0,
      },
      { done: 5, total: 10, ratePerSec: 0, etaMs: 0, elapsedMs: 0, retries: 2 },
    );
  });

  test('stop without start draws nothing', async () => {
    const lines: string[] = [];
    const bar = new ProgressBar({ label: 'x', tty: false, log: { info: (_f, m) => lines.push(m) } });
    await bar.stop();
    assert.deepEqual(lines, []);
  });

  test('an interval of 0 draws nothing, and does not spin', async () => {
    const lines: string[] = [];
    const bar = new ProgressBar({
      label: 'x',
      tty: false,
      intervalMs: 0,
      log: { info: (_f, m) => lines.push(m) },
    });
    bar.start();
    bar.add(3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await bar.stop();
    assert.deepEqual(lines, []);
    assert.equal(bar.snapshot().done, 3);
  });
});
