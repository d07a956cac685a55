// The shapes `policy` prints: IAM policy documents (only what ours use: Allow statements with actions, resources,
// a principal and an external-id condition) and, beside each, what it is for in words for the text output. Apart
// from policy-set.ts so that the builders of one task's and of a plan's policies share them without a cycle.
import type { IamFeature } from './iam-permissions.js';

export const POLICY_VERSION = '2012-10-17';

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal?: { readonly AWS: string | readonly string[] };
  readonly Action: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: { readonly StringEquals: Readonly<Record<string, string | readonly string[]>> };
}

export interface PolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly PolicyStatement[];
}

export interface ExplainedAction {
  readonly action: string;
  readonly why: string;
  readonly features: readonly IamFeature[];
}

/** What a statement is for, for the text output. */
export interface ExplainedStatement {
  readonly sid: string;
  readonly about: string;
  readonly actions: readonly ExplainedAction[];
}

export type PolicyKind = 'identity' | 'trust' | 'resource';

export interface PrintedPolicy {
  readonly name: string;
  readonly kind: PolicyKind;
  /** Where the document goes, in words with the ARN. */
  readonly attachTo: string;
  readonly document: PolicyDocument;
  readonly explain: readonly ExplainedStatement[];
}

/** One value as itself, several as a list (as IAM writes a single resource or principal). */
export function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? (values[0] ?? '') : values;
}

/** The defined values, each once, in their first order. */
export function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
