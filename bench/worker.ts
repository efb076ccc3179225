/** Runs a TypeScript benchmark worker in a fresh Node.js process and parses its JSON line. */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

export function runWorker<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}): T {
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json'), ...env },
  });
  if (run.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  }
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
