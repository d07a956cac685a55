import type {
  GlobalSecondaryIndexDescription,
  StreamViewType,
  TableDescription,
  Tag,
} from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CreateDestinationOptions } from '../config/replication-config.js';
import { ConfigError } from '../errors/replicator-error.js';
import {
  billingModeOf,
  createTableInput,
  planSummary,
  type DestinationPlan,
  type DestinationRequest,
} from './create-table-input.js';

const NO_OPTIONS: CreateDestinationOptions = {
  streamViewType: undefined,
  kmsKey: undefined,
  copyTags: false,
};

/** An on-demand source: hash pk S, range sk N, a GSI on g (INCLUDE) and an LSI on l, as DescribeTable shows it. */
function onDemandSource(extra: Partial<TableDescription> = {}): TableDescription {
  return {
    TableName: 'orders',
    TableStatus: 'ACTIVE',
    TableArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/orders',
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'g', AttributeType: 'S' },
      { AttributeName: 'l', AttributeType: 'B' },
    ],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byG',
        KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['b', 'a'] },
        IndexStatus: 'ACTIVE',
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
        ItemCount: 5,
        IndexArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/orders/index/byG',
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byL',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'l', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ItemCount: 5,
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    LatestStreamArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/orders/stream/x',
    DeletionProtectionEnabled: false,
    ItemCount: 5,
    ...extra,
  };
}

/** A provisioned source: hash pk S, two GSIs with their own capacities. */
function provisionedSource(extra: Partial<TableDescription> = {}): TableDescription {
  return {
    TableName: 'orders',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'g', AttributeType: 'S' },
    ],
    BillingModeSummary: { BillingMode: 'PROVISIONED' },
    ProvisionedThroughput: { ReadCapacityUnits: 20, WriteCapacityUnits: 10, NumberOfDecreasesToday: 1 },
    GlobalSecondaryIndexes: [
      gsi('one', { ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 2 } }),
      gsi('two', { ProvisionedThroughput: { ReadCapacityUnits: 6, WriteCapacityUnits: 3 } }),
    ],
    ...extra,
  };
}

function gsi(
  name: string,
  extra: Partial<GlobalSecondaryIndexDescription> = {},
): GlobalSecondaryIndexDescription {
  return {
    IndexName: name,
    KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
    Projection: { ProjectionType: 'ALL' },
    IndexStatus: 'ACTIVE',
    ...extra,
  };
}

function plan(
  source: TableDescription,
  options: Partial<CreateDestinationOptions> = {},
  sourceTags?: Tag[],
): DestinationPlan {
  const request: DestinationRequest = {
    sourceTable: 'orders',
    source,
    sourceTags,
    destinationTable: 'orders-copy',
    options: { ...NO_OPTIONS, ...options },
  };
  return createTableInput(request);
}

describe('createTableInput: the whole request', () => {
  test('an on-demand source with a GSI and an LSI gives exactly this request, without warnings', () => {
    assert.deepEqual(plan(onDemandSource()), {
      input: {
        TableName: 'orders-copy',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'g', AttributeType: 'S' },
          { AttributeName: 'l', AttributeType: 'B' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['b', 'a'] },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byL',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'l', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        DeletionProtectionEnabled: false,
      },
      warnings: [],
    });
  });

  test('a provisioned source gives its capacities to the table and to each index', () => {
    const { input, warnings } = plan(provisionedSource());
    assert.equal(input.BillingMode, 'PROVISIONED');
    assert.deepEqual(input.ProvisionedThroughput, { ReadCapacityUnits: 20, WriteCapacityUnits: 10 });
    assert.deepEqual(
      input.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.ProvisionedThroughput]),
      [
        ['one', { ReadCapacityUnits: 4, WriteCapacityUnits: 2 }],
        ['two', { ReadCapacityUnits: 6, WriteCapacityUnits: 3 }],
      ],
    );
    assert.equal(input.OnDemandThroughput, undefined);
    assert.deepEqual(warnings, []);
  });

  test('a minimal source (hash key only) gives only the key, the billing mode and the name', () => {
    const { input } = plan({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
    assert.deepEqual(input, {
      TableName: 'orders-copy',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});

describe('billingModeOf', () => {
  test('the summary decides where there is one', () => {
    assert.equal(
      billingModeOf({ BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } }),
      'PAY_PER_REQUEST',
    );
    assert.equal(
      billingModeOf({
        BillingModeSummary: { BillingMode: 'PROVISIONED' },
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
      }),
      'PROVISIONED',
    );
  });

  test('without a summary, capacities of 0 mean on-demand', () => {
    assert.equal(
      billingModeOf({ ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 } }),
      'PAY_PER_REQUEST',
    );
    assert.equal(billingModeOf({}), 'PAY_PER_REQUEST');
  });

  test('without a summary, any capacity means provisioned', () => {
    for (const [read, write] of [
      [5, 5],
      [1, 0],
      [0, 1],
    ] as const) {
      assert.equal(
        billingModeOf({ ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write } }),
        'PROVISIONED',
        `${read}/${write}`,
      );
    }
  });

  test('an inferred mode is carried into the request', () => {
    const inferredOnDemand = onDemandSource({ BillingModeSummary: undefined });
    assert.equal(plan(inferredOnDemand).input.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(plan(inferredOnDemand).input.ProvisionedThroughput, undefined);
    const inferredProvisioned = provisionedSource({ BillingModeSummary: undefined });
    assert.equal(plan(inferredProvisioned).input.BillingMode, 'PROVISIONED');
    assert.deepEqual(plan(inferredProvisioned).input.ProvisionedThroughput, {
      ReadCapacityUnits: 20,
      WriteCapacityUnits: 10,
    });
  });
});

describe('capacities of a provisioned source', () => {
  test("an index without capacities of its own gets the table's", () => {
    const { input } = plan(provisionedSource({ GlobalSecondaryIndexes: [gsi('bare')] }));
    assert.deepEqual(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput, {
      ReadCapacityUnits: 20,
      WriteCapacityUnits: 10,
    });
  });

  test('an index capacity of 0 is taken from the table, each unit on its own', () => {
    const { input } = plan(
      provisionedSource({
        GlobalSecondaryIndexes: [
          gsi('half', { ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 0 } }),
        ],
      }),
    );
    assert.deepEqual(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput, {
      ReadCapacityUnits: 3,
      WriteCapacityUnits: 10,
    });
  });

  test('a provisioned table never asks for less than 1 unit', () => {
    const { input } = plan(
      provisionedSource({
        ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 7 },
        GlobalSecondaryIndexes: [gsi('bare')],
      }),
    );
    assert.deepEqual(input.ProvisionedThroughput, { ReadCapacityUnits: 1, WriteCapacityUnits: 7 });
    assert.deepEqual(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput, {
      ReadCapacityUnits: 1,
      WriteCapacityUnits: 7,
    });
  });

  test("on-demand maximums of a provisioned source's description are not sent", () => {
    const { input } = plan(
      provisionedSource({
        OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 },
        GlobalSecondaryIndexes: [
          gsi('one', {
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
            OnDemandThroughput: { MaxReadRequestUnits: 9 },
          }),
        ],
      }),
    );
    assert.equal(input.OnDemandThroughput, undefined);
    assert.equal(input.GlobalSecondaryIndexes?.[0]?.OnDemandThroughput, undefined);
  });
});

describe('on-demand maximums (OnDemandThroughput)', () => {
  test('the table and each index keep their own', () => {
    const { input } = plan(
      onDemandSource({
        OnDemandThroughput: { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 },
        GlobalSecondaryIndexes: [
          gsi('one', { OnDemandThroughput: { MaxReadRequestUnits: 10, MaxWriteRequestUnits: 5 } }),
          gsi('two'),
        ],
      }),
    );
    assert.deepEqual(input.OnDemandThroughput, { MaxReadRequestUnits: 100, MaxWriteRequestUnits: 50 });
    assert.deepEqual(input.GlobalSecondaryIndexes?.[0]?.OnDemandThroughput, {
      MaxReadRequestUnits: 10,
      MaxWriteRequestUnits: 5,
    });
    assert.equal(input.GlobalSecondaryIndexes?.[1]?.OnDemandThroughput, undefined);
    assert.equal(input.GlobalSecondaryIndexes?.[1]?.ProvisionedThroughput, undefined);
  });

  test('-1 (no maximum) and absent values are left out; nothing left means no OnDemandThroughput', () => {
    const cases: [TableDescription['OnDemandThroughput'], TableDescription['OnDemandThroughput']][] = [
      [{ MaxReadRequestUnits: -1, MaxWriteRequestUnits: -1 }, undefined],
      [{ MaxReadRequestUnits: 100, MaxWriteRequestUnits: -1 }, { MaxReadRequestUnits: 100 }],
      [{ MaxReadRequestUnits: -1, MaxWriteRequestUnits: 7 }, { MaxWriteRequestUnits: 7 }],
      [{ MaxWriteRequestUnits: 7 }, { MaxWriteRequestUnits: 7 }],
      [{ MaxReadRequestUnits: 0 }, undefined],
      [{}, undefined],
      [undefined, undefined],
    ];
    for (const [described, sent] of cases) {
      const { input } = plan(
        onDemandSource({
          OnDemandThroughput: described,
          GlobalSecondaryIndexes: [gsi('idx', { OnDemandThroughput: described })],
        }),
      );
      assert.deepEqual(input.OnDemandThroughput, sent, JSON.stringify(described));
      assert.deepEqual(
        input.GlobalSecondaryIndexes?.[0]?.OnDemandThroughput,
        sent,
        JSON.stringify(described),
      );
    }
  });
});

describe('keys and attribute definitions', () => {
  test('only the attributes the keys use are defined, each once, in order of first use', () => {
    const { input } = plan(
      onDemandSource({
        AttributeDefinitions: [
          { AttributeName: 'unused', AttributeType: 'S' },
          { AttributeName: 'l', AttributeType: 'B' },
          { AttributeName: 'g', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'pk', AttributeType: 'S' },
        ],
        // A second GSI whose keys reuse the table's: no second definition.
        GlobalSecondaryIndexes: [
          gsi('byG'),
          gsi('bySk', {
            KeySchema: [
              { AttributeName: 'sk', KeyType: 'HASH' },
              { AttributeName: 'pk', KeyType: 'RANGE' },
            ],
          }),
        ],
      }),
    );
    assert.deepEqual(input.AttributeDefinitions, [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'g', AttributeType: 'S' },
      { AttributeName: 'l', AttributeType: 'B' },
    ]);
  });

  test('the hash key comes first in the table and in every index, whatever order the description uses', () => {
    const { input } = plan(
      onDemandSource({
        KeySchema: [
          { AttributeName: 'sk', KeyType: 'RANGE' },
          { AttributeName: 'pk', KeyType: 'HASH' },
        ],
        GlobalSecondaryIndexes: [
          gsi('rev', {
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'RANGE' },
              { AttributeName: 'g', KeyType: 'HASH' },
            ],
          }),
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byL',
            KeySchema: [
              { AttributeName: 'l', KeyType: 'RANGE' },
              { AttributeName: 'pk', KeyType: 'HASH' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    const order = (keys: { AttributeName?: string | undefined }[] | undefined) =>
      keys?.map((k) => k.AttributeName);
    assert.deepEqual(order(input.KeySchema), ['pk', 'sk']);
    assert.deepEqual(order(input.GlobalSecondaryIndexes?.[0]?.KeySchema), ['g', 'pk']);
    assert.deepEqual(order(input.LocalSecondaryIndexes?.[0]?.KeySchema), ['pk', 'l']);
  });

  test('a key attribute without a type in the description is a ConfigError naming it and both tables', () => {
    for (const missing of ['pk', 'g', 'l']) {
      const source = onDemandSource();
      const broken = {
        ...source,
        AttributeDefinitions: source.AttributeDefinitions?.filter((d) => d.AttributeName !== missing),
      };
      assert.throws(
        () => plan(broken),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.message.includes(`key attribute ${missing}`) &&
          err.message.includes('source table orders') &&
          err.message.includes('destination table orders-copy'),
        missing,
      );
    }
  });
});

describe('indexes', () => {
  test('projections: ALL and KEYS_ONLY alone, INCLUDE with its attributes in their order', () => {
    const { input } = plan(
      onDemandSource({
        GlobalSecondaryIndexes: [
          gsi('all', { Projection: { ProjectionType: 'ALL' } }),
          gsi('keys', { Projection: { ProjectionType: 'KEYS_ONLY' } }),
          gsi('some', { Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['z', 'a', 'm'] } }),
          // NonKeyAttributes are refused with any type other than INCLUDE.
          gsi('odd', { Projection: { ProjectionType: 'KEYS_ONLY', NonKeyAttributes: ['x'] } }),
          gsi('none', { Projection: { ProjectionType: 'INCLUDE' } }),
        ],
      }),
    );
    assert.deepEqual(
      input.GlobalSecondaryIndexes?.map((g) => g.Projection),
      [
        { ProjectionType: 'ALL' },
        { ProjectionType: 'KEYS_ONLY' },
        { ProjectionType: 'INCLUDE', NonKeyAttributes: ['z', 'a', 'm'] },
        { ProjectionType: 'KEYS_ONLY' },
        { ProjectionType: 'INCLUDE', NonKeyAttributes: [] },
      ],
    );
  });

  test('the projection of a local index is copied the same way', () => {
    const { input } = plan(
      onDemandSource({
        LocalSecondaryIndexes: [
          {
            IndexName: 'byL',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'l', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['q'] },
          },
        ],
      }),
    );
    assert.deepEqual(input.LocalSecondaryIndexes?.[0]?.Projection, {
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['q'],
    });
  });

  test('an index being deleted on the source is left out, with a warning naming it', () => {
    const { input, warnings } = plan(
      onDemandSource({
        GlobalSecondaryIndexes: [
          gsi('going', { IndexStatus: 'DELETING' }),
          gsi('coming', { IndexStatus: 'CREATING', Backfilling: true }),
          gsi('changing', { IndexStatus: 'UPDATING' }),
        ],
      }),
    );
    assert.deepEqual(
      input.GlobalSecondaryIndexes?.map((g) => g.IndexName),
      ['coming', 'changing'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /index going of source table orders is being deleted/);
    assert.match(warnings[0] ?? '', /destination table orders-copy is created without it/);
  });

  test('a source without indexes gives none, and no index fields', () => {
    const { input } = plan(onDemandSource({ GlobalSecondaryIndexes: undefined, LocalSecondaryIndexes: [] }));
    assert.equal('GlobalSecondaryIndexes' in input, false);
    assert.equal('LocalSecondaryIndexes' in input, false);
  });

  test("an index's description fields (status, counts, ARN) are not sent", () => {
    const { input } = plan(onDemandSource());
    assert.deepEqual(Object.keys(input.GlobalSecondaryIndexes?.[0] ?? {}).sort(), [
      'IndexName',
      'KeySchema',
      'Projection',
    ]);
    assert.deepEqual(Object.keys(input.LocalSecondaryIndexes?.[0] ?? {}).sort(), [
      'IndexName',
      'KeySchema',
      'Projection',
    ]);
  });
});

describe('stream, table class, deletion protection', () => {
  test("no stream on the destination unless asked for, whatever the source's", () => {
    assert.equal(plan(onDemandSource()).input.StreamSpecification, undefined);
  });

  test('--dest-stream-view-type gives a stream of that view type', () => {
    for (const viewType of [
      'NEW_IMAGE',
      'OLD_IMAGE',
      'NEW_AND_OLD_IMAGES',
      'KEYS_ONLY',
    ] as StreamViewType[]) {
      const { input } = plan(onDemandSource(), {
        streamViewType: viewType as CreateDestinationOptions['streamViewType'],
      });
      assert.deepEqual(input.StreamSpecification, { StreamEnabled: true, StreamViewType: viewType });
    }
  });

  test('the table class is copied where the description has one', () => {
    for (const tableClass of ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] as const) {
      const { input } = plan(onDemandSource({ TableClassSummary: { TableClass: tableClass } }));
      assert.equal(input.TableClass, tableClass);
    }
    assert.equal('TableClass' in plan(onDemandSource()).input, false);
    assert.equal('TableClass' in plan(onDemandSource({ TableClassSummary: {} })).input, false);
  });

  test('deletion protection is copied as it is, and left out where the description has none', () => {
    assert.equal(
      plan(onDemandSource({ DeletionProtectionEnabled: true })).input.DeletionProtectionEnabled,
      true,
    );
    assert.equal(
      plan(onDemandSource({ DeletionProtectionEnabled: false })).input.DeletionProtectionEnabled,
      false,
    );
    assert.equal(
      'DeletionProtectionEnabled' in plan(onDemandSource({ DeletionProtectionEnabled: undefined })).input,
      false,
    );
  });
});

describe('encryption', () => {
  const kmsSource = (status: 'ENABLED' | 'ENABLING' | 'UPDATING' | 'DISABLED' | 'DISABLING', arn?: string) =>
    onDemandSource({
      SSEDescription: {
        Status: status,
        SSEType: 'KMS',
        ...(arn === undefined ? {} : { KMSMasterKeyArn: arn }),
      },
    });
  const ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  test('a source with a KMS key: one warning naming the key, the AWS owned key and --dest-kms-key; no SSE sent', () => {
    for (const status of ['ENABLED', 'ENABLING', 'UPDATING'] as const) {
      const { input, warnings } = plan(kmsSource(status, ARN));
      assert.equal(input.SSESpecification, undefined, status);
      assert.equal(warnings.length, 1, status);
      const [warning] = warnings;
      for (const text of [
        'source table orders',
        ARN,
        'destination table orders-copy',
        'AWS owned key',
        '--dest-kms-key',
      ])
        assert.ok(warning?.includes(text), `${status}: "${warning}" mentions ${text}`);
    }
  });

  test('the warning still reads where the description shows no key ARN', () => {
    const { warnings } = plan(kmsSource('ENABLED'));
    assert.match(warnings[0] ?? '', /KMS key \(ARN not shown\)/);
  });

  test('--dest-kms-key encrypts the destination with that key, and there is nothing to warn about', () => {
    const key = 'alias/orders-replica';
    for (const source of [kmsSource('ENABLED', ARN), onDemandSource()]) {
      const { input, warnings } = plan(source, { kmsKey: key });
      assert.deepEqual(input.SSESpecification, { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key });
      assert.deepEqual(warnings, []);
    }
  });

  test('no warning for a source on the AWS owned key, with AES256, or whose KMS encryption is off', () => {
    const sources = [
      onDemandSource(),
      onDemandSource({ SSEDescription: { Status: 'ENABLED', SSEType: 'AES256' } }),
      kmsSource('DISABLED', ARN),
      kmsSource('DISABLING', ARN),
    ];
    for (const source of sources) {
      const { input, warnings } = plan(source);
      assert.deepEqual(warnings, [], JSON.stringify(source.SSEDescription));
      assert.equal(input.SSESpecification, undefined);
    }
  });
});

describe('tags', () => {
  const tags: Tag[] = [
    { Key: 'team', Value: 'payments' },
    { Key: 'cost-center', Value: '42' },
  ];

  test('the tags read with --copy-tags are sent', () => {
    assert.deepEqual(plan(onDemandSource(), { copyTags: true }, tags).input.Tags, tags);
  });

  test('no tags (not read, or none on the source) sends no Tags field', () => {
    assert.equal('Tags' in plan(onDemandSource()).input, false);
    assert.equal('Tags' in plan(onDemandSource(), { copyTags: true }, []).input, false);
  });

  test('AWS reserved tags (aws:...) are left out with one warning naming them', () => {
    const withReserved = [
      ...tags,
      { Key: 'aws:cloudformation:stack-name', Value: 'stack' },
      { Key: 'AWS:Other', Value: 'x' },
    ];
    const { input, warnings } = plan(onDemandSource(), { copyTags: true }, withReserved);
    assert.deepEqual(input.Tags, tags);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^2 tag\(s\) of source table orders have the reserved prefix aws:/);
    assert.ok(warnings[0]?.includes('aws:cloudformation:stack-name, AWS:Other'), warnings[0]);
    assert.ok(!warnings[0]?.includes('stack)'), 'no tag value in the warning');
  });

  test('only reserved tags: no Tags field, one warning', () => {
    const { input, warnings } = plan(onDemandSource(), { copyTags: true }, [{ Key: 'aws:x', Value: 'y' }]);
    assert.equal('Tags' in input, false);
    assert.equal(warnings.length, 1);
  });
});

describe('planSummary', () => {
  test('an on-demand request with everything', () => {
    const { input } = plan(
      onDemandSource({
        OnDemandThroughput: { MaxReadRequestUnits: 100 },
        TableClassSummary: { TableClass: 'STANDARD_INFREQUENT_ACCESS' },
        DeletionProtectionEnabled: true,
      }),
      { streamViewType: 'NEW_IMAGE', kmsKey: 'alias/k', copyTags: true },
      [{ Key: 'secret-ish', Value: 'do-not-log' }],
    );
    const summary = planSummary(input);
    assert.deepEqual(summary, {
      table: 'orders-copy',
      billingMode: 'PAY_PER_REQUEST',
      maxRequestUnits: '100 read, any write',
      globalIndexes: 'byG',
      localIndexes: 'byL',
      stream: 'NEW_IMAGE',
      tableClass: 'STANDARD_INFREQUENT_ACCESS',
      deletionProtection: true,
      encryption: 'KMS key alias/k',
      tags: 1,
    });
    assert.ok(!JSON.stringify(summary).includes('do-not-log'), 'tag values are never logged');
  });

  test('a provisioned request without extras', () => {
    const { input } = plan(provisionedSource());
    assert.deepEqual(planSummary(input), {
      table: 'orders-copy',
      billingMode: 'PROVISIONED',
      capacity: '20 read, 10 write',
      globalIndexes: 'one, two',
      stream: 'none',
      deletionProtection: false,
      encryption: 'AWS owned key',
      tags: 0,
    });
  });
});
