/**
 * MySQL and MariaDB side of the rotation (driver: `mysql2`).
 *
 * Accounts are `'<user>'@'%'`, the host RDS master and application users are created with.
 * Dialects differ in one place: a user changing its own password. MySQL accepts
 * `ALTER USER CURRENT_USER() IDENTIFIED BY`; MariaDB requires the CREATE USER privilege for any
 * ALTER USER and takes `SET PASSWORD = PASSWORD(...)` instead. The server is asked which it is
 * rather than trusting the secret's `engine` field, which users sometimes set to `mysql` for
 * MariaDB.
 */
import { Connection, ConnectionOptions, createConnection } from 'mysql2/promise';
import { grantsForClone } from './mysql-grants';
import { DatabaseAdapter, DbCredentials, RoundTripCounter } from './types';
import { CONNECT_TIMEOUT_MS, SecretEngine, TlsMode } from '../../src/rotation/private/contract';
import { withoutSecret } from '../shared/redaction';

export const ACCOUNT_HOST = '%';

/**
 * ER_ACCESS_DENIED_ERROR: wrong user name or password. MariaDB answers
 * ER_ACCESS_DENIED_NO_PASSWORD_ERROR instead for some accounts that do not exist (yet).
 */
const LOGIN_REJECTED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

interface MysqlError {
  readonly code?: string;
  readonly errno?: number;
  readonly message?: string;
}

export function mysqlConnectionOptions(credentials: DbCredentials): ConnectionOptions {
  return {
    host: credentials.host,
    port: credentials.port,
    // No default database: logging in proves the password, and a user the first rotation has
    // just created holds no privilege on the database yet, which MySQL requires to select it.
    user: credentials.username,
    password: credentials.password,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // verify-full: chain against Node's trusted CAs (plus NODE_EXTRA_CA_CERTS) and host name.
    ssl: credentials.tls === TlsMode.DISABLE ? undefined : { rejectUnauthorized: true, verifyIdentity: true },
    multipleStatements: false,
  };
}

export class MysqlAdapter implements DatabaseAdapter {
  public readonly engines = [SecretEngine.MYSQL, SecretEngine.MARIADB] as const;

  constructor(public readonly roundTrips = new RoundTripCounter()) {}

  public async canLogin(credentials: DbCredentials): Promise<boolean> {
    try {
      const connection = await this.connect(credentials);
      await connection.end();
      return true;
    } catch (err) {
      if (LOGIN_REJECTED.has((err as MysqlError).code ?? '')) return false;
      throw err;
    }
  }

  public async setPassword(asUser: DbCredentials, targetUser: string, newPassword: string): Promise<void> {
    await this.withConnection(asUser, async (connection) => {
      const changesOwn = asUser.username === targetUser;
      let sql: string;
      if (changesOwn && await this.isMariaDb(connection)) {
        sql = connection.format('SET PASSWORD = PASSWORD(?)', [newPassword]);
      } else if (changesOwn) {
        sql = connection.format('ALTER USER CURRENT_USER() IDENTIFIED BY ?', [newPassword]);
      } else {
        sql = connection.format('ALTER USER ?@? IDENTIFIED BY ?', [targetUser, ACCOUNT_HOST, newPassword]);
      }
      await this.executeWithSecret(connection, sql, newPassword, `setting the password of '${targetUser}'@'${ACCOUNT_HOST}'`);
    });
  }

  public async ensureCloneLike(master: DbCredentials, baseUser: string, cloneUser: string, password: string): Promise<void> {
    await this.withConnection(master, async (connection) => {
      const create = connection.format('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [cloneUser, ACCOUNT_HOST, password]);
      await this.executeWithSecret(connection, create, password, `creating '${cloneUser}'@'${ACCOUNT_HOST}'`);

      this.roundTrips.statements++;
      const [rows] = await connection.query(connection.format('SHOW GRANTS FOR ?@?', [baseUser, ACCOUNT_HOST]));
      const lines = (rows as Array<Record<string, string>>).map((row) => Object.values(row)[0]);
      // GRANT only adds: replaying on every rotation picks up privileges the base user gained.
      for (const grant of grantsForClone(lines, baseUser, cloneUser, ACCOUNT_HOST)) {
        await this.executeWithSecret(connection, grant, password, `copying a grant of '${baseUser}' to '${cloneUser}'`);
      }
    });
  }

  public async ensureUser(master: DbCredentials, user: string, password: string): Promise<void> {
    await this.withConnection(master, async (connection) => {
      const account = `'${user}'@'${ACCOUNT_HOST}'`;
      const create = connection.format('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, ACCOUNT_HOST, password]);
      await this.executeWithSecret(connection, create, password, `creating ${account}`);
      // A user that existed keeps its old password through CREATE USER IF NOT EXISTS.
      const alter = connection.format('ALTER USER ?@? IDENTIFIED BY ?', [user, ACCOUNT_HOST, password]);
      await this.executeWithSecret(connection, alter, password, `setting the password of ${account}`);
    });
  }

  public async testLogin(credentials: DbCredentials): Promise<void> {
    await this.withConnection(credentials, async (connection) => {
      this.roundTrips.statements++;
      await connection.query('SELECT 1');
    });
  }

  private async isMariaDb(connection: Connection): Promise<boolean> {
    this.roundTrips.statements++;
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return String((rows as Array<{ version: string }>)[0]?.version).includes('MariaDB');
  }

  /**
   * Runs a statement that holds a secret (password or hash). mysql2 errors carry the full SQL, so
   * the error is replaced by one that names the operation and the server's code only.
   */
  private async executeWithSecret(connection: Connection, sql: string, secret: string, operation: string): Promise<void> {
    this.roundTrips.statements++;
    try {
      await connection.query(sql);
    } catch (err) {
      const { code, errno, message } = err as MysqlError;
      const syntax = code === 'ER_PARSE_ERROR';
      const detail = syntax ? '' : `: ${withoutSecret(message ?? '', secret)}`;
      throw new Error(`${operation} failed (${code ?? 'unknown'} ${errno ?? ''})${detail}`.replace(' )', ')'));
    }
  }

  private async connect(credentials: DbCredentials): Promise<Connection> {
    this.roundTrips.connections++;
    const connection = await createConnection(mysqlConnectionOptions(credentials));
    // A connection that breaks while idle reports through the next query; don't crash the process.
    connection.on('error', () => undefined);
    return connection;
  }

  private async withConnection<T>(credentials: DbCredentials, work: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await this.connect(credentials);
    try {
      return await work(connection);
    } finally {
      await connection.end().catch(() => undefined);
    }
  }
}
