import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageUrl } from './status-wiring.js';

test("the page's address: all interfaces are opened on the loopback; an IPv6 host in brackets", () => {
  assert.equal(pageUrl(undefined, 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('0.0.0.0', 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('::', 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('127.0.0.1', 80), 'http://127.0.0.1:80/');
  assert.equal(pageUrl('::1', 9100), 'http://[::1]:9100/');
  assert.equal(pageUrl('localhost', 9100), 'http://localhost:9100/');
});
