/**
 * The construct's custom-resource properties and manifest, exactly as synthesized, given to the
 * real reconciler against moto_server (the manifest uploaded to its S3 as the CDK CLI would
 * publish the asset): proves both sides read the contract the same way.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeParametersCommand, GetParametersByPathCommand, ListTagsForResourceCommand, Parameter, SSMClient } from '@aws-sdk/client-ssm';
import { App, CfnParameter, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { s3ManifestReader } from '../../lambda-handlers/parameter-tree/manifest';
import { handleTreeEvent, TreeEvent } from '../../lambda-handlers/parameter-tree/reconciler';
import { cloudFormationStacks } from '../../lambda-handlers/parameter-tree/stack-view';
import { Redactor } from '../../lambda-handlers/shared/redaction';
import { ParameterTier, ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { OWNER_TAG, PLACEHOLDER_VALUE, TREE_RESOURCE_TYPE, TreeTemplateProperties } from '../../src/parameter-tree/private/contract';
import { filesContaining } from '../support/compliance';
import { describeWithServices } from '../support/services';

const CANARY = 'CANARY-roundtrip-5e0b93';

describeWithServices(['moto'], 'SecureParameterTree properties through the reconciler', () => {
  const ssm = new SSMClient({});
  const kmsClient = new KMSClient({});
  // Path-style: moto_server answers on one host, not on a host per bucket.
  const s3 = new S3Client({ forcePathStyle: true });

  test('create every kind of parameter the construct describes, with no secret in template, result or logs', async () => {
    // GIVEN a key and a ciphertext made by it, and a tree using both
    const keyArn = (await kmsClient.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const ciphertext = Buffer.from((await kmsClient.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(CANARY) }))).CiphertextBlob!).toString('base64');
    const path = `/roundtrip/run${Date.now()}`;
    const outdir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'parameter-tree-roundtrip-'));
    const app = new App({ outdir });
    // moto's account and Region, so the asset bucket's name is a literal.
    const stack = new Stack(app, 'RoundTrip', { env: { account: '123456789012', region: 'us-east-1' } });
    const ownerTeam = new CfnParameter(stack, 'OwnerTeam');
    new SecureParameterTree(stack, 'Config', {
      path,
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
      description: 'Round-trip configuration',
      parameters: {
        'db/host': ParameterValue.string('db.example.com', { tags: { owner: 'data' } }),
        'db/team': ParameterValue.string(ownerTeam.valueAsString),
        'cors/origins': ParameterValue.stringList(['https://a.example', 'https://b.example']),
        'api/jwt-secret': ParameterValue.generatedSecret({ length: 48, excludePunctuation: true, tier: ParameterTier.ADVANCED }),
        'payments/stripe-key': ParameterValue.placeholderSecret({ description: 'Set by the payments team' }),
        'legacy/token': ParameterValue.encryptedSecret(ciphertext),
      },
    });
    Tags.of(stack).add('team', 'shop');
    const template = Template.fromStack(stack).toJSON();
    const { ServiceToken: _token, ...synthesized } = Object.values(template.Resources as Record<string, any>)
      .find((resource) => resource.Type === TREE_RESOURCE_TYPE).Properties;
    // What CloudFormation sends: the deploy-time values resolved, here the stack parameter's.
    const properties = resolveRefs(synthesized, { OwnerTeam: 'data-platform' }) as TreeTemplateProperties;
    expect(properties.Manifest).toBeDefined();
    const assembly = app.synth();
    await s3.send(new CreateBucketCommand({ Bucket: properties.Manifest!.Bucket })).catch(ignoreOwnedBucket);
    await s3.send(new PutObjectCommand({
      Bucket: properties.Manifest!.Bucket,
      Key: properties.Manifest!.Key,
      Body: fs.readFileSync(nodePath.join(assembly.directory, `asset.${properties.Manifest!.Key}`)),
    }));

    // WHEN CloudFormation sends the Create
    const logs: string[] = [];
    const event: TreeEvent = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:reconciler',
      ResponseURL: 'http://127.0.0.1:9/unused',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/RoundTrip/5b6f0c60-0000-4000-8000-000000000002',
      RequestId: 'request-1',
      LogicalResourceId: 'Config57D1D894',
      ResourceType: TREE_RESOURCE_TYPE,
      ResourceProperties: properties,
    };
    const result = await handleTreeEvent(event, {
      ssm,
      kms: kmsClient,
      manifests: s3ManifestReader(s3),
      stacks: cloudFormationStacks(new CloudFormationClient({})),
      redactor: new Redactor(),
      sleep: async () => {},
      concurrency: 4,
      log: (line) => logs.push(line),
    });

    // THEN Parameter Store holds what the construct described
    const stored = await parametersUnder(ssm, path);
    const byName = (name: string) => stored.find((p) => p.Name === `${path}/${name}`)!;
    expect(stored.map((p) => [p.Name, p.Type])).toEqual([
      [`${path}/api/jwt-secret`, 'SecureString'],
      [`${path}/cors/origins`, 'StringList'],
      [`${path}/db/host`, 'String'],
      [`${path}/db/team`, 'String'],
      [`${path}/legacy/token`, 'SecureString'],
      [`${path}/payments/stripe-key`, 'SecureString'],
    ]);
    expect(byName('db/host').Value).toBe('db.example.com');
    expect(byName('db/team').Value).toBe('data-platform');
    expect(byName('cors/origins').Value).toBe('https://a.example,https://b.example');
    expect(byName('api/jwt-secret').Value).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(byName('legacy/token').Value).toBe(CANARY);
    expect(byName('payments/stripe-key').Value).toBe(PLACEHOLDER_VALUE);

    const described = await describedUnder(ssm, path);
    expect(described[`${path}/api/jwt-secret`]).toMatchObject({ Tier: 'Advanced', KeyId: keyArn, Description: 'Round-trip configuration' });
    expect(described[`${path}/payments/stripe-key`]).toMatchObject({ Tier: 'Standard', KeyId: keyArn, Description: 'Set by the payments team' });
    expect(described[`${path}/legacy/token`]).toMatchObject({ KeyId: keyArn });

    const tags = await tagsOf(ssm, `${path}/db/host`);
    expect(tags).toMatchObject({ team: 'shop', owner: 'data' });
    expect(tags[OWNER_TAG]).toBeDefined();

    expect(result.data).toEqual({ Path: path, ParameterCount: '6' });
    expect(filesContaining(outdir, TREE_RESOURCE_TYPE)).not.toEqual([]);
    expect(filesContaining(outdir, CANARY)).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(logs.join('\n')).not.toContain(CANARY);
    expect(logs.join('\n')).not.toContain(byName('api/jwt-secret').Value);
  });
});

/** `{ Ref: name }` replaced by the value CloudFormation would give it. */
function resolveRefs(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, refs));
  if (typeof value !== 'object' || value === null) return value;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string' && ref in refs) return refs[ref];
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, refs)]));
}

/** The bucket outlives a test: moto's state is shared by the whole run. */
function ignoreOwnedBucket(error: { name?: string }): void {
  if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
}

async function parametersUnder(ssm: SSMClient, path: string): Promise<Parameter[]> {
  const found: Parameter[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken: token }));
    found.push(...page.Parameters ?? []);
    token = page.NextToken;
  } while (token);
  return found.sort((a, b) => a.Name!.localeCompare(b.Name!));
}

async function describedUnder(ssm: SSMClient, path: string): Promise<Record<string, { Tier?: string; KeyId?: string; Description?: string }>> {
  const found: Record<string, any> = {};
  let token: string | undefined;
  do {
    const page = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [path] }], NextToken: token }));
    for (const p of page.Parameters ?? []) found[p.Name!] = p;
    token = page.NextToken;
  } while (token);
  return found;
}

async function tagsOf(ssm: SSMClient, name: string): Promise<Record<string, string>> {
  const { TagList } = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
  return Object.fromEntries((TagList ?? []).map((tag) => [tag.Key!, tag.Value!]));
}
