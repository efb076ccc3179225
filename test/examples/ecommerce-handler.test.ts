import { Client } from 'pg';
import { StandIn, startStandIn } from './extension-stand-in';
import { handler } from '../../examples/ecommerce/lambda/handler';
import { describeWithServices, POSTGRES_ADMIN } from '../support/services';

const TOKEN = 'handler-test-session-token';
const ROOT = '/ecommerce/handlertest';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ecommerce/handlertest/app-AbCdEf';
// A recognisable value: it must never show up in a response or a log line.
const CANARY_PASSWORD = 'CANARY-pw-7f3a9c';


describeWithServices(['postgres'], 'e-commerce status handler with the extension stand-in and PostgreSQL', () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const database = `shop_${suffix}`;
  const user = `shop_app_${suffix}`;
  let admin: Client;
  let standIn: StandIn;
  const logged: string[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    admin = new Client(POSTGRES_ADMIN);
    await admin.connect();
    await admin.query(`create database "${database}"`);
    await admin.query(`create user "${user}" with password '${CANARY_PASSWORD}'`);
    await admin.query(`grant connect on database "${database}" to "${user}"`);

    standIn = await startStandIn({
      token: TOKEN,
      parameters: {
        [`${ROOT}/db/host`]: POSTGRES_ADMIN.host,
        [`${ROOT}/db/port`]: String(POSTGRES_ADMIN.port),
        [`${ROOT}/feature/flags`]: 'checkout-v2,gift-cards',
        [`${ROOT}/payments/api-key`]: 'PLACEHOLDER: set this value out of band',
      },
      secrets: {
        [SECRET_ARN]: JSON.stringify({ engine: 'postgres', dbname: database, username: user, password: CANARY_PASSWORD, tls: 'disable' }),
      },
    });
    Object.assign(process.env, {
      SECURE_CONFIG_PATHS: ROOT,
      SECURE_CONFIG_SECRET_ARNS: SECRET_ARN,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(standIn.port),
      AWS_SESSION_TOKEN: TOKEN,
    });
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { logged.push(args.map(String).join(' ')); });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    process.env = savedEnv;
    await standIn?.stop();
    await admin.query(`drop database if exists "${database}" with (force)`);
    await admin.query(`drop user if exists "${user}"`);
    await admin.end();
  });

  test('answers with the configuration and the database time, connected as the application user', async () => {
    // WHEN
    const response = await handler();

    // THEN
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toEqual({
      environment: 'handlertest',
      featureFlags: ['checkout-v2', 'gift-cards'],
      paymentsConfigured: false,
      database: { user, serverTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(response.body).not.toContain(CANARY_PASSWORD);
    expect(standIn.requests.every((url) => url.includes(encodeURIComponent(ROOT)) || url.includes(encodeURIComponent(SECRET_ARN)))).toBe(true);
  });

  test('serves a second request from the container cache, without asking the extension again', async () => {
    // GIVEN
    const before = standIn.requests.length;

    // WHEN
    const response = await handler();

    // THEN
    expect(response.statusCode).toBe(200);
    expect(standIn.requests.length).toBe(before);
  });

  test('answers 503 and logs what failed, never a secret, when the database is gone', async () => {
    // GIVEN
    await admin.query(`drop database "${database}" with (force)`);

    // WHEN
    const response = await handler();

    // THEN
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ error: 'configuration or database unavailable' });
    expect(logged.join('\n')).toContain(`database "${database}" does not exist`);
    expect(logged.join('\n')).not.toContain(CANARY_PASSWORD);
  });
});
