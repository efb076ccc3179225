/**
 * Types shared by the rotation protocol (steps.ts) and the engine adapters. Nothing here imports a
 * database driver, so each handler bundle carries only the driver of its own entry file.
 */
import { DbSecretValue, SecretEngine, TlsMode } from '../../src/rotation/private/contract';

/** The event Secrets Manager sends to a rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** Everything needed to open one database session as one user. */
export type DbCredentials = Pick<DbSecretValue, 'engine' | 'host' | 'port' | 'dbname' | 'username' | 'password'> & {
  /** The construct's choice (`DATABASE_TLS`), never the secret's. */
  readonly tls: TlsMode;
};

/**
 * What the rotation protocol needs from a database. Implementations never put a password into an
 * error message or a log line.
 */
export interface DatabaseAdapter {
  /** Engines this adapter can talk to. */
  readonly engines: readonly SecretEngine[];
  /**
   * True when the credentials log in, false when the server rejects them as wrong. Any other
   * failure (network, TLS, timeout) throws: trying other credentials would not help.
   */
  canLogin(credentials: DbCredentials): Promise<boolean>;
  /** Logged in as `asUser`, sets the password of `targetUser` (which may be `asUser` itself). */
  setPassword(asUser: DbCredentials, targetUser: string, newPassword: string): Promise<void>;
  /**
   * Logged in as `master`, creates `cloneUser` with `password` if it does not exist and gives it
   * the privileges of `baseUser`. Safe to call again.
   */
  ensureCloneLike(master: DbCredentials, baseUser: string, cloneUser: string, password: string): Promise<void>;
  /**
   * Logged in as `master`, creates `user` with `password` (no privileges) if it does not exist,
   * else sets its password to `password`. Safe to call again.
   */
  ensureUser(master: DbCredentials, user: string, password: string): Promise<void>;
  /** Logs in and runs a trivial query; throws when either fails. */
  testLogin(credentials: DbCredentials): Promise<void>;
}

/** Connections and statements an adapter made: the database round trips of a rotation. */
export class RoundTripCounter {
  public connections = 0;
  public statements = 0;

  public get total(): number {
    return this.connections + this.statements;
  }
}
