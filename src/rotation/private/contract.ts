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

/** How the handler talks TLS to the database, from the secret's `tls` field. */
export enum TlsMode {
  /** Encrypted, certificate checked against the trusted CAs and host name checked. The default. */
  VERIFY_FULL = 'verify-full',
  /** Plaintext. Only when the secret says so explicitly. */
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
  /** Alternating users: ARN of the secret whose credentials create and alter the clone. */
  readonly masterarn?: string;
  /** @default verify-full */
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
