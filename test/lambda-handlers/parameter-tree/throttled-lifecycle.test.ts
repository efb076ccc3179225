/**
 * The reconciler under Parameter Store's rate limits: trees of a few hundred parameters through
 * the throttling stand-in (test/support/throttling-proxy.ts), with every quota scaled up ten
 * times so the suite stays quick. Asserts outcomes and state, never timings.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeParametersCommand,
  DescribeParametersCommandOutput,
  GetParametersByPathCommand,
  GetParametersByPathCommandOutput,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  context, createEvent, deleteEvent, OWNER, ResponseCollector, StackStandIn, uniquePath, updateEvent,
} from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import { realSleep } from '../../../lambda-handlers/shared/retry';
import {
  GENERATION_TAG,
  OWNER_TAG,
  PARAMETER_STORE_TPS,
  ParameterKind,
  ParameterSpec,
  TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';
import { scaledLimits, ThrottlingProxy } from '../../support/throttling-proxy';

/** Every quota ten times Parameter Store's default: PutParameter 30 TPS, reads 400 TPS. */
const SCALE = 10;
const QUOTAS = scaledLimits(PARAMETER_STORE_TPS.default, SCALE);
const TREE_SIZE = 240;

interface Delivered {
  readonly response: CustomResourceResponse;
  readonly state: Record<string, StoredParameter>;
}

interface StoredParameter {
  readonly type: string;
  readonly value: string;
  readonly version: number;
}

describeWithServices(['moto'], 'parameter tree reconciler under Parameter Store rate limits (throttling stand-in)', () => {
  const direct = new SSMClient({});
  const collector = new ResponseCollector();
  let proxy: ThrottlingProxy;
  let proxied: SSMClient;
  let kms: KMSClient;
  let keyArn: string;

  beforeAll(async () => {
    proxy = new ThrottlingProxy({ target: process.env.AWS_ENDPOINT_URL!, limits: QUOTAS });
    await proxy.start();
    await collector.start();
    proxied = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    kms = new KMSClient({});
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'throttled tree test key' }))).KeyMetadata!.Arn!;
  });

  beforeEach(() => {
    // The handler's own log lines (counts only) would flood the test output.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await collector.stop();
    await proxy.stop();
    proxied.destroy();
    direct.destroy();
    kms.destroy();
  });

  function handler(extra: { safetyMarginMs?: number } = {}): TreeHandler {
    // The only Delete is the stack's, after which the stack does not exist: the stand-in's default.
    return createTreeHandler({ ssm: proxied, kms, stacks: new StackStandIn().source, sleep: realSleep, concurrency: 4, quotas: QUOTAS, ...extra });
  }

  /** 60% Strings, 15% StringLists, 25% generated secrets, over folders of twenty. */
  function specs(count: number): ParameterSpec[] {
    return Array.from({ length: count }, (_, i): ParameterSpec => {
      const base = { Name: `svc-${Math.floor(i / 20)}/p-${i % 20}`, Tier: 'Standard' as const, Description: '' };
      const slot = i % 20;
      if (slot < 12) return { ...base, Kind: ParameterKind.STRING, Value: `https://svc-${i}.internal.example.com` };
      if (slot < 15) return { ...base, Kind: ParameterKind.STRING_LIST, Value: `a-${i}.example.com,b-${i}.example.com` };
      return { ...base, Kind: ParameterKind.GENERATED, Generator: { Length: '24', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' } };
    });
  }

  /**
   * One parameter in ten with a new value (a generated secret: a new Generation), at a position
   * that moves through each block of ten, so every kind is among the changed.
   */
  function withTenPercentChanged(parameters: ParameterSpec[]): ParameterSpec[] {
    return parameters.map((p, i) => {
      if (i % 10 !== Math.floor(i / 10) % 10) return p;
      if (p.Kind === ParameterKind.GENERATED) return { ...p, Generator: { ...p.Generator!, Generation: '2' } };
      return { ...p, Value: `${p.Value},changed` };
    });
  }

  function tree(path: string, parameters: ParameterSpec[]): TreeResourceProperties {
    return { Path: path, KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: parameters };
  }

  /** Values and versions under `path`, read around the stand-in. */
  async function valuesUnder(path: string): Promise<Record<string, StoredParameter>> {
    const state: Record<string, StoredParameter> = {};
    let token: string | undefined;
    do {
      const page: GetParametersByPathCommandOutput = await direct.send(new GetParametersByPathCommand({
        Path: path, Recursive: true, WithDecryption: true, NextToken: token,
      }));
      for (const p of page.Parameters ?? []) state[p.Name!] = { type: p.Type!, value: p.Value!, version: p.Version! };
      token = page.NextToken;
    } while (token);
    return state;
  }

  /** Names under `path` carrying this tree's owner tag and `generation`. */
  async function taggedWith(path: string, generation: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page: DescribeParametersCommandOutput = await direct.send(new DescribeParametersCommand({
        ParameterFilters: [
          { Key: 'Path', Option: 'Recursive', Values: [path] },
          { Key: `tag:${OWNER_TAG}`, Values: [OWNER] },
          { Key: `tag:${GENERATION_TAG}`, Values: [generation] },
        ],
        NextToken: token,
      }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
      token = page.NextToken;
    } while (token);
    return names.sort();
  }

  async function deliver(event: TreeEvent, using: TreeHandler): Promise<CustomResourceResponse> {
    await using(event, context);
    return collector.last();
  }

  /** Delivers the event twice, as CloudFormation may; both succeed and the second changes nothing. */
  async function deliverTwice(event: TreeEvent, path: string, using: TreeHandler): Promise<Delivered> {
    const first = await deliver(event, using);
    expect(first).toMatchObject({ Status: 'SUCCESS' });
    const state = await valuesUnder(path);
    const second = await deliver(event, using);
    expect({ ...second, RequestId: first.RequestId }).toEqual(first);
    expect(await valuesUnder(path)).toEqual(state);
    return { response: first, state };
  }

  /** Create, Update 10%, rollback Update, stack Delete; each twice; full state after each. */
  async function lifecycle(label: string): Promise<void> {
    const path = uniquePath(label);
    const using = handler();
    const original = specs(TREE_SIZE);
    const changed = withTenPercentChanged(original);
    const changedNames = new Set(changed.filter((p, i) => p !== original[i]).map((p) => `${path}/${p.Name}`));
    const before = tree(path, original);
    const after = tree(path, changed);
    const specOf = (props: TreeResourceProperties, name: string) => props.Parameters.find((p) => `${path}/${p.Name}` === name)!;

    // Create
    const created = await deliverTwice(createEvent(collector.responseUrl, before), path, using);
    const generation = created.response.PhysicalResourceId.split('@')[1];
    expect(Object.keys(created.state)).toHaveLength(TREE_SIZE);
    for (const [name, p] of Object.entries(created.state)) {
      const spec = specOf(before, name);
      expect(p.version).toBe(1);
      if (spec.Kind === ParameterKind.GENERATED) expect(p).toMatchObject({ type: 'SecureString', value: expect.stringMatching(/^[!-~]{24}$/) });
      else expect(p).toMatchObject({ type: spec.Kind, value: spec.Value });
    }
    expect(await taggedWith(path, generation)).toHaveLength(TREE_SIZE);

    // Update 10% of the values
    expect(changedNames.size).toBe(TREE_SIZE / 10);
    const updated = await deliverTwice(updateEvent(collector.responseUrl, created.response.PhysicalResourceId, after, before), path, using);
    expect(updated.response.PhysicalResourceId).toBe(created.response.PhysicalResourceId);
    for (const [name, p] of Object.entries(updated.state)) {
      if (!changedNames.has(name)) {
        expect(p).toEqual(created.state[name]);
        continue;
      }
      const spec = specOf(after, name);
      expect(p.version).toBe(2);
      if (spec.Kind === ParameterKind.GENERATED) expect(p.value).not.toBe(created.state[name].value);
      else expect(p.value).toBe(spec.Value);
    }

    // Rollback Update: CloudFormation sends the old properties back after a later failure
    const rolledBack = await deliverTwice(updateEvent(collector.responseUrl, updated.response.PhysicalResourceId, before, after), path, using);
    for (const [name, p] of Object.entries(rolledBack.state)) {
      expect(p.value).toBe(created.state[name].value);
      expect(p.version).toBe(changedNames.has(name) ? 3 : 1);
    }

    // Stack Delete under the destroy policy
    const deleted = await deliverTwice(deleteEvent(collector.responseUrl, rolledBack.response.PhysicalResourceId, before), path, using);
    expect(deleted.state).toEqual({});
  }

  test('the stand-in answers an over-limit call exactly as Parameter Store does', async () => {
    // GIVEN a stand-in allowing one PutParameter now and the next in 100 s
    const strict = new ThrottlingProxy({ target: process.env.AWS_ENDPOINT_URL!, limits: { PutParameter: 0.01 } });
    await strict.start();
    const body = JSON.stringify({ Name: `${uniquePath('raw')}/x`, Value: 'v', Type: 'String' });
    const send = () => fetch(strict.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.PutParameter', 'content-type': 'application/x-amz-json-1.1' },
      body,
    });
    try {
      // WHEN two calls arrive at once
      const first = await send();
      const second = await send();

      // THEN the first is forwarded to moto, the second is refused as SSM refuses it
      expect(first.status).toBe(200);
      expect(second.status).toBe(400);
      expect(second.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
      expect(await second.json()).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
      // and the SDK sees the error SSM's own throttling raises
      const client = new SSMClient({ endpoint: strict.endpoint, maxAttempts: 1 });
      await expect(client.send(new PutParameterCommand({ Name: `${uniquePath('raw')}/y`, Value: 'v', Type: 'String' })))
        .rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
      client.destroy();
    } finally {
      await strict.stop();
    }
  });

  test(`a tree of ${TREE_SIZE} parameters: Create, Update 10%, rollback Update and Delete all succeed, each delivered twice`, async () => {
    await lifecycle('throttled');
  });

  test('the same lifecycle succeeds while a second writer asks for the whole PutParameter quota', async () => {
    // GIVEN another writer (another tree, the application) that never backs off, putting
    // parameters of its own in three loops that together ask for the whole quota: the tree must
    // be throttled even on a loaded machine where each loop falls short of its rate
    const competitor = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 1, customUserAgent: 'competitor' });
    const competitorPath = uniquePath('competitor');
    const since = Date.now();
    let running = true;
    const loop = async (id: number) => {
      for (let i = 0; running; i++) {
        const started = Date.now();
        await competitor.send(new PutParameterCommand({ Name: `${competitorPath}/${id}-${i % 50}`, Value: String(i), Type: 'String', Overwrite: true }))
          .catch(() => undefined);
        await realSleep(Math.max(0, 1000 / (QUOTAS.PutParameter / 3) - (Date.now() - started)));
      }
    };
    const competing = Promise.all([loop(1), loop(2), loop(3)]);

    // WHEN / THEN
    try {
      await lifecycle('contended');
    } finally {
      running = false;
      await competing;
      competitor.destroy();
    }
    // the competition was real: both writers met the quota
    expect(proxy.counts('competitor', since).PutParameter.forwarded).toBeGreaterThan(0);
    expect(proxy.counts('main', since).PutParameter.throttled).toBeGreaterThan(0);
  });

  test('the deadline stops every worker: the answer says how far it got, and nothing is written after it', async () => {
    // GIVEN a tree too large for the time left (about 1.5 s of work for several seconds' worth)
    const path = uniquePath('deadline');
    const shortLived = handler({ safetyMarginMs: 2_000 });
    const props = tree(path, specs(TREE_SIZE));

    // WHEN
    await shortLived(createEvent(collector.responseUrl, props), { getRemainingTimeInMillis: () => 3_500 });
    const answeredAt = Date.now();
    const response = collector.last();

    // THEN the answer is a precise failure
    expect(response.Status).toBe('FAILED');
    const match = /^DeadlineError: out of time: (\d+) of (\d+) parameter\(s\) of tree '.*' reconciled, (\d+) left; every call had stopped before this answer/.exec(response.Reason!);
    expect(match).not.toBeNull();
    const [done, total, left] = match!.slice(1).map(Number);
    expect(total).toBe(TREE_SIZE);
    expect(done + left).toBe(TREE_SIZE);
    expect(left).toBeGreaterThan(0);

    // and no call reaches Parameter Store once it has been sent, however long we wait
    const seenAtAnswer = proxy.events.filter((e) => e.client === 'main').length;
    await realSleep(1_500);
    expect(proxy.events.filter((e) => e.client === 'main' && e.at >= answeredAt)).toEqual([]);
    expect(proxy.events.filter((e) => e.client === 'main')).toHaveLength(seenAtAnswer);
    // what was written is what the answer counted (a call cancelled in flight may have landed too)
    const written = Object.keys(await valuesUnder(path)).length;
    expect(written).toBeGreaterThanOrEqual(done);
    expect(written).toBeLessThanOrEqual(done + 4);
  });
});
