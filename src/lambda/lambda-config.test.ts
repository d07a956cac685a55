import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { buildLambdaConfig, failureLine, setupFailureLogLevel } from './lambda-config.js';

const BASE = { AWS_REGION: 'eu-west-1', DDB_REPLICATOR_DEST_TABLE: 'orders' };

test('the rule variables are read with the CLI checks; none set is no rules', () => {
  assert.equal(buildLambdaConfig(BASE).rules, undefined);
  const rules = buildLambdaConfig({
    ...BASE,
    DDB_REPLICATOR_FILTER: '{"dynamodb":{"NewImage":{"status":{"S":["active"]}}}}',
    DDB_REPLICATOR_TRANSFORM: 'transform.mjs',
    DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'email,phone',
    DDB_REPLICATOR_RENAME_ATTRIBUTES: 'name=fullName',
    DDB_REPLICATOR_TTL_DELETES: 'skip',
  }).rules;
  assert.ok(rules !== undefined);
  assert.deepEqual(
    [rules.transformPath, rules.excludeAttributes, [...rules.renameAttributes], rules.ttlDeletes],
    ['transform.mjs', ['email', 'phone'], [['name', 'fullName']], 'skip'],
  );
  assert.ok(rules.filter !== undefined);
});

test("a bad rule value is the CLI's one line, with the variable that set it", () => {
  const line = (env: NodeJS.ProcessEnv): string => {
    try {
      buildLambdaConfig({ ...BASE, ...env });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      const text = failureLine(err, { ...BASE, ...env });
      assert.doesNotMatch(text, /\n/, 'one line');
      return text;
    }
    assert.fail('accepted');
  };
  assert.match(
    line({ DDB_REPLICATOR_FILTER: '{"dynamodb": [' }),
    /^--filter is not a valid pattern: .*\(set by DDB_REPLICATOR_FILTER in the environment\)$/,
  );
  assert.match(
    line({ DDB_REPLICATOR_TTL_DELETES: 'keep' }),
    /^--ttl-deletes "keep" is not a choice: .*\(set by DDB_REPLICATOR_TTL_DELETES in the environment\)$/,
  );
  assert.match(
    line({ DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'a', DDB_REPLICATOR_RENAME_ATTRIBUTES: 'a=b' }),
    /^attribute a is both excluded and renamed: .*--exclude-attributes or --rename-attributes \(set by DDB_REPLICATOR_EXCLUDE_ATTRIBUTES, DDB_REPLICATOR_RENAME_ATTRIBUTES in the environment\)$/,
  );
  assert.equal(failureLine(new Error('other'), BASE), 'other');
});

test("a function that cannot start logs why at DDB_REPLICATOR_LOG_LEVEL's level when it names one, else at info", () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'info'],
    ['silent', 'silent'],
    ['fatal', 'fatal'],
    ['error', 'error'],
    ['warn', 'warn'],
    ['info', 'info'],
    ['debug', 'debug'],
    ['trace', 'trace'],
    ['loud', 'info'],
    ['', 'info'],
    ['toString', 'info'],
  ];
  for (const [given, level] of cases) {
    const env = given === undefined ? {} : { DDB_REPLICATOR_LOG_LEVEL: given };
    assert.equal(setupFailureLogLevel(env), level, `DDB_REPLICATOR_LOG_LEVEL=${given}`);
  }
});
