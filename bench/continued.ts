/**
 * Section 8 ("continued"): a tree too large for one reconciler invocation, created, updated (1% of
 * its values) and deleted (DESTROY) at the higher-throughput quotas through the throttling
 * stand-in, each operation continuing across invocations of the handler. Time is scaled so that
 * it runs in minutes: every quota is multiplied by BENCH_CONTINUED_SCALE (default 10), and the
 * invocation's 15 minutes, CloudFormation's hour, the time kept to answer and the shortest
 * continuation are divided by it. moto_server's own latency is not scaled: it weighs that many
 * times more than it would on AWS. The function's invocations of itself go to the Lambda Invoke
 * stand-in (test/support/lambda-invoke-stand-in.ts), whose payloads are delivered to the
 * handler as Lambda would. `BENCH_CONTINUED_SIZE` (default 10,000) sets the tree's size;
 * `BENCH_CONTINUED_INVOCATION_MINUTES` (default 15, Lambda's longest) an invocation's lifetime
 * before scaling, shorter to exercise more continuations at the same quotas.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { changed, keepingAlive, specs } from './reconciler';
import { BenchRow, formatMs } from './stats';
import { TreeEvent } from '../lambda-handlers/parameter-tree/reconciler';
import { cloudFormationStacks } from '../lambda-handlers/parameter-tree/stack-view';
import { createTreeHandler, TreeHandler } from '../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../lambda-handlers/shared/cfn-response';
import { lambdaInvoker, MINIMUM_CONTINUATION_MS, OPERATION_LIMIT_MS, OPERATION_MARGIN_MS } from '../lambda-handlers/shared/continuation';
import { DEFAULT_SAFETY_MARGIN_MS } from '../lambda-handlers/shared/custom-resource';
import { realSleep } from '../lambda-handlers/shared/retry';
import { PARAMETER_STORE_TPS, RECONCILER_ENV, TreeResourceProperties } from '../src/parameter-tree/private/contract';
import { createEvent, deleteEvent, ResponseCollector, uniquePath, updateEvent } from '../test/lambda-handlers/parameter-tree/harness';
import { LambdaInvokeStandIn } from '../test/support/lambda-invoke-stand-in';
import { startMotoServer, useOfflineAwsEnvironment } from '../test/support/moto';
import { scaledLimits, ThrottlingProxy } from '../test/support/throttling-proxy';

const SECTION = '8 continued';
/** Lambda's longest invocation. */
const LAMBDA_INVOCATION_MINUTES = 15;
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bench-tree-reconciler';

interface PhaseResult {
  readonly phase: string;
  readonly status: string;
  readonly reason?: string;
  readonly answers: number;
  readonly invocations: number;
  readonly ms: number;
  readonly calls: Record<string, { forwarded: number; throttled: number }>;
}

function positiveIntegerFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got: '${raw}'`);
  return value;
}

/** Delivers `event`, then each continuation it asks for, as Lambda would; the answers CloudFormation got. */
async function chain(
  event: TreeEvent, handler: TreeHandler, lambda: LambdaInvokeStandIn, collector: ResponseCollector, remainingMs: number,
): Promise<{ invocations: number; answers: CustomResourceResponse[] }> {
  const context = { getRemainingTimeInMillis: () => remainingMs, invokedFunctionArn: FUNCTION_ARN };
  const first = lambda.invocations.length;
  await handler(event, context);
  let invocations = 1;
  while (lambda.invocations.length >= first + invocations) {
    process.stderr.write(`bench: ${event.RequestType}: invocation ${invocations + 1} starts\n`);
    await handler(JSON.parse(lambda.invocations[first + invocations - 1].payload), context);
    invocations++;
  }
  const answers = collector.bodies.map((b) => JSON.parse(b) as CustomResourceResponse).filter((r) => r.RequestId === event.RequestId);
  return { invocations, answers };
}

function rowsOf(caseName: string, scale: number, results: PhaseResult[]): BenchRow[] {
  return results.flatMap((r): BenchRow[] => {
    const forwarded = Object.values(r.calls).reduce((sum, c) => sum + c.forwarded, 0);
    const throttled = Object.values(r.calls).reduce((sum, c) => sum + c.throttled, 0);
    const byAction = Object.entries(r.calls).filter(([, c]) => c.forwarded > 0).map(([action, c]) => `${action} ${c.forwarded}`).join(', ');
    const success = r.status === 'SUCCESS' && r.answers === 1;
    return [
      { section: SECTION, case: caseName, metric: `${r.phase}: success, one answer`, value: success ? 'yes' : 'no', note: `${r.answers} answer(s), ${r.status}${r.reason ? `: ${r.reason}` : ''}` },
      { section: SECTION, case: caseName, metric: `${r.phase}: invocations used`, value: String(r.invocations) },
      { section: SECTION, case: caseName, metric: `${r.phase}: SSM calls`, value: String(forwarded), note: `${byAction}; ${throttled} throttled answers besides` },
      { section: SECTION, case: caseName, metric: `${r.phase}: wall time, scaled back`, value: formatMs(r.ms * scale), note: `${formatMs(r.ms)} measured at ${scale}x time` },
    ];
  });
}

export async function continuedRows(): Promise<BenchRow[]> {
  const size = positiveIntegerFromEnv('BENCH_CONTINUED_SIZE', 10_000);
  const scale = positiveIntegerFromEnv('BENCH_CONTINUED_SCALE', 10);
  // Shorter invocations (before scaling) make the same quotas exercise more continuations.
  const invocationMs = positiveIntegerFromEnv('BENCH_CONTINUED_INVOCATION_MINUTES', LAMBDA_INVOCATION_MINUTES) * 60_000;
  const savedEnv = { ...process.env };
  const savedLog = console.log;
  let moto: Awaited<ReturnType<typeof startMotoServer>> | undefined;
  const collector = new ResponseCollector();
  const lambda = new LambdaInvokeStandIn();
  const quotas = scaledLimits(PARAMETER_STORE_TPS.higher, scale);
  let proxy: ThrottlingProxy | undefined;
  try {
    try {
      moto = await startMotoServer();
    } catch (err) {
      return [{ section: SECTION, case: 'all', metric: 'continued reconciler', value: 'skipped', note: `skipped: ${(err as Error).message}` }];
    }
    useOfflineAwsEnvironment(moto.endpoint);
    delete process.env[RECONCILER_ENV.CONCURRENCY]; // the handler's default
    // DescribeParameters pages of 50 as on AWS (moto returns 10): the reads each invocation starts with weigh as they would.
    proxy = new ThrottlingProxy({ target: moto.endpoint, limits: quotas, describePageSize: 50 });
    await Promise.all([collector.start(), lambda.start(), proxy.start()]);
    const kms = new KMSClient({});
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const ssm = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const handler = createTreeHandler({
      ssm,
      kms,
      // No stack of this name exists in moto: the Delete treats the tree as a whole.
      stacks: cloudFormationStacks(new CloudFormationClient({})),
      sleep: realSleep,
      quotas,
      safetyMarginMs: DEFAULT_SAFETY_MARGIN_MS / scale,
      continuation: {
        invoke: lambdaInvoker(new LambdaClient({ endpoint: lambda.endpoint, maxAttempts: 1 })),
        operationLimitMs: (OPERATION_LIMIT_MS - OPERATION_MARGIN_MS) / scale,
        minimumContinuationMs: MINIMUM_CONTINUATION_MS / scale,
      },
    });
    console.log = () => {}; // the handler's own log lines

    const original = specs(size);
    const indexes = new Set(Array.from({ length: Math.floor(size / 100) }, (_, i) => i * 100 + (i % 100)));
    const props: TreeResourceProperties = {
      Path: uniquePath('bench-continued'), KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: original, Throughput: 'higher',
    };
    const newProps = { ...props, Parameters: original.map((spec, i) => (indexes.has(i) ? changed(spec) : spec)) };
    const results: PhaseResult[] = [];
    let physicalId = '';
    const run = async (phase: string, event: () => TreeEvent) => {
      const since = Date.now();
      const started = performance.now();
      const { invocations, answers } = await chain(event(), handler, lambda, collector, invocationMs / scale);
      const ms = performance.now() - started;
      const last = answers[answers.length - 1];
      physicalId = last?.PhysicalResourceId ?? physicalId;
      results.push({ phase, status: last?.Status ?? 'no answer', reason: last?.Reason, answers: answers.length, invocations, ms, calls: proxy!.counts('main', since) });
      const calls = Object.entries(proxy!.counts('main', since)).map(([action, c]) => `${action} ${c.forwarded}`).join(', ');
      process.stderr.write(`bench: ${phase}: ${last?.Status} after ${invocations} invocation(s) in ${formatMs(ms)} (${calls})${last?.Reason ? `: ${last.Reason}` : ''}\n`);
    };
    await run('Create', () => createEvent(collector.responseUrl, props));
    await run(`Update ${indexes.size} values (1%)`, () => updateEvent(collector.responseUrl, physicalId, newProps, props));
    await run('Delete (destroy)', () => deleteEvent(collector.responseUrl, physicalId, newProps));
    ssm.destroy();
    kms.destroy();

    const lifetime = invocationMs === LAMBDA_INVOCATION_MINUTES * 60_000 ? '' : `, invocations of ${formatMs(invocationMs)}`;
    const time = scale === 1 ? 'real time' : `time scaled ${scale}x`;
    const caseName = `${size.toLocaleString('en-US')} parameters, higher throughput, ${time}${lifetime}`;
    return [
      ...rowsOf(caseName, scale, results),
      {
        section: SECTION,
        case: 'settings',
        metric: 'scaled time',
        value: '',
        note: `quotas x${scale} (${Object.entries(quotas).map(([action, tps]) => `${action} ${tps}`).join(', ')}); ` +
          `invocation ${formatMs(invocationMs / scale)}, operation limit ${formatMs((OPERATION_LIMIT_MS - OPERATION_MARGIN_MS) / scale)}, ` +
          `time kept to answer ${formatMs(DEFAULT_SAFETY_MARGIN_MS / scale)}; 4 workers; DescribeParameters pages of 50 (the stand-in joins moto's pages of 10); moto_server's latency unscaled`,
      },
    ];
  } finally {
    console.log = savedLog;
    await collector.stop();
    await lambda.stop();
    await proxy?.stop();
    if (moto) await keepingAlive(moto.stop());
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}
