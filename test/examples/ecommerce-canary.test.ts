/**
 * Leak canary for the example app: a real secret handed to it as KMS ciphertext (the way a team
 * keeps it in cdk.json) must appear nowhere in cdk.out, yet reach Parameter Store through the
 * reconciler, with no trace of it in the reconciler's result or logs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { buildEcommerceApp } from '../../examples/ecommerce/app';
import { s3ManifestReader } from '../../lambda-handlers/parameter-tree/manifest';
import { handleTreeEvent } from '../../lambda-handlers/parameter-tree/reconciler';
import { cloudFormationStacks } from '../../lambda-handlers/parameter-tree/stack-view';
import { Redactor } from '../../lambda-handlers/shared/redaction';
import { TREE_RESOURCE_TYPE, TreeTemplateProperties } from '../../src/parameter-tree/private/contract';
import { filesContaining } from '../support/compliance';
import { describeWithServices } from '../support/services';

const CANARY = 'CANARY-ecommerce-payments-7d41c9';

/** Replaces deploy-time values ({ Ref }, { Fn::GetAtt }, ...) with what CloudFormation would pass. */
function resolveDeployTimeValues(value: unknown, resolve: (token: object) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveDeployTimeValues(item, resolve));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return resolve(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeployTimeValues(v, resolve)]));
  }
  return value;
}

describeWithServices(['moto'], 'e-commerce example leak canary', () => {
  const kms = new KMSClient({});
  const ssm = new SSMClient({});
  // Path-style: moto_server answers on one host, not on a host per bucket.
  const s3 = new S3Client({ forcePathStyle: true });

  test('a secret given as ciphertext is nowhere in cdk.out and reaches Parameter Store', async () => {
    // GIVEN the payments key encrypted with a KMS key, handed to the app as context
    const paymentsKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'payments team key' }))).KeyMetadata!.Arn!;
    const ciphertext = Buffer.from((await kms.send(new EncryptCommand({ KeyId: paymentsKeyArn, Plaintext: Buffer.from(CANARY) }))).CiphertextBlob!).toString('base64');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecommerce-canary-'));
    const app = new App({ outdir, context: { paymentApiKeyCiphertext: ciphertext, paymentApiKeyKeyArn: paymentsKeyArn } });

    // WHEN the app is synthesized
    buildEcommerceApp(app);
    app.synth();

    // THEN the ciphertext went into a tree manifest (an asset file), the secret into no file at all
    expect(filesContaining(outdir, ciphertext).map((file) => path.basename(file))).toEqual([expect.stringMatching(/^asset\.[0-9a-f]{64}\.cdk-secure-config-[0-9a-f]{16}$/)]);
    expect(filesContaining(outdir, CANARY)).toEqual([]);

    // WHEN CloudFormation creates the prod tree (deploy-time values filled in, unique path)
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'EcommerceProd.template.json'), 'utf8'));
    const [logicalId, resource] = Object.entries(template.Resources as Record<string, any>)
      .find(([, r]) => r.Type === TREE_RESOURCE_TYPE)!;
    const treeKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'tree key' }))).KeyMetadata!.Arn!;
    const { ServiceToken: _serviceToken, ...raw } = resource.Properties;
    const properties = resolveDeployTimeValues(raw, () => 'resolved-at-deploy-time') as TreeTemplateProperties;
    // The CDK CLI publishes the manifest asset; here into a bucket of moto's.
    const manifest = { ...properties.Manifest!, Bucket: 'ecommerce-canary-assets' };
    await s3.send(new CreateBucketCommand({ Bucket: manifest.Bucket })).catch((error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    await s3.send(new PutObjectCommand({ Bucket: manifest.Bucket, Key: manifest.Key, Body: fs.readFileSync(path.join(outdir, `asset.${manifest.Key}`)) }));
    const treePath = `/ecommerce-canary-${Date.now()}/prod`;
    const logs: string[] = [];
    const result = await handleTreeEvent({
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:reconciler',
      ResponseURL: 'http://127.0.0.1:9/unused',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/EcommerceProd/5b6f0c60-0000-4000-8000-00000000000e',
      RequestId: 'canary-create',
      LogicalResourceId: logicalId,
      ResourceType: TREE_RESOURCE_TYPE,
      ResourceProperties: { ...properties, Manifest: manifest, Path: treePath, KeyArn: treeKeyArn },
    }, {
      ssm,
      kms,
      manifests: s3ManifestReader(s3),
      stacks: cloudFormationStacks(new CloudFormationClient({})),
      redactor: new Redactor(),
      sleep: async () => {},
      concurrency: 4,
      log: (line) => logs.push(line),
    });

    // THEN the secret is in Parameter Store, and not in the result or any log line
    const stored = await ssm.send(new GetParameterCommand({ Name: `${treePath}/payments/api-key`, WithDecryption: true }));
    expect(stored.Parameter).toMatchObject({ Type: 'SecureString', Value: CANARY });
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(logs.join('\n')).not.toContain(CANARY);
    expect(logs.length).toBeGreaterThan(0);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
