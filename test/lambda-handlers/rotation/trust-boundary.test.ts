/**
 * Who decides where credentials go, against real servers: the function's configuration (what
 * RotatingDbSecret put in its environment), never the application secret, which anyone allowed
 * PutSecretValue can rewrite. And the first alternating-users rotation, which sets up the base
 * user with the master's credentials.
 */
import * as net from 'net';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { EngineFixture, MariaDbFixture, PostgresFixture, secretFor, TestDatabase, testPassword } from './support/engines';
import { PrivatePostgres, startPrivatePostgres } from './support/private-postgres';
import { configurationOf, RotationDriver } from './support/rotation-driver';
import { beginRotation, createDbSecret, secretAt, secretsManager, versionStages } from './support/secrets';
import { RotationConfiguration } from '../../../lambda-handlers/rotation/configuration';
import { DbSecretValue, TlsMode } from '../../../src/rotation/private/contract';
import { freePort } from '../../support/moto';
import { describeWithServices } from '../../support/services';

/** A listener standing in for a host an attacker controls: it records whatever reaches it. */
interface Trap {
  readonly port: number;
  readonly connections: number;
  readonly received: Buffer;
  close(): Promise<void>;
}

async function startTrap(): Promise<Trap> {
  const port = await freePort();
  const chunks: Buffer[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    socket.on('error', () => undefined);
    // Answers nothing a client could take for a server: plaintext, no TLS, no greeting.
    setTimeout(() => socket.destroy(), 200);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    get connections() { return connections; },
    get received() { return Buffer.concat(chunks); },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let privatePostgres: PrivatePostgres | undefined;
const fixtures: Record<string, EngineFixture> = {};
const ENGINES = ['postgres', 'mariadb'];

describeWithServices(['moto', 'postgres', 'mariadb'], 'rotation trust boundary and first rotation', () => {
  let trap: Trap;
  let db: TestDatabase;

  beforeAll(async () => {
    privatePostgres = await startPrivatePostgres();
    fixtures.postgres = new PostgresFixture(privatePostgres);
    fixtures.mariadb = new MariaDbFixture();
    for (const fixture of Object.values(fixtures)) await fixture.start();
  });

  afterAll(async () => {
    for (const fixture of Object.values(fixtures)) await fixture.stop().catch(() => undefined);
    privatePostgres?.stop();
  });

  beforeEach(async () => {
    trap = await startTrap();
  });

  afterEach(async () => {
    await trap.close();
  });

  async function alternatingSecret(fixture: EngineFixture, current: Partial<DbSecretValue> = {}): Promise<string> {
    const masterArn = await createDbSecret(secretFor(fixture, db, { ...fixture.master }));
    return createDbSecret(secretFor(fixture, db, { masterarn: masterArn, ...current }));
  }

  /** What an attacker with PutSecretValue does: a new AWSCURRENT version, fields of their choosing. */
  async function tamper(secretId: string, fields: Partial<DbSecretValue> & Record<string, unknown>): Promise<void> {
    const current = await secretAt(secretId, 'AWSCURRENT');
    await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...current, ...fields }) }));
  }

  describe.each(ENGINES)('%s', (engineName) => {
    const fixture = () => fixtures[engineName];

    beforeEach(async () => {
      db = await fixture().createDatabase();
    });
    afterEach(async () => {
      await fixture().dropDatabase(db);
    });

    test.each<[string, (trapPort: number) => Partial<DbSecretValue> & Record<string, unknown>, RegExp]>([
      ['host and port pointed at a listener, with "tls": "disable"', (port) => ({ host: 'localhost', port, tls: TlsMode.DISABLE }),
        /AWSCURRENT `host` must be the database this rotation function was deployed for \('127\.0\.0\.1'\), got: 'localhost'/],
      ['port pointed at a listener on the same host', (port) => ({ port }),
        /AWSCURRENT `port` must be the database this rotation function was deployed for \('\d+'\), got: '\d+'/],
      ['another master secret', () => ({ masterarn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:attacker-AbCdEf' }),
        /AWSCURRENT `masterarn` must be 'arn:aws:secretsmanager:.*', got: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:attacker-AbCdEf'/],
    ])('a secret rewritten between createSecret and setSecret (%s) gets nothing: the rotation fails before any connection', async (_case, fields, message) => {
      // GIVEN a rotation under way, configured for the real database
      const secretId = await alternatingSecret(fixture());
      const driver = new RotationDriver(() => fixture().createAdapter());
      const token = await beginRotation(secretId);
      await driver.step(secretId, token, 'createSecret');

      // WHEN someone with PutSecretValue rewrites the secret, and the rotation goes on
      await tamper(secretId, fields(trap.port));
      const setSecret = driver.step(secretId, token, 'setSecret');

      // THEN setSecret fails, naming the field, and nothing reached the listener
      await expect(setSecret).rejects.toThrow(message);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect({ connections: trap.connections, bytes: trap.received.length }).toEqual({ connections: 0, bytes: 0 });
      expect(driver.output.join('\n')).not.toContain(fixture().master.password);
      // AND the master and the user still log in as before
      expect(await fixture().logsIn(fixture().master.username, fixture().master.password, db.dbname)).toBe(true);
      expect(await fixture().logsIn(db.username, db.password, db.dbname)).toBe(true);
    });

    test('a secret asking for plaintext cannot turn TLS off: the rotation fails before any connection', async () => {
      // GIVEN a function configured for verify-full TLS to the listener (as if it were the database)
      const secretId = await alternatingSecret(fixture(), { host: '127.0.0.1', port: trap.port, tls: TlsMode.DISABLE });
      const configuration: RotationConfiguration = {
        database: { engine: fixture().engine, host: '127.0.0.1', port: trap.port, dbname: db.dbname, tls: TlsMode.VERIFY_FULL },
        masterSecretArn: (await configurationOf(secretId)).masterSecretArn,
      };
      const driver = new RotationDriver(() => fixture().createAdapter(), undefined, configuration);
      const token = await beginRotation(secretId);

      // WHEN / THEN
      await expect(driver.step(secretId, token, 'createSecret')).rejects.toThrow(
        /AWSCURRENT `tls` must be 'verify-full' or absent, got: 'disable'; TLS is chosen by RotatingDbSecret's `insecurePlaintextConnections` prop/);
      expect(trap.connections).toBe(0);
    });

    test('with verify-full configured, a server that offers no TLS never receives a password', async () => {
      // GIVEN a secret without `tls`, rotated by a function configured for verify-full to the listener
      const secretId = await alternatingSecret(fixture(), { host: '127.0.0.1', port: trap.port, tls: undefined });
      const configuration: RotationConfiguration = {
        database: { engine: fixture().engine, host: '127.0.0.1', port: trap.port, dbname: db.dbname, tls: TlsMode.VERIFY_FULL },
        masterSecretArn: (await configurationOf(secretId)).masterSecretArn,
      };
      const driver = new RotationDriver(() => fixture().createAdapter(), undefined, configuration);
      const token = await beginRotation(secretId);
      await driver.step(secretId, token, 'createSecret');

      // WHEN
      await expect(driver.step(secretId, token, 'setSecret')).rejects.toThrow(/setSecret failed/);

      // THEN whatever reached the listener holds no password and no user name in clear
      const received = trap.received.toString('latin1');
      for (const secret of [fixture().master.password, db.password, fixture().master.username]) {
        expect(received).not.toContain(secret);
      }
    });
  });

  describe.each(ENGINES)('%s, first alternating-users rotation', (engineName) => {
    const fixture = () => fixtures[engineName];

    beforeEach(async () => {
      db = await fixture().createDatabase();
    });
    afterEach(async () => {
      await fixture().dropDatabase(db);
    });

    test('creates the base user when it does not exist, with the password Secrets Manager generated', async () => {
      // GIVEN no base user, and a secret holding the password generated at deployment
      await fixture().dropUser(db.username, db.dbname);
      const generated = testPassword();
      const secretId = await alternatingSecret(fixture(), { password: generated });
      const driver = new RotationDriver(() => fixture().createAdapter());

      // WHEN
      await driver.rotate(secretId, await beginRotation(secretId));

      // THEN both users log in with the passwords of the staged versions
      const current = await secretAt(secretId, 'AWSCURRENT');
      expect(current!.username).toEqual(`${db.username}_clone`);
      expect(await fixture().logsIn(current!.username, current!.password, db.dbname)).toBe(true);
      expect(await fixture().logsIn(db.username, generated, db.dbname)).toBe(true);
      // AND the next rotation needs nothing more
      await driver.rotate(secretId, await beginRotation(secretId));
      const next = await secretAt(secretId, 'AWSCURRENT');
      expect(next!.username).toEqual(db.username);
      expect(await fixture().logsIn(next!.username, next!.password, db.dbname)).toBe(true);
    });

    test('sets the generated password on a base user that exists with another one, keeping its privileges', async () => {
      // GIVEN a base user whose password is not the secret's
      const privileges = await fixture().privileges(db.username, db.dbname);
      const secretId = await alternatingSecret(fixture(), { password: testPassword() });
      const driver = new RotationDriver(() => fixture().createAdapter());

      // WHEN
      await driver.rotate(secretId, await beginRotation(secretId));

      // THEN
      const previous = await secretAt(secretId, 'AWSPREVIOUS');
      expect(await fixture().logsIn(db.username, previous!.password, db.dbname)).toBe(true);
      expect(await fixture().logsIn(db.username, db.password, db.dbname)).toBe(false);
      expect(await fixture().privileges(db.username, db.dbname)).toEqual(privileges);
      expect(await fixture().privileges(`${db.username}_clone`, db.dbname)).toEqual(privileges);
    });

    test('does not reset the current user on a later rotation: a person must look', async () => {
      // GIVEN a secret rotated once, whose current user's password then changed out of band
      const secretId = await alternatingSecret(fixture());
      const driver = new RotationDriver(() => fixture().createAdapter());
      await driver.rotate(secretId, await beginRotation(secretId));
      const current = await secretAt(secretId, 'AWSCURRENT');
      await fixture().changePassword(current!.username, testPassword());
      const token = await beginRotation(secretId);
      await driver.step(secretId, token, 'createSecret');

      // WHEN / THEN
      await expect(driver.step(secretId, token, 'setSecret')).rejects.toThrow(
        new RegExp(`AWSCURRENT user '${current!.username}' does not log in on .*; fix the AWSCURRENT credentials before rotating`));
      expect((await versionStages(secretId))[token]).toEqual(['AWSPENDING']);
    });

    test('refuses a secret whose user is the master, before any change to the database', async () => {
      // GIVEN an application secret for the master's own user name
      const secretId = await alternatingSecret(fixture(), { username: fixture().master.username, password: fixture().master.password });
      const driver = new RotationDriver(() => fixture().createAdapter());
      const token = await beginRotation(secretId);
      await driver.step(secretId, token, 'createSecret');

      // WHEN / THEN
      await expect(driver.step(secretId, token, 'setSecret')).rejects.toThrow(
        new RegExp(`the master secret's user '${fixture().master.username}' is one of the alternating pair`));
      expect(await fixture().logsIn(fixture().master.username, fixture().master.password, db.dbname)).toBe(true);
      expect(await fixture().logsIn(`${fixture().master.username}_clone`, (await secretAt(secretId, 'AWSPENDING'))!.password, db.dbname)).toBe(false);
    });
  });
});
