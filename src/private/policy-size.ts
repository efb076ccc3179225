/**
 * IAM's size limits on policies, and how many characters a synthesized policy will have once
 * deployed, so that a grant too large for IAM fails at synth rather than at deploy time.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GrantStatement } from './grant-statement';

/** IAM's limit on a managed policy document, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

/** Managed policies an IAM role, user or group may have attached by default. */
export const MANAGED_POLICIES_PER_IDENTITY = 10;

/** The statements as `iam.PolicyStatement`s. */
export function toPolicyStatements(statements: GrantStatement[]): iam.PolicyStatement[] {
  return statements.map((s) => new iam.PolicyStatement({ actions: s.actions, resources: s.resourceArns, conditions: s.conditions }));
}

// Worst-case lengths of values only known at deploy time, so an estimate never undercounts.
const PSEUDO_PARAMETER_LENGTHS: Record<string, number> = {
  'AWS::Partition': 'aws-iso-b'.length + 1,
  'AWS::Region': 'ap-southeast-7'.length,
  'AWS::AccountId': 12,
  'AWS::URLSuffix': 'amazonaws.com.cn'.length,
};
/** A resource attribute or import: an ARN such as a KMS key's or a secret's. */
const UNKNOWN_ARN_LENGTH = 160;

function estimatedString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [fn, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (fn === 'Ref' && typeof args === 'string' && args in PSEUDO_PARAMETER_LENGTHS) return 'x'.repeat(PSEUDO_PARAMETER_LENGTHS[args]);
    if (fn === 'Fn::Join' && Array.isArray(args)) {
      const [separator, parts] = args as [string, unknown[]];
      return parts.map(estimatedString).join(separator);
    }
  }
  return 'x'.repeat(UNKNOWN_ARN_LENGTH);
}

function estimated(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(estimated);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return estimatedString(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, estimated(v)]));
  }
  return value;
}

/**
 * Characters the policy document will have once deployed, as IAM counts them (no whitespace),
 * with every deploy-time value taken at its longest.
 */
export function estimatedPolicySize(stack: Stack, statements: GrantStatement[]): number {
  return estimatedDocumentSize(stack, new iam.PolicyDocument({ statements: toPolicyStatements(statements) }));
}

/** `estimatedPolicySize` of a document as it will be rendered (minimized if it asks to be). */
export function estimatedDocumentSize(stack: Stack, document: iam.PolicyDocument): number {
  return JSON.stringify(estimated(stack.resolve(document))).length;
}
