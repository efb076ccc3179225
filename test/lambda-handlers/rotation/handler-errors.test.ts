/**
 * Error paths that neither moto_server nor the local databases can produce: throttling, access
 * denied, a driver error that echoes a password. Secrets Manager is mocked with aws-sdk-client-mock.
 */
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RotationConfiguration } from '../../../lambda-handlers/rotation/configuration';
import { createRotationHandler } from '../../../lambda-handlers/rotation/handler';
import { DatabaseAdapter } from '../../../lambda-handlers/rotation/types';
import { SecretEngine, TlsMode } from '../../../src/rotation/private/contract';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:app-db';
const MASTER_ID = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:master-db';
const TOKEN = '11111111-2222-3333-4444-555555555555';
const CURRENT_PASSWORD = 'CANARY-current-1b7e';
const PENDING_PASSWORD = 'CANARY-pending-93c0';
const MASTER_PASSWORD = 'CANARY-master-4d2f';

function secretString(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    engine: 'postgres', host: 'db.internal', port: 5432, dbname: 'shop', username: 'app', password: CURRENT_PASSWORD, tls: 'verify-full', ...overrides,
  });
}

const DATABASE = { engine: SecretEngine.POSTGRES, host: 'db.internal', port: 5432, dbname: 'shop', tls: TlsMode.VERIFY_FULL };
const SINGLE_USER: RotationConfiguration = { database: DATABASE };
const ALTERNATING: RotationConfiguration = { database: DATABASE, masterSecretArn: MASTER_ID };

function notFound(): Error {
  return Object.assign(new Error('Secrets Manager can\'t find the specified secret value'), { name: 'ResourceNotFoundException' });
}

class RecordingAdapter implements DatabaseAdapter {
  public readonly engines = [SecretEngine.POSTGRES];
  public readonly calls: string[] = [];
  public failure: Error | undefined;

  public async canLogin(c: { password: string }) {
    this.calls.push('canLogin');
    return c.password !== PENDING_PASSWORD;
  }
  public async setPassword() { this.calls.push('setPassword'); if (this.failure) throw this.failure; }
  public async ensureCloneLike() { this.calls.push('ensureCloneLike'); }
  public async ensureUser() { this.calls.push('ensureUser'); }
  public async testLogin() { this.calls.push('testLogin'); }
}

const sm = mockClient(SecretsManagerClient);
let adapter: RecordingAdapter;
let output: string[];
let configuration: RotationConfiguration;

function handler() {
  return createRotationHandler({
    configuration,
    secretsManager: new SecretsManagerClient({}),
    createAdapter: () => adapter,
    log: (message, fields) => output.push(JSON.stringify({ message, ...fields })),
  });
}

async function runCapturing(step: 'createSecret' | 'setSecret' | 'testSecret'): Promise<Error> {
  const consoleError = jest.spyOn(console, 'error').mockImplementation((...args) => { output.push(args.join(' ')); });
  try {
    await handler()({ SecretId: SECRET_ID, ClientRequestToken: TOKEN, Step: step });
  } catch (err) {
    output.push((err as Error).message, String((err as Error).stack));
    return err as Error;
  } finally {
    consoleError.mockRestore();
  }
  throw new Error(`${step} was expected to fail`);
}

function expectNoSecretInOutput(): void {
  const text = output.join('\n');
  for (const secret of [CURRENT_PASSWORD, PENDING_PASSWORD, MASTER_PASSWORD]) expect(text).not.toContain(secret);
}

beforeEach(() => {
  sm.reset();
  adapter = new RecordingAdapter();
  output = [];
  configuration = SINGLE_USER;
  sm.on(DescribeSecretCommand).resolves({ RotationEnabled: true, VersionIdsToStages: { current: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: secretString() });
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).rejects(notFound());
  sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: PENDING_PASSWORD });
});

test('a throttled PutSecretValue fails createSecret with the service error and no secret in it', async () => {
  // GIVEN
  sm.on(PutSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

  // WHEN
  const error = await runCapturing('createSecret');

  // THEN
  expect(error.name).toEqual('ThrottlingException');
  expect(error.message).toEqual('createSecret failed: Rate exceeded');
  expectNoSecretInOutput();
});

test('access denied on the master secret fails setSecret before any change to the database', async () => {
  // GIVEN an alternating-users secret whose master secret the function may not read
  configuration = ALTERNATING;
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: secretString({ masterarn: MASTER_ID }) });
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN, VersionStage: 'AWSPENDING' })
    .resolves({ SecretString: secretString({ masterarn: MASTER_ID, username: 'app_clone', password: PENDING_PASSWORD }) });
  sm.on(GetSecretValueCommand, { SecretId: MASTER_ID }).rejects(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));

  // WHEN
  const error = await runCapturing('setSecret');

  // THEN
  expect(error.name).toEqual('AccessDeniedException');
  expect(error.message).toMatch(/^setSecret failed: User is not authorized/);
  expect(adapter.calls).toEqual([]);
  expectNoSecretInOutput();
});

test('a driver error that echoes the password is redacted in the thrown error and the log', async () => {
  // GIVEN a database error whose text quotes the statement with the pending password
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN, VersionStage: 'AWSPENDING' })
    .resolves({ SecretString: secretString({ password: PENDING_PASSWORD }) });
  adapter.failure = new Error(`syntax error in ALTER ROLE app PASSWORD '${PENDING_PASSWORD}' and '${CURRENT_PASSWORD}'`);

  // WHEN
  const error = await runCapturing('setSecret');

  // THEN
  expect(adapter.calls).toEqual(['canLogin', 'canLogin', 'setPassword']);
  expect(error.message).toEqual("setSecret failed: syntax error in ALTER ROLE app PASSWORD '[REDACTED]' and '[REDACTED]'");
  expect(output.some((line) => line.includes('"level":"error"'))).toBe(true);
  expectNoSecretInOutput();
});

test('a user name with a quote is rejected before a password is generated or the database is touched', async () => {
  // GIVEN
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: secretString({ username: 'app"x' }) });

  // WHEN
  const error = await runCapturing('createSecret');

  // THEN
  expect(error.message).toMatch(/`username` must contain only ASCII letters, digits and '_' .*got: 'app"x'/);
  expect(sm.commandCalls(GetRandomPasswordCommand)).toHaveLength(0);
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  expect(adapter.calls).toEqual([]);
});

test('setSecret refuses AWSPENDING credentials that point to another host', async () => {
  // GIVEN a pending version whose host was changed: its password must not be sent there
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionId: TOKEN, VersionStage: 'AWSPENDING' })
    .resolves({ SecretString: secretString({ password: PENDING_PASSWORD, host: 'attacker.example' }) });

  // WHEN
  const error = await runCapturing('setSecret');

  // THEN
  expect(error.message).toMatch(
    /^setSecret failed: AWSPENDING `host` must be the database this rotation function was deployed for \('db.internal'\), got: 'attacker.example'/);
  expect(adapter.calls).toEqual([]);
});

test('an unknown step is rejected naming the value', async () => {
  jest.spyOn(console, 'error').mockImplementationOnce(() => undefined);
  await expect(handler()({ SecretId: SECRET_ID, ClientRequestToken: TOKEN, Step: 'rollbackSecret' as any }))
    .rejects.toThrow("`Step` must be one of createSecret, setSecret, testSecret, finishSecret, got: 'rollbackSecret'");
});
