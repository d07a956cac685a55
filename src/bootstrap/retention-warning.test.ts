import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  outlivedRetention,
  projectedCopyMs,
  retentionWarning,
  STREAM_RETENTION_MS,
} from './retention-warning.js';

const HOUR = 3_600_000;

test('projection: elapsed time plus the items left at the rate; none without a finite rate', () => {
  assert.equal(projectedCopyMs({ estimatedItems: 3600, copiedItems: 0, itemsPerSec: 1, elapsedMs: 0 }), HOUR);
  assert.equal(
    projectedCopyMs({ estimatedItems: 3600, copiedItems: 1800, itemsPerSec: 1, elapsedMs: HOUR }),
    1.5 * HOUR,
  );
  assert.equal(
    projectedCopyMs({ estimatedItems: 10, copiedItems: 20, itemsPerSec: 1, elapsedMs: 5 }),
    5,
    'more copied than estimated: nothing left',
  );
  assert.equal(
    projectedCopyMs({ estimatedItems: 1, copiedItems: 0, itemsPerSec: Infinity, elapsedMs: 0 }),
    undefined,
  );
  assert.equal(
    projectedCopyMs({ estimatedItems: 1, copiedItems: 0, itemsPerSec: 0, elapsedMs: 0 }),
    undefined,
  );
});

test('a warning from 75 % of the retention on, naming the rate basis and the hours', () => {
  const items = (hours: number, rate: number): number => hours * 3600 * rate;
  assert.equal(
    retentionWarning(
      { estimatedItems: items(17.9, 100), copiedItems: 0, itemsPerSec: 100, elapsedMs: 0 },
      'chosen rate',
    ),
    undefined,
  );
  const warning = retentionWarning(
    { estimatedItems: items(18, 100), copiedItems: 0, itemsPerSec: 100, elapsedMs: 0 },
    'chosen rate',
  );
  assert.match(warning ?? '', /18\.0 h at the chosen rate \(100 items\/s\)/);
  assert.match(warning ?? '', /24-hour retention/);
  assert.ok(
    retentionWarning(
      { estimatedItems: 100, copiedItems: 0, itemsPerSec: 100, elapsedMs: 20 * HOUR },
      'measured rate',
    ) !== undefined,
    'time already spent counts',
  );
});

test('outlived: from 24 hours after the positions were recorded', () => {
  assert.equal(outlivedRetention(0, STREAM_RETENTION_MS - 1), false);
  assert.equal(outlivedRetention(0, STREAM_RETENTION_MS), true);
});
