/**
 * The handler's real calls against the policy the construct synthesizes: a tree is synthesized,
 * its custom resource's properties are delivered to the handler as CloudFormation would (Create,
 * an Update that changes, adds and removes parameters, a Delete under DESTROY) against
 * moto_server, and every SSM and KMS call the handler makes is evaluated, with the context IAM
 * would build for it, against the tree's reconciler policy (test/support/iam-audit.ts). Any call
 * IAM would refuse is a deployment that fails in AWS while passing against moto_server.
 *
 * Note for the merge of issue 10: this checks the handler as it is in the tree. The handler of
 * the lifecycle work reads values with GetParameters/GetParameter only (no GetParametersByPath),
 * creates with Overwrite=false and the owner tag, and sends the owner tag in every
 * AddTagsToResource; a handler that does not yet do so fails here, naming each refused call.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { createTreeHandler } from '../../lambda-handlers/parameter-tree/tree-handler';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { OWNER_TAG, TREE_RESOURCE_TYPE, TreeTemplateProperties } from '../../src/parameter-tree/private/contract';
import { context, createEvent, deleteEvent, ResponseCollector, STACK_ID, StackStandIn, uniquePath, updateEvent } from '../lambda-handlers/parameter-tree/harness';
import { IamAudit } from '../support/iam-audit';
import { PolicyDocument, resolveTemplateValue } from '../support/policy-evaluator';
import { describeWithServices } from '../support/services';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

interface Synthesized {
  readonly properties: TreeTemplateProperties;
  readonly policy: PolicyDocument;
  /** The manifest file the CDK CLI would upload, staged in the cloud assembly. */
  readonly manifestFile: string;
}

const s3 = new S3Client({ forcePathStyle: true });

/** Uploads the tree's manifest to moto_server's S3, as the CDK CLI publishes file assets before a deployment. */
async function publishManifest(tree: Synthesized): Promise<void> {
  const { Bucket, Key } = tree.properties.Manifest!;
  await s3.send(new CreateBucketCommand({ Bucket })).catch((error: { name?: string }) => {
    if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
  });
  await s3.send(new PutObjectCommand({ Bucket, Key, Body: fs.readFileSync(tree.manifestFile) }));
}

/** The policy without the statements that name one manifest object (they differ with every manifest). */
function withoutManifestRead(policy: PolicyDocument): unknown[] {
  return policy.Statement.filter((statement) => !JSON.stringify(statement).includes(':s3'));
}

/** The tree's custom-resource properties and reconciler policy as CloudFormation would deploy them. */
function synthesize(path: string, keyArn: string, parameters: Record<string, (key: kms.IKey) => ParameterValue>): Synthesized {
  const stack = new Stack(new App(), 'AuditStack', { env: { account: ACCOUNT, region: REGION } });
  const key = kms.Key.fromKeyArn(stack, 'TreeKey', keyArn);
  const tree = new SecureParameterTree(stack, 'Config', { path, encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY, treeId: 'AuditTree' });
  for (const [name, make] of Object.entries(parameters)) tree.addParameter(name, make(key));
  const template = Template.fromStack(stack);
  const values = {
    refs: { 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackId': STACK_ID },
    attributes: Object.fromEntries(Object.keys(template.findResources('AWS::Logs::LogGroup')).map((id) => [id, { Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x:*` }])),
  };
  const [resource] = Object.values(template.findResources(TREE_RESOURCE_TYPE));
  const { ServiceToken: _token, ...properties } = resource.Properties;
  const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  const resolved: TreeTemplateProperties = resolveTemplateValue(properties, values);
  const manifestFile = nodePath.join(Stage.of(stack)!.synth().directory, `asset.${resolved.Manifest!.Key}`);
  return { properties: resolved, policy: resolveTemplateValue(policy.Properties.PolicyDocument, values), manifestFile };
}

/** An audit of calls against `policy`, in the Region and account of moto_server. */
function auditOf(policy: PolicyDocument): IamAudit {
  return new IamAudit({ policy, partition: 'aws', region: REGION, account: ACCOUNT, urlSuffix: 'amazonaws.com', conditionTagKeys: [OWNER_TAG] });
}

/** The handler, its calls audited (one at a time, so that each call's context is read before the next write). */
function handlerFor(audit: IamAudit, stacks = new StackStandIn()) {
  // The manifest reads are audited too (s3:GetObject); moto's bucket has no KMS key, so their kms:Decrypt through S3 is not.
  return createTreeHandler({
    ssm: audit.ssmClient(),
    kms: audit.kmsClient(),
    s3: audit.s3Client({ forcePathStyle: true }),
    stacks: stacks.source,
    sleep: async () => {},
    concurrency: 1,
  });
}

function refusalsOf(audit: IamAudit): string[] {
  return audit.refusals.map(({ command, request }) => `${command}: ${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})}`);
}

describeWithServices(['moto'], 'the reconciler policy allows every call the handler makes (handler against moto_server, IAM by the stand-in)', () => {
  const collector = new ResponseCollector();
  const kmsClient = new KMSClient({});
  let keyArn: string;
  let ciphertext: string;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await kmsClient.send(new CreateKeyCommand({ Description: 'reconciler audit tree key' }))).KeyMetadata!.Arn!;
    ciphertext = Buffer.from((await kmsClient.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('audit-ciphertext') }))).CiphertextBlob!).toString('base64');
  });

  afterAll(() => collector.stop());

  beforeEach(() => {
    // The handler logs every step; the audit's findings are what this test reports.
    for (const method of ['log', 'info', 'warn'] as const) jest.spyOn(console, method).mockImplementation(() => {});
  });

  afterEach(() => jest.restoreAllMocks());

  test('through Create, Update and Delete of a tree of every kind', async () => {
    // GIVEN the tree as synthesized before and after a change, and its reconciler's policy
    const path = uniquePath('audit');
    const before = synthesize(path, keyArn, {
      'db/host': () => ParameterValue.string('db.example.com'),
      'cors/origins': () => ParameterValue.stringList(['https://a.example']),
      'api/jwt': () => ParameterValue.generatedSecret({ length: 32 }),
      'payments/key': () => ParameterValue.placeholderSecret(),
      'legacy/token': (key) => ParameterValue.encryptedSecret(ciphertext, { key }),
      'old/flag': () => ParameterValue.string('on'),
    });
    const after = synthesize(path, keyArn, {
      'db/host': () => ParameterValue.string('db2.example.com'),
      'cors/origins': () => ParameterValue.stringList(['https://a.example', 'https://b.example']),
      'api/jwt': () => ParameterValue.generatedSecret({ length: 32, generation: '2' }),
      'payments/key': () => ParameterValue.placeholderSecret(),
      'legacy/token': (key) => ParameterValue.encryptedSecret(ciphertext, { key }),
      'new/flag': () => ParameterValue.string('off'),
    });
    expect(withoutManifestRead(after.policy)).toEqual(withoutManifestRead(before.policy));
    await Promise.all([publishManifest(before), publishManifest(after)]);
    expect(before.properties.Owner).toBe(`AuditTree@${path}`);
    const audit = auditOf(before.policy);
    // CloudFormation's cleanup and stack states, which moto cannot hold (the CloudFormation calls are the stand-in's)
    const stacks = new StackStandIn();
    const handler = handlerFor(audit, stacks);

    // WHEN CloudFormation creates, updates and deletes it (the Delete of the old generation, then of the tree)
    await handler(createEvent(collector.responseUrl, before.properties), context);
    const created = collector.last();
    await handler(updateEvent(collector.responseUrl, created.PhysicalResourceId, after.properties, before.properties), context);
    const updated = collector.last();
    stacks.cleanupAfterUpdate(updated.PhysicalResourceId);
    await handler(deleteEvent(collector.responseUrl, created.PhysicalResourceId, before.properties), context);
    stacks.deleting(updated.PhysicalResourceId);
    await handler(deleteEvent(collector.responseUrl, updated.PhysicalResourceId, after.properties), context);
    const deleted = collector.last();

    // THEN every step succeeded against moto_server, and IAM would have allowed each of its calls
    expect([created.Status, updated.Status, deleted.Status]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(audit.refusals.map(({ command, request }) => `${command}: ${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})}`)).toEqual([]);
    // The audit saw the calls that matter: creates, secrets, deletes.
    expect([...audit.evaluated.keys()]).toEqual(expect.arrayContaining(['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameters', 'kms:Encrypt', 'kms:Decrypt']));
  });

  test('an Update reads the previous manifest with the new policy, and its rollback reads both manifests with either policy', async () => {
    // GIVEN a tree deployed, and the same tree with one value changed and one parameter added
    const path = uniquePath('audit-manifests');
    const before = synthesize(path, keyArn, { 'db/host': () => ParameterValue.string('db.example.com') });
    const after = synthesize(path, keyArn, { 'db/host': () => ParameterValue.string('db2.example.com'), 'db/port': () => ParameterValue.string('5432') });
    expect(after.properties.Manifest!.Key).not.toBe(before.properties.Manifest!.Key);
    await Promise.all([publishManifest(before), publishManifest(after)]);
    await handlerFor(auditOf(before.policy))(createEvent(collector.responseUrl, before.properties), context);
    const created = collector.last();
    const logged = jest.spyOn(console, 'log').mockImplementation(() => {});

    // WHEN the Update runs with the new template's policy, then CloudFormation rolls it back, with the new policy
    // still in place or with the old one already back (the rollback's properties are the old ones, its old properties the new ones)
    const forward = auditOf(after.policy);
    await handlerFor(forward)(updateEvent(collector.responseUrl, created.PhysicalResourceId, after.properties, before.properties), context);
    const updated = collector.last();
    const rollbacks = [auditOf(after.policy), auditOf(before.policy)];
    const rolledBack = [];
    for (const audit of rollbacks) {
      await handlerFor(audit)(updateEvent(collector.responseUrl, updated.PhysicalResourceId, before.properties, after.properties), context);
      rolledBack.push(collector.last().Status);
    }

    // THEN each event read both manifests, and IAM would have allowed every read
    expect([updated.Status, ...rolledBack]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    for (const audit of [forward, ...rollbacks]) {
      expect(refusalsOf(audit)).toEqual([]);
      expect(audit.evaluated.get('s3:GetObject')).toBe(2);
    }
    expect(logged.mock.calls.flat().join('\n')).not.toContain('the previous properties are not used');
  });

  test('through a change of the tree key: the new reconciler policy lets the SecureStrings be read with the old key and written with the new', async () => {
    // GIVEN a tree deployed with one key, then synthesized with another
    const path = uniquePath('audit-key');
    const newKeyArn = (await kmsClient.send(new CreateKeyCommand({ Description: 'reconciler audit new tree key' }))).KeyMetadata!.Arn!;
    const parameters = {
      'db/host': () => ParameterValue.string('db.example.com'),
      'api/jwt': () => ParameterValue.generatedSecret({ length: 32 }),
      'payments/key': () => ParameterValue.placeholderSecret(),
    };
    const before = synthesize(path, keyArn, parameters);
    const after = synthesize(path, newKeyArn, parameters);
    await Promise.all([publishManifest(before), publishManifest(after)]);
    await handlerFor(auditOf(before.policy))(createEvent(collector.responseUrl, before.properties), context);
    const created = collector.last();

    // WHEN the Update runs with the policy of the new template (the role's policy is updated first)
    const audit = auditOf(after.policy);
    await handlerFor(audit)(updateEvent(collector.responseUrl, created.PhysicalResourceId, after.properties, before.properties), context);
    const updated = collector.last();

    // THEN the secrets were re-encrypted, and IAM would have allowed each call of the Update
    expect([created.Status, updated.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(audit.refusals.map(({ command, request }) => `${command}: ${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})}`)).toEqual([]);
    const described = await new SSMClient({}).send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [path] }] }));
    const keys = (described.Parameters ?? []).filter((p) => p.Type === 'SecureString').map((p) => p.KeyId);
    expect(keys).toEqual([newKeyArn, newKeyArn]);
  });
});
