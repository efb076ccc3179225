/**
 * Measures (asserts nothing) how long the reconciler takes to Create a tree of 100 parameters
 * (String, StringList, Generated) against moto_server, then a repeated Create that writes
 * nothing, then a destroying Delete. Prints a table.
 *
 *   npx ts-node -P test/tsconfig.json --transpile-only test/lambda-handlers/parameter-tree/bench-create-100.ts [concurrency...]
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { context, createEvent, deleteEvent, motoClients, ResponseCollector, uniquePath } from './harness';
import { createTreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { ParameterKind, ParameterSpec, TreeResourceProperties } from '../../../src/private/parameter-tree-contract';
import { startMotoServer } from '../../support/moto';

const PARAMETER_COUNT = 100;

function parametersOfMixedKinds(): ParameterSpec[] {
  return Array.from({ length: PARAMETER_COUNT }, (_, i): ParameterSpec => {
    const base = { Name: `group${i % 10}/param${i}`, Tier: 'Standard' as const, Description: '' };
    switch (i % 3) {
      case 0: return { ...base, Kind: ParameterKind.STRING, Value: `value-${i}` };
      case 1: return { ...base, Kind: ParameterKind.STRING_LIST, Value: `a${i},b${i},c${i}` };
      default: return { ...base, Kind: ParameterKind.GENERATED, Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' } };
    }
  });
}

async function timed(action: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const concurrencies = process.argv.slice(2).map(Number);
  const moto = await startMotoServer();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  const collector = new ResponseCollector();
  await collector.start();
  console.log = () => {}; // the handler's own log lines
  const report = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { ssm, kms } = motoClients();
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    report('| concurrency | Create 100 (ms) | repeated Create, no writes (ms) | Delete, destroy (ms) |');
    report('| --- | --- | --- | --- |');
    for (const concurrency of concurrencies.length ? concurrencies : [1, 4, 8]) {
      const handler = createTreeHandler({ ssm, kms, sleep: async () => {}, concurrency });
      const props: TreeResourceProperties = {
        Path: uniquePath('bench'), KeyArn: keyArn, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [{ Key: 'team', Value: 'bench' }], Parameters: parametersOfMixedKinds(),
      };
      const create = createEvent(collector.responseUrl, props);
      const createMs = await timed(() => handler(create, context));
      const created = collector.last();
      if (created.Status !== 'SUCCESS') throw new Error(`Create failed: ${created.Reason}`);
      const repeatMs = await timed(() => handler(createEvent(collector.responseUrl, props), context));
      const deleteMs = await timed(() => handler(deleteEvent(collector.responseUrl, created.PhysicalResourceId, props), context));
      if (collector.last().Status !== 'SUCCESS') throw new Error('Delete failed');
      report(`| ${concurrency} | ${createMs.toFixed(0)} | ${repeatMs.toFixed(0)} | ${deleteMs.toFixed(0)} |`);
    }
  } finally {
    await collector.stop();
    await moto.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error}\n`);
  process.exitCode = 1;
});
