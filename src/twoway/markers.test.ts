import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import {
  DELETING,
  digestOf,
  isMarkedDeleting,
  markerNames,
  matchesItsStamp,
  readDigest,
  readStamp,
  stampImage,
  withoutMarkers,
} from './markers.js';

const markers = markerNames();
const STAMP = '1764720000000.0003#a';

describe('markerNames', () => {
  test('default prefix _ddbr', () => {
    assert.deepEqual(markerNames(), { version: '_ddbr_v', digest: '_ddbr_h' });
  });

  for (const prefix of ['x', 'rep', 'Ddbr-2', 'my.app_', 'a'.repeat(64)]) {
    test(`prefix ${JSON.stringify(prefix)} is accepted`, () => {
      assert.deepEqual(markerNames(prefix), { version: `${prefix}_v`, digest: `${prefix}_h` });
    });
  }

  for (const prefix of ['', 'a b', '#x', ':x', 'x;y', 'ü', 'a'.repeat(65), 'x\n']) {
    test(`prefix ${JSON.stringify(prefix)} is refused with one line naming the fix`, () => {
      assert.throws(
        () => markerNames(prefix),
        (err: unknown) =>
          err instanceof ConfigError &&
          !err.message.includes('\n') &&
          err.message.includes('use 1 to 64 letters') &&
          err.message.includes('default _ddbr'),
      );
    });
  }

  test('a marker that would be a key attribute is refused', () => {
    assert.throws(
      () => markerNames('x', ['pk', 'x_v']),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('x_v') &&
        err.message.includes('another marker prefix'),
    );
    assert.throws(() => markerNames('x', ['x_h']), ConfigError);
    assert.deepEqual(markerNames('x', ['pk', 'sk']), { version: 'x_v', digest: 'x_h' });
  });
});

describe('readStamp / readDigest', () => {
  test('the S values of the marker attributes', () => {
    const image = { pk: { S: 'k' }, _ddbr_v: { S: STAMP }, _ddbr_h: { S: 'abc' } };
    assert.equal(readStamp(image, markers), STAMP);
    assert.equal(readDigest(image, markers), 'abc');
  });
  test('unstamped: no image, no attribute, or a value that is not a string', () => {
    assert.equal(readStamp(undefined, markers), undefined);
    assert.equal(readStamp({ pk: { S: 'k' } }, markers), undefined);
    assert.equal(readStamp({ pk: { S: 'k' }, _ddbr_v: { N: '5' } }, markers), undefined);
    assert.equal(readStamp({ pk: { S: 'k' }, _ddbr_v: { NULL: true } }, markers), undefined);
    assert.equal(readDigest({ pk: { S: 'k' }, _ddbr_h: { B: new Uint8Array() } }, markers), undefined);
  });
  test('another prefix reads its own attributes only', () => {
    const other = markerNames('rep');
    assert.equal(readStamp({ _ddbr_v: { S: STAMP } }, other), undefined);
    assert.equal(readStamp({ rep_v: { S: STAMP } }, other), STAMP);
  });
});

describe('stampImage / matchesItsStamp / withoutMarkers', () => {
  const image = { pk: { S: 'k' }, n: { N: '1' } };

  test('stamps the version and the digest of the content, leaves the input alone', () => {
    const stamped = stampImage(image, markers, STAMP);
    assert.deepEqual(stamped, {
      pk: { S: 'k' },
      n: { N: '1' },
      _ddbr_v: { S: STAMP },
      _ddbr_h: { S: digestOf(image, markers) },
    });
    assert.deepEqual(image, { pk: { S: 'k' }, n: { N: '1' } });
    assert.deepEqual(withoutMarkers(stamped, markers), image);
  });

  test('restamping replaces both markers, and a DELETING mark', () => {
    const marked = { ...image, _ddbr_v: { S: 'old' }, _ddbr_h: { S: DELETING } };
    const stamped = stampImage(marked, markers, STAMP);
    assert.equal(readStamp(stamped, markers), STAMP);
    assert.equal(readDigest(stamped, markers), digestOf(image, markers));
  });

  test('a stamped image matches its stamp; one whose content changed after stamping does not', () => {
    const stamped = stampImage(image, markers, STAMP);
    assert.equal(matchesItsStamp(stamped, markers), true);
    assert.equal(matchesItsStamp({ ...stamped, n: { N: '2' } }, markers), false);
    assert.equal(matchesItsStamp({ ...stamped, extra: { S: 'x' } }, markers), false);
  });

  test('no image, an unstamped image, or one marked DELETING does not match', () => {
    assert.equal(matchesItsStamp(undefined, markers), false);
    assert.equal(matchesItsStamp({ ...image, _ddbr_h: { S: digestOf(image, markers) } }, markers), false);
    assert.equal(
      matchesItsStamp({ ...image, _ddbr_v: { S: STAMP }, _ddbr_h: { S: DELETING } }, markers),
      false,
    );
  });
});

describe('isMarkedDeleting', () => {
  test('stamped and marked DELETING', () => {
    assert.equal(isMarkedDeleting({ _ddbr_v: { S: STAMP }, _ddbr_h: { S: DELETING } }, markers), true);
  });
  test('not: a digest, no stamp, no image', () => {
    assert.equal(isMarkedDeleting(stampImage({ pk: { S: 'k' } }, markers, STAMP), markers), false);
    assert.equal(isMarkedDeleting({ _ddbr_h: { S: DELETING } }, markers), false);
    assert.equal(isMarkedDeleting(undefined, markers), false);
  });
});
