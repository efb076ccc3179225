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
