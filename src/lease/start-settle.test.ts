import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SETTLES, SETTLE_START, settleAfterLook, type Settling } from './start-settle.js';

const live = (...ids: string[]): Set<string> => new Set(ids);

describe('settleAfterLook', () => {
  test('nothing free to take: act at once, at any look, whoever arrived', () => {
    const states: Settling[] = [
      SETTLE_START,
      { looks: 1, seen: live('me') },
      { looks: MAX_SETTLES, seen: live('me') },
    ];
    for (const state of states) {
      for (const seen of [live('me'), live('me', 'new')]) {
        assert.equal(settleAfterLook(state, { live: seen, freeToTake: 0 }), undefined);
      }
    }
  });

  test('the first look with leases to take waits one settle, alone or not', () => {
    for (const seen of [live('me'), live('me', 'b', 'c')]) {
      assert.deepEqual(settleAfterLook(SETTLE_START, { live: seen, freeToTake: 12 }), { looks: 1, seen });
    }
  });

  test('a lone worker takes at its second look: one settle', () => {
    const first = settleAfterLook(SETTLE_START, { live: live('me'), freeToTake: 12 });
    assert.ok(first !== undefined);
    assert.equal(settleAfterLook(first, { live: live('me'), freeToTake: 12 }), undefined);
  });

  test('somebody new since the last look: one more settle', () => {
    const state: Settling = { looks: 1, seen: live('me') };
    const seen = live('me', 'b');
    assert.deepEqual(settleAfterLook(state, { live: seen, freeToTake: 12 }), { looks: 2, seen });
  });

  test('somebody gone since the last look, nobody new: act now', () => {
    const state: Settling = { looks: 1, seen: live('me', 'b') };
    assert.equal(settleAfterLook(state, { live: live('me'), freeToTake: 12 }), undefined);
  });

  test('never more than MAX_SETTLES settles, however many keep arriving', () => {
    let state: Settling | undefined = SETTLE_START;
    let settles = 0;
    for (let n = 0; state !== undefined; n++) {
      const seen = live('me', ...Array.from({ length: n }, (_, i) => `w${i}`));
      state = settleAfterLook(state, { live: seen, freeToTake: 3 });
      if (state !== undefined) settles += 1;
      assert.ok(n <= MAX_SETTLES, 'ends');
    }
    assert.equal(settles, MAX_SETTLES);
  });

  test('workers each starting within a settle of the one before all see each other before their first take', () => {
    // Simulated time in settles; a worker writes its presence at its start, looks then and once a settle after
    // each look that ended in waiting. What each sees at the look it acts on decides its share.
    for (const gaps of [
      [0, 0],
      [0.9, 0.9],
      [0.5, 0.99, 0.2],
      [0.99, 0.99, 0.99],
    ]) {
      const starts = gaps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? 0) + gap], [0]);
      const ids = starts.map((_, i) => `w${i}`);
      const present = (t: number): Set<string> => new Set(ids.filter((_, i) => (starts[i] ?? 0) <= t));
      for (const [i, start] of starts.entries()) {
        let state: Settling | undefined = SETTLE_START;
        let t = start;
        let sees: Set<string>;
        for (;;) {
          sees = present(t);
          state = settleAfterLook(state, { live: sees, freeToTake: 12 });
          if (state === undefined) break;
          t += 1;
        }
        if (starts.length - 1 <= MAX_SETTLES)
          assert.deepEqual([...sees], ids, `worker ${i} of starts ${JSON.stringify(starts)}`);
      }
    }
  });
});
