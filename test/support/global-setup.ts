/**
 * Jest global setup: probes PostgreSQL, MariaDB and cfn-lint, starts moto_server on a free
 * port, and hands the results to the test workers through environment variables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { probeTcp, startMotoServer, useOfflineAwsEnvironment } from './moto';
import { MARIADB_ADMIN, POSTGRES_ADMIN, ServiceReport, SERVICES_ENV, SKIP_DIR_ENV } from './services';

export default async function globalSetup(): Promise<void> {
  const report: ServiceReport = {};

  report.postgres = await probeTcp(POSTGRES_ADMIN.host, POSTGRES_ADMIN.port);
  report.mariadb = await probeTcp(MARIADB_ADMIN.host, MARIADB_ADMIN.port);

  const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  report['cfn-lint'] = lint.status === 0
    ? { available: true, detail: lint.stdout.trim() }
    : { available: false, detail: 'cfn-lint not on PATH: pip install cfn-lint' };

  let motoEndpoint: string | undefined;
  try {
    const moto = await startMotoServer();
    (globalThis as any).__MOTO__ = moto;
    motoEndpoint = moto.endpoint;
    report.moto = { available: true, detail: moto.endpoint };
  } catch (err) {
    report.moto = { available: false, detail: (err as Error).message };
  }
  // No test may ever reach AWS, with or without moto.
  useOfflineAwsEnvironment(motoEndpoint);

  process.env[SERVICES_ENV] = JSON.stringify(report);
  process.env[SKIP_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'csc-skips-'));
}
