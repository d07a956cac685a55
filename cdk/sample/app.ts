// A sample app: the same table pair replicated by each engine, one stack each (deploy one of them, not both: two
// replicators of one stream would write every change twice). `npm run synth --prefix cdk` or, with the CDK CLI,
// `cd cdk/sample && npx cdk synth`; neither needs AWS credentials (the account and region are given here) nor a
// Docker daemon (synth stages the build context; the image is built at deploy). The Lambda stack needs the
// handler's zip: `npm run package:lambda` at the repository root, or SAMPLE_LAMBDA_ZIP naming one.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { DynamoDbReplication } from '../src/index.js';

// Yours here. Not CDK_DEFAULT_ACCOUNT/REGION: the CDK CLI fills those from whatever profile is at hand, and a
// replicator deployed to the wrong region reads nothing. cdk.context.json holds this account's zones, so the
// synth looks nothing up.
const account = '123456789012';
const region = 'eu-west-1';
const env = { account, region };
const source = {
  table: 'orders',
  // `aws dynamodb describe-table --table-name orders --query Table.LatestStreamArn`
  streamArn: `arn:aws:dynamodb:${region}:${account}:table/orders/stream/2026-01-01T00:00:00.000`,
};
const destination = { table: 'orders', region: 'us-east-1' };

const zipPath = process.env.SAMPLE_LAMBDA_ZIP;

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });

new DynamoDbReplication(new Stack(app, 'OrdersReplicationLambda', { env }), 'Orders', {
  source,
  destination,
  mode: 'lambda',
  lambda: {
    ...(zipPath === undefined || zipPath === '' ? {} : { zipPath }),
    batchSize: 100,
    iteratorAgeAlarm: Duration.minutes(1),
  },
});

new DynamoDbReplication(new Stack(app, 'OrdersReplicationFleet', { env }), 'Orders', {
  source,
  destination,
  mode: 'fargate',
  fargate: { desiredCount: 2, shutdownTimeout: Duration.seconds(30) },
  // Rules as the CLI takes them: here, one attribute is not copied.
  environment: { DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'internalNotes' },
});

app.synth();
