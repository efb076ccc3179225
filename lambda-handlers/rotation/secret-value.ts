/**
 * Parses and checks the JSON of a database secret. Messages name the field and the value received,
 * except for `password`, whose value never appears in a message.
 */
import { DbCredentials } from './types';
import { DbSecretValue, SecretEngine, TlsMode } from '../../src/rotation/private/contract';

const ENGINES = Object.values(SecretEngine) as string[];
const TLS_MODES = Object.values(TlsMode) as string[];

/**
 * A parsed secret. Its engine, host, port, dbname and tls are only compared with the function's
 * configuration, never used to connect.
 */
export interface DbSecret extends Omit<DbCredentials, 'tls'> {
  /** As stored: undefined when the secret does not say. */
  readonly tls?: TlsMode;
  readonly masterarn?: string;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function requireString(json: Record<string, unknown>, field: keyof DbSecretValue, label: string): string {
  const value = json[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${label}: \`${field}\` must be a non-empty string, got: ${describeValue(value)}`);
  }
  return value;
}

/**
 * @param secretString the SecretString of one version
 * @param label which version this is, for messages ("AWSCURRENT", "AWSPENDING", "master secret")
 */
export function parseDbSecret(secretString: string | undefined, label: string): DbSecret {
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? '');
  } catch {
    // The parser's message quotes the text around the error: it could hold the password.
    throw new Error(`${label}: SecretString must be a JSON object with the database connection fields`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${label}: SecretString must be a JSON object with the database connection fields`);
  }
  const fields = json as Record<string, unknown>;

  const password = fields.password;
  if (typeof password !== 'string' || password.length === 0) {
    throw new Error(`${label}: \`password\` must be a non-empty string, got: ${password === undefined ? 'no value' : `a ${typeof password}`}`);
  }

  const engine = requireString(fields, 'engine', label);
  if (!ENGINES.includes(engine)) {
    throw new Error(`${label}: \`engine\` must be one of ${ENGINES.join(', ')}, got: '${engine}'`);
  }

  const port = typeof fields.port === 'string' && /^\d+$/.test(fields.port) ? Number(fields.port) : fields.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${label}: \`port\` must be an integer from 1 to 65535, got: ${describeValue(fields.port)}`);
  }

  const tls = fields.tls;
  if (tls !== undefined && (typeof tls !== 'string' || !TLS_MODES.includes(tls))) {
    throw new Error(`${label}: \`tls\` must be one of ${TLS_MODES.join(', ')}, got: ${describeValue(fields.tls)}`);
  }

  const masterarn = fields.masterarn;
  if (masterarn !== undefined && (typeof masterarn !== 'string' || masterarn.length === 0)) {
    throw new Error(`${label}: \`masterarn\` must be a non-empty string when present, got: ${describeValue(masterarn)}`);
  }

  return {
    engine: engine as SecretEngine,
    host: requireString(fields, 'host', label),
    port,
    dbname: requireString(fields, 'dbname', label),
    username: requireString(fields, 'username', label),
    password,
    tls: tls as TlsMode | undefined,
    masterarn: masterarn as string | undefined,
  };
}

/** Serialises a secret for PutSecretValue, keeping every field the user stored. */
export function withCredentials(secretString: string, username: string, password: string): string {
  const fields = JSON.parse(secretString) as Record<string, unknown>;
  return JSON.stringify({ ...fields, username, password });
}
