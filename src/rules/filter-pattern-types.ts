// The checked form of a --filter pattern, shared by the parser that builds it and the compiler that turns it
// into a matcher. Literals keep numbers as exact decimals so N values are compared without rounding.
import type { Decimal } from './filter-pattern-decimal.js';

export type Literal =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: Decimal }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export type NumericOperator = '<' | '<=' | '=' | '>' | '>=';
export interface NumericCondition {
  readonly operator: NumericOperator;
  readonly bound: Decimal;
}

export type Rule =
  | { readonly kind: 'equals'; readonly literal: Literal }
  | { readonly kind: 'prefix' | 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'anything-but'; readonly literals: readonly Literal[] }
  | { readonly kind: 'anything-but-prefix' | 'anything-but-suffix'; readonly value: string }
  | { readonly kind: 'anything-but-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'numeric'; readonly conditions: readonly NumericCondition[] }
  | { readonly kind: 'exists'; readonly value: boolean };

/** A list of rules for one field: the field matches when any rule does. */
export interface LeafPattern {
  readonly kind: 'leaf';
  readonly rules: readonly Rule[];
}
/** Fields that must all match. */
export interface ObjectPattern {
  readonly kind: 'object';
  readonly fields: readonly { readonly name: string; readonly pattern: ObjectPattern | LeafPattern }[];
}
/** One or more patterns; a record passes when any of them matches. */
export interface FilterPattern {
  readonly alternatives: readonly ObjectPattern[];
}
