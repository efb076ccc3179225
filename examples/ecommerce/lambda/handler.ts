/**
 * GET /status of the e-commerce API: reads the environment's configuration through the
 * Parameters and Secrets Lambda Extension and checks that the database answers with the
 * application user's current credentials. Never returns or logs a secret value.
 */
import * as fs from 'fs';
import { Client, ClientConfig } from 'pg';
import { ConfigReader } from './config-reader';

/** Where the Node.js Lambda runtimes keep the Amazon RDS certificate authorities. */
const RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** Reused across invocations of one container: its cache spares repeated localhost calls. */
const reader = new ConfigReader();

interface DbSecret {
  readonly host?: string;
  readonly port?: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
  /** 'disable' only for a database without TLS, such as a local test server. */
  readonly tls?: string;
}

export interface StatusBody {
  readonly environment: string;
  readonly featureFlags: string[];
  readonly paymentsConfigured: boolean;
  readonly database: { readonly user: string; readonly serverTime: string };
}

function firstOf(variable: string): string {
  const value = (process.env[variable] ?? '').split(',')[0];
  if (!value) throw new Error(`${variable} is empty: the function needs a ReadOnlyConfigGrant`);
  return value;
}

/** Connection settings: host and port from the tree, user and password from the rotated secret. */
export function connectionConfig(host: string, port: string, secret: DbSecret): ClientConfig {
  return {
    host,
    port: Number(port),
    database: secret.dbname,
    user: secret.username,
    password: secret.password,
    connectionTimeoutMillis: 5_000,
    ssl: secret.tls === 'disable' ? false : { ca: fs.readFileSync(RDS_CA_BUNDLE, 'utf8'), rejectUnauthorized: true },
  };
}

export async function status(): Promise<StatusBody> {
  const root = firstOf('SECURE_CONFIG_PATHS');
  const [host, port, featureFlags, paymentsKey, secretString] = await Promise.all([
    reader.parameter(`${root}/db/host`),
    reader.parameter(`${root}/db/port`),
    reader.stringList(`${root}/feature/flags`),
    reader.parameter(`${root}/payments/api-key`),
    reader.secret(firstOf('SECURE_CONFIG_SECRET_ARNS')),
  ]);
  const secret = JSON.parse(secretString) as DbSecret;
  // A connection per request: after a rotation the next request uses the new user at once.
  const client = new Client(connectionConfig(host, port, secret));
  await client.connect();
  try {
    const result = await client.query<{ now: Date }>('select now() as now');
    return {
      environment: root.split('/').pop() ?? root,
      featureFlags,
      // The placeholder value means "not set yet"; only whether it is set is reported.
      paymentsConfigured: !paymentsKey.startsWith('PLACEHOLDER:'),
      database: { user: secret.username, serverTime: result.rows[0].now.toISOString() },
    };
  } finally {
    await client.end();
  }
}

export async function handler(): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  try {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await status()) };
  } catch (error) {
    // Messages of ConfigReader and pg name what failed, never a value.
    console.error('status failed:', (error as Error).message);
    return { statusCode: 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'configuration or database unavailable' }) };
  }
}
