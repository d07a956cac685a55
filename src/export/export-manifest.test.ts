import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportError } from './export-error.js';
import { parseFileList, parseSummary } from './export-manifest.js';

const FULL = `{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog/export/01234567890123-a1b2c3d4","startTime":"2020-11-04T07:28:34.028Z","endTime":"2020-11-04T07:33:43.897Z","tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog","tableId":"12345a12-abcd-123a-ab12-1234abc12345","exportTime":"2020-11-04T07:28:34.028Z","s3Bucket":"ddb-productcatalog-export","s3Prefix":"2020-Nov","s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-files.json","billedSizeBytes":0,"itemCount":8,"outputFormat":"DYNAMODB_JSON","exportType":"FULL_EXPORT"}`;

test('a full export summary: its point in time is exportTime', () => {
  const s = parseSummary(FULL, 'm.json');
  assert.equal(s.exportType, 'FULL_EXPORT');
  assert.equal(s.fromMs, Date.parse('2020-11-04T07:28:34.028Z'));
  assert.equal(s.toMs, s.fromMs);
  assert.equal(s.itemCount, 8);
  assert.equal(s.tableArn, 'arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog');
});

test('an incremental summary: from exportFromTime to exportToTime', () => {
  const text = JSON.stringify({
    ...JSON.parse(FULL),
    exportType: 'INCREMENTAL_EXPORT',
    exportTime: undefined,
    exportFromTime: '2020-11-04T07:28:34.028Z',
    exportToTime: '2020-11-04T08:28:34.028Z',
  });
  const s = parseSummary(text, 'm.json');
  assert.equal(s.toMs - s.fromMs, 3_600_000);
  const backwards = text.replace('08:28', '06:28');
  assert.throws(() => parseSummary(backwards, 'm.json'), /exportToTime is not after exportFromTime/);
});

test('garbled, incomplete and ION summaries are one line naming the file', () => {
  assert.throws(() => parseSummary('{"version":', 'a/manifest-summary.json'), {
    name: 'ConfigError',
    message: /^export file a\/manifest-summary\.json: is not valid JSON; copy the export again/,
  });
  assert.throws(
    () => parseSummary(FULL.replace('"exportTime":"2020-11-04T07:28:34.028Z",', ''), 'f'),
    /f: has no exportTime/,
  );
  assert.throws(
    () =>
      parseSummary(FULL.replace('"exportTime":"2020-11-04T07:28:34.028Z"', '"exportTime":"yesterday"'), 'f'),
    /exportTime is not a date/,
  );
  assert.throws(() => parseSummary(FULL.replace('DYNAMODB_JSON', 'ION'), 'f'), {
    message: `export file f: the export's format is "ION", not DYNAMODB_JSON; export the table again with ExportFormat DYNAMODB_JSON (ION is not read)`,
  });
  assert.throws(() => parseSummary('[]', 'f'), ExportError);
});

test('the file list: each data file relative to the export folder, with its checksums', () => {
  const text =
    '{"itemCount":8,"md5Checksum":"sQMSpEILNgoQmarvDFonGQ==","etag":"af83d6f217c19b8b0fff8023d8ca4716-1","dataFileS3Key":"2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/asdl123dasas.json.gz"}\n\n' +
    '{"itemCount":0,"dataFileS3Key":"2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/empty.json.gz"}\n';
  const files = parseFileList(text, 'mf', '2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-files.json');
  assert.deepEqual(files, [
    {
      path: 'data/asdl123dasas.json.gz',
      itemCount: 8,
      md5Checksum: 'sQMSpEILNgoQmarvDFonGQ==',
      etag: 'af83d6f217c19b8b0fff8023d8ca4716-1',
    },
    { path: 'data/empty.json.gz', itemCount: 0, md5Checksum: undefined, etag: undefined },
  ]);
  assert.throws(
    () => parseFileList('{"itemCount":1}', 'mf', 'p/manifest-files.json'),
    /mf line 1: has no dataFileS3Key/,
  );
  assert.throws(() => parseFileList('x\n', 'mf', 'p/manifest-files.json'), /mf line 1: is not valid JSON/);
  assert.throws(
    () => parseFileList('{"dataFileS3Key":"other/../../etc/x"}', 'mf', 'p/manifest-files.json'),
    /is not under the export's folder/,
  );
});
