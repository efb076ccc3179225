/**
 * What the reconciler's synthesized policy allows and refuses, call by call: each call the
 * handler makes on a parameter the tree owns is allowed; overwriting, labelling, deleting,
 * tagging or reading a parameter another tree owns, or one outside the path, is refused by
 * IAM whatever the handler's code does; SecureStrings of the path encrypted with an earlier key
 * can be read through Parameter Store, those of another path cannot.
 *
 * moto_server cannot evaluate resource ARNs or conditions for SSM and KMS (see
 * test/support/policy-evaluator.ts), so the template's policy is evaluated by the stand-in, with
 * the request context IAM builds for each call (tags of the parameter, tags in the request,
 * ssm:Overwrite, kms:ViaService, the encryption context Parameter Store sends).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { OWNER_TAG, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';
import { evaluate, EvaluatedRequest, PolicyDocument, resolveTemplateValue } from '../support/policy-evaluator';

const ACCOUNT = '111122223333';
const CIPHERTEXT_KEY = 'key/11111111-2222-3333-4444-555555555555';

interface Deployed {
  readonly policy: PolicyDocument;
  readonly owner: string;
  readonly legacyOwner: string;
  readonly treeKeyArn: string;
  readonly stackId: string;
  /** `arn:<partition>:<service>:<region>:<account>:<resource>` in the deployment's partition and region. */
  arn(service: string, resource: string): string;
  parameterArn(name: string): string;
}

/** The `/app` tree's reconciler policy as CloudFormation would deploy it in `region` of `partition`. */
function deployedTree(partition: string, urlSuffix: string, region: string): Deployed {
  const stack = new Stack(new App(), 'ConfigStack', { env: { account: ACCOUNT, region } });
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${ACCOUNT}:${resource}`;
  new SecureParameterTree(stack, 'Config', {
    path: '/app',
    parameters: {
      'db/host': ParameterValue.string('db.example.com'),
      'legacy/token': ParameterValue.encryptedSecret('AQICAHhB', { key: kms.Key.fromKeyArn(stack, 'TeamKey', arn('kms', CIPHERTEXT_KEY)) }),
    },
  });
  const template = Template.fromStack(stack);
  const treeKeyArn = arn('kms', 'key/aaaaaaaa-0000-0000-0000-000000000000');
  const stackId = arn('cloudformation', 'stack/ConfigStack/0b0b0b0b-0000-0000-0000-000000000000');
  const [treeKeyId] = Object.entries(template.findResources('AWS::KMS::Key')).filter(([, key]) => String(key.Properties.Description).includes('under /app')).map(([id]) => id);
  const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
  const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  const values = {
    refs: { 'AWS::Partition': partition, 'AWS::URLSuffix': urlSuffix, 'AWS::StackId': stackId },
    attributes: { [treeKeyId]: { Arn: treeKeyArn }, [logGroupId]: { Arn: arn('logs', 'log-group:/cdk-secure-config/x:*') } },
  };
  const tree = Object.values(template.findResources(TREE_RESOURCE_TYPE))[0];
  return {
    policy: resolveTemplateValue(policy.Properties.PolicyDocument, values),
    owner: tree.Properties.Owner,
    legacyOwner: tree.Properties.LegacyOwner,
    treeKeyArn,
    stackId,
    arn,
    parameterArn: (name) => arn('ssm', `parameter${name}`),
  };
}

const AWS = deployedTree('aws', 'amazonaws.com', 'eu-west-1');
const OTHER_OWNER = 'OtherStack@/app';

/** A call on a parameter, with the tags IAM reads from it and from the request. */
interface ParameterTags {
  /** The owner tag the parameter carries. */
  readonly resource?: string;
  /** The owner tag the request sends. */
  readonly request?: string;
  /** PutParameter's Overwrite. */
  readonly overwrite?: boolean;
}

function onParameter(action: string, name: string, tags: ParameterTags = {}, tree = AWS): EvaluatedRequest {
  const context: Record<string, string> = {};
  if (tags.resource !== undefined) context[`aws:ResourceTag/${OWNER_TAG}`] = tags.resource;
  if (tags.request !== undefined) context[`aws:RequestTag/${OWNER_TAG}`] = tags.request;
  if (tags.overwrite !== undefined) context['ssm:Overwrite'] = String(tags.overwrite);
  return { action, resource: tree.parameterArn(name), context };
}

/** The KMS call Parameter Store makes with the caller's permissions for the parameter `name`. */
function throughParameterStore(action: string, keyArn: string, name: string, tree = AWS, region = 'eu-west-1', urlSuffix = 'amazonaws.com'): EvaluatedRequest {
  return {
    action,
    resource: keyArn,
    context: { 'kms:ViaService': `ssm.${region}.${urlSuffix}`, 'kms:EncryptionContext:PARAMETER_ARN': tree.parameterArn(name), 'kms:EncryptionContextKeys': 'PARAMETER_ARN' },
  };
}

const OLD_KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0ld0ld00-0000-0000-0000-000000000000`;

describe('the reconciler may make every call of its handler on what the tree owns', () => {
  const owner = AWS.owner;
  test.each<[string, EvaluatedRequest]>([
    ['scan the path (DescribeParameters has no resource)', { action: 'ssm:DescribeParameters', resource: '*' }],
    ["read the owner of any parameter under the path, another tree's too", onParameter('ssm:ListTagsForResource', '/app/x', { resource: OTHER_OWNER })],
    ['read owned values in batches', onParameter('ssm:GetParameters', '/app/db/host', { resource: owner })],
    ['read an owned SecureString', onParameter('ssm:GetParameter', '/app/api/key', { resource: owner })],
    ['read the history of an owned parameter', onParameter('ssm:GetParameterHistory', '/app/api/key', { resource: owner })],
    ['create a parameter with its owner tag', onParameter('ssm:PutParameter', '/app/new', { request: owner, overwrite: false })],
    ['tag the parameter it creates (PutParameter with tags)', onParameter('ssm:AddTagsToResource', '/app/new', { request: owner })],
    ['overwrite an owned parameter', onParameter('ssm:PutParameter', '/app/db/host', { resource: owner, overwrite: true })],
    ['label an owned version', onParameter('ssm:LabelParameterVersion', '/app/api/key', { resource: owner })],
    ['unlabel an owned version at the version limit', onParameter('ssm:UnlabelParameterVersion', '/app/api/key', { resource: owner })],
    ['mark an owned parameter removed (or sync its tags)', onParameter('ssm:AddTagsToResource', '/app/db/host', { resource: owner, request: owner })],
    ['claim a parameter an earlier version tagged with the legacy owner', onParameter('ssm:AddTagsToResource', '/app/db/host', { resource: AWS.legacyOwner, request: owner })],
    ['overwrite a parameter carrying the legacy owner', onParameter('ssm:PutParameter', '/app/db/host', { resource: AWS.legacyOwner, overwrite: true })],
    ['adopt a parameter no tree owns', onParameter('ssm:AddTagsToResource', '/app/existing', { request: owner })],
    ['release an owned parameter', onParameter('ssm:RemoveTagsFromResource', '/app/db/host', { resource: owner })],
    ['delete an owned parameter', onParameter('ssm:DeleteParameters', '/app/db/host', { resource: owner })],
    ['encrypt with the tree key through Parameter Store', throughParameterStore('kms:Encrypt', AWS.treeKeyArn, '/app/api/key')],
    ['make a data key with the tree key through Parameter Store (Advanced tier)', throughParameterStore('kms:GenerateDataKey', AWS.treeKeyArn, '/app/api/key')],
    ['decrypt with the tree key through Parameter Store', throughParameterStore('kms:Decrypt', AWS.treeKeyArn, '/app/api/key')],
    ['decrypt a SecureString of the path written with an earlier key', throughParameterStore('kms:Decrypt', OLD_KEY_ARN, '/app/api/key')],
    ['decrypt the ciphertext of an encryptedSecret, which has no encryption context', { action: 'kms:Decrypt', resource: AWS.arn('kms', CIPHERTEXT_KEY) }],
    ['read its own stack', { action: 'cloudformation:DescribeStacks', resource: AWS.stackId }],
    ['read the live resource of its logical id', { action: 'cloudformation:DescribeStackResource', resource: AWS.stackId }],
  ])('%s', (_case, request) => {
    expect(evaluate(AWS.policy, request)).toBe('allow');
  });
});

describe('IAM refuses the reconciler what the tree does not own, whatever its code does', () => {
  const owner = AWS.owner;
  test.each<[string, EvaluatedRequest]>([
    ['overwrite a parameter another tree owns', onParameter('ssm:PutParameter', '/app/x', { resource: OTHER_OWNER, overwrite: true })],
    ['overwrite a parameter no tree owns, before adopting it', onParameter('ssm:PutParameter', '/app/x', { overwrite: true })],
    ['create a parameter without its owner tag', onParameter('ssm:PutParameter', '/app/new', { overwrite: false })],
    ['create a parameter tagged with another owner', onParameter('ssm:PutParameter', '/app/new', { request: OTHER_OWNER, overwrite: false })],
    ['delete a parameter another tree owns', onParameter('ssm:DeleteParameters', '/app/x', { resource: OTHER_OWNER })],
    ['delete a parameter no tree owns', onParameter('ssm:DeleteParameters', '/app/x')],
    ['label a version of a parameter another tree owns', onParameter('ssm:LabelParameterVersion', '/app/x', { resource: OTHER_OWNER })],
    ['unlabel a version of a parameter another tree owns', onParameter('ssm:UnlabelParameterVersion', '/app/x', { resource: OTHER_OWNER })],
    ["read (decrypt) another tree's SecureString", onParameter('ssm:GetParameter', '/app/x', { resource: OTHER_OWNER })],
    ['take over a parameter another tree owns by tagging it', onParameter('ssm:AddTagsToResource', '/app/x', { resource: OTHER_OWNER, request: owner })],
    ['tag a parameter without sending its owner tag', onParameter('ssm:AddTagsToResource', '/app/db/host', { resource: owner })],
    ['untag a parameter another tree owns', onParameter('ssm:RemoveTagsFromResource', '/app/x', { resource: OTHER_OWNER })],
    ['overwrite an owned-looking parameter outside the path', onParameter('ssm:PutParameter', '/other/x', { resource: owner, overwrite: true })],
    ["delete in a sibling path sharing the path's prefix", onParameter('ssm:DeleteParameters', '/apple/x', { resource: owner })],
    ['label a parameter outside the path', onParameter('ssm:LabelParameterVersion', '/other/x', { resource: owner })],
    ['create outside the path', onParameter('ssm:PutParameter', '/other/new', { request: owner, overwrite: false })],
    ['delete the path itself', onParameter('ssm:DeleteParameters', '/app', { resource: owner })],
    ['decrypt a SecureString of another path through Parameter Store', throughParameterStore('kms:Decrypt', OLD_KEY_ARN, '/other/secret')],
    ['decrypt a SecureString of a sibling path sharing the prefix', throughParameterStore('kms:Decrypt', OLD_KEY_ARN, '/apple/secret')],
    ['decrypt through Parameter Store of another Region', throughParameterStore('kms:Decrypt', OLD_KEY_ARN, '/app/api/key', AWS, 'us-east-1')],
    ['decrypt Parameter Store ciphertext directly, around Parameter Store', {
      action: 'kms:Decrypt',
      resource: AWS.treeKeyArn,
      context: { 'kms:EncryptionContext:PARAMETER_ARN': AWS.parameterArn('/app/api/key'), 'kms:EncryptionContextKeys': 'PARAMETER_ARN' },
    }],
    ['encrypt with another key than the tree key', throughParameterStore('kms:Encrypt', OLD_KEY_ARN, '/app/api/key')],
    ['read another stack', { action: 'cloudformation:DescribeStacks', resource: AWS.arn('cloudformation', 'stack/OtherStack/1') }],
  ])('%s', (_case, request) => {
    expect(evaluate(AWS.policy, request)).toBe('implicit-deny');
  });
});

describe('the policy follows the partition and URL suffix of the Region it is deployed to', () => {
  const CN = deployedTree('aws-cn', 'amazonaws.com.cn', 'cn-north-1');

  test('in China, the calls on owned parameters and the re-encryption are allowed with China ARNs and endpoints', () => {
    const requests = [
      onParameter('ssm:PutParameter', '/app/db/host', { resource: CN.owner, overwrite: true }, CN),
      onParameter('ssm:AddTagsToResource', '/app/new', { request: CN.owner }, CN),
      throughParameterStore('kms:Decrypt', CN.arn('kms', 'key/0ld'), '/app/api/key', CN, 'cn-north-1', 'amazonaws.com.cn'),
      { action: 'cloudformation:DescribeStacks', resource: CN.stackId },
    ];
    expect(requests.map((request) => evaluate(CN.policy, request))).toEqual(['allow', 'allow', 'allow', 'allow']);
  });

  test('no ARN or service name of the aws partition is hard-coded', () => {
    const request = throughParameterStore('kms:Decrypt', CN.arn('kms', 'key/0ld'), '/app/api/key', CN, 'cn-north-1', 'amazonaws.com');
    expect(evaluate(CN.policy, request)).toBe('implicit-deny');
    expect(JSON.stringify(CN.policy)).not.toMatch(/arn:aws:|amazonaws\.com"/);
  });
});
