/**
 * Test databases for the rotation suites: one fixture per server, each able to create a database
 * with a user that owns some privileges, check logins, list privileges, and clean up.
 */
import { randomBytes } from 'crypto';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { PrivatePostgres } from './private-postgres';
import { MysqlAdapter } from '../../../../lambda-handlers/rotation/mysql-adapter';
import { PostgresAdapter } from '../../../../lambda-handlers/rotation/postgres-adapter';
import { DatabaseAdapter, RoundTripCounter } from '../../../../lambda-handlers/rotation/types';
import { SecretEngine, TlsMode, DbSecretValue } from '../../../../src/rotation/private/contract';
import { MARIADB_ADMIN } from '../../../support/services';

export interface TestDatabase {
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
}

export interface EngineFixture {
  readonly engine: SecretEngine;
  readonly host: string;
  readonly port: number;
  /** The master user for alternating users, made by `start`. */
  readonly master: { readonly username: string; readonly password: string };
  createAdapter(counter?: RoundTripCounter): DatabaseAdapter;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(): Promise<TestDatabase>;
  dropDatabase(db: TestDatabase): Promise<void>;
  logsIn(username: string, password: string, dbname: string): Promise<boolean>;
  /** Changes a password behind the rotation's back. */
  changePassword(username: string, password: string): Promise<void>;
  /** Drops a user and its privileges on `dbname`, as if it had never been created. */
  dropUser(username: string, dbname: string): Promise<void>;
  /** The privileges `username` holds, in a form comparable between two users. */
  privileges(username: string, dbname: string): Promise<string[]>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A password the servers accept in a literal: no quotes or backslashes. */
export function testPassword(canary = ''): string {
  return `${canary}${randomBytes(12).toString('base64url')}`;
}

export function secretFor(fixture: EngineFixture, db: TestDatabase, extra: Partial<DbSecretValue> = {}): DbSecretValue {
  return {
    engine: fixture.engine,
    host: fixture.host,
    port: fixture.port,
    dbname: db.dbname,
    username: db.username,
    password: db.password,
    tls: TlsMode.DISABLE,
    ...extra,
  };
}

export class PostgresFixture implements EngineFixture {
  public readonly engine = SecretEngine.POSTGRES;
  public readonly master = { username: uniqueName('csc_master'), password: testPassword() };

  constructor(private readonly server: PrivatePostgres) {}

  public get host() { return this.server.host; }
  public get port() { return this.server.port; }

  public createAdapter(counter?: RoundTripCounter): DatabaseAdapter {
    return new PostgresAdapter(counter);
  }

  public async start(): Promise<void> {
    // CREATEROLE but not superuser, like the master user of an RDS instance.
    await this.admin('postgres', async (c) => {
      await c.query(`CREATE ROLE ${this.master.username} LOGIN CREATEROLE PASSWORD '${this.master.password}'`);
    });
  }

  public async stop(): Promise<void> {
    await this.admin('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${this.master.username}`));
  }

  public async createDatabase(): Promise<TestDatabase> {
    const db = { dbname: uniqueName('csc_db'), username: uniqueName('csc_user'), password: testPassword() };
    await this.admin('postgres', async (c) => {
      await c.query(`CREATE DATABASE ${db.dbname}`);
      await c.query(`CREATE ROLE ${db.username} LOGIN PASSWORD '${db.password}'`);
      await c.query(`GRANT CONNECT ON DATABASE ${db.dbname} TO ${db.username}`);
    });
    await this.admin(db.dbname, async (c) => {
      await c.query('CREATE TABLE public.orders (id int)');
      await c.query('CREATE TABLE public.audit (id int)');
      await c.query(`GRANT SELECT, INSERT ON public.orders TO ${db.username}`);
    });
    return db;
  }

  public async dropDatabase(db: TestDatabase): Promise<void> {
    await this.admin('postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${db.dbname} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${db.username}_clone`);
      await c.query(`DROP ROLE IF EXISTS ${db.username}`);
    });
  }

  public async changePassword(username: string, password: string): Promise<void> {
    await this.admin('postgres', (c) => c.query(`ALTER ROLE ${username} PASSWORD '${password}'`));
  }

  public async dropUser(username: string, dbname: string): Promise<void> {
    // DROP OWNED also revokes its privileges, which DROP ROLE would otherwise refuse to leave behind.
    await this.admin(dbname, (c) => c.query(`DROP OWNED BY ${username}`));
    await this.admin('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${username}`));
  }

  public async logsIn(username: string, password: string, dbname: string): Promise<boolean> {
    const client = new Client({ host: this.host, port: this.port, user: username, password, database: dbname, ssl: false });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (err) {
      if (['28P01', '28000'].includes((err as { code?: string }).code ?? '')) return false;
      throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  public async privileges(username: string, dbname: string): Promise<string[]> {
    return this.admin(dbname, async (c) => {
      const checks = [
        ['database', `has_database_privilege($1, '${dbname}', 'CONNECT')`],
        ['database CREATE', `has_database_privilege($1, '${dbname}', 'CREATE')`],
        ...['SELECT', 'INSERT', 'UPDATE', 'DELETE'].flatMap((p) => [
          [`orders ${p}`, `has_table_privilege($1, 'public.orders', '${p}')`],
          [`audit ${p}`, `has_table_privilege($1, 'public.audit', '${p}')`],
        ]),
      ];
      const result = await c.query(`SELECT ${checks.map(([, expr], i) => `${expr} AS c${i}`).join(', ')}`, [username]);
      return checks.filter((_, i) => result.rows[0][`c${i}`] === true).map(([name]) => name);
    });
  }

  private async admin<T>(database: string, work: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      host: this.host, port: this.port, user: this.server.superuser, password: this.server.superuserPassword, database, ssl: false,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/** MariaDB on the shared server; `engine` is `mariadb` or `mysql` (no MySQL server here). */
export class MariaDbFixture implements EngineFixture {
  public readonly host = MARIADB_ADMIN.host;
  public readonly port = MARIADB_ADMIN.port;
  public readonly master = { username: uniqueName('csc_master'), password: testPassword() };

  constructor(public readonly engine: SecretEngine = SecretEngine.MARIADB) {}

  public createAdapter(counter?: RoundTripCounter): DatabaseAdapter {
    return new MysqlAdapter(counter);
  }

  public async start(): Promise<void> {
    await this.admin(async (c) => {
      await c.query('CREATE USER ?@? IDENTIFIED BY ?', [this.master.username, '%', this.master.password]);
      await c.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [this.master.username, '%']);
    });
  }

  public async stop(): Promise<void> {
    await this.admin((c) => c.query('DROP USER IF EXISTS ?@?', [this.master.username, '%']));
  }

  public async createDatabase(): Promise<TestDatabase> {
    const db = { dbname: uniqueName('csc_db'), username: uniqueName('csc_user'), password: testPassword() };
    await this.admin(async (c) => {
      await c.query(`CREATE DATABASE \`${db.dbname}\``);
      await c.query(`CREATE TABLE \`${db.dbname}\`.orders (id int)`);
      await c.query('CREATE USER ?@? IDENTIFIED BY ?', [db.username, '%', db.password]);
      await c.query(`GRANT SELECT, INSERT ON \`${db.dbname}\`.* TO ?@?`, [db.username, '%']);
      await c.query(`GRANT UPDATE (id) ON \`${db.dbname}\`.orders TO ?@?`, [db.username, '%']);
    });
    return db;
  }

  public async dropDatabase(db: TestDatabase): Promise<void> {
    await this.admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS \`${db.dbname}\``);
      await c.query('DROP USER IF EXISTS ?@?', [db.username, '%']);
      await c.query('DROP USER IF EXISTS ?@?', [`${db.username}_clone`, '%']);
    });
  }

  public async changePassword(username: string, password: string): Promise<void> {
    await this.admin((c) => c.query('ALTER USER ?@? IDENTIFIED BY ?', [username, '%', password]));
  }

  public async dropUser(username: string, _dbname: string): Promise<void> {
    await this.admin((c) => c.query('DROP USER IF EXISTS ?@?', [username, '%']));
  }

  /** Whether the server accepts the password; `dbname` is not selected, as the adapter does not. */
  public async logsIn(username: string, password: string, _dbname: string): Promise<boolean> {
    try {
      const c = await createConnection({ host: this.host, port: this.port, user: username, password });
      await c.query('SELECT 1');
      await c.end();
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR') return false;
      throw err;
    }
  }

  public async privileges(username: string): Promise<string[]> {
    return this.admin(async (c) => {
      const [rows] = await c.query('SHOW GRANTS FOR ?@?', [username, '%']);
      return (rows as Array<Record<string, string>>)
        .map((row) => Object.values(row)[0])
        .map((line) => line.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '').split(`\`${username}\``).join('`<user>`'))
        .sort();
    });
  }

  private async admin<T>(work: (c: import('mysql2/promise').Connection) => Promise<T>): Promise<T> {
    const c = await createConnection({ host: this.host, port: this.port, user: MARIADB_ADMIN.user, password: MARIADB_ADMIN.password });
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  }
}
