/**
 * The reconciler reading the tree's specs from a manifest in S3 (moto_server): Create, Update
 * with the old and the new manifest, the rollback to the old one, and the manifests it refuses.
 */
import { createHash } from 'crypto';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  context, createEvent, motoClients, parameterStoreState, ResponseCollector, StackStandIn, uniquePath, updateEvent,
} from './harness';
import { s3ManifestReader } from '../../../lambda-handlers/parameter-tree/manifest';
import { handleTreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import { Redactor } from '../../../lambda-handlers/shared/redaction';
import {
  MANIFEST_MARKER, ManifestPointer, ParameterKind, ParameterSpec, TreeTemplateProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

const BUCKET = 'cscfg-test-manifests';

describeWithServices(['moto'], 'parameter tree manifest in S3 (moto_server)', () => {
  const { ssm, kms } = motoClients();
  // Path-style: moto_server answers on one host, not on a host per bucket.
  const s3 = new S3Client({ forcePathStyle: true });
  const collector = new ResponseCollector();
  let keyArn: string;
  let handler: TreeHandler;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'manifest test key' }))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    // No Delete and no rollback here: CloudFormation's view of the stack is never asked for.
    handler = createTreeHandler({ ssm, kms, s3, stacks: new StackStandIn().source, sleep: async () => {}, concurrency: 4 });
  });
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => collector.stop());

  const string = (name: string, value: unknown): unknown => ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });
  const generated = (name: string): ParameterSpec => ({
    Name: name,
    Kind: ParameterKind.GENERATED,
    Tier: 'Standard',
    Description: '',
    Generator: { Length: '24', ExcludeCharacters: '', ExcludePunctuation: 'true', Generation: '' },
  });

  /** Uploads a manifest of `parameters` as the CDK CLI publishes the asset, under a key of its hash. */
  async function upload(parameters: unknown[]): Promise<ManifestPointer> {
    const content = JSON.stringify({ Version: '1', Parameters: parameters });
    const sha256 = createHash('sha256').update(content).digest('hex');
    const key = `${sha256}.json`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: content }));
    return { Bucket: BUCKET, Key: key, Sha256: sha256 };
  }

  function tree(path: string, manifest: ManifestPointer, markers?: Record<string, string>): TreeTemplateProperties {
    return {
      Path: path,
      KeyArn: keyArn,
      RemovalPolicy: 'destroy',
      AdoptExisting: 'false',
      Tags: [],
      Manifest: manifest,
      ...(markers ? { ManifestMarkers: markers } : {}),
    };
  }

  async function deliver(event: Parameters<TreeHandler>[0]): Promise<CustomResourceResponse> {
    await handler(event, context);
    return collector.last();
  }

  const valuesOf = async (path: string) =>
    Object.fromEntries(Object.entries(await parameterStoreState(ssm, path)).map(([name, p]) => [name.slice(path.length + 1), p.value]));

  test('Create writes the specs of the manifest, with the deploy-time values of the markers', async () => {
    // GIVEN a manifest whose host is a deploy-time value
    const path = uniquePath('manifest-create');
    const manifest = await upload([string('db/host', { [MANIFEST_MARKER]: 'm0' }), string('db/port', '5432'), generated('api/secret')]);

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, tree(path, manifest, { m0: 'db.internal.example' })));

    // THEN
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: expect.stringMatching(new RegExp(`^${path}@[0-9a-f]{16}$`)) });
    expect(await valuesOf(path)).toEqual({ 'api/secret': expect.stringMatching(/^[A-Za-z0-9]{24}$/), 'db/host': 'db.internal.example', 'db/port': '5432' });
  });

  test('Update reads the old and the new manifest; the rollback Update finds the old one and restores it', async () => {
    // GIVEN a deployed tree
    const path = uniquePath('manifest-update');
    const before = await upload([string('db/host', 'old.example'), generated('api/secret')]);
    const created = await deliver(createEvent(collector.responseUrl, tree(path, before)));
    const secret = (await valuesOf(path))['api/secret'];

    // WHEN an Update changes a value and adds a parameter
    const after = await upload([string('db/host', 'new.example'), generated('api/secret'), string('feature/flags', 'a,b')]);
    const updated = await deliver(updateEvent(collector.responseUrl, created.PhysicalResourceId, tree(path, after), tree(path, before)));

    // THEN
    expect(updated.Status).toBe('SUCCESS');
    expect(await valuesOf(path)).toEqual({ 'api/secret': secret, 'db/host': 'new.example', 'feature/flags': 'a,b' });

    // WHEN CloudFormation rolls back: the old manifest becomes the desired one
    const rolledBack = await deliver(updateEvent(collector.responseUrl, updated.PhysicalResourceId, tree(path, before), tree(path, after)));

    // THEN the old values are back (the added parameter goes with the cleanup Delete of its generation)
    expect(rolledBack).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    const values = await valuesOf(path);
    expect(values['db/host']).toBe('old.example');
    expect(values['api/secret']).toBe(secret);
  });

  test('an Update whose old manifest is gone still succeeds, and says the previous properties were not used', async () => {
    // GIVEN a deployed tree, and old properties pointing at an object that no longer exists
    const path = uniquePath('manifest-old-gone');
    const before = await upload([string('a', '1')]);
    const created = await deliver(createEvent(collector.responseUrl, tree(path, before)));
    const gone = { ...before, Key: 'deleted-by-an-asset-cleanup.json' };
    const after = await upload([string('a', '2')]);
    const logs: string[] = [];

    // WHEN
    const result = await handleTreeEvent(
      updateEvent(collector.responseUrl, created.PhysicalResourceId, tree(path, after), tree(path, gone)),
      {
        ssm,
        kms,
        manifests: s3ManifestReader(s3),
        stacks: new StackStandIn().source,
        redactor: new Redactor(),
        sleep: async () => {},
        concurrency: 4,
        log: (line) => logs.push(line),
      },
    );

    // THEN
    expect(result.physicalResourceId).toBe(created.PhysicalResourceId);
    expect(await valuesOf(path)).toEqual({ a: '2' });
    expect(logs).toContainEqual(expect.stringMatching(/^the previous properties are not used: .*deleted-by-an-asset-cleanup\.json does not exist/));
  });

  test('refuses a manifest whose bytes differ from the hash in the template, writing nothing', async () => {
    // GIVEN an object replaced after synthesis
    const path = uniquePath('manifest-tampered');
    const genuine = await upload([string('a', '1')]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: genuine.Key, Body: JSON.stringify({ Version: '1', Parameters: [string('a', 'evil')] }) }));

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, tree(path, genuine)));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`the tree's manifest s3://${BUCKET}/${genuine.Key} has SHA-256 `);
    expect(response.Reason).toContain(`and the template expects ${genuine.Sha256}: the object is not the one synthesized with this template. Nothing was written`);
    // A failed Create reports an id no Delete matches: it wrote nothing.
    expect(response.PhysicalResourceId).toBe('ConfigTree1A2B3C4D:invalid-properties');
    expect(await valuesOf(path)).toEqual({});
  });

  test('refuses a manifest that does not exist, naming it and what to do', async () => {
    const path = uniquePath('manifest-missing');
    const missing = { Bucket: BUCKET, Key: 'never-uploaded.json', Sha256: '0'.repeat(64) };

    const response = await deliver(createEvent(collector.responseUrl, tree(path, missing)));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`the tree's manifest s3://${BUCKET}/never-uploaded.json does not exist.`);
    expect(response.Reason).toContain('deploy the app again so that it is uploaded again. Nothing was written');
  });

  test('a 403 from S3 says that a missing object looks the same to this reader', async () => {
    // moto_server does not enforce IAM: a client answering as S3 answers a reader without s3:ListBucket stands in.
    const denied = { send: async () => { throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }); } } as unknown as S3Client;

    await expect(s3ManifestReader(denied)(BUCKET, 'gone.json')).rejects.toThrow(
      `could not read the tree's manifest s3://${BUCKET}/gone.json: AccessDenied: Access Denied (S3 says so too when the object does not exist`);
  });

  test('a Create that fails after reading the manifest reports the generation of its names, for the Delete that follows', async () => {
    // GIVEN a valid manifest with a ciphertext KMS refuses
    const path = uniquePath('manifest-failed-create');
    const manifest = await upload([string('a', '1'), { Name: 'b', Kind: ParameterKind.ENCRYPTED, Tier: 'Standard', Description: '', Ciphertext: 'bm90LWEtY2lwaGVydGV4dA==', CiphertextKeyArn: '' }]);

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, tree(path, manifest)));

    // THEN the id names the generation the Create wrote with, as with inline properties
    expect(response.Status).toBe('FAILED');
    expect(response.PhysicalResourceId).toMatch(new RegExp(`^${path}@[0-9a-f]{16}$`));
  });

  test('refuses a marker the properties do not carry, and specs both inline and in a manifest', async () => {
    const path = uniquePath('manifest-bad');
    const manifest = await upload([string('a', { [MANIFEST_MARKER]: 'm7' })]);

    const unknownMarker = await deliver(createEvent(collector.responseUrl, tree(path, manifest, { m0: 'x' })));
    const both = await deliver(createEvent(collector.responseUrl, { ...tree(path, manifest), Parameters: [] }));

    expect(unknownMarker.Reason).toContain(`the tree's manifest s3://${BUCKET}/${manifest.Key} uses the marker 'm7', which \`ManifestMarkers\` does not hold`);
    expect(both.Reason).toContain('`Parameters` and `Manifest` must not both be set');
  });
});
