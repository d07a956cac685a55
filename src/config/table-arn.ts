// Pure: a table named by its ARN. A table of another account is reached through its resource-based policy by
// its ARN (DynamoDB takes an ARN wherever it takes a table name), so `--source-table` may be one; the task name and
// the messages use the name inside it.
export interface TableArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly tableName: string;
}

const TABLE_ARN = /^arn:(aws(?:-[a-z]+)*):dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/;

export function parseTableArn(value: string): TableArn | undefined {
  const match = TABLE_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition = '', region = '', account = '', tableName = ''] = match;
  return { partition, region, account, tableName };
}

/** The table's name, whether it is given by name or by ARN. */
export function plainTableName(nameOrArn: string): string {
  return parseTableArn(nameOrArn)?.tableName ?? nameOrArn;
}
