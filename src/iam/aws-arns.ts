// Pure: the ARNs a policy names, built the way AWS writes them (the partition follows the region, so a policy for
// cn-north-1 or us-gov-west-1 names resources that exist there), and the principal a trust or resource policy
// names for an identity that GetCallerIdentity described: a role session stands for its role, because a
// session's ARN cannot be a principal.

/** aws, aws-cn, aws-us-gov or an isolated partition, from the region's name. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

export interface TableAt {
  readonly region: string;
  readonly account: string;
  readonly table: string;
}

export function tableArn(at: TableAt): string {
  return `arn:${partitionOf(at.region)}:dynamodb:${at.region}:${at.account}:table/${at.table}`;
}

/** The table's streams: `label` names one (a resource policy must name its stream exactly); default all. */
export function streamArn(at: TableAt, label = '*'): string {
  return `${tableArn(at)}/stream/${label}`;
}

const STREAM_ARN = /^arn:([\w-]+):dynamodb:([\w-]+):(\d{12}):table\/([\w.-]+)\/stream\/([^/\s]+)$/;

/** The parts of a stream ARN (as DescribeTable's LatestStreamArn shows it), or undefined if it is not one. */
export function parseStreamArn(
  arn: string,
): { partition: string; region: string; account: string; table: string; label: string } | undefined {
  const m = STREAM_ARN.exec(arn);
  if (m === null) return undefined;
  const [, partition = '', region = '', account = '', table = '', label = ''] = m;
  return { partition, region, account, table, label };
}

/** The account of an IAM role ARN (arn:aws:iam::123456789012:role/name). */
export function roleAccount(roleArn: string): string | undefined {
  return /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}

export function rootPrincipal(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

/**
 * The principal that stands for the caller GetCallerIdentity described: a role session
 * (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) is its role, an IAM user is itself, anything else (the
 * account's root, a federated user) is the account. A role with a path (role/team/NAME) shows no path in its
 * session's ARN: the principal then lacks it, which the text output says.
 */
export function principalOf(callerArn: string, account: string): string {
  const m = /^arn:([\w-]+):(sts|iam)::(\d{12}):(.+)$/.exec(callerArn);
  if (m === null) return rootPrincipal('aws', account);
  const [, partition = 'aws', service, arnAccount = account, resource = ''] = m;
  const session = /^assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(resource);
  if (service === 'sts' && session !== null) return `arn:${partition}:iam::${arnAccount}:role/${session[1]}`;
  if (service === 'iam' && resource.startsWith('user/')) return callerArn;
  return rootPrincipal(partition, arnAccount);
}
