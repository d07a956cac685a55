import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromExportOption } from './export-flag.js';

test('--from-export: a folder with a bootstrap; nothing without the flag', () => {
  assert.equal(fromExportOption({ fromExport: undefined, bootstrap: false, plan: undefined }), undefined);
  assert.equal(fromExportOption({ fromExport: './exp', bootstrap: true, plan: undefined }), './exp');
});

test('--from-export refused: s3, without a bootstrap, with a plan, empty', () => {
  assert.throws(() => fromExportOption({ fromExport: 's3://b/p', bootstrap: true, plan: undefined }), {
    name: 'ConfigError',
    message:
      /^--from-export s3:\/\/b\/p: reading an export from S3 is not built yet; copy it to a local folder \(aws s3 sync s3:\/\/b\/p \.\/export\)/,
  });
  assert.throws(
    () => fromExportOption({ fromExport: 'x', bootstrap: false, plan: undefined }),
    /only applies to a bootstrap/,
  );
  assert.throws(
    () => fromExportOption({ fromExport: 'x', bootstrap: true, plan: 'p.json' }),
    /cannot be used with --plan/,
  );
  assert.throws(
    () => fromExportOption({ fromExport: ' ', bootstrap: true, plan: undefined }),
    /needs the folder/,
  );
});
