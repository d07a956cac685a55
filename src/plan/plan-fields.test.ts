import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import yargs from 'yargs';
import { replicateFlags } from '../cli/replicate-flags.js';
import {
  camelCase,
  FLAG_FIELDS,
  inPlanWords,
  misplacedField,
  NOT_IN_PLANS,
  PROCESS_SETTINGS,
  VERIFY_OPTIONS,
} from './plan-fields.js';

describe('every replicate flag is a plan field or the process setting', () => {
  test('no flag is neither, none is both', () => {
    // getOptions() is yargs's own (untyped in @types/yargs): the options as defined, with their aliases.
    const parser = replicateFlags(yargs([])) as unknown as {
      getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
    };
    const options = parser.getOptions();
    const aliases = new Set(Object.values(options.alias).flat());
    const flags = Object.keys(options.key).filter(
      (key) => !aliases.has(key) && !['help', 'version', 'plan'].includes(key),
    );
    const processFlags = new Set(Object.values(PROCESS_SETTINGS));
    const single = new Set(Object.values(NOT_IN_PLANS));
    for (const flag of flags) {
      const kinds = [
        FLAG_FIELDS[`--${flag}`] !== undefined,
        processFlags.has(`--${flag}`),
        single.has(`--${flag}`),
      ];
      const count = kinds.filter(Boolean).length;
      assert.ok(
        count === 1,
        `--${flag}: ${count === 0 ? 'neither a plan field nor a process setting nor refused by plans' : 'more than one of them'} (plan-fields.ts)`,
      );
    }
    for (const flag of [...Object.keys(FLAG_FIELDS), ...processFlags, ...single]) {
      assert.ok(flags.includes(flag.slice(2)), `${flag} is no replicate flag`);
    }
  });
});

describe('misplacedField', () => {
  test("each process setting, camelCase or kebab-case, says it is the process's and names its flag", () => {
    for (const [field, flag] of Object.entries(PROCESS_SETTINGS)) {
      const expected = `${field} is the process's setting, not a table pair's: pass ${flag} on the command line`;
      assert.equal(misplacedField(field), expected);
      assert.equal(misplacedField(flag.slice(2)), expected);
    }
  });
  test("verify's options name their flag", () => {
    for (const [field, flag] of Object.entries(VERIFY_OPTIONS)) {
      assert.equal(
        misplacedField(field),
        `${field} is verify's option, not a table pair's: pass ${flag} to verify on the command line`,
      );
    }
  });
  test('a flag plans do not take says to run the pair on its own', () => {
    assert.equal(
      misplacedField('fromExport'),
      'fromExport is not taken by a plan: run that table pair on its own with --from-export and --source-table/--dest-table',
    );
    assert.equal(misplacedField('from-export'), misplacedField('fromExport'));
  });
  test('flat flag names say where the field goes', () => {
    assert.equal(misplacedField('sourceTable'), 'sourceTable is written source: { table: ... } in a plan');
    assert.equal(misplacedField('source-table'), 'source-table is written source: { table: ... } in a plan');
    assert.equal(
      misplacedField('destinationTable'),
      'destinationTable is written destination: { table: ... } in a plan',
    );
    assert.equal(
      misplacedField('destRegion'),
      'destRegion is written destination: { region: ... } in a plan',
    );
    assert.equal(misplacedField('kclRegion'), 'kclRegion is written lease: { region: ... } in a plan');
    assert.equal(
      misplacedField('createDestTable'),
      'createDestTable is written destination: { createTable: ... } in a plan',
    );
    assert.equal(
      misplacedField('destKmsKey'),
      'destKmsKey is written destination: { kmsKey: ... } in a plan',
    );
    assert.equal(misplacedField('leaseRoleArn'), 'leaseRoleArn is written lease: { roleArn: ... } in a plan');
  });
  test('a kebab-case plan field points at its camelCase', () => {
    assert.equal(misplacedField('batch-size'), 'unknown field batch-size (fields are camelCase: batchSize)');
    assert.equal(
      misplacedField('start-position'),
      'unknown field start-position (fields are camelCase: startPosition)',
    );
  });
  test('plan fields and unknown names are not misplaced', () => {
    for (const key of ['batchSize', 'bootstrap', 'taskName', 'tabel', 'whatever', 'table']) {
      assert.equal(misplacedField(key), undefined, key);
    }
  });
});

describe('inPlanWords', () => {
  test("flags in a message of the flag rules become the plan's fields; others stay", () => {
    assert.equal(
      inPlanWords(
        '--dest-kms-key only applies to a table that --create-dest-table creates: add --create-dest-table',
      ),
      'destination.kmsKey only applies to a table that destination.createTable creates: add destination.createTable',
    );
    assert.equal(inPlanWords('--task-name "a b" is not usable'), 'taskName "a b" is not usable');
    assert.equal(inPlanWords('pass --max-buffer-mb'), 'pass --max-buffer-mb');
  });
  test('every flag with a field is translated', () => {
    for (const [flag, field] of Object.entries(FLAG_FIELDS))
      assert.equal(inPlanWords(`x ${flag}: y`), `x ${field}: y`);
  });
});

test('camelCase', () => {
  assert.equal(camelCase('--max-buffer-mb'), 'maxBufferMb');
  assert.equal(camelCase('batch-size'), 'batchSize');
  assert.equal(camelCase('plan'), 'plan');
});
