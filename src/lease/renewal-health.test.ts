import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RenewalHealth } from './renewal-health.js';

function setup(): { health: RenewalHealth; clock: { now: number } } {
  const clock = { now: 500 };
  return { health: new RenewalHealth(() => clock.now), clock };
}

describe('RenewalHealth', () => {
  test('starts neither joined nor failing', () => {
    const { health } = setup();
    assert.equal(health.hasJoined, false);
    assert.equal(health.failingForMs(), undefined);
  });

  test('a heartbeat joins; a renewal answer alone does not', () => {
    const { health } = setup();
    health.answered();
    assert.equal(health.hasJoined, false);
    health.joined();
    assert.equal(health.hasJoined, true);
  });

  test('failures are timed from the first one of a run', () => {
    const { health, clock } = setup();
    health.failed();
    clock.now += 2_000;
    health.failed();
    clock.now += 3_000;
    assert.equal(health.failingForMs(), 5_000);
  });

  test('an answer ends the run; the next failure starts a new one', () => {
    const { health, clock } = setup();
    health.failed();
    clock.now += 9_000;
    health.answered();
    assert.equal(health.failingForMs(), undefined);
    clock.now += 1_000;
    health.failed();
    clock.now += 1_000;
    assert.equal(health.failingForMs(), 1_000);
    health.joined();
    assert.equal(health.failingForMs(), undefined, 'a heartbeat is an answer too');
  });

  test('once joined, stays joined while failing (readiness is about having joined, liveness about failing)', () => {
    const { health, clock } = setup();
    health.joined();
    health.failed();
    clock.now += 60_000;
    assert.equal(health.hasJoined, true);
    assert.equal(health.failingForMs(), 60_000);
  });
});
