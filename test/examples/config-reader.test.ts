import { freePort, StandIn, startStandIn } from './extension-stand-in';
import { ConfigReader, ConfigReadError } from '../../examples/ecommerce/lambda/config-reader';

const TOKEN = 'session-token-for-tests';
const CONTENT = {
  token: TOKEN,
  parameters: {
    '/ecommerce/prod/db/host': 'db.internal.example',
    '/ecommerce/prod/feature/flags': 'checkout-v2,gift-cards',
    '/ecommerce/prod/a b&c': 'needs encoding',
  },
  secrets: {
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:ecommerce/prod/db-AbCdEf': '{"username":"app"}',
  },
};

describe('ConfigReader against a stand-in extension', () => {
  let standIn: StandIn;
  beforeEach(async () => { standIn = await startStandIn(CONTENT); });
  afterEach(async () => { await standIn.stop(); });

  const reader = (overrides = {}) => new ConfigReader({ port: standIn.port, token: TOKEN, readyTimeoutMs: 500, ...overrides });

  test('reads a parameter with decryption through the URL-encoded name', async () => {
    // WHEN
    const value = await reader().parameter('/ecommerce/prod/db/host');

    // THEN
    expect(value).toBe('db.internal.example');
    expect(standIn.requests).toEqual(['/systemsmanager/parameters/get?name=%2Fecommerce%2Fprod%2Fdb%2Fhost&withDecryption=true']);
  });

  test('encodes spaces and ampersands so they cannot split the query', async () => {
    // WHEN
    const value = await reader().parameter('/ecommerce/prod/a b&c');

    // THEN
    expect(value).toBe('needs encoding');
    expect(standIn.requests[0]).toContain('name=%2Fecommerce%2Fprod%2Fa%20b%26c&');
  });

  test('splits a StringList into its items', async () => {
    // WHEN
    const flags = await reader().stringList('/ecommerce/prod/feature/flags');

    // THEN
    expect(flags).toEqual(['checkout-v2', 'gift-cards']);
  });

  test('reads a secret by ARN', async () => {
    // GIVEN
    const arn = Object.keys(CONTENT.secrets)[0];

    // WHEN
    const value = await reader().secret(arn);

    // THEN
    expect(JSON.parse(value)).toEqual({ username: 'app' });
    expect(standIn.requests).toEqual([`/secretsmanager/get?secretId=${encodeURIComponent(arn)}`]);
  });

  test('sends the session token from AWS_SESSION_TOKEN when none is given', async () => {
    // GIVEN
    const previous = process.env.AWS_SESSION_TOKEN;
    process.env.AWS_SESSION_TOKEN = TOKEN;
    try {
      // WHEN
      const value = await new ConfigReader({ port: standIn.port }).parameter('/ecommerce/prod/db/host');

      // THEN
      expect(value).toBe('db.internal.example');
    } finally {
      if (previous === undefined) delete process.env.AWS_SESSION_TOKEN;
      else process.env.AWS_SESSION_TOKEN = previous;
    }
  });

  test('surfaces the 401 of a wrong token as an error naming the parameter and status', async () => {
    // WHEN
    const read = reader({ token: 'wrong' }).parameter('/ecommerce/prod/db/host');

    // THEN
    await expect(read).rejects.toThrow(ConfigReadError);
    await expect(read).rejects.toThrow("reading parameter '/ecommerce/prod/db/host' failed with HTTP 401");
  });

  test('surfaces a 4xx for a missing parameter with its status code', async () => {
    // WHEN
    const error = await reader().parameter('/ecommerce/prod/missing').catch((e: unknown) => e);

    // THEN
    expect(error).toBeInstanceOf(ConfigReadError);
    expect((error as ConfigReadError).statusCode).toBe(400);
    expect((error as Error).message).toMatch(/parameter '\/ecommerce\/prod\/missing' failed with HTTP 400: ParameterNotFound/);
  });

  test('caches a value per container and asks the extension once', async () => {
    // GIVEN
    const shared = reader();

    // WHEN
    const values = await Promise.all([shared.parameter('/ecommerce/prod/db/host'), shared.parameter('/ecommerce/prod/db/host')]);
    await shared.parameter('/ecommerce/prod/db/host');

    // THEN
    expect(values).toEqual(['db.internal.example', 'db.internal.example']);
    expect(standIn.requests).toHaveLength(1);
  });

  test('asks again once the cached value is older than cacheMaxAgeMs', async () => {
    // GIVEN
    const shortLived = reader({ cacheMaxAgeMs: 0 });

    // WHEN
    await shortLived.parameter('/ecommerce/prod/db/host');
    await shortLived.parameter('/ecommerce/prod/db/host');

    // THEN
    expect(standIn.requests).toHaveLength(2);
  });

  test('does not cache a failure', async () => {
    // GIVEN
    const shared = reader({ token: 'wrong' });
    await shared.parameter('/ecommerce/prod/db/host').catch(() => undefined);

    // WHEN
    await shared.parameter('/ecommerce/prod/db/host').catch(() => undefined);

    // THEN
    expect(standIn.requests).toHaveLength(2);
  });

  test('gives up on a request that gets no answer within requestTimeoutMs', async () => {
    // GIVEN
    standIn.hang.add('/ecommerce/prod/db/host');

    // WHEN
    const started = Date.now();
    const read = reader({ requestTimeoutMs: 200 }).parameter('/ecommerce/prod/db/host');

    // THEN
    await expect(read).rejects.toThrow("reading parameter '/ecommerce/prod/db/host' timed out after 200 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('ConfigReader while the extension starts', () => {
  test('retries a refused connection until the extension listens, then reads', async () => {
    // GIVEN nothing listens on the port yet
    const port = await freePort();
    const read = new ConfigReader({ port, token: TOKEN, readyTimeoutMs: 5_000, retryDelayMs: 20 }).parameter('/ecommerce/prod/db/host');

    // WHEN the extension comes up a little later
    await new Promise((resolve) => setTimeout(resolve, 300));
    const standIn = await startStandIn(CONTENT, port);
    try {
      // THEN
      await expect(read).resolves.toBe('db.internal.example');
      expect(standIn.requests).toHaveLength(1);
    } finally {
      await standIn.stop();
    }
  });

  test('fails with a not-ready error when the extension never listens', async () => {
    // GIVEN
    const port = await freePort();

    // WHEN
    const read = new ConfigReader({ port, token: TOKEN, readyTimeoutMs: 200, retryDelayMs: 20 }).parameter('/ecommerce/prod/db/host');

    // THEN
    await expect(read).rejects.toThrow("reading parameter '/ecommerce/prod/db/host': the extension was not ready within 200 ms (ECONNREFUSED)");
  });

  test('fails without a session token before any request', async () => {
    // GIVEN
    const previous = process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_SESSION_TOKEN;
    try {
      // WHEN
      const read = new ConfigReader({ port: await freePort() }).secret('any');

      // THEN
      await expect(read).rejects.toThrow("reading secret 'any': AWS_SESSION_TOKEN is not set");
    } finally {
      if (previous !== undefined) process.env.AWS_SESSION_TOKEN = previous;
    }
  });
});
