import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatVerifySummary,
  keyToJson,
  summaryJson,
  verifyExitCode,
  verifyResult,
  type VerifySummary,
} from './verify-summary.js';

function summary(overrides: Partial<VerifySummary> = {}): VerifySummary {
  return {
    source: { table: 'src', region: 'us-east-1', items: 3000, segments: 4, estimatedItems: 3000 },
    destination: {
      table: 'dst',
      region: 'us-west-2',
      endpoint: 'http://localhost:8001',
      items: 2999,
      segments: 4,
    },
    compared: 3000,
    missing: 0,
    extra: 0,
    different: 0,
    keys: { missing: [], extra: [], different: [] },
    recheck: { suspects: 0, settled: 0, drift: 0, extended: 0, looks: 0, delayMs: 2000, rounds: 3 },
    durationMs: 4321,
    retries: 2,
    readRate: { ratePerSec: null, waits: 0, waitedMs: 0 },
    ...overrides,
  };
}

const repair = { written: 0, deleted: 0, failed: 0, failures: [] };

describe('verdict and exit code', () => {
  test('equal tables: 0', () => {
    assert.equal(verifyResult(summary()), 'equal');
    assert.equal(verifyExitCode('equal'), 0);
  });
  test('differences without --repair: 1', () => {
    const s = summary({ missing: 1 });
    assert.equal(verifyResult(s), 'different');
    assert.equal(verifyExitCode(verifyResult(s)), 1);
  });
  test('--repair that wrote every difference: 0; one refused write: 1', () => {
    const fixed = summary({ extra: 2, repair: { ...repair, deleted: 2 } });
    assert.equal(verifyResult(fixed), 'repaired');
    assert.equal(verifyExitCode('repaired'), 0);
    const failed = summary({ different: 2, repair: { ...repair, written: 1, failed: 1 } });
    assert.equal(verifyResult(failed), 'repair-incomplete');
    assert.equal(verifyExitCode('repair-incomplete'), 1);
  });
  test('--repair with nothing to repair is equal', () => {
    assert.equal(verifyResult(summary({ repair })), 'equal');
  });
});

test('keyToJson gives DynamoDB JSON with binary as base64', () => {
  assert.deepEqual(keyToJson({ pk: { S: 'a' }, sk: { N: '1.5' } }), { pk: { S: 'a' }, sk: { N: '1.5' } });
  assert.deepEqual(keyToJson({ id: { B: new Uint8Array([1, 2, 255]) } }), { id: { B: 'AQL/' } });
});

test('summaryJson puts the verdict and exit code first', () => {
  const json = summaryJson(summary({ different: 1 }));
  assert.deepEqual(Object.keys(json).slice(0, 2), ['result', 'exitCode']);
  assert.equal(json.result, 'different');
  assert.equal(json.exitCode, 1);
  assert.equal(json.compared, 3000);
});

describe('formatVerifySummary', () => {
  test('equal tables: the verdict, the counts, duration and retries', () => {
    const text = formatVerifySummary(summary());
    assert.match(
      text,
      /source table src \(region us-east-1\) against destination table dst \(region us-west-2 at http:\/\/localhost:8001\)/,
    );
    assert.match(text, /^EQUAL/m);
    assert.match(text, /compared +3,000 source items \(destination: 2,999 items scanned\)/);
    assert.match(text, /re-checked +none/);
    assert.match(text, /took +0:04 \(4,321 ms\), 2 retries, 4\+4 segments$/m);
    assert.doesNotMatch(text, /first keys/);
    assert.doesNotMatch(text, /left out by the rules/, 'no rules, no line about them');
  });

  test('with rules: the source items they left out are counted', () => {
    const text = formatVerifySummary(summary({ leftOut: 1234 }));
    assert.match(text, /rules +1,234 source items left out by the rules \(absent at the destination\)/);
    assert.equal(summaryJson(summary({ leftOut: 1234 })).leftOut, 1234);
  });

  test('differences: counts, re-check figures, the keys shown, with the differing attributes', () => {
    const text = formatVerifySummary(
      summary({
        missing: 1,
        different: 1,
        keys: {
          missing: [{ key: { pk: { S: 'gone' } } }],
          extra: [],
          different: [{ key: { pk: { S: 'changed' } }, attributes: ['doc', 'tags'] }],
        },
        recheck: { suspects: 5, settled: 3, drift: 2, extended: 0, looks: 9, delayMs: 2000, rounds: 3 },
        readRate: { ratePerSec: 100, waits: 7, waitedMs: 900 },
      }),
    );
    assert.match(text, /^DIFFERENT: 2 items differ/m);
    assert.match(text, /missing +1 /);
    assert.match(
      text,
      /re-checked +5 items that differed at first look: 3 settled by the re-check \(changes in flight\), 2 still differ/,
    );
    assert.match(text, /read-rate waits 7/);
    assert.match(
      text,
      /first keys of each kind:\n {2}missing +\{"pk":\{"S":"gone"\}\}\n {2}different +\{"pk":\{"S":"changed"\}\} +attributes: doc, tags/,
    );
  });

  test('repair: what was written, deleted and refused', () => {
    const text = formatVerifySummary(
      summary({
        extra: 1,
        different: 1,
        repair: {
          written: 0,
          deleted: 1,
          failed: 1,
          failures: [{ key: { pk: { S: 'big' } }, error: 'item too large' }],
        },
        writeRate: { ratePerSec: 10, waits: 3, waitedMs: 200 },
      }),
    );
    assert.match(text, /^REPAIR INCOMPLETE: 2 items differed; 1 item could not be written/m);
    assert.match(text, /repaired +0 written, 1 deleted, 1 failed/);
    assert.match(text, /failed \{"pk":\{"S":"big"\}\}: item too large/);
    assert.match(text, /write-rate waits 3/);
  });
});

describe('verify --two-way: verdict, exit code and text', () => {
  const twoWay = {
    prefer: undefined,
    winners: { a: 1, b: 1, absent: 0 },
    byPreference: 0,
    needPreference: 0,
    needPreferenceKeys: [],
  };
  const twoWayRepair = { written: 2, stamped: 1, deleted: 0, changed: 0, failed: 0, failures: [] };

  test('pairs no stamp orders and no --prefer: needs-preference, exit 1, a line naming --prefer a|b', () => {
    const s = summary({
      different: 3,
      twoWay: { ...twoWay, needPreference: 1, needPreferenceKeys: [{ pk: { S: 'k' } }] },
    });
    assert.equal(verifyResult(s), 'needs-preference');
    assert.equal(verifyExitCode('needs-preference'), 1);
    const text = formatVerifySummary(s);
    assert.match(
      text,
      /NEEDS A PREFERENCE: 1 of the 3 items that differ is unstamped on a side, so no version orders it: pass --prefer a\|b to say which side wins\n/,
    );
    assert.match(text, /--prefer +\{"pk":\{"S":"k"\}\}/);
    assert.match(text, /^verify --two-way: side A table src .* side B table dst/);
  });

  test('the preference line agrees in number with what needs it: one, several, all', () => {
    const line = (different: number, needPreference: number): string =>
      formatVerifySummary(summary({ different, twoWay: { ...twoWay, needPreference } })).split('\n')[1] ?? '';
    assert.match(line(1, 1), /: the 1 item that differs is unstamped on a side, so no version orders it:/);
    assert.match(line(3, 3), /: all 3 items that differ are unstamped on a side, so no version orders them:/);
    assert.match(
      line(1200, 2),
      /: 2 of the 1,200 items that differ are unstamped on a side, so no version orders them:/,
    );
  });

  test('differences without --repair: different (1); every winner written: repaired (0)', () => {
    assert.equal(verifyResult(summary({ different: 2, twoWay })), 'different');
    const fixed = summary({ different: 2, twoWay: { ...twoWay, repair: twoWayRepair } });
    assert.equal(verifyResult(fixed), 'repaired');
    assert.match(formatVerifySummary(fixed), /repaired +2 written \(1 stamped first\)/);
  });

  test('a key changed since read, or a refused write: repair-incomplete (1)', () => {
    for (const r of [{ changed: 1 }, { failed: 1 }]) {
      const s = summary({ missing: 2, twoWay: { ...twoWay, repair: { ...twoWayRepair, ...r } } });
      assert.equal(verifyResult(s), 'repair-incomplete');
      assert.match(formatVerifySummary(s), /REPAIR INCOMPLETE: 2 items differed; 1 item not written/);
    }
  });

  test('equal sides say so, markers included', () => {
    const s = summary({ twoWay });
    assert.equal(verifyResult(s), 'equal');
    assert.match(formatVerifySummary(s), /EQUAL: both sides hold the same items, markers included/);
  });
});
