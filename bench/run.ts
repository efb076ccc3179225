/**
 * `npm run bench`: measures synth cost, the reconciler, handler bundles, rotation and grants, and
 * prints one table (medians of several runs, ratios against baselines measured in the same run).
 *
 * Options: `--sections 1,3` (or `--section throttled`) to run some sections only, by number or
 * name, `--runs N` (default 3), `--write <file>` to also write the table as Markdown with the
 * machine it ran on. Section 6 (throttled) runs at Parameter Store's real default quotas and takes
 * about half an hour; section 8 (continued) a 10,000-parameter tree across invocations, time
 * scaled, some minutes.
 */
import * as fs from 'fs';
import * as os from 'os';
import { bundleRows } from './bundles';
import { continuedRows } from './continued';
import { grantRows } from './grants';
import { reconcilerRows } from './reconciler';
import { rotationRows } from './rotation';
import { scaleRows } from './scale';
import { BenchRow, renderTable } from './stats';
import { synthCostRows } from './synth-cost';
import { throttledRows } from './throttled';

interface Options {
  readonly sections: Set<string>;
  readonly runs: number;
  readonly write?: string;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const sections = value('--sections') ?? value('--section') ?? Object.keys(SECTIONS).join(',');
  const runs = Number(value('--runs') ?? process.env.BENCH_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got: '${value('--runs')}'`);
  const ids = sections.split(',').map((s) => s.trim()).map((s) => SECTION_NAMES[s] ?? s);
  const unknown = ids.filter((id) => !(id in SECTIONS));
  if (unknown.length > 0) throw new Error(`--sections must name sections ${Object.keys(SECTIONS).join(', ')} or ${Object.keys(SECTION_NAMES).join(', ')}, got: '${unknown.join(',')}'`);
  return { sections: new Set(ids), runs, write: value('--write') };
}

type Section = (options: Options) => Promise<BenchRow[]> | BenchRow[];

const SECTIONS: Record<string, Section> = {
  1: (o) => synthCostRows([10, 100, 1_000, 10_000], o.runs),
  2: (o) => reconcilerRows([1_000, 10_000], o.runs),
  3: (o) => bundleRows(Math.max(o.runs, 5)),
  4: (o) => rotationRows(o.runs),
  5: () => grantRows([1, 10, 50]),
  6: () => throttledRows(),
  7: (o) => scaleRows([1_000, 10_000], o.runs),
  8: () => continuedRows(),
};

const SECTION_NAMES: Record<string, string> = {
  synth: '1', reconciler: '2', bundles: '3', rotation: '4', grants: '5', throttled: '6', scale: '7', continued: '8',
};

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node.js ${process.version}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const rows: BenchRow[] = [];
  for (const [id, section] of Object.entries(SECTIONS)) {
    if (!options.sections.has(id)) continue;
    process.stderr.write(`bench: section ${id}...\n`);
    const started = Date.now();
    rows.push(...await section(options));
    process.stderr.write(`bench: section ${id} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const table = renderTable(rows);
  process.stdout.write(`${table}\n`);
  if (options.write) {
    const header = `Machine: ${machine()}\nDate: ${new Date().toISOString().slice(0, 10)}\nRuns per figure: ${options.runs} (median; sections 6 and 8 run once)\n`;
    fs.writeFileSync(options.write, `${header}\n${table}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
