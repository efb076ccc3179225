/**
 * Starts and stops `moto_server` (Python's AWS emulator) on a free loopback port.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import type { ServiceStatus } from './services';

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function probeTcp(host: string, port: number, timeoutMs = 2_000): Promise<ServiceStatus> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (status: ServiceStatus) => {
      socket.destroy();
      resolve(status);
    };
    socket.setTimeout(timeoutMs, () => done({ available: false, detail: `no answer on ${host}:${port}` }));
    socket.once('connect', () => done({ available: true, detail: `${host}:${port}` }));
    socket.once('error', (err) => done({ available: false, detail: `${host}:${port}: ${err.message}` }));
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before serving`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not serve ${endpoint} within ${deadlineMs} ms`);
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's own server, one request at a time (see serialized_moto_server.py for why).
  const child = spawn('python3', [path.join(__dirname, 'serialized_moto_server.py'), '127.0.0.1', String(port)], {
    stdio: 'ignore',
    detached: false,
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`moto_server could not start (${err.message}): python3 -m pip install "moto[server]"`)));
  });
  await Promise.race([waitUntilServing(endpoint, child, 30_000), spawnError]);
  child.unref();
  return {
    endpoint,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // Referenced again while we wait: with nothing else pending, an unreferenced child lets
      // node end the process before 'exit' fires, and jest's exit code (a failed run's 1) is lost.
      child.ref();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Gives every AWS SDK client made from now on dummy credentials and a fixed region, pointed at
 * moto_server when its endpoint is given (SDK v3 reads AWS_ENDPOINT_URL): nothing can reach AWS.
 */
export function useOfflineAwsEnvironment(motoEndpoint?: string): void {
  if (motoEndpoint) process.env.AWS_ENDPOINT_URL = motoEndpoint;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
  });
  delete process.env.AWS_PROFILE;
}

/** Resets every emulated service to empty; tests that need a clean account call it. */
export async function resetMoto(): Promise<void> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: moto_server is not running');
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
