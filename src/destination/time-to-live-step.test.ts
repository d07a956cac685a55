import type { TimeToLiveDescription, TimeToLiveStatus } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timeToLiveAttribute, timeToLiveStep } from './time-to-live-step.js';

const TABLES = { sourceTable: 'src', destinationTable: 'dst' };
const ttl = (status: TimeToLiveStatus, attribute?: string): TimeToLiveDescription => ({
  TimeToLiveStatus: status,
  ...(attribute === undefined ? {} : { AttributeName: attribute }),
});

describe('timeToLiveAttribute', () => {
  test('the attribute of a TTL that is on or being turned on', () => {
    assert.equal(timeToLiveAttribute(ttl('ENABLED', 'expires')), 'expires');
    assert.equal(timeToLiveAttribute(ttl('ENABLING', 'expires')), 'expires');
  });

  test('nothing for a TTL that is off, being turned off, or not described', () => {
    assert.equal(timeToLiveAttribute(ttl('DISABLED')), undefined);
    assert.equal(timeToLiveAttribute(ttl('DISABLING', 'expires')), undefined);
    assert.equal(timeToLiveAttribute({}), undefined);
    assert.equal(timeToLiveAttribute(undefined), undefined);
  });
});

describe('timeToLiveStep', () => {
  test('a source without TTL asks for nothing, whatever the destination has', () => {
    for (const destination of [undefined, ttl('DISABLED'), ttl('ENABLED', 'x'), ttl('DISABLING', 'x')]) {
      assert.deepEqual(timeToLiveStep(undefined, destination, TABLES), { kind: 'none' });
    }
  });

  test("a destination without TTL gets the source's attribute", () => {
    for (const destination of [undefined, {}, ttl('DISABLED')]) {
      assert.deepEqual(timeToLiveStep('expires', destination, TABLES), {
        kind: 'enable',
        attribute: 'expires',
      });
    }
  });

  test('a destination with the same TTL (on or being turned on, by another worker perhaps) needs nothing', () => {
    for (const status of ['ENABLED', 'ENABLING'] as const) {
      assert.deepEqual(timeToLiveStep('expires', ttl(status, 'expires'), TABLES), { kind: 'none' });
    }
  });

  test('a destination with TTL on another attribute is left as it is, with a warning naming both', () => {
    for (const status of ['ENABLED', 'ENABLING'] as const) {
      const step = timeToLiveStep('expires', ttl(status, 'other'), TABLES);
      assert.equal(step.kind, 'warn');
      if (step.kind !== 'warn') continue;
      for (const text of [
        'destination table dst',
        'attribute other',
        'source table src',
        'attribute expires',
        'left as it is',
      ])
        assert.ok(step.message.includes(text), `"${step.message}" mentions "${text}"`);
    }
  });

  test('a destination whose TTL is being turned off is left as it is, with a warning', () => {
    const step = timeToLiveStep('expires', ttl('DISABLING', 'expires'), TABLES);
    assert.equal(step.kind, 'warn');
    if (step.kind === 'warn') assert.ok(step.message.includes('TTL being turned off'), step.message);
  });
});
