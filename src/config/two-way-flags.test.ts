import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NOT_TWO_WAY, refusedForTwoWay, TWO_WAY_REFUSAL_REASON, twoWayRefusal } from './two-way-flags.js';

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('refusedForTwoWay', () => {
  test('names each refused flag that is set, in kebab case, and dead letters only when asked for', () => {
    assert.deepEqual(refusedForTwoWay({ bootstrap: true, leaseRegion: 'us-east-1', filter: undefined }), [
      'bootstrap',
      'lease-region',
    ]);
    assert.deepEqual(refusedForTwoWay({ bootstrap: false, onReject: 'stop' }), []);
    assert.deepEqual(refusedForTwoWay({ onReject: 'dead-letter' }), ['on-reject']);
  });
});

describe('twoWayRefusal', () => {
  test('every refused flag gets a fix of its own, not the generic rule', () => {
    for (const flag of [...NOT_TWO_WAY.map(kebab), 'on-reject', 'copy-tags']) {
      const line = twoWayRefusal([flag]);
      assert.ok(line.startsWith(`--two-way does not take --${flag}: leave it out; `), line);
      assert.ok(!line.includes(TWO_WAY_REFUSAL_REASON), `${flag}: ${line}`);
      assert.ok(!line.includes('\n'), line);
    }
  });

  test('says what to do instead of the copy flags: bootstrap first', () => {
    assert.match(
      twoWayRefusal(['bootstrap']),
      /run `ddb-replicator bootstrap` .* first, then replicate --two-way/,
    );
    assert.match(twoWayRefusal(['plan']), /mode: two-way/);
    assert.match(twoWayRefusal(['create-dest-table']), /NEW_AND_OLD_IMAGES/);
  });

  test('names all the flags given, and a reason once for flags of one kind', () => {
    const line = twoWayRefusal(['lease-region', 'lease-profile', 'filter', 'transform']);
    assert.ok(
      line.startsWith(
        '--two-way does not take --lease-region, --lease-profile, --filter, --transform: leave them out; ',
      ),
      line,
    );
    assert.equal(line.match(/lease table lives with/g)?.length, 1, line);
    assert.equal(line.match(/goes both ways as it is/g)?.length, 1, line);
  });

  test('policy points the copy to policy --bootstrap without --two-way', () => {
    assert.match(twoWayRefusal(['bootstrap'], 'policy'), /policy --bootstrap without --two-way/);
    assert.match(twoWayRefusal(['filter'], 'policy'), /goes both ways as it is/);
  });

  test('a flag with no fix of its own falls back to the rule', () => {
    assert.ok(twoWayRefusal(['something-new']).endsWith(TWO_WAY_REFUSAL_REASON));
  });
});
