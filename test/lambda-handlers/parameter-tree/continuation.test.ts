/**
 * A reconcile longer than one invocation continues in the next one and answers CloudFormation
 * once, at the end. The trees go through the throttling stand-in (quotas scaled ten times) with a
 * few seconds per invocation, so each operation spans several invocations. The function's
 * asynchronous invocations of itself go to a Lambda Invoke stand-in (moto_server runs function
 * code only in Docker): it records each payload, and the test delivers it to the handler as
 * Lambda would, then once more as a duplicate delivery.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetParametersByPathCommand, GetParametersByPathCommandOutput, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createEvent, deleteEvent, ResponseCollector, StackStandIn, uniquePath, updateEvent } from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import { CONTINUATION_FIELD, ContinuationSettings, lambdaInvoker } from '../../../lambda-handlers/shared/continuation';
import { realSleep } from '../../../lambda-handlers/shared/retry';
import { PARAMETER_STORE_TPS, ParameterKind, ParameterSpec, REMOVED_IN_TAG, TreeResourceProperties } from '../../../src/parameter-tree/private/contract';
import { LambdaInvokeStandIn } from '../../support/lambda-invoke-stand-in';
import { describeWithServices } from '../../support/services';
import { scaledLimits, ThrottlingProxy } from '../../support/throttling-proxy';

/** Ten times Parameter Store's default quotas, but DeleteParameters at its own 3 TPS so that a Delete takes several seconds too. */
const QUOTAS = { ...scaledLimits(PARAMETER_STORE_TPS.default, 10), DeleteParameters: 3 };
const TREE_SIZE = 150;
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:tree-reconciler';
/** Each invocation gets 4 s, 2 s of which are kept to answer: 2 s of work. */
// Each invocation works for 4 s (6 s left, 2 s kept to answer): long enough that a loaded machine
// (the whole suite runs in parallel) still makes progress in every invocation after its reads.
const INVOCATION = { getRemainingTimeInMillis: () => 6_000, invokedFunctionArn: FUNCTION_ARN };
const SAFETY_MARGIN_MS = 2_000;

interface Stored {
  readonly type: string;
  readonly value: string;
  readonly version: number;
}

interface Chain {
  /** Invocations used, the first (CloudFormation's) included. */
  readonly invocations: number;
  /** Every answer CloudFormation got for the event. */
  readonly answers: CustomResourceResponse[];
  /** The payload the last continuation was delivered with, if any. */
  readonly lastPayload?: TreeEvent;
}

describeWithServices(['moto'], 'a reconcile longer than one invocation continues in the next one', () => {
  // Chains of invocations paced at scaled quotas: minutes on a loaded machine, not seconds.
  jest.setTimeout(300_000);

  const direct = new SSMClient({});
  const collector = new ResponseCollector();
  const lambda = new LambdaInvokeStandIn();
  let proxy: ThrottlingProxy;
  let proxied: SSMClient;
  let lambdaClient: LambdaClient;
  let kms: KMSClient;
  let keyArn: string;

  beforeAll(async () => {
    proxy = new ThrottlingProxy({ target: process.env.AWS_ENDPOINT_URL!, limits: QUOTAS });
    await Promise.all([proxy.start(), collector.start(), lambda.start()]);
    proxied = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    lambdaClient = new LambdaClient({ endpoint: lambda.endpoint, maxAttempts: 1 });
    kms = new KMSClient({});
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'continuation test key' }))).KeyMetadata!.Arn!;
  });

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    lambda.failWith = undefined;
    lambda.answerAfterMs = undefined;
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await Promise.all([collector.stop(), proxy.stop(), lambda.stop()]);
    for (const client of [proxied, direct, kms, lambdaClient]) client.destroy();
  });

  function handler(continuation: ContinuationSettings = {}): TreeHandler {
    return createTreeHandler({
      ssm: proxied,
      kms,
      stacks: new StackStandIn().source,
      sleep: realSleep,
      concurrency: 4,
      quotas: QUOTAS,
      safetyMarginMs: SAFETY_MARGIN_MS,
      continuation: { invoke: lambdaInvoker(lambdaClient, 1), ...continuation },
    });
  }

  /** Two Strings and a generated secret in every three. */
  function specs(count: number, prefix = 'p'): ParameterSpec[] {
    return Array.from({ length: count }, (_, i): ParameterSpec => {
      const base = { Name: `svc-${Math.floor(i / 20)}/${prefix}-${i % 20}`, Tier: 'Standard' as const, Description: '' };
      if (i % 3 < 2) return { ...base, Kind: ParameterKind.STRING, Value: `https://svc-${i}.internal.example.com` };
      return { ...base, Kind: ParameterKind.GENERATED, Generator: { Length: '24', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' } };
    });
  }

  function tree(path: string, parameters: ParameterSpec[]): TreeResourceProperties {
    return { Path: path, KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: parameters };
  }

  async function valuesUnder(path: string): Promise<Record<string, Stored>> {
    const state: Record<string, Stored> = {};
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

  /** Delivers `event`, then every continuation it asks for, as Lambda would, until one answers or none is asked. */
  async function runChain(event: TreeEvent, using: TreeHandler): Promise<Chain> {
    const seen = lambda.invocations.length;
    await using(event, INVOCATION);
    let invocations = 1;
    let lastPayload: TreeEvent | undefined;
    while (lambda.invocations.length > seen + invocations - 1) {
      const next = lambda.invocations[seen + invocations - 1];
      expect(next).toMatchObject({ functionName: FUNCTION_ARN, invocationType: 'Event' });
      lastPayload = JSON.parse(next.payload);
      await using(lastPayload!, INVOCATION);
      invocations++;
    }
    return { invocations, answers: answersTo(event), lastPayload };
  }

  function answersTo(event: TreeEvent): CustomResourceResponse[] {
    return collector.bodies.map((body) => JSON.parse(body) as CustomResourceResponse).filter((r) => r.RequestId === event.RequestId);
  }

  /** The continuation delivered once more, as Lambda may: it changes nothing and answers as the first did. */
  async function deliverAgain(chain: Chain, path: string, using: TreeHandler): Promise<void> {
    const before = await valuesUnder(path);
    const calls = lambda.invocations.length;
    await using(chain.lastPayload!, { ...INVOCATION, getRemainingTimeInMillis: () => 60_000 });
    expect(lambda.invocations).toHaveLength(calls);
    const answers = answersTo(chain.lastPayload!);
    expect(answers).toHaveLength(2);
    expect(answers[1]).toEqual(answers[0]);
    expect(await valuesUnder(path)).toEqual(before);
  }

  function expectTreeHolds(state: Record<string, Stored>, path: string, props: TreeResourceProperties): void {
    expect(Object.keys(state).sort()).toEqual(props.Parameters.map((p) => `${path}/${p.Name}`).sort());
    for (const spec of props.Parameters) {
      const stored = state[`${path}/${spec.Name}`];
      // Version 1: each value written once, generated secrets generated once (a cut label is put on, not regenerated)
      if (spec.Kind === ParameterKind.GENERATED) expect(stored).toMatchObject({ type: 'SecureString', value: expect.stringMatching(/^[!-~]{24}$/), version: 1 });
      else expect(stored).toMatchObject({ type: 'String', value: spec.Value, version: 1 });
    }
  }

  interface Created {
    readonly props: TreeResourceProperties;
    readonly physicalId: string;
    readonly state: Record<string, Stored>;
  }

  async function created(path: string, using: TreeHandler): Promise<Created> {
    const props = tree(path, specs(TREE_SIZE));
    const chain = await runChain(createEvent(collector.responseUrl, props), using);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0]).toMatchObject({ Status: 'SUCCESS' });
    return { props, physicalId: chain.answers[0].PhysicalResourceId, state: await valuesUnder(path) };
  }

  test('a Create spanning several invocations answers once, SUCCESS, with every parameter; a duplicate continuation changes nothing', async () => {
    // GIVEN
    const path = uniquePath('continued-create');
    const using = handler();
    const props = tree(path, specs(TREE_SIZE));
    const since = Date.now();

    // WHEN
    const chain = await runChain(createEvent(collector.responseUrl, props), using);

    // THEN
    expect(chain.invocations).toBeGreaterThanOrEqual(2);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: expect.stringMatching(new RegExp(`^${path}@`)) });
    // the continuations found the secrets already written by their labels, ten a call without decryption: a decrypting
    // read only for a secret whose label a deadline cut off (at most one per worker and cut), none per written secret
    const calls = proxy.counts('main', since);
    expect(calls.GetParameters?.forwarded).toBeGreaterThan(0);
    expect(calls.GetParameter?.forwarded ?? 0).toBeLessThanOrEqual(4 * (chain.invocations - 1));
    expect(chain.answers[0].Data).toEqual({ Path: path, ParameterCount: String(TREE_SIZE) });
    expectTreeHolds(await valuesUnder(path), path, props);
    expect(chain.lastPayload![CONTINUATION_FIELD as keyof TreeEvent]).toMatchObject({ Attempt: chain.invocations });
    // and the generated secrets keep the values they got, whoever delivers the event again
    await deliverAgain(chain, path, using);
  });

  test('an Update spanning several invocations answers once, SUCCESS; changed values written once, removed names marked, the rest untouched', async () => {
    // GIVEN a created tree, then three values in four changed, its last 30 names removed and 30 added
    const path = uniquePath('continued-update');
    const using = handler();
    const before = await created(path, using);
    const removed = before.props.Parameters.slice(TREE_SIZE - 30);
    const changedSpecs = before.props.Parameters.slice(0, TREE_SIZE - 30).map((p, i) => {
      if (i % 4 === 3) return p;
      return p.Kind === ParameterKind.GENERATED ? { ...p, Generator: { ...p.Generator!, Generation: '2' } } : { ...p, Value: `${p.Value}/changed` };
    });
    const after = tree(path, [...changedSpecs, ...specs(30, 'added')]);

    // WHEN
    const chain = await runChain(updateEvent(collector.responseUrl, before.physicalId, after, before.props), using);

    // THEN
    expect(chain.invocations).toBeGreaterThanOrEqual(2);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0]).toMatchObject({ Status: 'SUCCESS', Data: { ParameterCount: String(TREE_SIZE) } });
    const state = await valuesUnder(path);
    expect(Object.keys(state)).toHaveLength(TREE_SIZE + 30);
    before.props.Parameters.forEach((spec, i) => {
      const name = `${path}/${spec.Name}`;
      if (i % 4 === 3 || i >= TREE_SIZE - 30) {
        expect(state[name]).toEqual(before.state[name]);
      } else if (spec.Kind === ParameterKind.GENERATED) {
        // a new value, written once (version 2)
        expect([state[name].value === before.state[name].value, state[name].version]).toEqual([false, 2]);
      } else {
        expect(state[name]).toMatchObject({ value: `${spec.Value}/changed`, version: 2 });
      }
    });
    // the removed names wait for the cleanup Delete, marked removed in the new generation
    const generation = chain.answers[0].PhysicalResourceId.split('@')[1];
    for (const spec of removed) {
      const tags = await direct.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: `${path}/${spec.Name}` }));
      expect(tags.TagList).toContainEqual({ Key: REMOVED_IN_TAG, Value: generation });
    }
    await deliverAgain(chain, path, using);
  });

  test('a Delete under DESTROY spanning several invocations answers once, SUCCESS, and removes every parameter', async () => {
    // GIVEN
    const path = uniquePath('continued-delete');
    const using = handler();
    const { props, physicalId } = await created(path, using);

    // WHEN the stack is deleted (the stand-in's default: the stack does not exist)
    const chain = await runChain(deleteEvent(collector.responseUrl, physicalId, props), using);

    // THEN
    expect(chain.invocations).toBeGreaterThanOrEqual(2);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalId });
    expect(await valuesUnder(path)).toEqual({});
    await deliverAgain(chain, path, using);
  });

  test("at CloudFormation's limit for the operation, the last invocation answers FAILED, once, saying so", async () => {
    // GIVEN an operation limit (the hour, scaled) that leaves room for a continuation or two, and a
    // tree whose writes alone take longer than that limit at the scaled quotas
    const path = uniquePath('continued-limit');
    const using = handler({ operationLimitMs: 10_000, minimumContinuationMs: 3_000 });
    const props = tree(path, specs(TREE_SIZE * 4));

    // WHEN
    const chain = await runChain(createEvent(collector.responseUrl, props), using);

    // THEN the chain continued, then stopped at the limit with one answer that says so
    expect(chain.invocations).toBeGreaterThanOrEqual(2);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0].Status).toBe('FAILED');
    expect(chain.answers[0].Reason).toMatch(new RegExp(
      `^DeadlineError: out of time: \\d+ of ${TREE_SIZE * 4} parameter\\(s\\) of tree .*The work does not continue: ` +
      `CloudFormation's limit for one custom-resource operation \\(one hour\\) is nearly used up after ${chain.invocations} invocation\\(s\\) since `,
    ));
  });

  test('a continuation field that is not one fails the event, naming it, before anything is written', async () => {
    // GIVEN an event whose continuation field was altered
    const path = uniquePath('continued-malformed');
    const event = { ...createEvent(collector.responseUrl, tree(path, specs(3))), [CONTINUATION_FIELD]: { Attempt: 'two', FirstStartedAt: 'yesterday' } };

    // WHEN
    const chain = await runChain(event, handler());

    // THEN
    expect(chain.invocations).toBe(1);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0]).toMatchObject({
      Status: 'FAILED',
      Reason: `the event's ${CONTINUATION_FIELD} must be {Attempt: an integer of 2 or more, FirstStartedAt: an ISO 8601 time}, ` +
        'got: {"Attempt":"two","FirstStartedAt":"yesterday"}',
    });
    expect(await valuesUnder(path)).toEqual({});
  });

  test('when the function cannot invoke itself, it answers FAILED, once, with Lambda\'s reason', async () => {
    // GIVEN Lambda refuses the invocation (a role without lambda:InvokeFunction, say)
    lambda.failWith = { status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform: lambda:InvokeFunction' };
    const path = uniquePath('continued-refused');
    const props = tree(path, specs(TREE_SIZE));

    // WHEN
    const chain = await runChain(createEvent(collector.responseUrl, props), handler());

    // THEN
    expect(chain.invocations).toBe(1);
    expect(chain.answers).toHaveLength(1);
    expect(chain.answers[0].Status).toBe('FAILED');
    expect(chain.answers[0].Reason).toMatch(/^DeadlineError: out of time: .*Continuing in another invocation failed: AccessDeniedException: not authorized to perform: lambda:InvokeFunction/);
  });

  test('when the Invoke times out after Lambda took the event, that invocation does not answer; the continuation answers once, SUCCESS', async () => {
    // GIVEN Lambda queues the invocation but answers after the caller's timeout
    lambda.answerAfterMs = 3_000;
    const slowLambda = new LambdaClient({
      endpoint: lambda.endpoint, maxAttempts: 1, requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true },
    });
    const path = uniquePath('continued-invoke-timeout');
    const props = tree(path, specs(TREE_SIZE));
    const event = createEvent(collector.responseUrl, props);
    const using = handler({ invoke: lambdaInvoker(slowLambda, 1) });

    try {
      // WHEN
      const chain = await runChain(event, using);

      // THEN the first invocation left the answer to the continuation it may have started, which answered once
      expect(chain.invocations).toBeGreaterThanOrEqual(2);
      expect(chain.answers).toHaveLength(1);
      expect(chain.answers[0]).toMatchObject({ Status: 'SUCCESS' });
      expectTreeHolds(await valuesUnder(path), path, props);
    } finally {
      slowLambda.destroy();
    }
  });

  test('when no connection to Lambda can be made, nothing was started: it answers FAILED, once, saying so', async () => {
    // GIVEN an endpoint where nothing listens (a function in a VPC without a route to Lambda, say)
    const closed = new LambdaInvokeStandIn();
    await closed.start();
    const unreachable = closed.endpoint;
    await closed.stop();
    const nowhere = new LambdaClient({ endpoint: unreachable, maxAttempts: 1 });
    const path = uniquePath('continued-unreachable');

    try {
      // WHEN
      const chain = await runChain(createEvent(collector.responseUrl, tree(path, specs(TREE_SIZE))), handler({ invoke: lambdaInvoker(nowhere) }));

      // THEN
      expect(chain.invocations).toBe(1);
      expect(chain.answers).toHaveLength(1);
      expect(chain.answers[0].Status).toBe('FAILED');
      expect(chain.answers[0].Reason).toMatch(/^DeadlineError: out of time: .*Continuing in another invocation failed: .*ECONNREFUSED/);
    } finally {
      nowhere.destroy();
    }
  });

  test('two deliveries of one Create running at the same time make two chains that converge: each secret generated once, both answers SUCCESS and equal', async () => {
    // GIVEN one Create event, delivered twice at once (Lambda and CloudFormation deliver at least once)
    const path = uniquePath('continued-twice');
    const props = tree(path, specs(TREE_SIZE));
    const event = createEvent(collector.responseUrl, props);
    const using = handler();

    // WHEN both run, and each continuation is delivered as soon as it is asked for
    let delivered = lambda.invocations.length;
    let invocations = 2;
    await Promise.all([using(event, INVOCATION), using(event, INVOCATION)]);
    while (lambda.invocations.length > delivered) {
      const next = lambda.invocations.slice(delivered);
      delivered += next.length;
      invocations += next.length;
      await Promise.all(next.map((invocation) => using(JSON.parse(invocation.payload), INVOCATION)));
    }

    // THEN both chains continued, each answered once, alike; every value was written once
    expect(invocations).toBeGreaterThanOrEqual(4);
    const answers = answersTo(event);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatchObject({ Status: 'SUCCESS', Data: { Path: path, ParameterCount: String(TREE_SIZE) } });
    expect(answers[1]).toEqual(answers[0]);
    expectTreeHolds(await valuesUnder(path), path, props);
  });
});
