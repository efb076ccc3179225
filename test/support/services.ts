/**
 * Which external services the tests may use, and what a suite does when one is missing.
 *
 * The jest global setup probes every service once and publishes the result in
 * `CSC_SERVICES` (JSON). A suite that needs a missing service is skipped with a
 * `SKIPPED: <suite>: <reason>` line in the summary; with `CI=true` it fails instead.
 */
import * as fs from 'fs';
import * as path from 'path';

export type ServiceName = 'moto' | 'postgres' | 'mariadb' | 'cfn-lint';

export interface ServiceStatus {
  readonly available: boolean;
  /** Why it is not available, or how it was reached. */
  readonly detail: string;
}

export type ServiceReport = Partial<Record<ServiceName, ServiceStatus>>;

export const SERVICES_ENV = 'CSC_SERVICES';
export const SKIP_DIR_ENV = 'CSC_SKIP_DIR';

/** Connection settings, overridable for machines where the services live elsewhere. */
export const POSTGRES_ADMIN = {
  host: process.env.CSC_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.CSC_PG_PORT ?? 5432),
  user: process.env.CSC_PG_USER ?? 'postgres',
  password: process.env.CSC_PG_PASSWORD ?? '',
  database: process.env.CSC_PG_DATABASE ?? 'postgres',
};
export const MARIADB_ADMIN = {
  host: process.env.CSC_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.CSC_MYSQL_PORT ?? 3306),
  user: process.env.CSC_MYSQL_USER ?? 'root',
  password: process.env.CSC_MYSQL_PASSWORD ?? '',
};

export function serviceReport(): ServiceReport {
  const raw = process.env[SERVICES_ENV];
  if (!raw) {
    throw new Error(`${SERVICES_ENV} is not set: run the tests through jest with the project's global setup`);
  }
  return JSON.parse(raw) as ServiceReport;
}

export function missingServices(needed: ServiceName[]): string[] {
  const report = serviceReport();
  return needed
    .filter((name) => !report[name]?.available)
    .map((name) => `${name} (${report[name]?.detail ?? 'not probed'})`);
}

function recordSkip(suite: string, reason: string): void {
  const dir = process.env[SKIP_DIR_ENV];
  if (!dir) return;
  const file = path.join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ suite, reason }));
}

/**
 * `describe` for a suite that needs real services. Missing services skip it with a
 * SKIPPED line, or fail it when `CI=true`.
 */
export function describeWithServices(needed: ServiceName[], suite: string, body: () => void): void {
  const missing = missingServices(needed);
  if (missing.length === 0) {
    describe(suite, body);
    return;
  }
  const reason = `missing ${missing.join(', ')}`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(suite, () => {
      test('has the services it needs', () => {
        throw new Error(`${suite}: ${reason}. CI must provide every service (see .ci/run).`);
      });
    });
    return;
  }
  recordSkip(suite, reason);
  describe.skip(suite, body);
}
