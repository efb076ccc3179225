/**
 * Section 2: the parameter-tree reconciler against moto_server. For trees of 100 and 1,000
 * parameters (the realistic mix of bench/parameter-mix.ts): the time to Create the tree, to Update
 * 10% of its values, and to Delete it (RemovalPolicy destroy), with the SSM calls made per
 * parameter changed. Starts its own moto_server and stops it; the Delete removes what it created.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parameterMix } from './parameter-mix';
import { BenchRow, formatMs, median } from './stats';
import { cloudFormationStacks } from '../lambda-handlers/parameter-tree/stack-view';
import { createTreeHandler } from '../lambda-handlers/parameter-tree/tree-handler';
import {
  DEFAULT_RECONCILER_CONCURRENCY, ParameterKind, ParameterSpec, RECONCILER_ENV, TreeResourceProperties,
} from '../src/parameter-tree/private/contract';
import {
  context, createEvent, deleteEvent, ResponseCollector, uniquePath, updateEvent,
} from '../test/lambda-handlers/parameter-tree/harness';
import { startMotoServer, useOfflineAwsEnvironment } from '../test/support/moto';

type Phase = 'create' | 'update' | 'delete';
const PHASES: Phase[] = ['create', 'update', 'delete'];

interface PhaseFigures {
  readonly ms: number;
  readonly byCommand: Record<string, number>;
}

/** Counts every SSM command sent through the client (retries made by the reconciler included). */
class CallCounter {
  public byCommand: Record<string, number> = {};

  public attach(ssm: SSMClient): void {
    ssm.middlewareStack.add((next, ctx) => async (args) => {
      const name = (ctx.commandName ?? 'unknown').replace(/Command$/, '');
      this.byCommand[name] = (this.byCommand[name] ?? 0) + 1;
      return next(args);
    }, { step: 'initialize', name: 'benchCounter' });
  }

  public take(): Record<string, number> {
    const taken = this.byCommand;
    this.byCommand = {};
    return taken;
  }
}

export function specs(count: number): ParameterSpec[] {
  return parameterMix(count).map((entry): ParameterSpec => {
    const base = { Name: entry.name, Tier: 'Standard' as const, Description: '' };
    switch (entry.kind) {
      case 'String': return { ...base, Kind: ParameterKind.STRING, Value: entry.value };
      case 'StringList': return { ...base, Kind: ParameterKind.STRING_LIST, Value: entry.items.join(',') };
      default: return {
        ...base,
        Kind: ParameterKind.GENERATED,
        Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' },
      };
    }
  });
}

/**
 * Indexes of the 10% to change: one per block of ten, at a position that moves through the block
 * so the changed set has Strings, StringLists and generated secrets in about the tree's proportions.
 */
export function changedIndexes(count: number): number[] {
  return Array.from({ length: Math.floor(count / 10) }, (_, block) => block * 10 + (block % 10));
}

export function changed(spec: ParameterSpec): ParameterSpec {
  switch (spec.Kind) {
    case ParameterKind.GENERATED:
      return { ...spec, Generator: { ...spec.Generator!, Generation: String(Number(spec.Generator!.Generation) + 1) } };
    case ParameterKind.STRING_LIST:
      return { ...spec, Value: `${spec.Value},changed.example.com` };
    default:
      return { ...spec, Value: `${spec.Value}?changed=1` };
  }
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

export async function timed(action: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Awaits `promise` with a timer holding the event loop open: moto_server's process is unref'd,
 * so waiting for its exit alone would let Node.js end before the benchmark prints its table.
 */
export async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1_000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

export async function reconcilerRows(sizes: number[], runs: number): Promise<BenchRow[]> {
  const section = '2 reconciler';
  const savedEnv = { ...process.env };
  const savedLog = console.log;
  let moto: Awaited<ReturnType<typeof startMotoServer>> | undefined;
  const collector = new ResponseCollector();
  let collecting = false;
  try {
    try {
      moto = await startMotoServer();
    } catch (err) {
      return [{ section, case: 'all', metric: 'reconciler', value: 'skipped', note: `skipped: ${(err as Error).message}` }];
    }
    useOfflineAwsEnvironment(moto.endpoint);
    delete process.env[RECONCILER_ENV.CONCURRENCY]; // the handler's default
    await collector.start();
    collecting = true;
    const ssm = new SSMClient({});
    const kms = new KMSClient({});
    const counter = new CallCounter();
    counter.attach(ssm);
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    // No stack of this name exists in moto: every Delete treats the tree as a whole.
    const handler = createTreeHandler({ ssm, kms, stacks: cloudFormationStacks(new CloudFormationClient({})), sleep: async () => {} });

    const rows: BenchRow[] = [];
    for (const size of sizes) {
      const figures: Record<Phase, PhaseFigures[]> = { create: [], update: [], delete: [] };
      const indexes = changedIndexes(size);
      const original = specs(size);
      const updated = original.map((spec, index) => (indexes.includes(index) ? changed(spec) : spec));
      const changedKinds = indexes.map((index) => original[index].Kind);

      for (let run = 0; run < runs; run++) {
        const props: TreeResourceProperties = {
          Path: uniquePath('bench'),
          KeyArn: keyArn,
          RemovalPolicy: 'destroy',
          AdoptExisting: 'false',
          Tags: [{ Key: 'team', Value: 'bench' }],
          Parameters: original,
        };
        const newProps: TreeResourceProperties = { ...props, Parameters: updated };
        const expectSuccess = (phase: Phase) => {
          const response = collector.last();
          if (response.Status !== 'SUCCESS') throw new Error(`${phase} of ${size} parameters failed: ${response.Reason}`);
          return response;
        };
        console.log = () => {}; // the handler's own log lines
        try {
          counter.take();
          const createMs = await timed(() => handler(createEvent(collector.responseUrl, props), context));
          const physicalId = expectSuccess('create').PhysicalResourceId;
          figures.create.push({ ms: createMs, byCommand: counter.take() });

          const updateMs = await timed(() => handler(updateEvent(collector.responseUrl, physicalId, newProps, props), context));
          const updatedId = expectSuccess('update').PhysicalResourceId;
          figures.update.push({ ms: updateMs, byCommand: counter.take() });

          const deleteMs = await timed(() => handler(deleteEvent(collector.responseUrl, updatedId, newProps), context));
          expectSuccess('delete');
          figures.delete.push({ ms: deleteMs, byCommand: counter.take() });
        } finally {
          console.log = savedLog;
        }
      }

      const caseName = `${size.toLocaleString('en-US')} parameters`;
      const kindCount = (kind: ParameterKind) => changedKinds.filter((k) => k === kind).length;
      const changedOf: Record<Phase, number> = { create: size, update: indexes.length, delete: size };
      const label: Record<Phase, string> = {
        create: 'Create',
        update: `Update ${indexes.length} values (10%)`,
        delete: 'Delete (destroy)',
      };
      for (const phase of PHASES) {
        const all = figures[phase];
        const calls = median(all.map((f) => sum(f.byCommand)));
        // The breakdown of the run whose total is the median (or the first).
        const typical = all.find((f) => sum(f.byCommand) === calls) ?? all[0];
        const breakdown = Object.entries(typical.byCommand).sort(([, a], [, b]) => b - a).map(([name, n]) => `${name} ${n}`).join(', ');
        rows.push({ section, case: caseName, metric: `${label[phase]}: wall time`, value: formatMs(median(all.map((f) => f.ms))) });
        rows.push({
          section,
          case: caseName,
          metric: `${label[phase]}: SSM calls per parameter changed`,
          value: (calls / changedOf[phase]).toFixed(2),
          note: `${calls} calls / ${changedOf[phase]} parameters: ${breakdown}` +
            (phase === 'update'
              ? `; changed: ${kindCount(ParameterKind.STRING)} String, ${kindCount(ParameterKind.STRING_LIST)} StringList, ` +
                `${kindCount(ParameterKind.GENERATED)} generated (Generation bumped)`
              : ''),
        });
      }
    }
    rows.push({
      section,
      case: 'settings',
      metric: 'concurrency',
      value: String(DEFAULT_RECONCILER_CONCURRENCY),
      note: 'handler default; moto_server on loopback, so the figures are the reconciler\'s own work plus moto, not AWS latency',
    });
    return rows;
  } finally {
    console.log = savedLog;
    if (collecting) await collector.stop();
    if (moto) await keepingAlive(moto.stop());
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}
