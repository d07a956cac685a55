// Names the STS role sessions of a command that is no worker (verify, status, policy): CloudTrail then shows
// which command on which machine acted. `replicate` and `bootstrap` name theirs after the worker id.
import { hostname } from 'node:os';
import { roleSessionName } from '../config/credential-source.js';

export function commandSessionName(command: string): string {
  return roleSessionName(`ddb-replicator-${command}-${hostname()}-${process.pid}`);
}
