/**
 * The contract between RotatingDbSecret (synth time) and the rotation handlers (run time).
 * Both sides import this module; nothing here is exported from the package.
 */

/** Engine names as they appear in the secret's `engine` field. */
export enum SecretEngine {
  POSTGRES = 'postgres',
  MYSQL = 'mysql',
  MARIADB = 'mariadb',
}

/**
 * How the handler talks TLS to the database. Chosen by the construct (`DATABASE_TLS`), never by
 * the secret: whoever may write the secret must not be able to turn encryption off.
 */
export enum TlsMode {
  /** Encrypted, certificate checked against the trusted CAs and host name checked. The default. */
  VERIFY_FULL = 'verify-full',
  /** Plaintext. Only when the construct's `insecurePlaintextConnections` says so. */
  DISABLE = 'disable',
}

/** The JSON stored in the secret. */
export interface DbSecretValue {
  readonly engine: SecretEngine;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
  /**
   * Alternating users: ARN of the secret whose credentials create and alter the clone. It must
   * be the one in the function's `MASTER_SECRET_ARN`.
   */
  readonly masterarn?: string;
  /**
   * Informative only: when present it must equal the function's `DATABASE_TLS`, else the
   * rotation stops (a secret asking for less protection than configured has been tampered with).
   */
  readonly tls?: TlsMode;
}

/** Suffix of the second user in the alternating-users strategy. */
export const CLONE_SUFFIX = '_clone';

/** Environment variables of the rotation functions. */
export const ROTATION_ENV = {
  /** Length of generated passwords. */
  PASSWORD_LENGTH: 'PASSWORD_LENGTH',
  /** Characters generated passwords never contain. */
  EXCLUDE_CHARACTERS: 'EXCLUDE_CHARACTERS',
  /**
   * The database the construct was configured for: every connection goes there, whatever the
   * secret's fields say, and the rotation stops when the secret names another one.
   */
  DATABASE_ENGINE: 'DATABASE_ENGINE',
  DATABASE_HOST: 'DATABASE_HOST',
  DATABASE_PORT: 'DATABASE_PORT',
  DATABASE_NAME: 'DATABASE_NAME',
  /** A TlsMode value. */
  DATABASE_TLS: 'DATABASE_TLS',
  /** Alternating users only: the only secret whose credentials may act as the master. */
  MASTER_SECRET_ARN: 'MASTER_SECRET_ARN',
  /** Node.js reads extra CAs from here; the Lambda runtime ships the RDS CAs at RDS_CA_BUNDLE. */
  EXTRA_CA_CERTS: 'NODE_EXTRA_CA_CERTS',
} as const;

/** File in the Node.js Lambda runtimes that holds the Amazon RDS certificate authorities. */
export const RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** Connect timeout for every database connection, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Default excluded characters: safe in connection strings, URLs and shells. */
export const DEFAULT_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\,=^';

/** Default password length. */
export const DEFAULT_PASSWORD_LENGTH = 32;

/**
 * Password lengths the rotation handler accepts in `PASSWORD_LENGTH`: what Secrets Manager's
 * GetRandomPassword can generate (up to 4,096), with a floor of 8 below which it is no password.
 * The handler checks its environment against the service's limits, not against the library's
 * policy, so that it never refuses a value some RotatingDbSecret may legitimately send.
 */
export const HANDLER_PASSWORD_LENGTH = { min: 8, max: 4_096 } as const;

/**
 * Password lengths RotatingDbSecret accepts for `passwordLength`: the library's policy, a range
 * inside HANDLER_PASSWORD_LENGTH (a test holds it there). At least 16 characters, so that a
 * rotated database credential is never weak; at most 128, which every supported engine and
 * client takes. Narrowing or widening it within the handler's range needs no handler change.
 */
export const PASSWORD_LENGTH = { min: 16, max: 128 } as const;

/** Unquoted identifiers every supported engine reads the same way: user and database names. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Longest user name each engine accepts, in bytes (ASCII identifiers: also in characters). */
export const MAX_USERNAME_LENGTH: Record<SecretEngine, number> = {
  // NAMEDATALEN - 1 bytes.
  [SecretEngine.POSTGRES]: 63,
  // MySQL 5.7.8 and later.
  [SecretEngine.MYSQL]: 32,
  // MariaDB 10.6 and later.
  [SecretEngine.MARIADB]: 80,
};

/**
 * User names an engine (or Amazon RDS) keeps for itself: rotating one would break the server's
 * own administration. Lower-case; PostgreSQL folds unquoted names, MySQL compares them as given.
 */
export const RESERVED_USERNAMES: Record<SecretEngine, { readonly names: readonly string[]; readonly prefixes: readonly string[] }> = {
  [SecretEngine.POSTGRES]: {
    names: ['postgres', 'rdsadmin', 'rdsrepladmin', 'rdstopmgr', 'public', 'none', 'current_user', 'current_role', 'session_user'],
    prefixes: ['pg_', 'rds_'],
  },
  [SecretEngine.MYSQL]: {
    names: ['root', 'rdsadmin', 'rdsrepladmin', 'rds_superuser_role', 'mysql', 'public'],
    prefixes: ['mysql.', 'rds_'],
  },
  [SecretEngine.MARIADB]: {
    names: ['root', 'rdsadmin', 'rdsrepladmin', 'mysql', 'mariadb.sys', 'public'],
    prefixes: ['mysql.', 'mariadb.', 'rds_'],
  },
};

/** The reason `username` is reserved on `engine`, or undefined when it is free to use. */
export function reservedUsernameReason(engine: SecretEngine, username: string): string | undefined {
  const reserved = RESERVED_USERNAMES[engine];
  const lower = username.toLowerCase();
  if (reserved.names.includes(lower)) return `'${lower}' is reserved by the engine or Amazon RDS`;
  const prefix = reserved.prefixes.find((p) => lower.startsWith(p));
  return prefix ? `names starting with '${prefix}' are reserved by the engine or Amazon RDS` : undefined;
}
