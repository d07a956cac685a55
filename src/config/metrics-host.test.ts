import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMetricsHost } from './replication-config.js';

test('--metrics-host takes an IP address or a host name', () => {
  for (const good of [
    undefined,
    '127.0.0.1',
    '0.0.0.0',
    '::',
    '::1',
    'localhost',
    'metrics.internal',
    'host-1',
  ]) {
    assert.doesNotThrow(() => checkMetricsHost(good), String(good));
  }
  for (const bad of ['', ' ', 'http://x', 'a b', '127.0.0.1:9100', '-x']) {
    assert.throws(
      () => checkMetricsHost(bad),
      /--metrics-host .* is neither an IP address nor a host name/,
      bad,
    );
  }
});
