/**
 * Section 1: what a SecureParameterTree costs at synth, beside the same parameters as
 * aws-cdk-lib `ssm.StringParameter` / `StringListParameter` resources, measured in the same run.
 */
import { BenchRow, formatBytes, formatMs, median, ratio } from './stats';
import { runWorker } from './worker';

interface SynthFigures {
  readonly kind: 'tree' | 'baseline' | 'empty';
  readonly count: number;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
  readonly resources: number;
  readonly templateBytes: number;
  readonly error?: string;
}

/** CloudFormation's limits for one stack. */
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1024 * 1024;

function measure(kind: SynthFigures['kind'], count: number, runs: number): SynthFigures & { runs: SynthFigures[] } {
  const all = Array.from({ length: runs }, () => runWorker<SynthFigures>('synth-worker.ts', [kind, String(count)]));
  const first = all[0];
  return {
    ...first,
    elapsedMs: median(all.map((r) => r.elapsedMs)),
    peakRssBytes: median(all.map((r) => r.peakRssBytes)),
    runs: all,
  };
}

function deployability(figures: SynthFigures): string {
  if (figures.error) return `does not synthesize: ${figures.error}`;
  const problems: string[] = [];
  if (figures.resources > MAX_RESOURCES) problems.push(`${figures.resources} resources > ${MAX_RESOURCES}`);
  if (figures.templateBytes > MAX_TEMPLATE_BYTES) problems.push(`template ${formatBytes(figures.templateBytes)} > 1 MB`);
  return problems.length ? `cannot deploy as one stack: ${problems.join(', ')}` : 'deploys as one stack';
}

export function synthCostRows(sizes: number[], runs: number): BenchRow[] {
  const rows: BenchRow[] = [];
  const section = '1 synth';
  const empty = measure('empty', 0, runs);
  const emptyTree = measure('tree', 0, runs);
  rows.push({ section, case: 'empty stack', metric: 'synth wall time', value: formatMs(empty.elapsedMs) });
  rows.push({ section, case: 'empty stack', metric: 'peak RSS', value: formatBytes(empty.peakRssBytes), note: 'includes loading aws-cdk-lib' });
  rows.push({
    section,
    case: 'tree of 0 parameters',
    metric: 'synth wall time',
    value: formatMs(emptyTree.elapsedMs),
    note: `fixed cost of a tree (reconciler, key, log group): ${emptyTree.resources} resources`,
  });

  for (const size of sizes) {
    const tree = measure('tree', size, runs);
    const baseline = measure('baseline', size, runs);
    const caseName = `${size.toLocaleString('en-US')} parameters`;
    // Marginal cost: above a tree of 0 parameters for the tree, above an empty stack for the baseline.
    const marginal = (figures: SynthFigures) =>
      (figures.elapsedMs - (figures.kind === 'tree' ? emptyTree.elapsedMs : empty.elapsedMs)) / size;
    const baselineOk = !baseline.error;

    rows.push({
      section,
      case: caseName,
      metric: 'synth wall time (tree)',
      value: formatMs(tree.elapsedMs),
      vsBaseline: baselineOk ? ratio(tree.elapsedMs, baseline.elapsedMs) : '',
      note: baselineOk ? `baseline ${formatMs(baseline.elapsedMs)}` : `baseline: ${deployability(baseline)}`,
    });
    rows.push({
      section,
      case: caseName,
      metric: 'marginal synth time per parameter',
      value: formatMs(marginal(tree)),
      vsBaseline: baselineOk ? ratio(marginal(tree), marginal(baseline)) : '',
      note: baselineOk ? `baseline ${formatMs(marginal(baseline))}` : '',
    });
    rows.push({
      section,
      case: caseName,
      metric: 'peak RSS (tree)',
      value: formatBytes(tree.peakRssBytes),
      vsBaseline: baselineOk ? ratio(tree.peakRssBytes, baseline.peakRssBytes) : '',
      note: `${formatBytes(Math.max(0, tree.peakRssBytes - empty.peakRssBytes))} above the empty stack`,
    });
    rows.push({
      section,
      case: caseName,
      metric: 'CloudFormation resources (tree)',
      value: String(tree.resources),
      vsBaseline: baselineOk ? ratio(tree.resources, baseline.resources) : '',
      note: baselineOk ? `baseline ${baseline.resources}` : '',
    });
    rows.push({
      section,
      case: caseName,
      metric: 'template bytes (tree)',
      value: formatBytes(tree.templateBytes),
      vsBaseline: baselineOk ? ratio(tree.templateBytes, baseline.templateBytes) : '',
      note: `tree: ${deployability(tree)}; baseline: ${baselineOk ? `${formatBytes(baseline.templateBytes)}, ${deployability(baseline)}` : deployability(baseline)}`,
    });
  }
  const probe = measure('baseline', 100, 1);
  const perParameter = probe.resources / 100;
  rows.push({
    section,
    case: 'baseline limit',
    metric: 'most parameters in one stack',
    value: String(Math.floor(MAX_RESOURCES / perParameter)),
    note: `ssm.StringParameter costs ${perParameter} resource per parameter; CloudFormation allows ${MAX_RESOURCES} per stack (CDK refuses to synthesize more)`,
  });
  return rows;
}
