/**
 * Retries and duplicate deliveries against moto_server: a create whose answer was lost, the same
 * event delivered twice at once, and an operator writing a placeholder while a reconcile runs.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  context, createEvent, motoClients, parameterStoreState, ResponseCollector, StackStandIn, uniquePath, updateEvent,
} from './harness';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import { ParameterKind, ParameterSpec, TreeResourceProperties } from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

describeWithServices(['moto'], 'parameter tree reconciler idempotency (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const collector = new ResponseCollector();
  let keyArn: string;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await new KMSClient({}).send(new CreateKeyCommand({ Description: 'idempotency test key' }))).KeyMetadata!.Arn!;
  });

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(() => collector.stop());

  const generated = (name: string): ParameterSpec => ({
    Name: name,
    Kind: ParameterKind.GENERATED,
    Tier: 'Standard',
    Description: '',
    Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' },
  });
  const string = (name: string, value: string): ParameterSpec => ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });
  const placeholder = (name: string, description = ''): ParameterSpec => ({ Name: name, Kind: ParameterKind.PLACEHOLDER, Tier: 'Standard', Description: description });

  function tree(path: string, parameters: ParameterSpec[]): TreeResourceProperties {
    return { Path: path, KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: parameters };
  }

  function handlerWith(client: SSMClient): TreeHandler {
    // These tests send no Delete: the stand-in's stack that does not exist is never asked.
    return createTreeHandler({ ssm: client, kms, stacks: new StackStandIn().source, sleep: async () => {}, concurrency: 4 });
  }

  /** A client that runs `after` once a command matching `when` has been answered by moto. */
  function clientWith(when: (command: unknown) => boolean, after: (result: unknown) => Promise<unknown>): SSMClient {
    const client = new SSMClient({});
    const realSend = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
    let done = false;
    (client as any).send = async (command: unknown, options?: unknown) => {
      const result = await realSend(command, options);
      if (done || !when(command)) return result;
      done = true;
      return after(result);
    };
    return client;
  }

  async function deliver(event: Parameters<TreeHandler>[0], using: TreeHandler): Promise<CustomResourceResponse> {
    await using(event, context);
    return collector.last();
  }

  test('a create whose first answer was lost is recognised as the tree\'s own write: the secret is kept, not generated again', async () => {
    // GIVEN a client whose first PutParameter of the secret reaches Parameter Store, then times out
    const path = uniquePath('lost-answer');
    const secretName = `${path}/api/jwt`;
    const losing = clientWith(
      (command) => command instanceof PutParameterCommand && command.input.Name === secretName,
      async () => { throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }); },
    );

    // WHEN the Create runs (its retry of the write meets ParameterAlreadyExists)
    const response = await deliver(createEvent(collector.responseUrl, tree(path, [generated('api/jwt'), string('db/host', 'h')])), handlerWith(losing));

    // THEN it succeeds, with the value of the first write, labelled, and no second version
    expect(response.Status).toBe('SUCCESS');
    const state = await parameterStoreState(ssm, path);
    expect(state[secretName]).toMatchObject({ version: 1, labels: { 1: [expect.stringMatching(/^cscfg-/)] } });

    // and the next deployment keeps the secret (its spec label is on the latest version)
    const again = await deliver(
      updateEvent(collector.responseUrl, response.PhysicalResourceId, tree(path, [generated('api/jwt'), string('db/host', 'h2')]), tree(path, [generated('api/jwt'), string('db/host', 'h')])),
      handlerWith(ssm),
    );
    expect(again.Status).toBe('SUCCESS');
    expect((await parameterStoreState(ssm, path))[secretName]).toEqual(state[secretName]);
  });

  test('a create meeting a parameter someone else created meanwhile fails naming it and leaves it untouched', async () => {
    // GIVEN another writer creating the name right after the reconciler read the path
    const path = uniquePath('raced');
    const contested = `${path}/db/host`;
    const racing = clientWith(
      (command) => (command as { constructor: { name: string } }).constructor.name === 'DescribeParametersCommand',
      async (result) => {
        await ssm.send(new PutParameterCommand({ Name: contested, Value: 'theirs', Type: 'String' }));
        return result;
      },
    );

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, tree(path, [string('db/host', 'ours')])), handlerWith(racing));

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`parameter '${contested}' was created by someone else while this tree was being reconciled`);
    expect((await ssm.send(new GetParameterCommand({ Name: contested }))).Parameter).toMatchObject({ Value: 'theirs', Version: 1 });
  });

  test('the same Create delivered twice at the same time: both succeed, each secret made once', async () => {
    // GIVEN
    const path = uniquePath('concurrent');
    const secrets = Array.from({ length: 12 }, (_, i) => generated(`secret/${i}`));
    const event = createEvent(collector.responseUrl, tree(path, secrets));
    const first = handlerWith(new SSMClient({}));
    const second = handlerWith(new SSMClient({}));

    // WHEN
    await Promise.all([first(event, context), second(event, context)]);

    // THEN
    const answers = collector.bodies.slice(-2).map((body) => JSON.parse(body) as CustomResourceResponse);
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(answers[0].PhysicalResourceId).toBe(answers[1].PhysicalResourceId);
    const state = await parameterStoreState(ssm, path);
    expect(Object.keys(state)).toHaveLength(12);
    for (const p of Object.values(state)) {
      expect(p.version).toBe(1);
      expect(p.labels).toEqual({ 1: [expect.stringMatching(/^cscfg-/)] });
    }
  });

  test('a placeholder value the operator sets while its metadata is rewritten is never overwritten', async () => {
    // GIVEN a deployed placeholder the operator has set
    const path = uniquePath('placeholder-race');
    const name = `${path}/ext/key`;
    const before = tree(path, [placeholder('ext/key')]);
    const created = await deliver(createEvent(collector.responseUrl, before), handlerWith(ssm));
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'operator-v1', Type: 'SecureString', KeyId: keyArn, Overwrite: true }));
    // and a client on which the operator writes again right after the reconciler re-reads the value
    const racing = clientWith(
      (command) => command instanceof GetParameterCommand && command.input.Name === name,
      async (result) => {
        await ssm.send(new PutParameterCommand({ Name: name, Value: 'operator-v2', Type: 'SecureString', KeyId: keyArn, Overwrite: true }));
        return result;
      },
    );

    // WHEN an Update changes the placeholder's description (a metadata-only rewrite)
    const after = tree(path, [placeholder('ext/key', 'set by the payments team')]);
    const updated = await deliver(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), handlerWith(racing));

    // THEN the operator's latest value is the latest version, with the new description
    expect(updated.Status).toBe('SUCCESS');
    const state = (await parameterStoreState(ssm, path))[name];
    expect(state).toMatchObject({ value: 'operator-v2', description: 'set by the payments team' });
    expect(state.version).toBe(5);
  });
});
