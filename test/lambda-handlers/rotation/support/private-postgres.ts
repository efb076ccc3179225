/**
 * A throwaway PostgreSQL cluster with SCRAM password authentication.
 *
 * The machine's shared server trusts every login from 127.0.0.1, so it cannot tell a right
 * password from a wrong one; the rotation tests need a server that can. This starts one from the
 * same binaries on a free port (as the `postgres` OS user when run as root, since initdb refuses
 * root), with TLS on and a self-signed certificate that no client trusts.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../../support/moto';

export interface PrivatePostgres {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly superuserPassword: string;
  stop(): void;
}

function findBinDir(): string {
  if (process.env.CSC_PG_BINDIR) return process.env.CSC_PG_BINDIR;
  const configured = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (configured.status === 0 && fs.existsSync(path.join(configured.stdout.trim(), 'initdb'))) {
    return configured.stdout.trim();
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql or set CSC_PG_BINDIR');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]] : [path.join(bin, command), args];
    execFileSync(file, argv, { stdio: 'pipe' });
  };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csc-pg-'));
  const data = path.join(dir, 'data');
  const password = crypto.randomBytes(18).toString('base64url');
  fs.writeFileSync(path.join(dir, 'pwfile'), password);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', path.join(dir, 'server.key'), '-out', path.join(dir, 'server.crt')], { stdio: 'pipe' });
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);

  run('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${path.join(dir, 'pwfile')}`, '--no-sync']);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c ssl=on',
    `-c ssl_cert_file=${path.join(dir, 'server.crt')}`, `-c ssl_key_file=${path.join(dir, 'server.key')}`, '-c fsync=off'].join(' ');
  run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);

  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superuserPassword: password,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
