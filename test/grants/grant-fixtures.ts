/** Stacks, trees and an IAM-style matcher shared by the grant tests. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

export function stackWithEnv(id = 'Stack'): Stack {
  return new Stack(new App(), id, { env: { account: ACCOUNT, region: REGION } });
}

export function prodTree(stack: Stack, id = 'Prod', path = '/ecommerce/prod'): SecureParameterTree {
  return new SecureParameterTree(stack, id, {
    path,
    parameters: {
      'db/host': ParameterValue.string('db.example.com'),
      'db/port': ParameterValue.string('5432'),
      'api/jwt-secret': ParameterValue.generatedSecret({ length: 48 }),
    },
  });
}

export function nodeFunction(stack: Stack, id = 'Fn', architecture = lambda.Architecture.X86_64, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    architecture,
    ...props,
  });
}

/** The ARN of a key created in `stack`, as the template spells it. */
export function keyArnOf(stack: Stack, key: kms.IKey): unknown {
  return stack.resolve(key.keyArn);
}

/** Statements of the managed policies in a template, in logical-id order. */
export function managedPolicies(template: Template): Array<{ id: string; roles: unknown; statements: any[] }> {
  const found = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.keys(found).sort().map((id) => ({
    id,
    roles: found[id].Properties.Roles,
    statements: found[id].Properties.PolicyDocument.Statement,
  }));
}

/** Joins `Fn::Join` and substitutes the pseudo parameters of the test environment. */
export function concrete(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = value as Record<string, any>;
  if (obj.Ref === 'AWS::Partition') return 'aws';
  if (obj.Ref === 'AWS::Region') return REGION;
  if (obj.Ref === 'AWS::AccountId') return ACCOUNT;
  if (obj.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  if (obj['Fn::Join']) return (obj['Fn::Join'][1] as unknown[]).map(concrete).join(obj['Fn::Join'][0]);
  throw new Error(`cannot make concrete: ${JSON.stringify(value)}`);
}

/**
 * IAM's ARN matching for `Resource` and `StringLike`: `*` is any run of characters (slashes
 * included), `?` exactly one; everything else literal and case-sensitive.
 */
export function iamMatches(pattern: string, value: string): boolean {
  const regex = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${regex}$`).test(value);
}

/** True when some statement of the policies allows `action` on `arn` (conditions ignored). */
export function allows(statements: any[], action: string, arn: string): boolean {
  return statements.some((statement) => {
    const actions: string[] = [].concat(statement.Action);
    const resources: unknown[] = [].concat(statement.Resource);
    return statement.Effect === 'Allow'
      && actions.some((a) => iamMatches(a, action))
      && resources.some((r) => iamMatches(concrete(r), arn));
  });
}

export function ssmArn(name: string): string {
  return `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
}

export function role(stack: Stack, id = 'Role'): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
}
