/**
 * What an Update costs in Parameter Store calls, against moto_server: an Update that knows the
 * deployed properties reads and writes only the names whose spec changed, was added or removed,
 * never an unchanged one (also when the set of names changes), and never scans the path; a
 * rollback and an Update without readable old properties read the whole path. And a Create
 * delivered again decrypts nothing to learn that its secrets are written. Counts of calls, not timings.
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { ParameterStringFilter, SSMClient } from '@aws-sdk/client-ssm';
import { context, createEvent, deleteEvent, motoClients, parameterStoreState, ResponseCollector, STACK_NAME, StackStandIn, uniquePath, updateEvent } from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import { ownerOf, ParameterKind, ParameterSpec, TreeResourceProperties } from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

/** One SSM call: its command, the parameter names it names, and the path it scans (if any). */
interface RecordedCall {
  readonly command: string;
  readonly names: string[];
  readonly path?: string;
  /** It asks for values decrypted. */
  readonly decrypting: boolean;
  /** It names versions by label or number (`name:selector`). */
  readonly bySelector: boolean;
}

/** An SSM client that records every call before moto_server answers it. */
function recordingClient(calls: RecordedCall[]): SSMClient {
  const client = new SSMClient({});
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as any).send = async (command: any, options?: unknown) => {
    const input = command.input;
    const filters: ParameterStringFilter[] = input.ParameterFilters ?? [];
    const named: string[] = [
      ...(input.Name ? [input.Name] : []),
      ...(input.Names ?? []),
      ...(input.ResourceId ? [input.ResourceId] : []),
      ...filters.filter((f) => f.Key === 'Name').flatMap((f) => f.Values ?? []),
    ];
    const names = named.map((name) => name.replace(/:[^/]*$/, ''));
    const path = filters.find((f) => f.Key === 'Path')?.Values?.[0];
    calls.push({
      command: command.constructor.name.replace(/Command$/, ''),
      names,
      ...(path ? { path } : {}),
      decrypting: input.WithDecryption === true,
      bySelector: named.some((name, i) => name !== names[i]),
    });
    return (send as any)(command, options);
  };
  return client;
}

const SIZE = 500;

describeWithServices(['moto'], 'the cost of an Update (moto_server)', () => {
  const { kms } = motoClients();
  const collector = new ResponseCollector();
  const stacks = new StackStandIn();
  let calls: RecordedCall[] = [];
  const handler = createTreeHandler({ ssm: recordingClient(calls), kms, stacks: stacks.source, sleep: async () => {}, concurrency: 4 });
  let keyArn: string;

  beforeAll(async () => {
    await collector.start();
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'update cost test key' }))).KeyMetadata!.Arn!;
  });

  beforeEach(() => {
    stacks.inState('UPDATE_IN_PROGRESS');
    calls.length = 0;
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(() => collector.stop());

  /** Every other parameter a String, the others generated secrets: `p0000` ... */
  function specs(count: number, changed: ReadonlySet<number> = new Set(), first = 0): ParameterSpec[] {
    return Array.from({ length: count }, (_, offset) => {
      const i = first + offset;
      const name = `p${String(i).padStart(4, '0')}`;
      const base = { Name: name, Tier: 'Standard' as const, Description: '' };
      return i % 2 === 0
        ? { ...base, Kind: ParameterKind.STRING, Value: changed.has(i) ? `${name}-v2` : `${name}-v1` }
        : { ...base, Kind: ParameterKind.GENERATED, Generator: { Length: '24', ExcludeCharacters: '', ExcludePunctuation: 'true', Generation: changed.has(i) ? '2' : '' } };
    });
  }

  function tree(path: string, parameters: ParameterSpec[]): TreeResourceProperties {
    return { Path: path, KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Owner: ownerOf(STACK_NAME, path), Tags: [], Parameters: parameters };
  }

  async function deliver(event: TreeEvent): Promise<CustomResourceResponse> {
    await handler(event, context);
    const response = collector.last();
    expect(response).toMatchObject({ Status: 'SUCCESS' });
    return response;
  }

  /** A created tree of SIZE parameters; the calls recorded so far are forgotten. */
  async function created(path: string): Promise<{ props: TreeResourceProperties; physicalId: string }> {
    const props = tree(path, specs(SIZE));
    const { PhysicalResourceId } = await deliver(createEvent(collector.responseUrl, props));
    calls.length = 0;
    return { props, physicalId: PhysicalResourceId };
  }

  const namesRead = (path: string) => new Set(calls.flatMap((call) => call.names).map((name) => name.slice(path.length + 1)));
  const scans = () => calls.filter((call) => call.path !== undefined);

  test('an Update changing 10 of 500 values reads and writes those 10 only: at most 3 SSM calls per changed parameter, no scan of the path', async () => {
    // GIVEN a tree of 500, and its properties with 5 String values and 5 generated secrets changed
    const path = uniquePath('cost-values');
    const before = await created(path);
    const changed = new Set([10, 11, 100, 101, 200, 201, 300, 301, 498, 499]);
    const after = tree(path, specs(SIZE, changed));
    const stateBefore = await parameterStoreState(new SSMClient({}), path);

    // WHEN CloudFormation updates it
    const updated = await deliver(updateEvent(collector.responseUrl, before.physicalId, after, before.props));

    // THEN only the changed names were read or written, with a few calls each, and they hold their new values
    expect(updated.PhysicalResourceId).toBe(before.physicalId);
    expect(scans()).toEqual([]);
    expect([...namesRead(path)].sort()).toEqual([...changed].map((i) => `p${String(i).padStart(4, '0')}`).sort());
    expect(calls.length).toBeLessThanOrEqual(3 * changed.size);
    // a changed secret gets a new value: nothing needs decrypting to know that
    expect(calls.filter((call) => call.decrypting)).toEqual([]);
    const stateAfter = await parameterStoreState(new SSMClient({}), path);
    for (const [name, state] of Object.entries(stateAfter)) {
      const i = Number(name.slice(path.length + 2));
      if (changed.has(i)) expect(state.version).toBe(stateBefore[name].version + 1);
      else expect(state).toEqual(stateBefore[name]);
    }
    expect(stateAfter[`${path}/p0010`].value).toBe('p0010-v2');
  });

  test('an Update that removes 10 names and adds 10 costs those 20 names: no call names an unchanged parameter, one mark per removed name', async () => {
    // GIVEN a tree of 500, and its properties without p0000..p0009 and with p0500..p0509
    const path = uniquePath('cost-names');
    const before = await created(path);
    const removed = specs(10).map((spec) => spec.Name);
    const added = specs(10, new Set(), SIZE).map((spec) => spec.Name);
    const after = tree(path, [...specs(SIZE - 10, new Set(), 10), ...specs(10, new Set(), SIZE)]);
    const stateBefore = await parameterStoreState(new SSMClient({}), path);

    // WHEN CloudFormation updates it
    const updated = await deliver(updateEvent(collector.responseUrl, before.physicalId, after, before.props));

    // THEN every call, read or write, named changed names only, and the writes are a few per changed name
    expect(updated.PhysicalResourceId).not.toBe(before.physicalId);
    expect(scans()).toEqual([]);
    expect([...namesRead(path)].sort()).toEqual([...removed, ...added].sort());
    const count = (command: string) => calls.filter((call) => call.command === command).length;
    expect(count('AddTagsToResource')).toBe(removed.length);
    // a PutParameter per added name, and a label per added secret
    expect(count('PutParameter') + count('LabelParameterVersion')).toBeLessThanOrEqual(2 * added.length);
    expect(calls.length).toBeLessThanOrEqual(3 * (removed.length + added.length));
    const stateAfter = await parameterStoreState(new SSMClient({}), path);
    for (const [name, state] of Object.entries(stateBefore)) {
      if (!removed.includes(name.slice(path.length + 1))) expect(stateAfter[name]).toEqual(state);
    }

    // WHEN CloudFormation cleans up the old id
    calls.length = 0;
    stacks.cleanupAfterUpdate(updated.PhysicalResourceId);
    await deliver(deleteEvent(collector.responseUrl, before.physicalId, before.props));

    // THEN the removed ones went in one DeleteParameters call per 10, found by their mark (no write named another)
    expect(calls.filter((call) => call.command !== 'DescribeParameters').map((call) => [call.command, call.names.length])).toEqual([['DeleteParameters', 10]]);
    expect(Object.keys(await parameterStoreState(new SSMClient({}), path))).toHaveLength(SIZE);
  });

  test('the forward Update reads the changed names only; its rollback, and an Update whose old properties cannot be read, read the whole path', async () => {
    // GIVEN a tree of 500, and its properties with one value changed
    const path = uniquePath('cost-full');
    const before = await created(path);
    const after = tree(path, specs(SIZE, new Set([10])));
    const scanned = () => {
      const paths = scans().map((call) => call.path);
      calls.length = 0;
      return paths;
    };

    // WHEN CloudFormation updates it, rolls the update back, then updates it with old properties it cannot read
    const updated = await deliver(updateEvent(collector.responseUrl, before.physicalId, after, before.props));
    const forward = scanned();
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS');
    await deliver(updateEvent(collector.responseUrl, updated.PhysicalResourceId, before.props, after));
    const rollback = scanned();
    const valueAfterRollback = (await parameterStoreState(new SSMClient({}), path))[`${path}/p0010`].value;
    stacks.inState('UPDATE_IN_PROGRESS');
    await deliver(updateEvent(collector.responseUrl, before.physicalId, after, { Path: path } as unknown as TreeResourceProperties));
    const unreadableOld = scanned();

    // THEN only the forward Update went without a scan of the path; each event left the value it asked for
    expect(forward).toEqual([]);
    expect(rollback).toContain(path);
    expect(unreadableOld).toContain(path);
    expect(valueAfterRollback).toBe('p0010-v1');
    expect((await parameterStoreState(new SSMClient({}), path))[`${path}/p0010`].value).toBe('p0010-v2');
  });

  test('a Create delivered again decrypts no secret: it finds each one\'s spec label on its latest version, ten names a call', async () => {
    // GIVEN a created tree of 500, half of them generated secrets
    const path = uniquePath('cost-repeat');
    const { props } = await created(path);
    const before = await parameterStoreState(new SSMClient({}), path);

    // WHEN the Create is delivered again (a duplicate delivery, or what a continuation of it reads)
    await deliver(createEvent(collector.responseUrl, props));

    // THEN no value was decrypted, the 250 labels were looked up in 25 calls, and nothing was written
    expect(calls.filter((call) => call.decrypting)).toEqual([]);
    const labelReads = calls.filter((call) => call.bySelector);
    expect(labelReads.map((call) => call.command)).toEqual(Array(25).fill('GetParameters'));
    const secrets = props.Parameters.filter((p) => p.Kind === ParameterKind.GENERATED).map((p) => `${path}/${p.Name}`);
    expect(labelReads.flatMap((call) => call.names).sort()).toEqual(secrets.sort());
    expect(calls.filter((call) => ['PutParameter', 'LabelParameterVersion', 'AddTagsToResource'].includes(call.command))).toEqual([]);
    expect(await parameterStoreState(new SSMClient({}), path)).toEqual(before);
  });
});
