/**
 * The reconciler's policy against the calls its handler makes. moto_server does not enforce IAM,
 * so this is where a missing permission (a failed deployment) or a spare one (least privilege
 * lost) shows up: the SSM and CloudFormation actions the policy allows are exactly the commands
 * in the handler, and each statement has the shape that enforces ownership. Whether those
 * statements allow and refuse the right calls is evaluated in reconciler-enforcement.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newStack } from './fixtures';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';

const HANDLER_DIRS = ['lambda-handlers/parameter-tree', 'lambda-handlers/shared'];
const ROOT = path.join(__dirname, '..', '..');

/** `<service>:<Action>` for every `<Action>Command` the handler imports from the given SDK client. */
type SdkClient = '@aws-sdk/client-ssm' | '@aws-sdk/client-kms' | '@aws-sdk/client-cloudformation' | '@aws-sdk/client-s3' | '@aws-sdk/client-lambda';

function handlerActions(client: SdkClient, service: string): string[] {
  const files = HANDLER_DIRS.flatMap((dir) => fs.readdirSync(path.join(ROOT, dir)).map((file) => path.join(ROOT, dir, file)))
    .concat(path.join(ROOT, 'lambda-handlers', 'parameter-tree-reconciler.lambda.ts'));
  const actions = new Set<string>();
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    for (const [, names] of source.matchAll(new RegExp(`import \\{([^}]*)\\} from '${client}'`, 'g'))) {
      for (const [, action] of names.matchAll(/\b(\w+)Command\b/g)) actions.add(`${service}:${action}`);
    }
  }
  return [...actions].sort();
}

/** Every action of the tree's reconciler policy, with the statement that allows it. */
interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function reconcilerStatements(stack: Stack): Statement[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Description: 'Lets the cdk-secure-config reconciler manage the parameters under /app' },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function actionsOf(statement: { Action: string | string[] }): string[] {
  return [statement.Action].flat();
}

describe('the reconciler policy allows what the handler calls, and nothing more', () => {
  test('its SSM actions are exactly the SSM commands the handler sends', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { x: ParameterValue.generatedSecret() } });

    // WHEN
    const allowed = reconcilerStatements(stack).flatMap(actionsOf).filter((action) => action.startsWith('ssm:'));

    // THEN
    const called = handlerActions('@aws-sdk/client-ssm', 'ssm');
    expect(called.length).toBeGreaterThan(5);
    expect([...new Set(allowed)].sort()).toEqual(called);
  });

  test('its CloudFormation actions are exactly the CloudFormation commands the handler sends, on its own stack only', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });

    // WHEN
    const statements = reconcilerStatements(stack).filter((s) => actionsOf(s).some((action) => action.startsWith('cloudformation:')));

    // THEN
    expect(statements.map((s) => s.Resource)).toEqual([{ Ref: 'AWS::StackId' }]);
    expect(statements.flatMap(actionsOf).sort()).toEqual(handlerActions('@aws-sdk/client-cloudformation', 'cloudformation'));
  });

  test('decrypts ciphertext itself (the only KMS call it makes) only when it carries no encryption context', () => {
    // GIVEN a tree with an encrypted secret under its own key
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      encryptionKey: key,
      parameters: { token: ParameterValue.encryptedSecret('AQICAHhB', { key }) },
    });

    // WHEN
    const direct = reconcilerStatements(stack).filter((s) => actionsOf(s).includes('kms:Decrypt') && s.Condition?.StringEquals?.['kms:ViaService'] === undefined);

    // THEN Parameter Store's ciphertext, which always has the parameter's ARN as context, is out of reach
    expect(handlerActions('@aws-sdk/client-kms', 'kms')).toEqual(['kms:Decrypt']);
    expect(direct).toHaveLength(1);
    expect(direct[0].Condition).toEqual({ Null: { 'kms:EncryptionContextKeys': 'true' } });
  });

  test('its S3 actions are exactly the S3 commands the handler sends: reading the manifest object', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { x: ParameterValue.generatedSecret() } });

    // WHEN
    const allowed = reconcilerStatements(stack).flatMap(actionsOf).filter((action) => action.startsWith('s3:'));

    // THEN
    expect(handlerActions('@aws-sdk/client-s3', 's3')).toEqual(['s3:GetObject']);
    expect(allowed).toEqual(['s3:GetObject']);
  });
});

describe('the reconciler may invoke itself, and only itself, to continue a long reconcile', () => {
  test('its Lambda actions are exactly the Lambda commands the handler sends, on its own function, in a policy the function does not wait for', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app' });
    const template = Template.fromStack(stack);

    // WHEN
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const withLambda = Object.entries(policies).filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('"lambda:'));
    const [functionId, fn] = Object.entries(template.findResources('AWS::Lambda::Function'))[0];
    const [, tree] = Object.entries(template.findResources('Custom::SecureParameterTree'))[0];

    // THEN one policy allows exactly what the handler calls (IAM names the SDK's Invoke InvokeFunction), on the function's own ARN
    const called = handlerActions('@aws-sdk/client-lambda', 'lambda').map((action) => (action === 'lambda:Invoke' ? 'lambda:InvokeFunction' : action));
    expect(called).toEqual(['lambda:InvokeFunction']);
    expect(withLambda).toHaveLength(1);
    const [policyId, policy] = withLambda[0];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'InvokeItselfToContinue', Effect: 'Allow', Action: called[0], Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } },
    ]);
    expect(policy.Properties.Roles).toEqual([{ Ref: fn.Properties.Role['Fn::GetAtt'][0] }]);
    // and the custom resource waits for it, the function does not (that would be a cycle)
    expect(tree.DependsOn).toContain(policyId);
    expect(fn.DependsOn ?? []).not.toContain(policyId);
  });
});

describe('the reconciler policy enforces ownership in every statement that reads a value or writes', () => {
  const stack = newStack();
  new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { x: ParameterValue.generatedSecret() } });
  const statements = reconcilerStatements(stack);
  const ssmStatements = statements.filter((s) => actionsOf(s).some((action) => action.startsWith('ssm:')));
  const owner = 'ConfigStack@/app';

  test("only DescribeParameters, which has no resource-level permission, reaches beyond the path's parameters", () => {
    const beyond = ssmStatements.filter((s) => JSON.stringify(s.Resource) !== JSON.stringify(ssmParameterArn('/app/*')));
    expect(beyond.map((s) => [actionsOf(s), s.Resource])).toEqual([[['ssm:DescribeParameters'], '*']]);
  });

  test.each([
    'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory', 'ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion',
    'ssm:RemoveTagsFromResource', 'ssm:DeleteParameters',
  ])('%s only on parameters carrying the owner tag (or the legacy one)', (action) => {
    const allowing = ssmStatements.filter((s) => actionsOf(s).includes(action));
    expect(allowing).toHaveLength(1);
    expect(allowing[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cdk-secure-config:owner': [owner, expect.stringMatching(/^ConfigStack\/Config/)] } });
  });

  test('ssm:PutParameter overwrites only owned parameters, and creates only with Overwrite=false and the owner tag', () => {
    const conditions = ssmStatements.filter((s) => actionsOf(s).includes('ssm:PutParameter')).map((s) => s.Condition);
    expect(conditions).toEqual([
      { StringEquals: { 'aws:ResourceTag/cdk-secure-config:owner': [owner, expect.any(String)] } },
      { StringEquals: { 'ssm:Overwrite': 'false', 'aws:RequestTag/cdk-secure-config:owner': owner } },
    ]);
  });

  test('ssm:AddTagsToResource always requires the owner tag in the request, on owned or unowned parameters', () => {
    const conditions = ssmStatements.filter((s) => actionsOf(s).includes('ssm:AddTagsToResource')).map((s) => s.Condition);
    expect(conditions).toEqual([
      { StringEquals: { 'aws:RequestTag/cdk-secure-config:owner': owner, 'aws:ResourceTag/cdk-secure-config:owner': [owner, expect.any(String)] } },
      { StringEquals: { 'aws:RequestTag/cdk-secure-config:owner': owner }, Null: { 'aws:ResourceTag/cdk-secure-config:owner': 'true' } },
    ]);
  });

  test('every KMS statement goes through Parameter Store for parameters of the path, or through S3 for the manifest', () => {
    const kmsStatements = statements.filter((s) => actionsOf(s).some((action) => action.startsWith('kms:')));
    const throughParameterStore = { StringEquals: { 'kms:ViaService': expect.anything() }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': ssmParameterArn('/app/*') } };
    const throughS3 = { StringEquals: { 'kms:ViaService': expect.anything() }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [expect.anything(), expect.anything()] } };
    expect(kmsStatements.map((s) => s.Condition)).toEqual([throughParameterStore, throughParameterStore, throughS3]);
  });
});

function ssmParameterArn(name: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111122223333:parameter${name}`]] };
}
