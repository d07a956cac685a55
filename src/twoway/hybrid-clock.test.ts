import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HybridClock } from './hybrid-clock.js';
import { MAX_COUNTER, compareStamps, formatStamp, type Side } from './version-stamp.js';

/** A wall clock the test sets by hand. */
function handClock(start: number): { now: () => number; set: (ms: number) => void } {
  let value = start;
  return { now: () => value, set: (ms) => (value = ms) };
}

function assertIncreasing(stamps: readonly string[]): void {
  for (let i = 1; i < stamps.length; i += 1) {
    assert.equal(compareStamps(stamps[i - 1]!, stamps[i]!), -1, `${stamps[i - 1]} < ${stamps[i]}`);
  }
}

describe('HybridClock', () => {
  test('follows the wall clock while it moves forward, counter 0', () => {
    const wall = handClock(1000);
    const clock = new HybridClock('a', wall.now);
    assert.equal(clock.nextStamp(), '0000000001000.0000#a');
    wall.set(1005);
    assert.equal(clock.nextStamp(), '0000000001005.0000#a');
  });

  test('within one millisecond the counter orders versions', () => {
    const clock = new HybridClock('b', () => 1000);
    const stamps = [clock.nextStamp(), clock.nextStamp(), clock.nextStamp()];
    assert.deepEqual(stamps, ['0000000001000.0000#b', '0000000001000.0001#b', '0000000001000.0002#b']);
  });

  test('a wall clock that goes backwards does not take the versions back', () => {
    const wall = handClock(5000);
    const clock = new HybridClock('a', wall.now);
    const stamps = [clock.nextStamp()];
    wall.set(4000);
    stamps.push(clock.nextStamp(), clock.nextStamp());
    assert.deepEqual(stamps.slice(1), ['0000000005000.0001#a', '0000000005000.0002#a']);
    wall.set(5001);
    stamps.push(clock.nextStamp());
    assert.equal(stamps[3], '0000000005001.0000#a');
    assertIncreasing(stamps);
  });

  test('a full counter borrows the next millisecond, and the order holds', () => {
    const clock = new HybridClock('a', () => 1000);
    const stamps: string[] = [];
    for (let i = 0; i <= MAX_COUNTER + 2; i += 1) stamps.push(clock.nextStamp());
    assert.equal(stamps[MAX_COUNTER], '0000000001000.9999#a');
    assert.equal(stamps[MAX_COUNTER + 1], '0000000001001.0000#a');
    assert.equal(stamps[MAX_COUNTER + 2], '0000000001001.0001#a');
    assertIncreasing(stamps);
  });

  test('after borrowing, a wall clock that reaches the borrowed millisecond does not repeat a version', () => {
    const wall = handClock(1000);
    const clock = new HybridClock('a', wall.now);
    clock.observe({ ms: 1000, counter: MAX_COUNTER, side: 'b' });
    assert.equal(clock.nextStamp(), '0000000001001.0000#a');
    wall.set(1001);
    assert.equal(clock.nextStamp(), '0000000001001.0001#a');
  });

  test('a clock past what a stamp holds is refused', () => {
    const clock = new HybridClock('a', () => 0);
    clock.observe({ ms: 9_999_999_999_999, counter: MAX_COUNTER, side: 'b' });
    assert.throws(() => clock.next(), RangeError);
  });

  describe('observe: never behind a version seen', () => {
    const sides: Side[] = ['a', 'b'];
    for (const own of sides) {
      for (const other of sides) {
        test(`side ${own} after seeing a version of side ${other} ahead of its wall clock`, () => {
          const clock = new HybridClock(own, () => 1000);
          const seen = formatStamp({ ms: 2000, counter: 7, side: other });
          assert.equal(clock.observe(seen), true);
          const next = clock.nextStamp();
          assert.equal(next, formatStamp({ ms: 2000, counter: 8, side: own }));
          assert.equal(compareStamps(next, seen), 1);
        });
      }
    }

    test('a version behind the clock moves nothing', () => {
      const clock = new HybridClock('a', () => 3000);
      clock.nextStamp();
      clock.observe('0000000002000.0005#b');
      assert.equal(clock.nextStamp(), '0000000003000.0001#a');
    });

    test('the same millisecond with a higher counter moves the counter', () => {
      const clock = new HybridClock('a', () => 3000);
      clock.nextStamp();
      clock.observe('0000000003000.0040#b');
      assert.equal(clock.nextStamp(), '0000000003000.0041#a');
    });

    test('a string that is not a version is ignored', () => {
      const clock = new HybridClock('a', () => 3000);
      assert.equal(clock.observe('9999999999999.9999#z'), false);
      assert.equal(clock.observe('hello'), false);
      assert.equal(clock.nextStamp(), '0000000003000.0000#a');
    });

    test('two clocks exchanging versions over a jumpy wall clock never make one at or below one seen', () => {
      // Deterministic pseudo-random walk: each step one clock stamps (and the other observes), with wall
      // clocks that jump back and forth by up to 50 ms and skew 30 ms apart.
      let seed = 7;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const walls = [handClock(10_000), handClock(10_030)];
      const clocks = [new HybridClock('a', walls[0]!.now), new HybridClock('b', walls[1]!.now)];
      const seenBy: string[][] = [[], []];
      for (let step = 0; step < 2000; step += 1) {
        const who = random() < 0.5 ? 0 : 1;
        const wall = walls[who]!;
        wall.set(Math.max(0, wall.now() + Math.floor(random() * 100) - 50));
        const stamp = clocks[who]!.nextStamp();
        for (const earlier of seenBy[who]!) assert.equal(compareStamps(stamp, earlier), 1);
        seenBy[who] = [stamp];
        if (random() < 0.7) {
          clocks[1 - who]!.observe(stamp);
          seenBy[1 - who]!.push(stamp);
        }
      }
    });
  });
});
