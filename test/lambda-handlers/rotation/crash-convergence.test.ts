/**
 * Rotation crash convergence (TESTING.md): for every external call of a full rotation, crash right
 * after it, replay as Secrets Manager would, and check that nobody is locked out.
 */
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { CrashInjector } from './support/crash-injection';
import { EngineFixture, MariaDbFixture, PostgresFixture, secretFor, TestDatabase, testPassword } from './support/engines';
import { PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { RotationDriver } from './support/rotation-driver';
import { beginRotation, bridge, createDbSecret, secretAt, secretsManager, versionStages } from './support/secrets';
import { ROTATION_STEPS } from '../../../lambda-handlers/rotation/types';
import { DbSecretValue } from '../../../src/rotation/private/contract';
import { describeWithServices } from '../../support/services';

/**
 * Each case replays a whole rotation per external call (up to about 20 of them) against real
 * servers: on a loaded machine that is longer than the suite-wide test timeout.
 */
const CONVERGENCE_TIMEOUT_MS = 600_000;

type Strategy = 'single user' | 'alternating users' | 'alternating users, base user created by the first rotation';

let privatePostgres: PrivatePostgres | undefined;
const fixtures: Record<string, EngineFixture> = {};
const crashPointsTried: string[] = [];

/** Every value the secret ever held, staged or not, keyed by version id. */
async function allVersions(secretId: string): Promise<Array<{ value: DbSecretValue; staged: boolean }>> {
  const listed = await secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }));
  const versions = [];
  for (const version of listed.Versions ?? []) {
    const stages = version.VersionStages ?? [];
    const value = await secretsManager.send(new GetSecretValueCommand({
      SecretId: secretId, VersionId: version.VersionId, VersionStage: stages[0],
    })).catch(() => undefined);
    if (value?.SecretString) versions.push({ value: JSON.parse(value.SecretString) as DbSecretValue, staged: stages.length > 0 });
  }
  return versions;
}

/** The database accepts AWSCURRENT, and no credentials except those of a staged version. */
async function expectNoLockout(fixture: EngineFixture, db: TestDatabase, secretId: string, context: string): Promise<void> {
  const current = await secretAt(secretId, 'AWSCURRENT');
  expect({ context, currentLogsIn: await fixture.logsIn(current!.username, current!.password, db.dbname) })
    .toEqual({ context, currentLogsIn: true });

  const versions = await allVersions(secretId);
  const candidates = [{ value: { username: db.username, password: db.password }, staged: false }, ...versions];
  const stagedKeys = new Set(versions.filter((v) => v.staged).map((v) => `${v.value.username}/${v.value.password}`));
  for (const candidate of candidates) {
    const key = `${candidate.value.username}/${candidate.value.password}`;
    if (stagedKeys.has(key)) continue;
    const accepted = await fixture.logsIn(candidate.value.username, candidate.value.password, db.dbname);
    expect({ context, user: candidate.value.username, acceptedWithoutStage: accepted })
      .toEqual({ context, user: candidate.value.username, acceptedWithoutStage: false });
  }
}

describeWithServices(['moto', 'postgres', 'mariadb'], 'rotation crash convergence', () => {
  beforeAll(async () => {
    privatePostgres = await startPrivatePostgres();
    fixtures.postgres = new PostgresFixture(privatePostgres);
    fixtures.mariadb = new MariaDbFixture();
    for (const fixture of Object.values(fixtures)) await fixture.start();
  });

  afterAll(async () => {
    for (const fixture of Object.values(fixtures)) await fixture.stop().catch(() => undefined);
    privatePostgres?.stop();
    console.log(`Crash points tried: ${crashPointsTried.length}\n${crashPointsTried.join('\n')}`);
  });

  test.each([
    ['postgres', 'single user'],
    ['postgres', 'alternating users'],
    ['mariadb', 'single user'],
    ['mariadb', 'alternating users'],
    ['postgres', 'alternating users, base user created by the first rotation'],
    ['mariadb', 'alternating users, base user created by the first rotation'],
  ] as Array<[string, Strategy]>)('%s, %s: a crash after any external call converges without lockout', async (engineName, strategy) => {
    const fixture = fixtures[engineName];

    async function newSecret(db: TestDatabase): Promise<string> {
      if (strategy === 'single user') return createDbSecret(secretFor(fixture, db));
      const masterArn = await createDbSecret(secretFor(fixture, db, { ...fixture.master }));
      if (strategy === 'alternating users') return createDbSecret(secretFor(fixture, db, { masterarn: masterArn }));
      // As deployed: no base user yet, and a password Secrets Manager generated.
      await fixture.dropUser(db.username, db.dbname);
      return createDbSecret(secretFor(fixture, db, { masterarn: masterArn, password: testPassword() }));
    }

    function driverWith(injector: CrashInjector): RotationDriver {
      return new RotationDriver(
        () => injector.wrapAdapter(fixture.createAdapter()),
        injector.wrapSecretsManager(bridge(secretsManager)),
      );
    }

    // GIVEN the number of external calls a full rotation makes
    const baselineDb = await fixture.createDatabase();
    const baseline = new CrashInjector();
    try {
      const secretId = await newSecret(baselineDb);
      await driverWith(baseline).rotate(secretId, await beginRotation(secretId));
    } finally {
      await fixture.dropDatabase(baselineDb);
    }
    const totalCalls = baseline.calls;
    expect(totalCalls).toBeGreaterThanOrEqual(10);

    for (let k = 1; k <= totalCalls; k++) {
      const db = await fixture.createDatabase();
      try {
        const injector = new CrashInjector();
        const driver = driverWith(injector);
        const secretId = await newSecret(db);
        const token = await beginRotation(secretId);

        // WHEN the rotation crashes right after call k
        injector.crashAfter = k;
        let failedStep: (typeof ROTATION_STEPS)[number] | undefined;
        for (const step of ROTATION_STEPS) {
          try {
            await driver.step(secretId, token, step);
          } catch (err) {
            expect((err as Error).message).toMatch(/injected crash/);
            failedStep = step;
            break;
          }
        }
        const context = `${engineName} ${strategy}: crash after call ${k} (${injector.crashedAt}) in ${failedStep}`;
        expect({ context, crashed: failedStep !== undefined }).toEqual({ context, crashed: true });
        crashPointsTried.push(context);

        // AND Secrets Manager retries the failed step, then the whole rotation with the same token
        injector.crashAfter = undefined;
        await driver.step(secretId, token, failedStep!);
        await driver.rotate(secretId, token);

        // THEN the token is current, the database accepts it and only staged credentials
        expect((await versionStages(secretId))[token]).toContain('AWSCURRENT');
        await expectNoLockout(fixture, db, secretId, context);

        // AND a later rotation with a new token succeeds
        await driver.rotate(secretId, await beginRotation(secretId));
        await expectNoLockout(fixture, db, secretId, `${context}, then a new rotation`);
      } finally {
        await fixture.dropDatabase(db);
      }
    }
  }, CONVERGENCE_TIMEOUT_MS);
});
