/**
 * Error paths the emulator cannot produce: throttling, exhausted retries, access denied, KMS
 * failures. The AWS clients are mocked; responses still go over HTTP to a local server.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { context, createEvent, deleteEvent, ResponseCollector, StackStandIn } from './harness';
import { createTreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { realSleep } from '../../../lambda-handlers/shared/retry';
import { ParameterKind, ParameterSpec, TreeResourceProperties } from '../../../src/parameter-tree/private/contract';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const CANARY = 'CANARY-mock-3e9b-literal';

const ssmMock = mockClient(SSMClient);
const kmsMock = mockClient(KMSClient);
const collector = new ResponseCollector();
const consoleOutput: string[] = [];
const sleeps: number[] = [];

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function tree(parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties {
  return { Path: '/shop/prod', KeyArn: KEY_ARN, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: parameters, ...overrides };
}

/** DescribeParameters finds `names`, none of them adopted. */
function describeReturns(names: string[]): void {
  ssmMock.on(DescribeParametersCommand).callsFake((input) => {
    const adoptedOnly = (input.ParameterFilters ?? []).some((f: { Key?: string }) => f.Key === 'tag:cdk-secure-config:adopted');
    return { Parameters: adoptedOnly ? [] : names.map((Name) => ({ Name })) };
  });
}

const hostParameter: ParameterSpec = { Name: 'db/host', Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: 'db.example.com' };

/** CloudFormation's answers to a Delete: the stack does not exist unless a test says otherwise. */
const stacks = new StackStandIn();

const handler = createTreeHandler({
  ssm: new SSMClient({}),
  stacks: stacks.source,
  kms: new KMSClient({}),
  sleep: async (ms) => { sleeps.push(ms); },
  concurrency: 4,
  transientAttempts: 4,
});

async function create(props: TreeResourceProperties) {
  await handler(createEvent(collector.responseUrl, props), context);
  return collector.last();
}

beforeAll(() => collector.start());
afterAll(() => collector.stop());

beforeEach(() => {
  ssmMock.reset();
  kmsMock.reset();
  stacks.inState(undefined);
  sleeps.length = 0;
  // An empty path: nothing exists, nothing is owned.
  ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
  ssmMock.on(LabelParameterVersionCommand).resolves({ ParameterVersion: 1, InvalidLabels: [] });
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => { consoleOutput.push(args.map(String).join(' ')); });
  }
});

afterEach(() => jest.restoreAllMocks());

describe('parameter tree handler error paths', () => {
  test.each([
    ['ThrottlingException', 'Rate exceeded'],
    ['TooManyUpdates', 'There are concurrent updates for the resource you are trying to update'],
  ])('retries %s, paced by the action\'s rate limiter, then succeeds', async (name, message) => {
    // GIVEN a write throttled twice
    ssmMock.on(PutParameterCommand)
      .rejectsOnce(awsError(name, message))
      .rejectsOnce(awsError(name, message))
      .resolves({ Version: 1 });

    // WHEN
    const response = await create(tree([hostParameter]));

    // THEN
    expect(response.Status).toBe('SUCCESS');
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(3);
    // the limiter slowed down: the retries waited for later slots
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
  });

  test('keeps retrying throttles until the deadline, then says how far it got', async () => {
    // GIVEN every write throttled, and an invocation with little time left
    ssmMock.on(PutParameterCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const shortLived = createTreeHandler({
      ssm: new SSMClient({}),
      kms: new KMSClient({}),
      stacks: stacks.source,
      sleep: realSleep,
      concurrency: 4,
      safetyMarginMs: 1_000,
      quotas: { PutParameter: 50 },
    });

    // WHEN
    await shortLived(createEvent(collector.responseUrl, tree([hostParameter, { ...hostParameter, Name: 'db/port', Value: '5432' }])), {
      getRemainingTimeInMillis: () => 1_400,
    });
    const response = collector.last();

    // THEN far more than the old attempt cap, and a precise reason
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      "DeadlineError: out of time: 0 of 2 parameter(s) of tree '/shop/prod' reconciled, 2 left; every call had stopped before this answer. " +
      'The next deployment, or the rollback, reconciles the rest',
    );
    expect(ssmMock.commandCalls(PutParameterCommand).length).toBeGreaterThan(8);
    expect(response.PhysicalResourceId).toMatch(/^\/shop\/prod@[0-9a-f]{16}$/);
  });

  test('gives up on other transient errors after a few attempts', async () => {
    // GIVEN
    ssmMock.on(PutParameterCommand).rejects(Object.assign(awsError('InternalServerError', 'try again'), { $metadata: { httpStatusCode: 500 } }));

    // WHEN
    const response = await create(tree([hostParameter]));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      "could not reconcile 1 parameter(s) of tree '/shop/prod' (no further parameter was started): " +
      "'/shop/prod/db/host': RetriesExhaustedError: gave up after 4 attempts: InternalServerError: try again",
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(4);
  });

  test('retries throttled reads too', async () => {
    // GIVEN
    ssmMock.on(DescribeParametersCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).resolves({ Parameters: [] });
    ssmMock.on(PutParameterCommand).resolves({ Version: 1 });

    // WHEN
    const response = await create(tree([hostParameter]));

    // THEN
    expect(response.Status).toBe('SUCCESS');
    expect(ssmMock.commandCalls(DescribeParametersCommand)).toHaveLength(2);
  });

  test('AccessDeniedException fails at once, naming the parameter', async () => {
    // GIVEN
    ssmMock.on(PutParameterCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform ssm:PutParameter'));

    // WHEN
    const response = await create(tree([hostParameter]));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain("'/shop/prod/db/host': AccessDeniedException: User is not authorized to perform ssm:PutParameter");
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test('a KMS decrypt failure fails the Encrypted parameter without writing it', async () => {
    // GIVEN
    kmsMock.on(DecryptCommand).rejects(awsError('InvalidCiphertextException', 'The ciphertext is invalid'));
    ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
    const token: ParameterSpec = { Name: 'legacy/token', Kind: ParameterKind.ENCRYPTED, Tier: 'Standard', Description: '', Ciphertext: 'AQICAHg=', CiphertextKeyArn: '' };

    // WHEN
    const response = await create(tree([token]));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain("'/shop/prod/legacy/token': InvalidCiphertextException: The ciphertext is invalid");
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(kmsMock.commandCalls(DecryptCommand)[0].args[0].input.KeyId).toBe(KEY_ARN);
  });

  test('reads every page of the path scan, within the API limits, and never by path with decryption', async () => {
    // GIVEN two pages of the unfiltered scan, the second holding an untagged parameter the tree wants
    const pathOnly = { ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/shop/prod'] }] };
    ssmMock.on(DescribeParametersCommand, { ...pathOnly, NextToken: undefined }).resolves({ Parameters: [], NextToken: 'page-2' });
    ssmMock.on(DescribeParametersCommand, { ...pathOnly, NextToken: 'page-2' }).resolves({ Parameters: [{ Name: '/shop/prod/db/host', Type: 'String', Version: 1 }] });
    ssmMock.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'team', Value: 'other' }] });

    // WHEN
    const response = await create(tree([hostParameter]));

    // THEN the parameter on page 2 was seen, its tags read to learn it has no owner, and it was refused
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain("'/shop/prod/db/host' already exists and is not owned");
    expect(ssmMock.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input.ResourceId)).toEqual(['/shop/prod/db/host']);
    expect(ssmMock.commandCalls(GetParametersByPathCommand)).toEqual([]);
    const scans = ssmMock.commandCalls(DescribeParametersCommand);
    // two pages of the path, then the owner's scan
    expect(scans).toHaveLength(3);
    for (const call of scans) expect(call.args[0].input.MaxResults).toBe(50);
  });

  test('reads the values of owned Strings in GetParameters batches of at most 10, without decryption', async () => {
    // GIVEN 23 owned Strings, in sync
    const specs = Array.from({ length: 23 }, (_, i): ParameterSpec => ({ ...hostParameter, Name: `p${i}`, Value: `v${i}` }));
    const described = specs.map((s) => ({ Name: `/shop/prod/${s.Name}`, Type: 'String' as const, Version: 1, Tier: 'Standard' as const }));
    ssmMock.on(DescribeParametersCommand).resolves({ Parameters: described });
    ssmMock.on(GetParametersCommand).callsFake((input: { Names: string[] }) =>
      ({ Parameters: input.Names.map((Name) => ({ Name, Type: 'String', Value: `v${Name.slice('/shop/prod/p'.length)}`, Version: 1 })) }));

    // WHEN
    const response = await create(tree(specs));

    // THEN nothing needed writing, and the values came in three batches
    expect(response.Status).toBe('SUCCESS');
    expect(ssmMock.commandCalls(PutParameterCommand)).toEqual([]);
    const batches = ssmMock.commandCalls(GetParametersCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Names!.length)).toEqual([10, 10, 3]);
    for (const batch of batches) expect(batch.WithDecryption).toBe(false);
  });

  test('Delete removes owned parameters in batches of at most 10', async () => {
    // GIVEN 23 parameters the live generation marked removed
    const names = Array.from({ length: 23 }, (_, i) => `/shop/prod/p${i}`);
    describeReturns(names);
    ssmMock.on(DeleteParametersCommand).resolves({});

    // WHEN CloudFormation cleans the generation up after an update that replaced it
    stacks.cleanupAfterUpdate('/shop/prod@fedcba9876543210');
    await handler(deleteEvent(collector.responseUrl, '/shop/prod@0123456789abcdef', tree([])), context);

    // THEN
    expect(collector.last().Status).toBe('SUCCESS');
    const batches = ssmMock.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names!);
    expect(batches.map((b) => b.length).sort()).toEqual([10, 10, 3]);
    expect(batches.flat().sort()).toEqual([...names].sort());
    expect(ssmMock.commandCalls(DescribeParametersCommand)[0].args[0].input.ParameterFilters).toEqual([
      { Key: 'Path', Option: 'Recursive', Values: ['/shop/prod'] },
      { Key: 'tag:cdk-secure-config:owner', Values: ['ShopStack/ConfigTree1A2B3C4D'] },
      { Key: 'tag:cdk-secure-config:removed-in', Values: ['fedcba9876543210'] },
    ]);
  });

  test.each([
    ['Path', { Path: 'shop/prod' }, "`Path` must start with '/', use only a-zA-Z0-9_.-/ and not end with '/', got: 'shop/prod'"],
    ['RemovalPolicy', { RemovalPolicy: 'snapshot' }, "`RemovalPolicy` must be one of 'retain', 'destroy', got: 'snapshot'"],
    ['AdoptExisting', { AdoptExisting: 'yes' }, "`AdoptExisting` must be one of 'true', 'false', got: 'yes'"],
    ['Throughput', { Throughput: 'unlimited' }, "`Throughput` must be one of 'default', 'higher', got: 'unlimited'"],
    ['KeyArn', { KeyArn: '' }, "`KeyArn` must be a KMS key ARN, got: ''"],
    ['Parameters[0].Kind', { Parameters: [{ ...hostParameter, Kind: 'Binary' }] }, '`Parameters[0].Kind` must be one of String, StringList, Generated, Placeholder, Encrypted, UnsafeLiteral, got: \'Binary\''],
    ['Parameters[0].Name', { Parameters: [{ ...hostParameter, Name: '/db/host' }] }, "`Parameters[0].Name` must be a relative name without leading or trailing '/', got: '/db/host'"],
    ['Parameters (duplicate names)', { Parameters: [hostParameter, hostParameter] }, "`Parameters` must not repeat a name, got: 'db/host' twice"],
    ['Parameters[0].Generator.Length', { Parameters: [{ Name: 'g', Kind: 'Generated', Tier: 'Standard', Description: '', Generator: { Length: 'ten', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '' } }] }, "`Parameters[0].Generator.Length` must be a positive integer, got: 'ten'"],
  ])('rejects an invalid %s naming the property and value', async (_property, override, message) => {
    // WHEN
    const response = await create({ ...tree([hostParameter]), ...(override as Partial<TreeResourceProperties>) });

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(`InvalidPropertiesError: ${message}`);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test('a missing unsafe literal value is reported without quoting any value', async () => {
    // GIVEN
    const literal = { Name: 'l', Kind: ParameterKind.UNSAFE_LITERAL, Tier: 'Standard', Description: '', Value: '' } as ParameterSpec;

    // WHEN
    const response = await create(tree([literal]));

    // THEN
    expect(response.Reason).toBe("InvalidPropertiesError: `Parameters[0].Value` must be a non-empty string for UnsafeLiteral parameter 'l', got: an empty string");
  });

  test('leak canary: an unsafe literal echoed by a failing call is in no response or log line', async () => {
    // GIVEN a write whose error message echoes the request
    ssmMock.on(PutParameterCommand).callsFake((input) => {
      throw awsError('ValidationException', `Value '${input.Value}' at 'value' failed to satisfy constraint`);
    });
    const literal: ParameterSpec = { Name: 'legacy/literal', Kind: ParameterKind.UNSAFE_LITERAL, Tier: 'Standard', Description: '', Value: CANARY };

    // WHEN
    const response = await create(tree([literal]));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain("Value '[REDACTED]' at 'value'");
    expect([...collector.bodies, ...consoleOutput].join('\n')).not.toContain(CANARY);
  });
});

describe('parameter tree handler settings', () => {
  afterEach(() => { delete process.env.RECONCILER_CONCURRENCY; });

  test('an invalid RECONCILER_CONCURRENCY fails the event with a reason instead of crashing', async () => {
    // GIVEN a handler that reads its concurrency from the environment
    process.env.RECONCILER_CONCURRENCY = 'lots';
    const fromEnvironment = createTreeHandler({ ssm: new SSMClient({}), kms: new KMSClient({}), stacks: stacks.source, sleep: async () => {} });

    // WHEN
    await fromEnvironment(createEvent(collector.responseUrl, tree([hostParameter])), context);

    // THEN
    expect(collector.last()).toMatchObject({ Status: 'FAILED', Reason: "RECONCILER_CONCURRENCY must be a positive integer, got: 'lots'" });
  });
});

describe('parameter tree handler deletes', () => {
  test('a Delete of the id a Create with invalid properties reported touches nothing', async () => {
    // GIVEN
    const invalid = tree([hostParameter], { Path: 'no-slash' });
    await handler(createEvent(collector.responseUrl, invalid), context);
    const failedCreate = collector.last();
    ssmMock.resetHistory();

    // WHEN
    await handler(deleteEvent(collector.responseUrl, failedCreate.PhysicalResourceId, invalid), context);

    // THEN
    expect(failedCreate).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'ConfigTree1A2B3C4D:invalid-properties' });
    expect(collector.last()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ConfigTree1A2B3C4D:invalid-properties' });
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('a failed DeleteParameters fails the Delete naming the parameters', async () => {
    // GIVEN
    describeReturns(['/shop/prod/db/host']);
    ssmMock.on(DeleteParametersCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform ssm:DeleteParameters'));

    // WHEN
    await handler(deleteEvent(collector.responseUrl, '/shop/prod@0123456789abcdef', tree([hostParameter])), context);

    // THEN
    expect(collector.last()).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: '/shop/prod@0123456789abcdef',
      Reason: "could not delete parameters of tree '/shop/prod': '/shop/prod/db/host': AccessDeniedException: not authorized to perform ssm:DeleteParameters",
    });
  });
});
