/**
 * Section 6 ("throttled"): the reconciler under Parameter Store's default rate limits. A tree of
 * 1,000 parameters (bench/parameter-mix.ts) is created, 10% of its values updated, and deleted
 * through the throttling stand-in (test/support/throttling-proxy.ts) at the real default quotas
 * (src/parameter-tree/private/contract.ts PARAMETER_STORE_TPS): alone, with a competing writer
 * taking 1 PutParameter per second, and alone at the higher-throughput quotas. Takes about half
 * an hour: run it alone with `npm run bench -- --section throttled`; `BENCH_THROTTLED_CASES`
 * (comma-separated: alone, competitor, higher) runs some of its cases only.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { changed, changedIndexes, keepingAlive, specs, timed } from './reconciler';
import { BenchRow, formatMs } from './stats';
import { cloudFormationStacks } from '../lambda-handlers/parameter-tree/stack-view';
import { createTreeHandler } from '../lambda-handlers/parameter-tree/tree-handler';
import { realSleep } from '../lambda-handlers/shared/retry';
import { PARAMETER_STORE_TPS, RECONCILER_ENV, TreeResourceProperties } from '../src/parameter-tree/private/contract';
import { createEvent, deleteEvent, ResponseCollector, uniquePath, updateEvent } from '../test/lambda-handlers/parameter-tree/harness';
import { startMotoServer, useOfflineAwsEnvironment } from '../test/support/moto';
import { ThrottlingProxy } from '../test/support/throttling-proxy';

const SECTION = '6 throttled';
const TREE_SIZE = 1_000;
const COMPETITOR_TPS = 1;
type Case = 'alone' | 'competitor' | 'higher';
const CASES: Case[] = ['alone', 'competitor', 'higher'];
/** A Lambda invocation's whole 15 minutes. */
const LAMBDA_CONTEXT = { getRemainingTimeInMillis: () => 900_000 };

interface PhaseResult {
  readonly phase: string;
  readonly status: string;
  readonly reason?: string;
  readonly ms: number;
  /** The action whose quota bounds the phase, and how many calls of it went through. */
  readonly limiting: string;
  readonly limitingCalls: number;
  readonly forwarded: number;
  readonly throttled: number;
}

/** Runs Create, Update 10% and Delete of one tree; the competitor, if any, runs throughout. */
async function phases(
  proxy: ThrottlingProxy,
  handler: ReturnType<typeof createTreeHandler>,
  collector: ResponseCollector,
  keyArn: string,
  throughput: 'default' | 'higher',
): Promise<PhaseResult[]> {
  const original = specs(TREE_SIZE);
  const indexes = new Set(changedIndexes(TREE_SIZE));
  const props: TreeResourceProperties = {
    Path: uniquePath('bench-throttled'),
    KeyArn: keyArn,
    RemovalPolicy: 'destroy',
    AdoptExisting: 'false',
    Tags: [{ Key: 'team', Value: 'bench' }],
    Parameters: original,
    ...(throughput === 'higher' ? { Throughput: 'higher' as const } : {}),
  };
  const newProps = { ...props, Parameters: original.map((spec, i) => (indexes.has(i) ? changed(spec) : spec)) };
  const results: PhaseResult[] = [];
  let physicalId = '';

  const run = async (phase: string, limiting: string, event: () => Parameters<typeof handler>[0]) => {
    const since = Date.now();
    const ms = await timed(() => handler(event(), LAMBDA_CONTEXT));
    const response = collector.last();
    physicalId = response.PhysicalResourceId;
    const counts = proxy.counts('main', since);
    const total = (key: 'forwarded' | 'throttled') => Object.values(counts).reduce((sum, c) => sum + c[key], 0);
    results.push({
      phase,
      status: response.Status,
      reason: response.Reason,
      ms,
      limiting,
      limitingCalls: counts[limiting]?.forwarded ?? 0,
      forwarded: total('forwarded'),
      throttled: total('throttled'),
    });
    process.stderr.write(`bench: ${phase}: ${response.Status} in ${formatMs(ms)}\n`);
  };

  await run('Create', 'PutParameter', () => createEvent(collector.responseUrl, props));
  await run(`Update ${indexes.size} values (10%)`, 'PutParameter', () => updateEvent(collector.responseUrl, physicalId, newProps, props));
  await run('Delete (destroy)', 'DeleteParameters', () => deleteEvent(collector.responseUrl, physicalId, newProps));
  return results;
}

/** Puts its own parameters at `tps`, as another tree or the application would. */
function startCompetitor(endpoint: string, tps: number): { stop: () => Promise<void> } {
  const client = new SSMClient({ endpoint, maxAttempts: 1, customUserAgent: 'competitor' });
  const path = uniquePath('bench-competitor');
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = Date.now();
      await client.send(new PutParameterCommand({ Name: `${path}/p-${i % 50}`, Value: String(i), Type: 'String', Overwrite: true })).catch(() => undefined);
      await realSleep(Math.max(0, 1000 / tps - (Date.now() - started)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      client.destroy();
    },
  };
}

function rowsOf(caseName: string, results: PhaseResult[], competitorTps: number, quotas: Record<string, number>): BenchRow[] {
  return results.flatMap((r): BenchRow[] => {
    const ceiling = quotas[r.limiting];
    const rate = r.limitingCalls / (r.ms / 1000);
    const share = r.limiting === 'PutParameter' && competitorTps > 0
      ? `; ${(rate / (ceiling - competitorTps)).toFixed(2)} of the ${ceiling - competitorTps} TPS the competitor leaves`
      : '';
    return [
      { section: SECTION, case: caseName, metric: `${r.phase}: success`, value: r.status === 'SUCCESS' ? 'yes' : 'no', note: r.reason ?? '' },
      { section: SECTION, case: caseName, metric: `${r.phase}: wall time`, value: formatMs(r.ms) },
      {
        section: SECTION,
        case: caseName,
        metric: `${r.phase}: achieved ${r.limiting} rate / ceiling`,
        value: (rate / ceiling).toFixed(2),
        note: `${r.limitingCalls} calls in ${formatMs(r.ms)} = ${rate.toFixed(2)} TPS against ${ceiling} TPS${share}`,
      },
      {
        section: SECTION,
        case: caseName,
        metric: `${r.phase}: throttled answers per successful call`,
        value: (r.throttled / Math.max(1, r.forwarded)).toFixed(3),
        note: `${r.throttled} throttled, ${r.forwarded} went through (all actions of the reconciler)`,
      },
    ];
  });
}

function casesFromEnv(): Case[] {
  const raw = process.env.BENCH_THROTTLED_CASES;
  if (!raw) return CASES;
  const cases = raw.split(',').map((c) => c.trim());
  const unknown = cases.filter((c) => !CASES.includes(c as Case));
  if (unknown.length > 0) throw new Error(`BENCH_THROTTLED_CASES must list ${CASES.join(', ')}, got: '${raw}'`);
  return cases as Case[];
}

export async function throttledRows(): Promise<BenchRow[]> {
  const savedEnv = { ...process.env };
  const savedLog = console.log;
  const cases = casesFromEnv();
  let moto: Awaited<ReturnType<typeof startMotoServer>> | undefined;
  const collector = new ResponseCollector();
  try {
    try {
      moto = await startMotoServer();
    } catch (err) {
      return [{ section: SECTION, case: 'all', metric: 'throttled reconciler', value: 'skipped', note: `skipped: ${(err as Error).message}` }];
    }
    useOfflineAwsEnvironment(moto.endpoint);
    delete process.env[RECONCILER_ENV.CONCURRENCY]; // the handler's default
    await collector.start();
    const kms = new KMSClient({});
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const size = TREE_SIZE.toLocaleString('en-US');
    console.log = () => {}; // the handler's own log lines

    const rows: BenchRow[] = [];
    for (const benchCase of cases) {
      const throughput = benchCase === 'higher' ? 'higher' : 'default';
      const quotas = PARAMETER_STORE_TPS[throughput];
      const proxy = new ThrottlingProxy({ target: moto.endpoint, limits: quotas });
      await proxy.start();
      // The deployed handler's settings: no SDK retries, the real clock, the setting's quotas.
      const ssm = new SSMClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
      // No stack of this name exists in moto: the Delete treats the tree as a whole.
      const handler = createTreeHandler({ ssm, kms, stacks: cloudFormationStacks(new CloudFormationClient({})), sleep: realSleep });
      const competitor = benchCase === 'competitor' ? startCompetitor(proxy.endpoint, COMPETITOR_TPS) : undefined;
      try {
        process.stderr.write(`bench: ${benchCase}\n`);
        const results = await phases(proxy, handler, collector, keyArn, throughput);
        const caseName = benchCase === 'competitor'
          ? `${size} parameters, default throughput, competing writer at ${COMPETITOR_TPS} TPS`
          : `${size} parameters, ${throughput} throughput, alone`;
        rows.push(...rowsOf(caseName, results, competitor ? COMPETITOR_TPS : 0, quotas));
      } finally {
        await competitor?.stop();
        ssm.destroy();
        await proxy.stop();
      }
    }
    for (const throughput of ['default', 'higher'] as const) {
      rows.push({
        section: SECTION,
        case: 'settings',
        metric: `quotas of the stand-in, ${throughput} throughput (TPS)`,
        value: '',
        note: Object.entries(PARAMETER_STORE_TPS[throughput]).map(([action, tps]) => `${action} ${tps}`).join(', ') +
          '; buckets hold one second of calls; moto_server on loopback, so the figures are pacing, not AWS latency',
      });
    }
    return rows;
  } finally {
    console.log = savedLog;
    await collector.stop();
    if (moto) await keepingAlive(moto.stop());
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}
