/**
 * A small stand-in for IAM's evaluation of one identity policy, to test what the policies this
 * library synthesizes allow and refuse.
 *
 * Why a stand-in: moto_server (5.x) cannot produce the behaviour. Its access control checks a
 * user's policies by action only: every SSM and KMS request is authorized against the resource
 * '*', so a statement naming ARNs never matches, and the only condition key it ever supplies is
 * sts:ExternalId, so a statement with a condition on aws:ResourceTag, ssm:Overwrite or
 * kms:ViaService can never be met (moto/iam/access_control.py, moto/core/authorization.py).
 *
 * What it does, following IAM's documented rules for these elements:
 * - Effect Allow and Deny; an explicit Deny wins, nothing allowed is an implicit deny;
 * - Action (case-insensitive) and Resource (case-sensitive), each with '*' (any run of characters,
 *   '/' and ':' included) and '?' (one character);
 * - Condition operators StringEquals, StringLike, Null and Bool; several values of one key: any
 *   may match; several keys and operators: all must match; key names case-insensitive; a key
 *   missing from the request fails every operator but Null.
 * Context values are single strings. Anything else in a policy (NotAction, NotResource,
 * Principal, other operators, IfExists, ForAnyValue/ForAllValues) throws, so that a policy using
 * it cannot pass this evaluator by accident. Resource policies, permissions boundaries, session
 * policies and SCPs are out of scope.
 */

/** One request as IAM sees it: the action, the resource ARN, the request context. */
export interface EvaluatedRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys present in the request, e.g. `{ 'aws:ResourceTag/team': 'a', 'ssm:Overwrite': 'false' }`. */
  readonly context?: Record<string, string>;
}

export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Statement: PolicyStatement[];
}

const SUPPORTED_STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);

/** IAM's wildcard matching: '*' any run of characters, '?' one character. */
export function wildcardMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const regex = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${regex}$`, caseInsensitive ? 'i' : '').test(value);
}

function contextValue(context: Record<string, string>, key: string): string | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

function operatorHolds(operator: string, expected: string[], actual: string | undefined): boolean {
  switch (operator) {
    case 'StringEquals': return actual !== undefined && expected.includes(actual);
    case 'StringLike': return actual !== undefined && expected.some((pattern) => wildcardMatches(pattern, actual));
    case 'Bool': return actual !== undefined && expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    case 'Null': return expected.some((value) => (value === 'true') === (actual === undefined));
    default: throw new Error(`policy-evaluator does not implement the condition operator '${operator}'`);
  }
}

function conditionsHold(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => operatorHolds(operator, [values].flat().map(requireString), contextValue(context, key))));
}

function requireString(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`policy-evaluator expects resolved strings, got: ${JSON.stringify(value)}`);
  return value;
}

function statementApplies(statement: PolicyStatement, request: EvaluatedRequest): boolean {
  const unsupported = Object.keys(statement).filter((key) => !SUPPORTED_STATEMENT_KEYS.has(key));
  if (unsupported.length > 0) throw new Error(`policy-evaluator does not implement ${unsupported.join(', ')}`);
  return [statement.Action].flat().map(requireString).some((pattern) => wildcardMatches(pattern, request.action, true))
    && [statement.Resource].flat().map(requireString).some((pattern) => wildcardMatches(pattern, request.resource))
    && conditionsHold(statement.Condition, request.context ?? {});
}

/** What IAM decides for `request` under `policy` alone. */
export function evaluate(policy: PolicyDocument, request: EvaluatedRequest): Decision {
  const applying = policy.Statement.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.Effect === 'Deny')) return 'explicit-deny';
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** Values of what a template refers to: pseudo parameters by name, resources' attributes by logical id. */
export interface TemplateValues {
  readonly refs: Record<string, string>;
  readonly attributes?: Record<string, Record<string, string>>;
}

/**
 * `value` from a synthesized template with Ref, Fn::GetAtt and Fn::Join replaced by what they
 * make, as CloudFormation would at deployment. Anything unknown throws.
 */
export function resolveTemplateValue(value: unknown, values: TemplateValues): any {
  if (Array.isArray(value)) return value.map((v) => resolveTemplateValue(v, values));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first[0] === 'Ref') {
    const resolved = values.refs[first[1] as string];
    if (resolved === undefined) throw new Error(`no value for Ref ${first[1]}`);
    return resolved;
  }
  if (entries.length === 1 && first[0] === 'Fn::GetAtt') {
    const [logicalId, attribute] = first[1] as [string, string];
    const resolved = values.attributes?.[logicalId]?.[attribute];
    if (resolved === undefined) throw new Error(`no value for Fn::GetAtt ${logicalId}.${attribute}`);
    return resolved;
  }
  if (entries.length === 1 && first[0] === 'Fn::Join') {
    const [separator, parts] = first[1] as [string, unknown[]];
    return parts.map((part) => requireString(resolveTemplateValue(part, values))).join(separator);
  }
  if (entries.length === 1 && first[0].startsWith('Fn::')) throw new Error(`policy-evaluator does not resolve ${first[0]}`);
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveTemplateValue(v, values)]));
}
