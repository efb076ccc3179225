import { randomUUID } from 'crypto';
import { EngineFixture, MariaDbFixture, PostgresFixture, secretFor, TestDatabase, testPassword } from './support/engines';
import { PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { RotationDriver } from './support/rotation-driver';
import { beginRotation, createDbSecret, secretAt, versionStages } from './support/secrets';
import { RoundTripCounter } from '../../../lambda-handlers/rotation/types';
import { SecretEngine, TlsMode } from '../../../src/rotation/private/contract';
import { describeWithServices } from '../../support/services';

type Strategy = 'single user' | 'alternating users';

let privatePostgres: PrivatePostgres | undefined;
const fixtures: Record<string, EngineFixture> = {};
const figures: string[] = [];

function fixtureFor(name: string): EngineFixture {
  return fixtures[name];
}

describeWithServices(['moto', 'postgres', 'mariadb'], 'database rotation against real servers', () => {
  beforeAll(async () => {
    privatePostgres = await startPrivatePostgres();
    fixtures.postgres = new PostgresFixture(privatePostgres);
    fixtures.mariadb = new MariaDbFixture(SecretEngine.MARIADB);
    fixtures['mysql (on MariaDB)'] = new MariaDbFixture(SecretEngine.MYSQL);
    for (const fixture of Object.values(fixtures)) await fixture.start();
  });

  afterAll(async () => {
    for (const fixture of Object.values(fixtures)) await fixture.stop().catch(() => undefined);
    privatePostgres?.stop();
    if (figures.length > 0) console.log(`Rotation figures (one full rotation, local servers):\n${figures.join('\n')}`);
  });

  describe.each([
    ['postgres', 'single user'],
    ['postgres', 'alternating users'],
    ['mariadb', 'single user'],
    ['mariadb', 'alternating users'],
    ['mysql (on MariaDB)', 'single user'],
    ['mysql (on MariaDB)', 'alternating users'],
  ] as Array<[string, Strategy]>)('%s, %s', (engineName, strategy) => {
    let db: TestDatabase;

    beforeEach(async () => {
      db = await fixtureFor(engineName).createDatabase();
    });
    afterEach(async () => {
      await fixtureFor(engineName).dropDatabase(db);
    });

    async function createSecret(): Promise<string> {
      const fixture = fixtureFor(engineName);
      if (strategy === 'single user') return createDbSecret(secretFor(fixture, db));
      const masterArn = await createDbSecret(secretFor(fixture, db, { ...fixture.master }));
      return createDbSecret(secretFor(fixture, db, { masterarn: masterArn }));
    }

    test('rotates to a new password that logs in, and moves AWSCURRENT to it', async () => {
      // GIVEN
      const fixture = fixtureFor(engineName);
      const secretId = await createSecret();
      const counter = new RoundTripCounter();
      const driver = new RotationDriver(() => fixture.createAdapter(counter));
      const token = await beginRotation(secretId);

      // WHEN
      const started = process.hrtime.bigint();
      await driver.rotate(secretId, token);
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      figures.push(`${engineName} ${strategy}: ${elapsedMs.toFixed(0)} ms, ${counter.connections} connections + ${counter.statements} statements`);

      // THEN
      const current = await secretAt(secretId, 'AWSCURRENT');
      const previous = await secretAt(secretId, 'AWSPREVIOUS');
      expect((await versionStages(secretId))[token]).toContain('AWSCURRENT');
      expect(current!.password).not.toEqual(db.password);
      expect(previous!.password).toEqual(db.password);
      expect(await fixture.logsIn(current!.username, current!.password, db.dbname)).toBe(true);
      if (strategy === 'single user') {
        expect(current!.username).toEqual(db.username);
        expect(await fixture.logsIn(db.username, db.password, db.dbname)).toBe(false);
      } else {
        expect(current!.username).toEqual(`${db.username}_clone`);
        expect(await fixture.logsIn(db.username, db.password, db.dbname)).toBe(true);
      }
    });

    test('keeps the secret rotating across several rotations', async () => {
      // GIVEN
      const fixture = fixtureFor(engineName);
      const secretId = await createSecret();
      const driver = new RotationDriver(() => fixture.createAdapter());

      // WHEN
      for (let i = 0; i < 3; i++) {
        await driver.rotate(secretId, await beginRotation(secretId));
      }

      // THEN
      const current = await secretAt(secretId, 'AWSCURRENT');
      const previous = await secretAt(secretId, 'AWSPREVIOUS');
      expect(await fixture.logsIn(current!.username, current!.password, db.dbname)).toBe(true);
      expect(await fixture.logsIn(previous!.username, previous!.password, db.dbname)).toBe(strategy === 'alternating users');
      // Three flips: base -> clone -> base -> clone.
      expect(current!.username).toEqual(strategy === 'single user' ? db.username : `${db.username}_clone`);
    });

    if (strategy === 'single user') {
      test('fails setSecret with a clear message when no staged password logs in', async () => {
        // GIVEN a user whose password was changed out of band
        const fixture = fixtureFor(engineName);
        const secretId = await createSecret();
        const driver = new RotationDriver(() => fixture.createAdapter());
        const token = await beginRotation(secretId);
        await driver.step(secretId, token, 'createSecret');
        await fixture.changePassword(db.username, testPassword());

        // WHEN / THEN
        await expect(driver.step(secretId, token, 'setSecret')).rejects.toThrow(
          new RegExp(`setSecret failed: .*user '${db.username}' logs in with none of the AWSPENDING, AWSCURRENT or AWSPREVIOUS passwords`),
        );
        expect(driver.output.join('\n')).not.toContain(db.password);
      });
    }

    if (strategy === 'alternating users') {
      test('gives the clone user the same privileges as the base user', async () => {
        // GIVEN
        const fixture = fixtureFor(engineName);
        const secretId = await createSecret();
        const driver = new RotationDriver(() => fixture.createAdapter());

        // WHEN
        await driver.rotate(secretId, await beginRotation(secretId));

        // THEN
        const basePrivileges = await fixture.privileges(db.username, db.dbname);
        expect(basePrivileges.length).toBeGreaterThan(0);
        expect(await fixture.privileges(`${db.username}_clone`, db.dbname)).toEqual(basePrivileges);
      });
    }

    test('never writes a password into logs or error messages', async () => {
      // GIVEN a rotation that fails in testSecret after the password changed (the user loses CONNECT)
      const fixture = fixtureFor(engineName);
      const secretId = await createSecret();
      const driver = new RotationDriver(() => fixture.createAdapter());
      const token = await beginRotation(secretId);
      await driver.step(secretId, token, 'createSecret');
      await driver.step(secretId, token, 'setSecret');
      await fixture.dropDatabase(db);

      // WHEN
      await expect(driver.step(secretId, token, 'testSecret')).rejects.toThrow(/testSecret failed/);

      // THEN
      const pending = await secretAt(secretId, 'AWSPENDING');
      const output = driver.output.join('\n');
      expect(output.length).toBeGreaterThan(0);
      for (const secret of [db.password, pending!.password, fixture.master.password]) {
        expect(output).not.toContain(secret);
      }
    });
  });

  describe('TLS', () => {
    test.each(['postgres', 'mariadb'])('%s: a secret without `tls` refuses a server that offers no TLS', async (engineName) => {
      // GIVEN the shared servers, which have TLS off, and a secret that does not mention tls
      const fixture = engineName === 'postgres'
        ? { engine: SecretEngine.POSTGRES, host: '127.0.0.1', port: 5432, adapter: fixtureFor('postgres').createAdapter() }
        : { engine: SecretEngine.MARIADB, host: '127.0.0.1', port: 3306, adapter: fixtureFor('mariadb').createAdapter() };
      const credentials = {
        engine: fixture.engine,
        host: fixture.host,
        port: fixture.port,
        dbname: engineName === 'postgres' ? 'postgres' : '',
        username: engineName === 'postgres' ? 'postgres' : 'root',
        password: 'not-used-by-a-trusting-server',
        tls: TlsMode.VERIFY_FULL,
      };

      // WHEN / THEN: the connection fails instead of going on in plaintext
      await expect(fixture.adapter.canLogin(credentials)).rejects.toThrow(/SSL|secure connection|TLS/i);
    });

    test('postgres: a secret without `tls` refuses a server whose certificate is not trusted', async () => {
      // GIVEN the private server, which offers TLS with a self-signed certificate
      const fixture = fixtureFor('postgres');
      const adapter = fixture.createAdapter();
      const credentials = {
        engine: SecretEngine.POSTGRES,
        host: fixture.host,
        port: fixture.port,
        dbname: 'postgres',
        username: fixture.master.username,
        password: fixture.master.password,
        tls: TlsMode.VERIFY_FULL,
      };

      // WHEN / THEN
      await expect(adapter.canLogin(credentials)).rejects.toThrow(/self[- ]signed certificate/i);
      // and the same credentials log in when plaintext is asked for explicitly
      await expect(adapter.canLogin({ ...credentials, tls: TlsMode.DISABLE })).resolves.toBe(true);
    });
  });

  describe('entry checks', () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await fixtureFor('postgres').createDatabase();
    });
    afterEach(async () => {
      await fixtureFor('postgres').dropDatabase(db);
    });

    function driver() {
      return new RotationDriver(() => fixtureFor('postgres').createAdapter());
    }

    test('fails when rotation is not enabled on the secret', async () => {
      const secretId = await createDbSecret(secretFor(fixtureFor('postgres'), db));
      await expect(driver().step(secretId, randomUUID(), 'createSecret')).rejects.toThrow(/does not have rotation enabled/);
    });

    test('fails when the token is not a version of the secret', async () => {
      const secretId = await createDbSecret(secretFor(fixtureFor('postgres'), db));
      await beginRotation(secretId);
      const stranger = randomUUID();
      await expect(driver().step(secretId, stranger, 'createSecret')).rejects.toThrow(new RegExp(`${stranger} has no stage`));
    });

    test('does nothing when the token is already AWSCURRENT', async () => {
      const secretId = await createDbSecret(secretFor(fixtureFor('postgres'), db));
      const token = await beginRotation(secretId);
      await driver().rotate(secretId, token);
      const before = await secretAt(secretId, 'AWSCURRENT');

      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
        await driver().step(secretId, token, step);
      }

      expect(await secretAt(secretId, 'AWSCURRENT')).toEqual(before);
      expect(await fixtureFor('postgres').logsIn(before!.username, before!.password, db.dbname)).toBe(true);
    });

    test('fails when the token is staged but not AWSPENDING', async () => {
      const secretId = await createDbSecret(secretFor(fixtureFor('postgres'), db));
      const first = await beginRotation(secretId);
      await driver().rotate(secretId, first);
      await driver().rotate(secretId, await beginRotation(secretId));
      expect((await versionStages(secretId))[first]).toEqual(['AWSPREVIOUS']);

      await expect(driver().step(secretId, first, 'setSecret')).rejects.toThrow(/is not staged AWSPENDING/);
    });
  });
});
