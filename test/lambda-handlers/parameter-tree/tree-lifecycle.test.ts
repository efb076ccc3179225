/**
 * The tree's lifecycle paths of issue 10 against moto_server, each event delivered twice, with the
 * owner of the current contract (`ownerOf(tree id, path)`): reads that decrypt nothing foreign,
 * ownership (another tree's, the legacy owner's, adopted), key changes, kind changes, the
 * 100-version limit, and leftovers released or deleted.
 */
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  context,
  createEvent,
  motoClients,
  OWNER as LEGACY_OWNER,
  ParameterState,
  parameterStoreState,
  ResponseCollector,
  STACK_NAME,
  StackStandIn,
  treeProperties,
  uniquePath,
  updateEvent,
} from './harness';
import { specLabelOf } from '../../../lambda-handlers/parameter-tree/hashing';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import {
  ADOPTED_TAG,
  GENERATION_TAG,
  OWNER_TAG,
  ownerOf,
  ParameterKind,
  ParameterSpec,
  SPEC_LABEL_PREFIX,
  TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

interface Delivered {
  readonly response: CustomResourceResponse;
  readonly state: Record<string, ParameterState>;
}

interface SentCommand {
  readonly name: string;
  readonly input: any;
}

/** Intercepts a command before moto sees it: a value (or a rejection) instead of moto's answer, or undefined to pass it on. */
type Interceptor = (command: SentCommand, real: SSMClient) => Promise<unknown> | undefined;

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describeWithServices(['moto'], 'parameter tree lifecycle paths of issue 10 (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const collector = new ResponseCollector();
  /** Every command any handler of this suite sent, for the suite-wide checks at the end. */
  const sent: SentCommand[] = [];
  let keyArn: string;
  let secondKeyArn: string;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'tree key 1' }))).KeyMetadata!.Arn!;
    secondKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'tree key 2' }))).KeyMetadata!.Arn!;
  });

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(() => collector.stop());

  /** An SSM client on moto that records every command and lets `intercept` answer some. */
  function client(intercept?: Interceptor): SSMClient {
    const real = new SSMClient({});
    const wrapped = new SSMClient({});
    (wrapped as any).send = (command: { constructor: { name: string }; input: unknown }, options?: unknown) => {
      const entry = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
      sent.push(entry);
      return intercept?.(entry, real) ?? real.send(command as any, options as any);
    };
    return wrapped;
  }

  /** CloudFormation's view of the stack: moto cannot hold a stack in a rollback state, this stand-in can. */
  let stacks = new StackStandIn();
  beforeEach(() => {
    stacks = new StackStandIn();
  });

  function handler(intercept?: Interceptor, concurrency = 4): TreeHandler {
    return createTreeHandler({ ssm: client(intercept), kms, stacks: stacks.source, sleep: async () => {}, concurrency });
  }

  /** One parameter at a time (in the order of the properties), failing the PutParameter of `name`. */
  const failingOn = (name: string) => handler((command) =>
    command.name === 'PutParameter' && command.input.Name === name ? Promise.reject(awsError('AccessDeniedException', 'denied')) : undefined, 1);

  async function deliver(event: TreeEvent, using: TreeHandler = handler()): Promise<CustomResourceResponse> {
    await using(event, context);
    return collector.last();
  }

  /** Delivers the event twice; the second delivery must answer alike and change nothing. */
  async function deliverTwice(event: TreeEvent, path: string, using: TreeHandler = handler()): Promise<Delivered> {
    const first = await deliver(event, using);
    const stateAfterFirst = await parameterStoreState(ssm, path);
    const second = await deliver(event, using);
    const stateAfterSecond = await parameterStoreState(ssm, path);
    expect({ ...second, RequestId: first.RequestId }).toEqual(first);
    expect(stateAfterSecond).toEqual(stateAfterFirst);
    return { response: first, state: stateAfterFirst };
  }

  const ownerFor = (path: string) => ownerOf(STACK_NAME, path);

  const tree = (path: string, parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties =>
    treeProperties(path, keyArn, parameters, overrides);

  const spec = (Name: string, Kind: ParameterKind, extra: Partial<ParameterSpec> = {}): ParameterSpec =>
    ({ Name, Kind, Tier: 'Standard', Description: '', ...extra });
  const string = (name: string, value: string) => spec(name, ParameterKind.STRING, { Value: value });
  const generated = (name: string, length = 24) =>
    spec(name, ParameterKind.GENERATED, { Generator: { Length: String(length), ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' } });
  const placeholder = (name: string) => spec(name, ParameterKind.PLACEHOLDER);
  const literal = (name: string, value: string) => spec(name, ParameterKind.UNSAFE_LITERAL, { Value: value });

  async function encrypted(name: string, plaintext: string): Promise<ParameterSpec> {
    const result = await kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(plaintext) }));
    return spec(name, ParameterKind.ENCRYPTED, { Ciphertext: Buffer.from(result.CiphertextBlob!).toString('base64'), CiphertextKeyArn: keyArn });
  }

  const generationOfId = (physicalId: string) => physicalId.split('@')[1];
  const valuesOf = (state: Record<string, ParameterState>) => Object.fromEntries(Object.entries(state).map(([n, p]) => [n, p.value]));

  describe('reads', () => {
    /**
     * Stand-in for KMS: moto's SSM "encrypts" without KMS and never refuses a decryption. Here any
     * read that would decrypt the foreign parameter fails, as it does in AWS when the reconciler
     * may not use the key that encrypted it.
     */
    const refusingToDecrypt = (foreign: string): Interceptor => ({ name, input }) => {
      if (!input.WithDecryption) return undefined;
      const touches = name === 'GetParametersByPath' ? foreign.startsWith(`${input.Path}/`)
        : name === 'GetParameter' ? input.Name === foreign || input.Name.startsWith(`${foreign}:`)
          : name === 'GetParameters' ? input.Names.includes(foreign) : false;
      return touches ? Promise.reject(awsError('AccessDeniedException', `kms:Decrypt denied for ${foreign}`)) : undefined;
    };

    test('a foreign SecureString under the path is never decrypted: Create, Update and a key change succeed beside it', async () => {
      // GIVEN someone else's SecureString under the tree's path
      const path = uniquePath('foreign-secret');
      const foreign = `${path}/theirs/token`;
      await ssm.send(new PutParameterCommand({ Name: foreign, Value: 'their-secret', Type: 'SecureString', Tags: [{ Key: 'team', Value: 'other' }] }));
      const using = handler(refusingToDecrypt(foreign));
      const before = tree(path, [string('db/host', 'a'), generated('api/jwt'), placeholder('ext/key')]);

      // WHEN the tree is created, updated, and moved to another key
      const created = await deliverTwice(createEvent(collector.responseUrl, before), path, using);
      const after = tree(path, [string('db/host', 'b'), generated('api/jwt'), placeholder('ext/key')], { KeyArn: secondKeyArn });
      const updated = await deliverTwice(updateEvent(collector.responseUrl, created.response.PhysicalResourceId, after, before), path, using);

      // THEN every event succeeds, and the foreign parameter is as it was
      expect(created.response.Status).toBe('SUCCESS');
      expect(updated.response.Status).toBe('SUCCESS');
      expect(updated.state[foreign]).toEqual(created.state[foreign]);
      expect(updated.state[foreign]).toMatchObject({ value: 'their-secret', version: 1, tags: { team: 'other' } });
      expect(updated.state[`${path}/api/jwt`]).toMatchObject({ value: created.state[`${path}/api/jwt`].value, keyId: secondKeyArn });
    });
  });

  describe('ownership', () => {
    test.each(['false', 'true'] as const)('a parameter of another tree is refused (adoptExisting %s), naming it and its owner; nothing is written', async (adoptExisting) => {
      // GIVEN a parameter another tree owns, under this tree's path
      const path = uniquePath('other-owner');
      const otherOwner = ownerOf('OtherStack', path);
      await ssm.send(new PutParameterCommand({ Name: `${path}/db/host`, Value: 'theirs', Type: 'String', Tags: [{ Key: OWNER_TAG, Value: otherOwner }] }));
      const stateBefore = await parameterStoreState(ssm, path);
      const props = tree(path, [string('a/first', '1'), string('db/host', 'mine')], { AdoptExisting: adoptExisting });

      // WHEN
      const { response, state } = await deliverTwice(createEvent(collector.responseUrl, props), path);

      // THEN
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toContain(`'${path}/db/host'`);
      expect(response.Reason).toContain(`${OWNER_TAG}=${otherOwner}`);
      expect(state).toEqual(stateBefore);
    });

    test('parameters carrying the legacy owner tag are claimed with the owner, not marked adopted, values untouched', async () => {
      // GIVEN a tree deployed by an earlier version (no Owner: the legacy `<stack>/<logical id>` tag)
      const path = uniquePath('legacy-owner');
      const parameters = [string('db/host', 'h'), generated('api/jwt'), placeholder('ext/key')];
      const { Owner: _none, ...legacyProps } = tree(path, parameters);
      const created = await deliver(createEvent(collector.responseUrl, legacyProps));
      const stateBefore = await parameterStoreState(ssm, path);
      expect(stateBefore[`${path}/db/host`].tags[OWNER_TAG]).toBe(LEGACY_OWNER);

      // WHEN the new version deploys the same tree, with Owner and LegacyOwner
      const props = tree(path, parameters, { LegacyOwner: LEGACY_OWNER });
      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, props, legacyProps), path);

      // THEN the tree's parameters are its own again, by the new owner tag, and nothing was rewritten
      expect(response.Status).toBe('SUCCESS');
      for (const [name, p] of Object.entries(state)) {
        expect(p.tags).toEqual({ ...stateBefore[name].tags, [OWNER_TAG]: ownerFor(path) });
        expect(p.tags[ADOPTED_TAG]).toBeUndefined();
        expect({ ...p, tags: {} }).toEqual({ ...stateBefore[name], tags: {} });
      }
    });

    test('an adopted parameter removed by a failed Update is released by the rollback, never deleted', async () => {
      // GIVEN a tree, and an untagged parameter under its path the next Update adopts
      const path = uniquePath('adopted-leftover');
      const before = tree(path, [string('a', '1'), string('z/last', 'one')], { RemovalPolicy: 'destroy' });
      const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
      await ssm.send(new PutParameterCommand({ Name: `${path}/found`, Value: 'existed before', Type: 'String', Tags: [{ Key: 'origin', Value: 'manual' }] }));
      const after = tree(path, [string('a', '1'), string('found', 'existed before'), string('z/last', 'two')], { RemovalPolicy: 'destroy', AdoptExisting: 'true' });
      expect((await deliver(updateEvent(collector.responseUrl, created, after, before), failingOn(`${path}/z/last`))).Status).toBe('FAILED');
      expect((await parameterStoreState(ssm, path))[`${path}/found`].tags).toMatchObject({ [ADOPTED_TAG]: 'true', [OWNER_TAG]: ownerFor(path) });

      // WHEN CloudFormation rolls back (the tree destroys what it created)
      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, before, after), path);

      // THEN the adopted parameter is released: value and user tags kept, the tree's tags gone
      expect(response.Status).toBe('SUCCESS');
      expect(state[`${path}/found`].value).toBe('existed before');
      // the user tags it has now (its own and the tree's, given on adoption) stay
      expect(state[`${path}/found`].tags).toEqual({ origin: 'manual', team: 'shop' });
      expect(valuesOf(state)).toEqual({ [`${path}/a`]: '1', [`${path}/found`]: 'existed before', [`${path}/z/last`]: 'one' });
    });
  });

  describe('key changes', () => {
    test('a new key re-encrypts every SecureString through SSM with its value kept, and the rollback moves them back', async () => {
      // GIVEN a tree under key 1, with a value an operator set
      const path = uniquePath('key-change');
      const parameters = [generated('api/jwt'), placeholder('ext/key'), literal('legacy/literal', 'literal-value'), await encrypted('legacy/token', 'token-value'), string('db/host', 'h')];
      const underKey1 = tree(path, parameters);
      const created = (await deliverTwice(createEvent(collector.responseUrl, underKey1), path)).response;
      await ssm.send(new PutParameterCommand({ Name: `${path}/ext/key`, Value: 'set-by-operator', Type: 'SecureString', KeyId: keyArn, Overwrite: true }));
      const stateBefore = await parameterStoreState(ssm, path);
      const secrets = Object.keys(stateBefore).filter((name) => stateBefore[name].type === 'SecureString');
      expect(secrets).toHaveLength(4);

      // WHEN the tree moves to key 2
      const underKey2 = tree(path, parameters, { KeyArn: secondKeyArn });
      const moved = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, underKey2, underKey1), path);

      // THEN every SecureString has a new version under key 2, same value; the String is untouched
      expect(moved.response.Status).toBe('SUCCESS');
      expect(valuesOf(moved.state)).toEqual(valuesOf(stateBefore));
      for (const name of secrets) expect(moved.state[name]).toMatchObject({ keyId: secondKeyArn, version: stateBefore[name].version + 1 });
      expect(moved.state[`${path}/db/host`]).toEqual(stateBefore[`${path}/db/host`]);

      // WHEN CloudFormation rolls the key change back
      const back = await deliverTwice(updateEvent(collector.responseUrl, created.PhysicalResourceId, underKey1, underKey2), path);

      // THEN the values are still the same, under key 1 again
      expect(back.response.Status).toBe('SUCCESS');
      expect(valuesOf(back.state)).toEqual(valuesOf(stateBefore));
      for (const name of secrets) expect(back.state[name]).toMatchObject({ keyId: keyArn, version: stateBefore[name].version + 2 });
    });
  });

  describe('kind changes', () => {
    /**
     * Stand-in for Parameter Store's HierarchyTypeMismatchException: moto overwrites a parameter
     * with another type, AWS refuses it for hierarchical names. A put over an existing parameter
     * of another type fails here as it does in AWS.
     */
    const refusingTypeChanges: Interceptor = ({ name, input }, real) => {
      if (name !== 'PutParameter' || !input.Overwrite) return undefined;
      return real.send(new GetParameterCommand({ Name: input.Name })).then((current) => {
        if (current.Parameter!.Type !== input.Type) {
          throw awsError('HierarchyTypeMismatchException', 'Parameter Store does not support changing a parameter type in a hierarchy');
        }
        return real.send(new PutParameterCommand(input));
      });
    };

    test('a String turned generated secret is deleted and created; a crash in between is healed by the retry', async () => {
      // GIVEN a tree with a String
      const path = uniquePath('plain-to-secret');
      const before = tree(path, [string('mode', 'plain'), string('other', 'o')]);
      const created = (await deliver(createEvent(collector.responseUrl, before), handler(refusingTypeChanges))).PhysicalResourceId;
      const after = tree(path, [generated('mode', 16), string('other', 'o')]);
      const event = updateEvent(collector.responseUrl, created, after, before);

      // WHEN the first attempt crashes right after the delete (its create fails)
      let crashed = false;
      const crashing = handler((command, real) => {
        if (command.name !== 'PutParameter' || command.input.Name !== `${path}/mode` || crashed) return refusingTypeChanges(command, real);
        crashed = true;
        // not a transient error, which the reconciler would retry at once
        return Promise.reject(awsError('AccessDeniedException', 'the function stopped here'));
      });
      expect((await deliver(event, crashing)).Status).toBe('FAILED');
      expect(Object.keys(await parameterStoreState(ssm, path))).toEqual([`${path}/other`]);

      // AND CloudFormation's retry (the same event, twice) runs
      const { response, state } = await deliverTwice(event, path, handler(refusingTypeChanges));

      // THEN the parameter is a new SecureString (version 1), tagged and labelled like any create
      expect(response.Status).toBe('SUCCESS');
      expect(state[`${path}/mode`]).toMatchObject({
        type: 'SecureString',
        keyId: keyArn,
        version: 1,
        tags: { team: 'shop', [OWNER_TAG]: ownerFor(path), [GENERATION_TAG]: generationOfId(created) },
        labels: { 1: [specLabelOf(after.Parameters[0], keyArn)] },
      });
      expect(state[`${path}/mode`].value).toMatch(/^[!-~]{16}$/);
    });

    test('a String turned StringList is deleted and created too', async () => {
      const path = uniquePath('string-to-list');
      const before = tree(path, [string('hosts', 'a')]);
      const created = (await deliver(createEvent(collector.responseUrl, before), handler(refusingTypeChanges))).PhysicalResourceId;
      const after = tree(path, [spec('hosts', ParameterKind.STRING_LIST, { Value: 'a,b' })]);

      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, after, before), path, handler(refusingTypeChanges));

      expect(response.Status).toBe('SUCCESS');
      expect(state[`${path}/hosts`]).toMatchObject({ type: 'StringList', value: 'a,b', version: 1, tags: { [OWNER_TAG]: ownerFor(path) } });
    });

    test('a secret turned String is refused before any write of the event, saying how to do it on purpose', async () => {
      // GIVEN a tree with a generated secret and a String
      const path = uniquePath('secret-to-plain');
      const before = tree(path, [string('a/first', 'one'), generated('b/jwt')]);
      const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
      const stateBefore = await parameterStoreState(ssm, path);

      // WHEN an Update changes the String and turns the secret into a String
      const after = tree(path, [string('a/first', 'two'), string('b/jwt', 'now plain')]);
      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, after, before), path);

      // THEN nothing at all was written, not even the String that came first
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toContain(`'${path}/b/jwt'`);
      expect(response.Reason).toMatch(/would be lost.*rename the parameter, or remove it in one deployment and add it back in the next/);
      expect(state).toEqual(stateBefore);
    });

    test('the rollback of a String turned secret turns it back: the secret existed only for the failed update', async () => {
      // GIVEN a String that an update turned into a generated secret
      const path = uniquePath('plain-to-secret-rollback');
      const before = tree(path, [string('mode', 'plain')]);
      const created = (await deliver(createEvent(collector.responseUrl, before), handler(refusingTypeChanges))).PhysicalResourceId;
      const after = tree(path, [generated('mode', 16)]);
      const updated = await deliver(updateEvent(collector.responseUrl, created, after, before), handler(refusingTypeChanges));
      expect(updated.Status).toBe('SUCCESS');

      // WHEN a later resource of the stack fails and CloudFormation rolls the tree back (twice)
      stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', updated.PhysicalResourceId);
      const rollback = updateEvent(collector.responseUrl, updated.PhysicalResourceId, before, after);
      const { response, state } = await deliverTwice(rollback, path, handler(refusingTypeChanges));

      // THEN the String is back, with its value from the template, owned by the tree
      expect(response.Status).toBe('SUCCESS');
      expect(state[`${path}/mode`]).toMatchObject({ type: 'String', value: 'plain', version: 1, tags: { [OWNER_TAG]: ownerFor(path) } });
    });

    test('outside a rollback the same change is refused: the stack status decides, not the direction of the properties', async () => {
      const path = uniquePath('secret-to-plain-forward');
      const secret = tree(path, [generated('mode', 16)]);
      const created = (await deliver(createEvent(collector.responseUrl, secret))).PhysicalResourceId;
      stacks.inState('UPDATE_IN_PROGRESS', created);

      const response = await deliver(updateEvent(collector.responseUrl, created, tree(path, [string('mode', 'plain')]), secret), handler(refusingTypeChanges));

      expect(response.Status).toBe('FAILED');
      expect((await parameterStoreState(ssm, path))[`${path}/mode`].type).toBe('SecureString');
    });
  });

  describe('the 100-version limit', () => {
    test('at 100 labelled versions the tree frees its own old labels, keeps the previous spec\'s and others\', and writes', async () => {
      // GIVEN an encrypted secret whose ciphertext changed with every build: 100 versions, each labelled by the tree
      const path = uniquePath('version-limit');
      const name = `${path}/ci/token`;
      const first = await encrypted('ci/token', 'build-0');
      const created = (await deliver(createEvent(collector.responseUrl, tree(path, [first])))).PhysicalResourceId;
      for (let version = 2; version <= 100; version++) {
        await ssm.send(new PutParameterCommand({ Name: name, Value: `build-${version}`, Type: 'SecureString', KeyId: keyArn, Overwrite: true }));
        await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [`${SPEC_LABEL_PREFIX}old-build-${version}`] }));
      }
      // someone else's label on an old version, and the deployed spec's value on the latest one
      await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 5, Labels: ['release-2024'] }));
      const deployed = await encrypted('ci/token', 'build-100');
      const deployedLabel = specLabelOf(deployed, keyArn)!;
      await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 100, Labels: [deployedLabel] }));
      const next = await encrypted('ci/token', 'build-101');
      const event = updateEvent(collector.responseUrl, created, tree(path, [next]), tree(path, [deployed]));

      // WHEN the next build deploys
      const { response, state } = await deliverTwice(event, path);

      // THEN the write went through: version 101, the new value, the new label
      expect(response.Status).toBe('SUCCESS');
      const parameter = state[name];
      expect(parameter).toMatchObject({ value: 'build-101', version: 101 });
      expect(parameter.labels[101]).toEqual([specLabelOf(next, keyArn)]);
      // the previously deployed spec's label and the foreign label are kept
      expect(parameter.labels[100]).toEqual([deployedLabel, `${SPEC_LABEL_PREFIX}old-build-100`].sort());
      expect(parameter.labels[5]).toEqual(['release-2024']);
      // the tree's old labels came off the oldest versions only (version 1 is gone with the limit)
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: name, MaxResults: 50 }));
      expect(history.Parameters![0].Version).toBe(2);
      for (let version = 2; version <= 10; version++) expect(parameter.labels[version] ?? []).not.toContain(`${SPEC_LABEL_PREFIX}old-build-${version}`);
      expect(parameter.labels[11]).toEqual([`${SPEC_LABEL_PREFIX}old-build-11`]);

      // WHEN CloudFormation rolls back to the deployed spec
      const rolledBack = await deliverTwice(updateEvent(collector.responseUrl, created, tree(path, [deployed]), tree(path, [next])), path);

      // THEN the deployed value is back, found by its label
      expect(rolledBack.response.Status).toBe('SUCCESS');
      expect(rolledBack.state[name]).toMatchObject({ value: 'build-100', version: 102 });
    });

    test('a label the tree did not write on the oldest of 100 versions is left alone, and the failure says which', async () => {
      // GIVEN a String with 100 versions, the oldest labelled by someone else
      const path = uniquePath('version-limit-foreign-label');
      const name = `${path}/endpoint`;
      const before = tree(path, [string('endpoint', 'v1')]);
      const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
      await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 1, Labels: ['first-release'] }));
      for (let version = 2; version <= 99; version++) {
        await ssm.send(new PutParameterCommand({ Name: name, Value: `v${version}`, Type: 'String', Overwrite: true }));
      }
      await ssm.send(new PutParameterCommand({ Name: name, Value: 'v1', Type: 'String', Overwrite: true }));
      const stateBefore = await parameterStoreState(ssm, path);

      // WHEN the tree changes the value
      const after = tree(path, [string('endpoint', 'v2')]);
      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, after, before), path);

      // THEN it fails naming the parameter and the label, and nothing changed
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toContain(`'${name}'`);
      expect(response.Reason).toContain("label(s) 'first-release' that the tree may not remove");
      expect(state).toEqual(stateBefore);
    });
  });

  describe('leftovers', () => {
    test('with retainRemovedParameters what a failed Update created is released by the rollback: untagged, kept', async () => {
      // GIVEN a tree that retains removed parameters, and an Update adding one that fails on a later write
      const path = uniquePath('released-leftover');
      const before = tree(path, [string('a', '1'), string('z/last', 'one')], { RetainRemovedParameters: 'true' });
      const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
      const after = tree(path, [string('a', '1'), string('b/new', '2'), string('z/last', 'two')], { RetainRemovedParameters: 'true' });
      expect((await deliver(updateEvent(collector.responseUrl, created, after, before), failingOn(`${path}/z/last`))).Status).toBe('FAILED');
      expect((await parameterStoreState(ssm, path))[`${path}/b/new`].tags[OWNER_TAG]).toBe(ownerFor(path));

      // WHEN CloudFormation rolls back
      const { response, state } = await deliverTwice(updateEvent(collector.responseUrl, created, before, after), path);

      // THEN the new parameter stays with its value and user tags, no longer the tree's
      expect(response.Status).toBe('SUCCESS');
      expect(state[`${path}/b/new`].value).toBe('2');
      expect(state[`${path}/b/new`].tags).toEqual({ team: 'shop' });
      expect(state[`${path}/a`].tags[OWNER_TAG]).toBe(ownerFor(path));
    });
  });

  test('every AddTagsToResource of the suite carries the owner tag (the policy requires aws:RequestTag)', () => {
    const addTags = sent.filter((c) => c.name === 'AddTagsToResource');
    expect(addTags.length).toBeGreaterThan(3);
    for (const { input } of addTags) {
      // every tree of the suite sits at uniquePath(): /cscfg-test/<label>
      const treePath = input.ResourceId.split('/').slice(0, 3).join('/');
      expect(input.Tags).toContainEqual({ Key: OWNER_TAG, Value: ownerFor(treePath) });
    }
  });

  test('no decrypting read of the suite went by path, and values were read without decryption', () => {
    expect(sent.filter((c) => c.name === 'GetParametersByPath')).toEqual([]);
    const valueReads = sent.filter((c) => c.name === 'GetParameters');
    expect(valueReads.length).toBeGreaterThan(0);
    for (const { input } of valueReads) expect(input.WithDecryption).toBe(false);
  });
});
