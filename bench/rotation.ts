/**
 * Section 4: one full rotation (createSecret, setSecret, testSecret, finishSecret) per engine and
 * strategy against local servers: Secrets Manager on moto_server, a throwaway PostgreSQL with real
 * password authentication, and MariaDB on 127.0.0.1:3306 (also standing in for MySQL). Wall time
 * and the database round trips counted by the adapter. Every database, user, server and secret it
 * makes is removed at the end; a missing server gives "skipped" rows.
 */
import { randomUUID } from 'crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { keepingAlive } from './reconciler';
import { BenchRow, formatMs, median } from './stats';
import { createRotationHandler } from '../lambda-handlers/rotation/handler';
import { ROTATION_STEPS, RoundTripCounter } from '../lambda-handlers/rotation/types';
import { SecretEngine } from '../src/rotation/private/contract';
import type * as Engines from '../test/lambda-handlers/rotation/support/engines';
import type * as PrivatePostgresModule from '../test/lambda-handlers/rotation/support/private-postgres';
import type * as Secrets from '../test/lambda-handlers/rotation/support/secrets';
import { MotoServer, probeTcp, startMotoServer, useOfflineAwsEnvironment } from '../test/support/moto';
import { MARIADB_ADMIN } from '../test/support/services';

type Strategy = 'single user' | 'alternating users';
const STRATEGIES: Strategy[] = ['single user', 'alternating users'];
const ENGINES = ['postgres', 'mariadb', 'mysql (on MariaDB)'] as const;
type EngineName = typeof ENGINES[number];

const SECTION = '4 rotation';

interface RotationFigures {
  readonly ms: number;
  readonly connections: number;
  readonly statements: number;
}

function skippedRows(engine: string, reason: string): BenchRow[] {
  return STRATEGIES.map((strategy) => ({
    section: SECTION, case: `${engine}, ${strategy}`, metric: 'one full rotation', value: 'skipped', note: `skipped: ${reason}`,
  }));
}

export async function rotationRows(runs: number): Promise<BenchRow[]> {
  const savedEnv = { ...process.env };
  let moto: MotoServer | undefined;
  let privatePostgres: PrivatePostgresModule.PrivatePostgres | undefined;
  const started: Engines.EngineFixture[] = [];
  try {
    try {
      moto = await startMotoServer();
    } catch (err) {
      return ENGINES.flatMap((engine) => skippedRows(engine, `moto_server: ${(err as Error).message}`));
    }
    useOfflineAwsEnvironment(moto.endpoint);
    // Loaded once the environment points at moto: secrets.ts makes its client when loaded.
    // (require, not import(): the bench runs as CommonJS under ts-node, where import() stays an ES import)
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { MariaDbFixture, PostgresFixture, secretFor } = require('../test/lambda-handlers/rotation/support/engines') as typeof Engines;
    const { startPrivatePostgres } = require('../test/lambda-handlers/rotation/support/private-postgres') as typeof PrivatePostgresModule;
    const { beginRotation, bridge, createDbSecret } = require('../test/lambda-handlers/rotation/support/secrets') as typeof Secrets;
    /* eslint-enable @typescript-eslint/no-require-imports */

    const fixtures: Partial<Record<EngineName, Engines.EngineFixture>> = {};
    const unavailable: Partial<Record<EngineName, string>> = {};
    try {
      privatePostgres = await startPrivatePostgres();
      fixtures.postgres = new PostgresFixture(privatePostgres);
    } catch (err) {
      unavailable.postgres = `PostgreSQL: ${(err as Error).message.split('\n')[0]}`;
    }
    const mariadb = await probeTcp(MARIADB_ADMIN.host, MARIADB_ADMIN.port);
    if (mariadb.available) {
      fixtures.mariadb = new MariaDbFixture(SecretEngine.MARIADB);
      fixtures['mysql (on MariaDB)'] = new MariaDbFixture(SecretEngine.MYSQL);
    } else {
      unavailable.mariadb = `MariaDB: ${mariadb.detail}`;
      unavailable['mysql (on MariaDB)'] = `MariaDB: ${mariadb.detail}`;
    }

    const secretsManager = bridge(new SecretsManagerClient({}));
    const rows: BenchRow[] = [];
    for (const engine of ENGINES) {
      const fixture = fixtures[engine];
      if (!fixture) {
        rows.push(...skippedRows(engine, unavailable[engine] ?? 'not available'));
        continue;
      }
      try {
        await fixture.start();
        started.push(fixture);
      } catch (err) {
        rows.push(...skippedRows(engine, `could not create the master user: ${(err as Error).message.split('\n')[0]}`));
        continue;
      }
      for (const strategy of STRATEGIES) {
        const db: Engines.TestDatabase = await fixture.createDatabase();
        try {
          const secretId = strategy === 'single user'
            ? await createDbSecret(secretFor(fixture, db))
            : await createDbSecret(secretFor(fixture, db, { masterarn: await createDbSecret(secretFor(fixture, db, { ...fixture.master })) }));
          const figures: RotationFigures[] = [];
          for (let run = 0; run < runs; run++) {
            const counter = new RoundTripCounter();
            const handler = createRotationHandler({
              createAdapter: () => fixture.createAdapter(counter),
              secretsManager,
              log: () => undefined,
            });
            const token = await beginRotation(secretId, randomUUID());
            const begun = process.hrtime.bigint();
            for (const step of ROTATION_STEPS) {
              await handler({ SecretId: secretId, ClientRequestToken: token, Step: step });
            }
            figures.push({
              ms: Number(process.hrtime.bigint() - begun) / 1e6,
              connections: counter.connections,
              statements: counter.statements,
            });
          }
          rows.push(...caseRows(`${engine}, ${strategy}`, strategy, figures));
        } finally {
          await fixture.dropDatabase(db);
        }
      }
    }
    rows.push({
      section: SECTION,
      case: 'settings',
      metric: 'servers',
      value: '',
      note: 'Secrets Manager on moto_server, databases on loopback: the figures are the handler\'s own work and the round trips, ' +
        'not AWS or network latency; each run is one rotation with its own token, on one fresh database per case',
    });
    return rows;
  } finally {
    for (const fixture of started) await fixture.stop().catch(() => undefined);
    privatePostgres?.stop();
    if (moto) await keepingAlive(moto.stop());
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
}

function caseRows(caseName: string, strategy: Strategy, figures: RotationFigures[]): BenchRow[] {
  // Alternating users flip between the base user and its clone: odd runs move to the clone.
  const direction = (i: number) => (strategy === 'alternating users' ? (i % 2 === 0 ? ' (to clone)' : ' (to base)') : '');
  const perRun = figures.map((f, i) => `run ${i + 1}${direction(i)}: ${f.connections} + ${f.statements}`).join(', ');
  const roundTrips = figures.map((f) => f.connections + f.statements);
  return [
    {
      section: SECTION,
      case: caseName,
      metric: 'one full rotation: wall time',
      value: formatMs(median(figures.map((f) => f.ms))),
      note: `${figures.length} rotations of the same secret: ${figures.map((f, i) => `${formatMs(f.ms)}${direction(i)}`).join(', ')}`,
    },
    {
      section: SECTION,
      case: caseName,
      metric: 'database round trips (connections + statements)',
      value: String(median(roundTrips)),
      note: `${median(figures.map((f) => f.connections))} connections + ${median(figures.map((f) => f.statements))} statements (median); ${perRun}` +
        (strategy === 'alternating users'
          ? '; a rotation to the clone user runs ensureCloneLike (create if missing, copy the base user\'s privileges) every time'
          : ''),
    },
  ];
}
