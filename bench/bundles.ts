/**
 * Section 3: each handler bundle's minified size and the time a fresh Node.js process takes to
 * load it (what a cold start pays before the handler runs).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BenchRow, formatBytes, formatMs, median } from './stats';

const ASSETS = path.join(__dirname, '..', 'assets', 'lambda-handlers');

function loadTimeMs(bundle: string): number {
  const script = 'const t=process.hrtime.bigint();require(process.argv[1]);' +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const run = spawnSync(process.execPath, ['-e', script, bundle], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`loading ${bundle} failed: ${run.stderr}`);
  return Number(run.stdout);
}

export function bundleRows(runs: number): BenchRow[] {
  if (!fs.existsSync(ASSETS)) throw new Error(`no bundles in ${ASSETS}: run "npx projen bundle" first`);
  const rows: BenchRow[] = [];
  for (const name of fs.readdirSync(ASSETS).sort()) {
    const bundle = path.join(ASSETS, name, 'index.js');
    const handler = name.replace(/\.lambda$/, '');
    rows.push({ section: '3 bundles', case: handler, metric: 'bundle bytes (minified)', value: formatBytes(fs.statSync(bundle).size) });
    const times = Array.from({ length: runs }, () => loadTimeMs(bundle));
    rows.push({ section: '3 bundles', case: handler, metric: 'load time, fresh process', value: formatMs(median(times)), note: `${runs} runs` });
  }
  return rows;
}
