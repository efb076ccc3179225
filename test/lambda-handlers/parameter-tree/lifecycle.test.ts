/**
 * The CloudFormation lifecycle of a SecureParameterTree against moto_server: every event type,
 * every event delivered twice, failures midway and their rollbacks, removal policies, foreign
 * parameters. After each step the whole of Parameter Store under the tree's path is asserted.
 */
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { AddTagsToResourceCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  context,
  createEvent,
  deleteEvent,
  motoClients,
  OWNER,
  ParameterState,
  parameterStoreState,
  ResponseCollector,
  StackStandIn,
  uniquePath,
  updateEvent,
} from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { handler as entryPoint } from '../../../lambda-handlers/parameter-tree-reconciler.lambda';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import {
  ADOPTED_TAG,
  GENERATION_TAG,
  OWNER_TAG,
  ParameterKind,
  ParameterSpec,
  PLACEHOLDER_VALUE,
  REMOVED_IN_TAG,
  TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

const CANARY_ENCRYPTED = 'CANARY-7f3a-encrypted-plaintext';
const CANARY_LITERAL = 'CANARY-9c1e-unsafe-literal';
const CANARY_LITERAL_2 = 'CANARY-41d0-second-unsafe-literal';

interface Delivered {
  readonly response: CustomResourceResponse;
  readonly state: Record<string, ParameterState>;
}

describeWithServices(['moto'], 'parameter tree reconciler lifecycle (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const collector = new ResponseCollector();
  /** What CloudFormation answers a Delete; the stack does not exist unless a test says otherwise. */
  const stacks = new StackStandIn();
  const consoleOutput: string[] = [];
  /** Every secret value seen in Parameter Store during the suite, for the leak check. */
  const secretsSeen = new Set<string>([CANARY_ENCRYPTED, CANARY_LITERAL, CANARY_LITERAL_2]);
  let keyArn: string;
  let ciphertext: string;
  let handler: TreeHandler;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'parameter tree test key' }))).KeyMetadata!.Arn!;
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(CANARY_ENCRYPTED) }));
    ciphertext = Buffer.from(encrypted.CiphertextBlob!).toString('base64');
    handler = handlerWith(ssm);
  });

  beforeEach(() => {
    stacks.inState(undefined);
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(args.map(String).join(' '));
      });
    }
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await collector.stop();
  });

  function handlerWith(client: SSMClient): TreeHandler {
    return createTreeHandler({ ssm: client, kms, stacks: stacks.source, sleep: async () => {}, concurrency: 4 });
  }

  /** An SSM client that fails the PutParameter of `failingName`, as a mid-update crash would. */
  function ssmFailingOn(failingName: string, message = 'AccessDeniedException: not authorized'): SSMClient {
    const client = new SSMClient({});
    const realSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as any).send = (command: unknown) => {
      if (command instanceof PutParameterCommand && command.input.Name === failingName) {
        const error = new Error(`${message} for value ${command.input.Value}`);
        error.name = 'AccessDeniedException';
        return Promise.reject(error);
      }
      return realSend(command);
    };
    return client;
  }

  async function deliver(event: TreeEvent, using: TreeHandler = handler): Promise<CustomResourceResponse> {
    await using(event, context);
    return collector.last();
  }

  /** Delivers the event twice; the second delivery must answer alike and change nothing. */
  async function deliverTwice(event: TreeEvent, path: string, using: TreeHandler = handler): Promise<Delivered> {
    const first = await deliver(event, using);
    const stateAfterFirst = await snapshot(path);
    const second = await deliver(event, using);
    const stateAfterSecond = await snapshot(path);
    expect({ ...second, RequestId: first.RequestId }).toEqual(first);
    expect(stateAfterSecond).toEqual(stateAfterFirst);
    return { response: first, state: stateAfterFirst };
  }

  async function snapshot(path: string): Promise<Record<string, ParameterState>> {
    const state = await parameterStoreState(ssm, path);
    for (const p of Object.values(state)) if (p.type === 'SecureString' && p.value !== PLACEHOLDER_VALUE) secretsSeen.add(p.value);
    return state;
  }

  function tree(path: string, parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties {
    return { Path: path, KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [{ Key: 'team', Value: 'shop' }], Parameters: parameters, ...overrides };
  }

  const spec = (Name: string, Kind: ParameterKind, extra: Partial<ParameterSpec> = {}): ParameterSpec =>
    ({ Name, Kind, Tier: 'Standard', Description: '', ...extra });
  const string = (name: string, value: string, extra: Partial<ParameterSpec> = {}) => spec(name, ParameterKind.STRING, { Value: value, ...extra });
  const stringList = (name: string, items: string[]) => spec(name, ParameterKind.STRING_LIST, { Value: items.join(',') });
  const generated = (name: string, length: number, generation = '1') =>
    spec(name, ParameterKind.GENERATED, { Generator: { Length: String(length), ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: generation } });
  const placeholder = (name: string) => spec(name, ParameterKind.PLACEHOLDER);
  const encrypted = (name: string) => spec(name, ParameterKind.ENCRYPTED, { Ciphertext: ciphertext, CiphertextKeyArn: '' });
  const unsafeLiteral = (name: string, value: string) => spec(name, ParameterKind.UNSAFE_LITERAL, { Value: value });

  const generationOfId = (physicalId: string) => physicalId.split('@')[1];
  const valuesOf = (state: Record<string, ParameterState>) => Object.fromEntries(Object.entries(state).map(([n, p]) => [n, p.value]));
  const versionsOf = (state: Record<string, ParameterState>) => Object.fromEntries(Object.entries(state).map(([n, p]) => [n, p.version]));
  const ownTags = (generation: string, extra: Record<string, string> = { team: 'shop' }) => ({ [OWNER_TAG]: OWNER, [GENERATION_TAG]: generation, ...extra });

  test('Create writes every kind, tagged with owner and generation, and a second delivery writes nothing', async () => {
    // GIVEN
    const path = uniquePath('create');
    const props = tree(path, [
      string('db/host', 'db.example.com', { Description: 'database host' }),
      stringList('cors/origins', ['https://a.example', 'https://b.example']),
      generated('api/jwt-secret', 48),
      placeholder('payments/stripe-key'),
      encrypted('legacy/token'),
      unsafeLiteral('legacy/literal', CANARY_LITERAL),
    ]);

    // WHEN
    const { response, state } = await deliverTwice(createEvent(collector.responseUrl, props), path);

    // THEN
    expect(response.Status).toBe('SUCCESS');
    expect(response.PhysicalResourceId).toMatch(new RegExp(`^${path}@[0-9a-f]{16}$`));
    expect(response.Data).toEqual({ Path: path, ParameterCount: '6' });
    const generation = generationOfId(response.PhysicalResourceId);
    const jwt = state[`${path}/api/jwt-secret`];
    expect(jwt.value).toMatch(/^[!-~]{48}$/);
    const labelledOnFirstVersion = { 1: [expect.stringMatching(/^cscfg-[0-9a-f]{40}$/)] };
    expect(state).toEqual({
      [`${path}/db/host`]: { type: 'String', value: 'db.example.com', version: 1, keyId: undefined, description: 'database host', tier: 'Standard', tags: ownTags(generation), labels: {} },
      [`${path}/cors/origins`]: { type: 'StringList', value: 'https://a.example,https://b.example', version: 1, keyId: undefined, description: '', tier: 'Standard', tags: ownTags(generation), labels: {} },
      [`${path}/api/jwt-secret`]: { type: 'SecureString', value: jwt.value, version: 1, keyId: keyArn, description: '', tier: 'Standard', tags: ownTags(generation), labels: labelledOnFirstVersion },
      [`${path}/payments/stripe-key`]: { type: 'SecureString', value: PLACEHOLDER_VALUE, version: 1, keyId: keyArn, description: '', tier: 'Standard', tags: ownTags(generation), labels: {} },
      [`${path}/legacy/token`]: { type: 'SecureString', value: CANARY_ENCRYPTED, version: 1, keyId: keyArn, description: '', tier: 'Standard', tags: ownTags(generation), labels: labelledOnFirstVersion },
      [`${path}/legacy/literal`]: { type: 'SecureString', value: CANARY_LITERAL, version: 1, keyId: keyArn, description: '', tier: 'Standard', tags: ownTags(generation), labels: labelledOnFirstVersion },
    });
  });

  test('the Lambda entry point answers CloudFormation through its own clients', async () => {
    // GIVEN the deployed entry point, reading its endpoint and region from the environment
    const path = uniquePath('entry');

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, tree(path, [string('db/host', 'h'), generated('api/jwt', 16)])), entryPoint);

    // THEN
    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Path: path, ParameterCount: '2' } });
    expect(Object.keys(await snapshot(path)).sort()).toEqual([`${path}/api/jwt`, `${path}/db/host`]);
  });

  test('Update adds, changes and removes parameters; the cleanup Delete removes only the removed ones', async () => {
    // GIVEN a deployed tree
    const path = uniquePath('update');
    const before = tree(path, [string('db/host', 'old.example.com'), string('db/port', '5432'), generated('api/jwt', 32), placeholder('ext/key')]);
    const created = (await deliverTwice(createEvent(collector.responseUrl, before), path)).response;
    const stateBefore = await snapshot(path);
    const oldGeneration = generationOfId(created.PhysicalResourceId);
    // the operator sets the placeholder out of band
    await ssm.send(new PutParameterCommand({ Name: `${path}/ext/key`, Value: 'set-by-operator', Type: 'SecureString', KeyId: keyArn, Overwrite: true }));
    secretsSeen.add('set-by-operator');

    // WHEN the tree changes one value, drops db/port, adds a list, and changes tags
    const after = tree(path, [
      string('db/host', 'new.example.com', { Description: 'primary', Tags: [{ Key: 'tier', Value: 'data' }] }),
      generated('api/jwt', 32),
      placeholder('ext/key'),
      stringList('feature/flags', ['checkout-v2']),
    ], { Tags: [{ Key: 'team', Value: 'payments' }] });
    const { response: updated, state } = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), path);

    // THEN the set of names changed, so the physical id did; nothing was deleted yet, the removed
    // parameter is marked, and the kept ones keep the generation they were created in
    expect(updated.Status).toBe('SUCCESS');
    const newGeneration = generationOfId(updated.PhysicalResourceId);
    expect(newGeneration).not.toBe(oldGeneration);
    const payments = { team: 'payments' };
    expect(state).toEqual({
      [`${path}/db/host`]: { type: 'String', value: 'new.example.com', version: 2, keyId: undefined, description: 'primary', tier: 'Standard', tags: ownTags(oldGeneration, { team: 'payments', tier: 'data' }), labels: {} },
      [`${path}/db/port`]: { ...stateBefore[`${path}/db/port`], tags: ownTags(oldGeneration, { team: 'shop', [REMOVED_IN_TAG]: newGeneration }) },
      [`${path}/api/jwt`]: { ...stateBefore[`${path}/api/jwt`], tags: ownTags(oldGeneration, payments) },
      [`${path}/ext/key`]: { ...stateBefore[`${path}/ext/key`], value: 'set-by-operator', version: 2, tags: ownTags(oldGeneration, payments) },
      [`${path}/feature/flags`]: { type: 'StringList', value: 'checkout-v2', version: 1, keyId: undefined, description: '', tier: 'Standard', tags: ownTags(newGeneration, payments), labels: {} },
    });

    // WHEN CloudFormation cleans up the old physical id (with the old properties)
    stacks.cleanupAfterUpdate(updated.PhysicalResourceId);
    const cleanup = await deliverTwice(deleteEvent(collector.responseUrl, created.PhysicalResourceId, before), path);

    // THEN only the parameter the new generation marked is gone
    expect(cleanup.response.Status).toBe('SUCCESS');
    expect(cleanup.response.PhysicalResourceId).toBe(created.PhysicalResourceId);
    const { [`${path}/db/port`]: _removed, ...kept } = state;
    expect(cleanup.state).toEqual(kept);

    // WHEN the stack is deleted under the destroy policy
    stacks.deleting(updated.PhysicalResourceId);
    const stackDelete = await deliverTwice(deleteEvent(collector.responseUrl, updated.PhysicalResourceId, after), path);

    // THEN the whole tree is gone
    expect(stackDelete.response.Status).toBe('SUCCESS');
    expect(stackDelete.state).toEqual({});
  });

  test('an Update that fails midway is rolled back with every value restored, including a regenerated secret', async () => {
    // GIVEN a deployed tree
    const path = uniquePath('rollback');
    const before = tree(path, [
      string('db/host', 'a.example.com'),
      generated('api/jwt', 40, '1'),
      encrypted('legacy/token'),
      unsafeLiteral('legacy/literal', CANARY_LITERAL),
      string('z/last', 'one'),
    ]);
    const created = (await deliverTwice(createEvent(collector.responseUrl, before), path)).response;
    const stateBefore = await snapshot(path);

    // WHEN an Update that changes every value and adds one fails on its last write
    const after = tree(path, [
      string('db/host', 'b.example.com'),
      generated('api/jwt', 40, '2'),
      encrypted('legacy/token'),
      unsafeLiteral('legacy/literal', CANARY_LITERAL_2),
      string('new/one', 'added'),
      string('z/last', 'two'),
    ]);
    const failing = createTreeHandler({ stacks: stacks.source, ssm: ssmFailingOn(`${path}/z/last`), kms, sleep: async () => {}, concurrency: 1 });
    const failed = await deliver(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), failing);

    // THEN it fails naming the parameter, having changed the ones before it
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason).toContain(`'${path}/z/last'`);
    expect(failed.Reason).toContain('AccessDeniedException');
    expect(failed.PhysicalResourceId).toBe(created.PhysicalResourceId);
    const midway = await snapshot(path);
    expect(midway[`${path}/db/host`].value).toBe('b.example.com');
    expect(midway[`${path}/api/jwt`].value).not.toBe(stateBefore[`${path}/api/jwt`].value);
    expect(midway[`${path}/legacy/literal`].value).toBe(CANARY_LITERAL_2);

    // WHEN CloudFormation rolls back with the old properties
    const { response: rolledBack, state } = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, before, after), path);

    // THEN every value is what it was, written as a new version carrying the old spec's label
    expect(rolledBack.Status).toBe('SUCCESS');
    expect(rolledBack.PhysicalResourceId).toBe(created.PhysicalResourceId);
    // and the parameter only the failed Update created is gone: no Delete would ever come for it
    expect(valuesOf(state)).toEqual(valuesOf(stateBefore));
    expect(versionsOf(state)).toEqual({
      [`${path}/db/host`]: 3, [`${path}/api/jwt`]: 3, [`${path}/legacy/token`]: 1, [`${path}/legacy/literal`]: 3, [`${path}/z/last`]: 1,
    });
    const jwtLabel = stateBefore[`${path}/api/jwt`].labels[1][0];
    expect(state[`${path}/api/jwt`].labels).toEqual({ 2: [expect.stringMatching(/^cscfg-/)], 3: [jwtLabel] });
    expect(state[`${path}/api/jwt`].tags).toEqual(ownTags(generationOfId(created.PhysicalResourceId)));
  });

  test('under retain too, what a failed Update created is deleted by its rollback; the retained tree keeps the rest', async () => {
    // GIVEN a retained tree, and an Update adding a parameter that fails on a later write
    const path = uniquePath('rollback-retain');
    const before = tree(path, [string('a', '1'), string('z/last', 'one')], { RemovalPolicy: 'retain' });
    const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
    const after = tree(path, [string('a', '1'), string('b/new', '2'), string('z/last', 'two')], { RemovalPolicy: 'retain' });
    const failing = createTreeHandler({ stacks: stacks.source, ssm: ssmFailingOn(`${path}/z/last`), kms, sleep: async () => {}, concurrency: 1 });
    expect((await deliver(updateEvent(collector.responseUrl, created, after, before), failing)).Status).toBe('FAILED');
    expect(Object.keys(await snapshot(path))).toContain(`${path}/b/new`);

    // WHEN CloudFormation rolls back
    const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, before, after), path);

    // THEN the removal policy is about the whole tree: the parameter only the failed Update created is gone
    expect(response.Status).toBe('SUCCESS');
    expect(valuesOf(state)).toEqual({ [`${path}/a`]: '1', [`${path}/z/last`]: 'one' });
    expect(state[`${path}/a`].tags[OWNER_TAG]).toBe(OWNER);
  });

  test('a successful Update rolled back by a later failure: rollback Update, then cleanup Delete of the new id', async () => {
    // GIVEN a tree updated successfully, including a generated secret whose spec changed
    const path = uniquePath('stack-rollback');
    const before = tree(path, [string('db/host', 'a.example.com'), generated('api/jwt', 24, '1')]);
    const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
    const stateBefore = await snapshot(path);
    const after = tree(path, [string('db/host', 'b.example.com'), generated('api/jwt', 30, '1'), string('new/one', 'added')]);
    const updated = await deliver(updateEvent(collector.responseUrl, created, after, before));
    expect(updated.Status).toBe('SUCCESS');
    expect((await snapshot(path))[`${path}/api/jwt`].value).toHaveLength(30);

    // WHEN another resource fails: CloudFormation sends the rollback Update, then deletes the new id
    const rolledBack = await deliverTwice(updateEvent(collector.responseUrl, updated.PhysicalResourceId, before, after), path);
    stacks.cleanupAfterRollback(created);
    const cleanup = await deliverTwice(deleteEvent(collector.responseUrl, updated.PhysicalResourceId, after), path);

    // THEN the tree is exactly as before, values and tags, with history kept in new versions
    expect(rolledBack.response.PhysicalResourceId).toBe(created);
    expect(cleanup.response.Status).toBe('SUCCESS');
    expect(Object.keys(cleanup.state).sort()).toEqual(Object.keys(stateBefore).sort());
    expect(valuesOf(cleanup.state)).toEqual(valuesOf(stateBefore));
    for (const [name, p] of Object.entries(cleanup.state)) expect(p.tags).toEqual(stateBefore[name].tags);
    expect(versionsOf(cleanup.state)).toEqual({ [`${path}/db/host`]: 3, [`${path}/api/jwt`]: 3 });
  });

  test('a description change rewrites a SecureString with its value kept; a String turned secret is deleted and created', async () => {
    // GIVEN
    const path = uniquePath('metadata');
    const before = tree(path, [generated('api/jwt', 32), placeholder('ext/key'), string('mode', 'plain')]);
    const created = await deliver(createEvent(collector.responseUrl, before));
    const stateBefore = await snapshot(path);

    // WHEN descriptions change and 'mode' turns into a generated secret
    const after = tree(path, [
      { ...generated('api/jwt', 32), Description: 'signs tokens' },
      { ...placeholder('ext/key'), Description: 'set by payments team' },
      generated('mode', 12),
    ]);
    const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), path);

    // THEN same names, same physical id; values kept except the one whose type changed
    expect(response.PhysicalResourceId).toBe(created.PhysicalResourceId);
    const jwt = stateBefore[`${path}/api/jwt`];
    expect(state[`${path}/api/jwt`]).toEqual({ ...jwt, description: 'signs tokens', version: 2, labels: { 2: jwt.labels[1] } });
    expect(state[`${path}/ext/key`]).toEqual({ ...stateBefore[`${path}/ext/key`], description: 'set by payments team', version: 2 });
    // a new parameter (version 1): Parameter Store refuses a type change in a hierarchy, moto does not
    expect(state[`${path}/mode`]).toMatchObject({ type: 'SecureString', keyId: keyArn, version: 1, labels: { 1: [expect.stringMatching(/^cscfg-/)] } });
    expect(state[`${path}/mode`].tags).toEqual(stateBefore[`${path}/mode`].tags);
    expect(state[`${path}/mode`].value).toMatch(/^[!-~]{12}$/);
  });

  test('a new tree key re-encrypts every SecureString with its value kept', async () => {
    // GIVEN a tree, and a second key
    const path = uniquePath('new-key');
    // the ciphertext names its key: it was made with the first key, whatever the tree's key is
    const token = { ...encrypted('legacy/token'), CiphertextKeyArn: keyArn };
    const parameters = [string('db/host', 'h'), placeholder('ext/key'), token, unsafeLiteral('legacy/literal', CANARY_LITERAL), generated('api/jwt', 20)];
    const before = tree(path, parameters);
    const created = await deliver(createEvent(collector.responseUrl, before));
    const stateBefore = await snapshot(path);
    const newKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'second tree key' }))).KeyMetadata!.Arn!;

    // WHEN the tree's key changes, and db/host moves to the Advanced tier
    const after = tree(path, [{ ...parameters[0], Tier: 'Advanced' }, ...parameters.slice(1)], { KeyArn: newKeyArn });
    const { state } = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), path);

    // THEN every SecureString has a new version under the new key, with the value it had
    expect(state[`${path}/db/host`]).toMatchObject({ value: 'h', version: 2, tier: 'Advanced', keyId: undefined });
    for (const name of ['ext/key', 'legacy/token', 'legacy/literal', 'api/jwt']) {
      expect(state[`${path}/${name}`]).toMatchObject({ version: 2, keyId: newKeyArn });
    }
    expect(state[`${path}/ext/key`].value).toBe(PLACEHOLDER_VALUE);
    expect(state[`${path}/legacy/token`].value).toBe(CANARY_ENCRYPTED);
    expect(state[`${path}/legacy/literal`].value).toBe(CANARY_LITERAL);
    expect(state[`${path}/api/jwt`].value).toBe(stateBefore[`${path}/api/jwt`].value);

    // WHEN db/host goes back to Standard, which Parameter Store cannot do
    const standardAgain = tree(path, parameters, { KeyArn: newKeyArn });
    const back = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, standardAgain, after), path);

    // THEN it succeeds and leaves the parameter Advanced, unwritten
    expect(back.response.Status).toBe('SUCCESS');
    expect(back.state).toEqual(state);
  });

  test('an Update that changes one String decrypts nothing and writes only that String', async () => {
    // GIVEN a tree of generated secrets and one String, and a client that counts SSM calls
    const path = uniquePath('cheap-update');
    const secrets = Array.from({ length: 5 }, (_, i) => generated(`secret/${i}`, 24));
    const before = tree(path, [...secrets, string('db/host', 'a.example.com')]);
    const created = await deliver(createEvent(collector.responseUrl, before));
    const stateBefore = await snapshot(path);
    const counting = new SSMClient({});
    const calls: string[] = [];
    counting.middlewareStack.add((next, middlewareContext) => async (args) => {
      calls.push(middlewareContext.commandName as string);
      return next(args);
    }, { step: 'initialize', name: 'countCalls' });

    // WHEN only the String changes
    const after = tree(path, [...secrets, string('db/host', 'b.example.com')]);
    const updated = await deliver(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before), handlerWith(counting));

    // THEN no secret was read (by path, by name or by label), one value was written, and the secrets kept their versions
    expect(updated.Status).toBe('SUCCESS');
    expect(calls.filter((name) => name === 'GetParameterCommand' || name === 'GetParametersByPathCommand')).toEqual([]);
    // the path is scanned once without values and once for what the tree owns (the names did not
    // change, so no generation scan), and the one String's value is read without decryption
    expect(calls.filter((name) => name === 'DescribeParametersCommand')).toHaveLength(2);
    expect(calls.filter((name) => name === 'GetParametersCommand')).toHaveLength(1);
    expect(calls.filter((name) => name === 'PutParameterCommand')).toHaveLength(1);
    const state = await snapshot(path);
    expect(state[`${path}/db/host`]).toMatchObject({ value: 'b.example.com', version: 2 });
    for (const name of secrets.map((p) => `${path}/${p.Name}`)) expect(state[name]).toEqual(stateBefore[name]);
  });

  test('stack Delete under the retain policy deletes nothing', async () => {
    // GIVEN
    const path = uniquePath('retain');
    const props = tree(path, [string('db/host', 'h'), generated('api/jwt', 20)], { RemovalPolicy: 'retain' });
    const created = await deliver(createEvent(collector.responseUrl, props));
    const stateBefore = await snapshot(path);

    // WHEN
    const { response, state } = await deliverTwice(deleteEvent(collector.responseUrl, created.PhysicalResourceId, props), path);

    // THEN
    expect(response.Status).toBe('SUCCESS');
    expect(state).toEqual(stateBefore);
    expect(Object.keys(state)).toHaveLength(2);
  });

  test('a Delete after a failed Create removes what the Create wrote and nothing else', async () => {
    // GIVEN a parameter under the path that the tree does not want, and a Create failing midway
    const path = uniquePath('failed-create');
    await ssm.send(new PutParameterCommand({ Name: `${path}/other/setting`, Value: 'not ours', Type: 'String' }));
    const props = tree(path, [string('a/one', '1'), generated('b/two', 16), string('c/three', '3')]);
    const failing = createTreeHandler({ stacks: stacks.source, ssm: ssmFailingOn(`${path}/c/three`), kms, sleep: async () => {}, concurrency: 1 });
    const failed = await deliver(createEvent(collector.responseUrl, props), failing);
    expect(failed.Status).toBe('FAILED');
    expect(Object.keys(await snapshot(path)).sort()).toEqual([`${path}/a/one`, `${path}/b/two`, `${path}/other/setting`]);

    // WHEN CloudFormation deletes the physical id the failed Create reported
    const { response, state } = await deliverTwice(deleteEvent(collector.responseUrl, failed.PhysicalResourceId, props), path);

    // THEN
    expect(failed.PhysicalResourceId).toMatch(new RegExp(`^${path}@[0-9a-f]{16}$`));
    expect(response.Status).toBe('SUCCESS');
    expect(Object.keys(state)).toEqual([`${path}/other/setting`]);
    expect(state[`${path}/other/setting`]).toMatchObject({ value: 'not ours', version: 1, tags: {} });
  });

  test('a Create meeting a parameter it does not own fails naming it and leaves it untouched', async () => {
    // GIVEN
    const path = uniquePath('foreign');
    await ssm.send(new PutParameterCommand({ Name: `${path}/db/host`, Value: 'legacy.example.com', Type: 'String', Tags: [{ Key: 'team', Value: 'other' }] }));
    const stateBefore = await snapshot(path);
    const props = tree(path, [string('api/url', 'https://api.example'), string('db/host', 'db.example.com')]);

    // WHEN
    const { response, state } = await deliverTwice(createEvent(collector.responseUrl, props), path);

    // THEN nothing was written, not even the parameter that did not conflict
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`'${path}/db/host'`);
    expect(response.Reason).toMatch(/adoptExisting/);
    expect(state).toEqual(stateBefore);

    // WHEN CloudFormation deletes the failed resource (destroy), the foreign parameter stays
    const deleted = await deliverTwice(deleteEvent(collector.responseUrl, response.PhysicalResourceId, props), path);
    expect(deleted.response.Status).toBe('SUCCESS');
    expect(deleted.state).toEqual(stateBefore);
  });

  test('with AdoptExisting an untagged parameter is tagged, marked adopted and managed', async () => {
    // GIVEN
    const path = uniquePath('adopt');
    await ssm.send(new PutParameterCommand({ Name: `${path}/db/host`, Value: 'legacy.example.com', Type: 'String' }));
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: `${path}/db/host`, Tags: [{ Key: 'origin', Value: 'manual' }] }));
    const props = tree(path, [string('db/host', 'db.example.com')], { AdoptExisting: 'true' });

    // WHEN
    const { response, state } = await deliverTwice(createEvent(collector.responseUrl, props), path);

    // THEN
    expect(response.Status).toBe('SUCCESS');
    expect(state).toEqual({
      [`${path}/db/host`]: { type: 'String', value: 'db.example.com', version: 2, keyId: undefined, description: '', tier: 'Standard', tags: { ...ownTags(generationOfId(response.PhysicalResourceId)), origin: 'manual', [ADOPTED_TAG]: 'true' }, labels: {} },
    });
  });

  test('an SDK error that echoes a secret value is redacted from the response and the logs', async () => {
    // GIVEN a write that fails with the value in its message
    const path = uniquePath('redact');
    const props = tree(path, [unsafeLiteral('x/literal', CANARY_LITERAL), generated('x/generated', 64), encrypted('x/token')]);
    const failing = createTreeHandler({ stacks: stacks.source, ssm: ssmFailingOn(`${path}/x/generated`, 'ValidationException: rejected'), kms, sleep: async () => {}, concurrency: 1 });

    // WHEN
    const response = await deliver(createEvent(collector.responseUrl, props), failing);

    // THEN
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`'${path}/x/generated'`);
    expect(response.Reason).toContain('for value [REDACTED]');
  });

  test('leak canary: no secret value appears in any response or log line of the suite', () => {
    // GIVEN every response body and console line captured by the tests above (error paths included)
    const everything = [...collector.bodies, ...consoleOutput].join('\n');
    expect(collector.bodies.length).toBeGreaterThan(20);
    expect(consoleOutput.length).toBeGreaterThan(20);

    // THEN
    expect(secretsSeen.size).toBeGreaterThan(5);
    for (const secret of secretsSeen) expect(everything.includes(secret)).toBe(false);
  });
});
