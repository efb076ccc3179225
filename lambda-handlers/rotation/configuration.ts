/**
 * What the construct decided about the database, read from the function's environment. The
 * secret's own fields never choose where a password goes or whether TLS is used: anyone allowed
 * PutSecretValue could otherwise send the master credentials to a host of their choosing.
 */
import { DbCredentials } from './types';
import { ROTATION_ENV, SecretEngine, TlsMode } from '../../src/rotation/private/contract';

/** Where and how every connection of this function goes. */
export type ConfiguredDatabase = Omit<DbCredentials, 'username' | 'password'>;

export interface RotationConfiguration {
  readonly database: ConfiguredDatabase;
  /** Alternating users: the only secret whose credentials act as the master. */
  readonly masterSecretArn?: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`the rotation function's environment must set \`${name}\` (deploy it with RotatingDbSecret), got: no value`);
  }
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: Record<string, T>): T {
  const value = required(env, name);
  const values = Object.values(allowed) as string[];
  if (!values.includes(value)) {
    throw new Error(`\`${name}\` must be one of ${values.join(', ')}, got: '${value}'`);
  }
  return value as T;
}

export function rotationConfigurationFromEnv(env: NodeJS.ProcessEnv = process.env): RotationConfiguration {
  const rawPort = required(env, ROTATION_ENV.DATABASE_PORT);
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
    throw new Error(`\`${ROTATION_ENV.DATABASE_PORT}\` must be an integer from 1 to 65535, got: '${rawPort}'`);
  }
  const masterSecretArn = env[ROTATION_ENV.MASTER_SECRET_ARN];
  return {
    database: {
      engine: oneOf(env, ROTATION_ENV.DATABASE_ENGINE, SecretEngine),
      host: required(env, ROTATION_ENV.DATABASE_HOST),
      port,
      dbname: required(env, ROTATION_ENV.DATABASE_NAME),
      tls: oneOf(env, ROTATION_ENV.DATABASE_TLS, TlsMode),
    },
    masterSecretArn: masterSecretArn ? masterSecretArn : undefined,
  };
}
