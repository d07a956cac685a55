import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  afterFailure,
  afterSuccess,
  INITIAL_REFRESH_STATE,
  refreshAction,
  stillValid,
  VALIDITY_MARGIN_MS,
} from './refresh-fallback.js';

const NOW = 1_000_000;

describe('refreshAction', () => {
  test('nothing in hand yet: refresh', () => {
    assert.equal(refreshAction(INITIAL_REFRESH_STATE, NOW), 'refresh');
  });

  test('no failure since the last success: refresh (the SDK asks only when a refresh is due)', () => {
    assert.equal(refreshAction(afterSuccess(NOW + 60_000), NOW), 'refresh');
    assert.equal(refreshAction(afterSuccess(undefined), NOW), 'refresh');
  });

  test('after a failure, before the backoff ends: the credentials in hand while they are valid', () => {
    const failed = afterFailure(afterSuccess(NOW + 120_000), NOW, 0.5);
    assert.ok(failed.retryAt > NOW);
    assert.equal(refreshAction(failed, NOW + 1), 'use-current');
  });

  test('after a failure, before the backoff ends, with credentials about to expire: fail at once', () => {
    const failed = afterFailure(afterSuccess(NOW + VALIDITY_MARGIN_MS), NOW, 0.5);
    assert.equal(refreshAction(failed, NOW + 1), 'fail');
  });

  test('after a failure with nothing in hand: fail until the backoff ends, then refresh', () => {
    const failed = afterFailure(INITIAL_REFRESH_STATE, NOW, 0.5);
    assert.equal(refreshAction(failed, NOW + 1), 'fail');
    assert.equal(refreshAction(failed, failed.retryAt), 'refresh');
  });

  test('once the backoff ends: refresh again', () => {
    const failed = afterFailure(afterSuccess(NOW + 120_000), NOW, 0.5);
    assert.equal(refreshAction(failed, failed.retryAt), 'refresh');
  });
});

describe('afterFailure', () => {
  test('the wait grows with the failures in a row and is capped at 30 s', () => {
    let state = afterSuccess(NOW + 300_000);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      state = afterFailure(state, NOW, 0.999);
      waits.push(state.retryAt - NOW);
    }
    assert.equal(state.failures, 8);
    for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! >= waits[i - 1]!, String(waits));
    assert.ok(waits.at(-1)! <= 30_000 && waits.at(-1)! > 29_000, String(waits));
  });

  test('never less than a second, whatever the jitter draws', () => {
    const state = afterFailure(afterSuccess(NOW + 300_000), NOW, 0);
    assert.equal(state.retryAt - NOW, 1_000);
  });

  test('keeps what is in hand', () => {
    const state = afterFailure(afterSuccess(NOW + 300_000), NOW, 0.5);
    assert.equal(state.holding, true);
    assert.equal(state.expiresAt, NOW + 300_000);
  });
});

describe('stillValid', () => {
  test('credentials without an expiration stay valid', () => {
    assert.equal(stillValid(afterSuccess(undefined), NOW), true);
  });

  test('valid only while more than the margin is left', () => {
    assert.equal(stillValid(afterSuccess(NOW + VALIDITY_MARGIN_MS + 1), NOW), true);
    assert.equal(stillValid(afterSuccess(NOW + VALIDITY_MARGIN_MS), NOW), false);
    assert.equal(stillValid(afterSuccess(NOW - 1), NOW), false);
  });

  test('nothing in hand is not valid', () => {
    assert.equal(stillValid(INITIAL_REFRESH_STATE, NOW), false);
  });
});
