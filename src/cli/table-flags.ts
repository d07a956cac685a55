// The flags that name the two tables, shared by `replicate`, `bootstrap` and `verify` so that their spellings,
// aliases (the seed library's) and help texts cannot drift apart.
import type { Argv } from 'yargs';

export function tableFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('source-table', {
      type: 'string',
      alias: ['sourceTable'],
      describe: 'Source table name (required)',
    })
    .option('source-region', {
      type: 'string',
      alias: ['sourceRegion'],
      describe: 'Source region [default: AWS_REGION]',
    })
    .option('source-endpoint', {
      type: 'string',
      alias: ['sourceEndpoint'],
      describe: "Source DynamoDB endpoint URL, e.g. http://localhost:8000 [default: the region's]",
    })
    .option('dest-table', {
      type: 'string',
      alias: ['destinationTable'],
      describe: 'Destination table name (required)',
    })
    .option('dest-region', {
      type: 'string',
      alias: ['destinationRegion'],
      describe: 'Destination region [default: --source-region]',
    })
    .option('dest-endpoint', {
      type: 'string',
      alias: ['destinationEndpoint'],
      describe: "Destination DynamoDB endpoint URL [default: the region's]",
    });
}
