/**
 * Synthesizes one stack in a fresh process and prints one JSON line of figures.
 * Usage: synth-worker <tree|baseline|empty> <parameterCount>
 * (`tree 0` is a tree without parameters: the fixed cost of the reconciler, key and log group)
 *
 * The clock starts after aws-cdk-lib and the library are loaded, so the figure is the cost of
 * building and synthesizing the stack, not of starting Node.js.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { mixedTree, parameterMix } from './parameter-mix';

type Kind = 'tree' | 'baseline' | 'empty';

function build(stack: Stack, kind: Kind, count: number): void {
  if (kind === 'empty') return;
  if (kind === 'tree') {
    mixedTree(stack, count);
    return;
  }
  const mix = parameterMix(count);
  // CloudFormation cannot create SecureStrings: the baseline writes them as Strings, which is
  // what users of ssm.StringParameter end up doing (or leaving the value out of the stack).
  mix.forEach((entry, index) => {
    const parameterName = `/bench/prod/${entry.name}`;
    if (entry.kind === 'StringList') {
      new ssm.StringListParameter(stack, `P${index}`, { parameterName, stringListValue: entry.items });
    } else {
      new ssm.StringParameter(stack, `P${index}`, { parameterName, stringValue: entry.value });
    }
  });
}

function main(): void {
  const [kind, countText] = process.argv.slice(2) as [Kind, string];
  const count = Number(countText);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const started = process.hrtime.bigint();
  let error: string | undefined;
  let resources = 0;
  let templateBytes = 0;
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
    build(stack, kind, count);
    const assembly = app.synth();
    const templateFile = path.join(assembly.directory, assembly.getStackByName('Bench').templateFile);
    templateBytes = fs.statSync(templateFile).size;
    resources = Object.keys(JSON.parse(fs.readFileSync(templateFile, 'utf8')).Resources ?? {}).length;
  } catch (err) {
    error = (err as Error).message.split('\n')[0];
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  // maxRSS is in KiB on Linux.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ kind, count, elapsedMs, peakRssBytes, resources, templateBytes, error })}\n`);
}

main();
