/**
 * Section 2: the parameter-tree reconciler against moto_server. For trees of 1,000 and 10,000
 * parameters (the realistic mix of bench/parameter-mix.ts): the time to Create the tree, to Update
 * 1% and then 10% of its values, to Update its set of names (0.5% removed, as many added), and to
 * Delete it (RemovalPolicy destroy), with the SSM calls made in all and per parameter changed.
 * Starts its own moto_server and stops it; the Delete removes what it created.
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

type Phase = 'create' | 'update1' | 'update10' | 'names' | 'delete';
const PHASES: Phase[] = ['create', 'update1', 'update10', 'names', 'delete'];

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
 * Indexes of the share to change (one in `every`: 10 for 10%): one per block, at a position that
 * moves through the block so the changed set has Strings, StringLists and generated secrets in
 * about the tree's proportions.
 */
export function changedIndexes(count: number, every = 10): number[] {
  return Array.from({ length: Math.floor(count / every) }, (_, block) => block * every + (block % every));
}

/** One in 200 names removed (0.5%), and as many new String parameters added. */
function withNamesChanged(specsBefore: readonly ParameterSpec[]): { specs: ParameterSpec[]; removed: number; added: number } {
  const kept = specsBefore.filter((_, index) => index % 200 !== 100);
  const removed = specsBefore.length - kept.length;
  const added = Array.from({ length: removed }, (_, i): ParameterSpec =>
    ({ Name: `added/p${i}`, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: `added-${i}` }));
  return { specs: [...kept, ...added], removed, added: added.length };
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
      const figures: Record<Phase, PhaseFigures[]> = { create: [], update1: [], update10: [], names: [], delete: [] };
      const original = specs(size);
      const onePercent = changedIndexes(size, 100);
      const tenPercent = changedIndexes(size, 10);
      const afterOne = original.map((spec, index) => (onePercent.includes(index) ? changed(spec) : spec));
      const afterTen = afterOne.map((spec, index) => (tenPercent.includes(index) ? changed(spec) : spec));
      const renamed = withNamesChanged(afterTen);

      for (let run = 0; run < runs; run++) {
        const props: TreeResourceProperties = {
          Path: uniquePath('bench'),
          KeyArn: keyArn,
          RemovalPolicy: 'destroy',
          AdoptExisting: 'false',
          Tags: [{ Key: 'team', Value: 'bench' }],
          Parameters: original,
        };
        const expectSuccess = (phase: Phase) => {
          const response = collector.last();
          if (response.Status !== 'SUCCESS') throw new Error(`${phase} of ${size} parameters failed: ${response.Reason}`);
          return response;
        };
        console.log = () => {}; // the handler's own log lines
        try {
          counter.take();
          const createMs = await timed(() => handler(createEvent(collector.responseUrl, props), context));
          let physicalId = expectSuccess('create').PhysicalResourceId;
          figures.create.push({ ms: createMs, byCommand: counter.take() });

          // Each Update starts from what the one before deployed, as CloudFormation's events do.
          let deployed = props;
          for (const [phase, parameters] of [['update1', afterOne], ['update10', afterTen], ['names', renamed.specs]] as const) {
            const next: TreeResourceProperties = { ...props, Parameters: parameters };
            const ms = await timed(() => handler(updateEvent(collector.responseUrl, physicalId, next, deployed), context));
            physicalId = expectSuccess(phase).PhysicalResourceId;
            figures[phase].push({ ms, byCommand: counter.take() });
            deployed = next;
          }

          const deleteMs = await timed(() => handler(deleteEvent(collector.responseUrl, physicalId, deployed), context));
          expectSuccess('delete');
          figures.delete.push({ ms: deleteMs, byCommand: counter.take() });
        } finally {
          console.log = savedLog;
        }
      }

      const caseName = `${size.toLocaleString('en-US')} parameters`;
      const kindsOf = (indexes: number[]) => {
        const count = (kind: ParameterKind) => indexes.filter((index) => original[index].Kind === kind).length;
        return `; changed: ${count(ParameterKind.STRING)} String, ${count(ParameterKind.STRING_LIST)} StringList, ` +
          `${count(ParameterKind.GENERATED)} generated (Generation bumped)`;
      };
      const changedOf: Record<Phase, number> = {
        create: size, update1: onePercent.length, update10: tenPercent.length, names: renamed.removed + renamed.added, delete: size,
      };
      const label: Record<Phase, string> = {
        create: 'Create',
        update1: `Update ${onePercent.length} values (1%)`,
        update10: `Update ${tenPercent.length} values (10%)`,
        names: `Update names (${renamed.removed} removed, ${renamed.added} added)`,
        delete: 'Delete (destroy)',
      };
      const noteOf: Partial<Record<Phase, string>> = {
        update1: kindsOf(onePercent),
        update10: kindsOf(tenPercent),
        names: '; the removed parameters are marked for the cleanup Delete (AddTagsToResource); the unchanged ones are neither read nor written',
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
          note: `${calls} calls / ${changedOf[phase]} parameters: ${breakdown}${noteOf[phase] ?? ''}`,
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
