import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TableLocation } from '../config/replication-config.js';
import { enableStreamCommand, skippedTableWarning, streamReadiness } from './stream-readiness.js';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000';

describe('streamReadiness', () => {
  test('an enabled stream with new images is ready', () => {
    for (const viewType of ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'] as const) {
      assert.deepEqual(
        streamReadiness({
          StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
          LatestStreamArn: ARN,
        }),
        { kind: 'ready', streamArn: ARN, viewType },
      );
    }
  });
  test('no stream, a disabled one, or one without an ARN yet: enableStream can turn one on', () => {
    assert.deepEqual(streamReadiness({}), { kind: 'no-stream' });
    assert.deepEqual(
      streamReadiness({ StreamSpecification: { StreamEnabled: false }, LatestStreamArn: ARN }),
      {
        kind: 'no-stream',
      },
    );
    assert.deepEqual(
      streamReadiness({ StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
      { kind: 'no-stream' },
    );
  });
  test('a stream without new images must be replaced by hand', () => {
    for (const viewType of ['KEYS_ONLY', 'OLD_IMAGE'] as const) {
      assert.deepEqual(
        streamReadiness({
          StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
          LatestStreamArn: ARN,
        }),
        { kind: 'no-new-images', viewType },
      );
    }
    assert.deepEqual(
      streamReadiness({ StreamSpecification: { StreamEnabled: true }, LatestStreamArn: ARN }),
      {
        kind: 'no-new-images',
        viewType: 'unknown',
      },
    );
  });
});

const TABLE: TableLocation = { region: 'us-east-1', endpoint: undefined, tableName: 'audit-a' };

describe('enableStreamCommand', () => {
  test('for the table, its region, and its endpoint and profile where it has them', () => {
    assert.equal(
      enableStreamCommand(TABLE, true),
      'aws dynamodb update-table --table-name audit-a --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES --region us-east-1',
    );
    assert.equal(
      enableStreamCommand(
        { ...TABLE, endpoint: 'http://localhost:8000', credentials: { profile: 'prod' } },
        false,
      ),
      'aws dynamodb update-table --table-name audit-a --stream-specification StreamEnabled=false --region us-east-1 --endpoint-url http://localhost:8000 --profile prod',
    );
  });
});

describe('skippedTableWarning', () => {
  test('no stream: the command, or enableStream', () => {
    assert.equal(
      skippedTableWarning('replications[1] (source audit-a, selected by audit-*)', TABLE, {
        kind: 'no-stream',
      }),
      'replications[1] (source audit-a, selected by audit-*): source table audit-a has no enabled stream, so it is skipped: enable one (aws dynamodb update-table --table-name audit-a --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES --region us-east-1) or set enableStream: true on the entry',
    );
  });
  test('no new images: replace it by hand, enableStream does not', () => {
    assert.equal(
      skippedTableWarning('L', TABLE, { kind: 'no-new-images', viewType: 'KEYS_ONLY' }),
      'L: the stream of source table audit-a has view type KEYS_ONLY, which carries no new images, so it is skipped: replace it by hand (aws dynamodb update-table --table-name audit-a --stream-specification StreamEnabled=false --region us-east-1, then aws dynamodb update-table --table-name audit-a --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES --region us-east-1); enableStream never replaces a stream',
    );
  });
});
