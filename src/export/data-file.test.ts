import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeExport } from '../../tests/support/export-folder.js';
import { readDataFile, verifyDataFile } from './data-file.js';
import { LocalExportFolder } from './export-files.js';
import { loadOrder } from './export-loader.js';
import { readExportSet } from './export-set.js';

const root = mkdtempSync(join(tmpdir(), 'export-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
const TABLE = 'arn:aws:dynamodb:us-east-1:1:table/t';

function folder(name: string, lines: readonly string[]): { files: LocalExportFolder; dir: string } {
  const top = join(root, name);
  writeExport(top, {
    id: 'e1',
    type: 'FULL_EXPORT',
    tableArn: TABLE,
    fromMs: 0,
    files: { 'a.json.gz': lines },
  });
  return { files: new LocalExportFolder(top), dir: 'AWSDynamoDB/e1' };
}

async function all(files: LocalExportFolder, path: string): Promise<number> {
  let n = 0;
  for await (const run of readDataFile(files, path, 'FULL_EXPORT', ['pk'], 2)) n += run.length;
  return n;
}

test('a gzipped data file reads back as its lines, runs at a time, checksum verified', async () => {
  const lines = [
    '{"Item":{"pk":{"S":"a"},"n":{"N":"12345678901234567890123456789012345678"}}}',
    '',
    '{"Item":{"pk":{"S":"b"},"b":{"B":"AQI="}}}',
    '{"Item":{"pk":{"S":"c"}}}',
  ];
  const { files } = folder('ok', lines);
  const set = await readExportSet(files);
  const [only] = set.exports;
  const entry = only?.files[0];
  assert.ok(only !== undefined && entry !== undefined);
  assert.equal(only.folder, 'AWSDynamoDB/e1');
  const path = `${only.folder}/${entry.path}`;
  assert.equal(await verifyDataFile(files, path, entry), true);
  const runs = [];
  for await (const run of readDataFile(files, path, 'FULL_EXPORT', ['pk'], 2))
    runs.push(run.map((c) => c.keys.pk?.S));
  assert.deepEqual(runs, [['a', 'b'], ['c']]);
  // Without any checkable checksum (a multipart ETag and no md5Checksum), the file is read unchecked.
  assert.equal(await verifyDataFile(files, path, { ...entry, md5Checksum: undefined }), false);
});

test('a file changed after the export is a checksum mismatch naming it', async () => {
  const { files, dir } = folder('bad-md5', ['{"Item":{"pk":{"S":"a"}}}']);
  const set = await readExportSet(files);
  const entry = set.exports[0]?.files[0];
  assert.ok(entry !== undefined);
  writeFileSync(join(files.location, dir, 'data', 'a.json.gz'), gzipSync('{"Item":{"pk":{"S":"z"}}}\n'));
  await assert.rejects(verifyDataFile(files, `${dir}/${entry.path}`, entry), {
    name: 'ConfigError',
    message: new RegExp(
      `^export file ${files.location}/${dir}/data/a\\.json\\.gz: MD5 \\S+ differs from the manifest's md5Checksum \\S+; copy the export again`,
    ),
  });
  // A single-part ETag (a hex MD5) is checked when there is no md5Checksum.
  await assert.rejects(
    verifyDataFile(files, `${dir}/${entry.path}`, {
      ...entry,
      md5Checksum: undefined,
      etag: '"00000000000000000000000000000000"',
    }),
    /differs from the manifest's etag/,
  );
});

test('a file that is not gzip, and a line that is not an export line, are one line naming file and line', async () => {
  const { files, dir } = folder('not-gzip', ['{"Item":{"pk":{"S":"a"}}}']);
  writeFileSync(join(files.location, dir, 'data', 'a.json.gz'), 'plain text');
  await assert.rejects(all(files, `${dir}/data/a.json.gz`), /a\.json\.gz: cannot be read as gzip/);
  const bad = folder('bad-line', ['{"Item":{"pk":{"S":"a"}}}', '{"Item":{"pk":{"N":5}}}']);
  await assert.rejects(
    all(bad.files, `${bad.dir}/data/a.json.gz`),
    /a\.json\.gz line 2: Item\.pk is not a number written as a string; check that the folder holds the export/,
  );
  await assert.rejects(
    all(bad.files, `${bad.dir}/data/missing.json.gz`),
    /missing\.json\.gz: is missing or cannot be read/,
  );
});

test('a folder without an export, or a missing file list, is named', async () => {
  await assert.rejects(readExportSet(new LocalExportFolder(join(root, 'nothing-here'))), /is not a folder/);
  const { files, dir } = folder('no-list', ['{"Item":{"pk":{"S":"a"}}}']);
  rmSync(join(files.location, dir, 'manifest-files.json'));
  await assert.rejects(readExportSet(files), /manifest-files\.json: is missing or cannot be read/);
});

test('a folder that is one export (its manifest at the top) reads as well, data paths under it', async () => {
  const { files, dir } = folder('top', ['{"Item":{"pk":{"S":"a"}}}']);
  const one = new LocalExportFolder(join(files.location, dir));
  const set = await readExportSet(one);
  assert.deepEqual(
    loadOrder(set).map((f) => [f.path, f.type]),
    [['data/a.json.gz', 'FULL_EXPORT']],
  );
  let n = 0;
  for (const file of loadOrder(set)) n += await all(one, file.path);
  assert.equal(n, 1);
});
