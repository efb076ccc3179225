/**
 * PostgreSQL side of the rotation (driver: `pg`).
 *
 * Alternating users: the clone is a LOGIN role that is a member of the base role (INHERIT), so it
 * holds exactly the base role's privileges now and later, with nothing to copy or keep in sync, and
 * objects the base role owns stay usable by both users.
 */
import { Client, ClientConfig } from 'pg';
import { scramSha256Verifier } from './scram';
import { DatabaseAdapter, DbCredentials, RoundTripCounter } from './types';
import { CONNECT_TIMEOUT_MS, SecretEngine, TlsMode } from '../../src/rotation/private/contract';
import { withoutSecret } from '../shared/redaction';

/** SQLSTATEs of a rejected login: invalid_password, invalid_authorization_specification. */
const LOGIN_REJECTED = new Set(['28P01', '28000']);
const DUPLICATE_OBJECT = '42710';

interface PgError {
  readonly code?: string;
  readonly message?: string;
}

export function postgresClientConfig(credentials: DbCredentials): ClientConfig {
  return {
    host: credentials.host,
    port: credentials.port,
    database: credentials.dbname,
    user: credentials.username,
    password: credentials.password,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // verify-full: certificate chain against Node's trusted CAs (plus NODE_EXTRA_CA_CERTS) and
    // host name checked by Node's default checkServerIdentity. `false` only when asked for.
    ssl: credentials.tls === TlsMode.DISABLE ? false : { rejectUnauthorized: true },
    application_name: 'cdk-secure-config-rotation',
  };
}

export class PostgresAdapter implements DatabaseAdapter {
  public readonly engines = [SecretEngine.POSTGRES] as const;

  constructor(public readonly roundTrips = new RoundTripCounter()) {}

  public async canLogin(credentials: DbCredentials): Promise<boolean> {
    try {
      const client = await this.connect(credentials);
      await client.end();
      return true;
    } catch (err) {
      if (LOGIN_REJECTED.has((err as PgError).code ?? '')) return false;
      throw err;
    }
  }

  public async setPassword(asUser: DbCredentials, targetUser: string, newPassword: string): Promise<void> {
    await this.withClient(asUser, async (client) => {
      await this.alterPassword(client, targetUser, newPassword);
    });
  }

  public async ensureCloneLike(master: DbCredentials, baseUser: string, cloneUser: string, password: string): Promise<void> {
    await this.withClient(master, async (client) => {
      const clone = client.escapeIdentifier(cloneUser);
      const exists = await this.query(client, 'SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [cloneUser]);
      if (exists.rowCount === 0) {
        try {
          await this.query(client, `CREATE ROLE ${clone} WITH LOGIN INHERIT PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`);
        } catch (err) {
          // Another run created it in between: carry on, the membership below is what matters.
          if ((err as PgError).code !== DUPLICATE_OBJECT) throw new Error(`CREATE ROLE ${clone} failed (SQLSTATE ${(err as PgError).code})`);
        }
      }
      // Granting a membership that exists is a no-op with a notice, so this is safe to repeat.
      await this.query(client, `GRANT ${client.escapeIdentifier(baseUser)} TO ${clone}`);
    });
  }

  public async ensureUser(master: DbCredentials, user: string, password: string): Promise<void> {
    await this.withClient(master, async (client) => {
      const exists = await this.query(client, 'SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [user]);
      if (exists.rowCount === 0) {
        const role = client.escapeIdentifier(user);
        try {
          await this.query(client, `CREATE ROLE ${role} WITH LOGIN PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`);
          return;
        } catch (err) {
          // Another run created it in between: set its password below.
          if ((err as PgError).code !== DUPLICATE_OBJECT) throw new Error(`CREATE ROLE ${role} failed (SQLSTATE ${(err as PgError).code})`);
        }
      }
      await this.alterPassword(client, user, password);
    });
  }

  public async testLogin(credentials: DbCredentials): Promise<void> {
    await this.withClient(credentials, async (client) => {
      await this.query(client, 'SELECT 1');
    });
  }

  private async alterPassword(client: Client, targetUser: string, newPassword: string): Promise<void> {
    const role = client.escapeIdentifier(targetUser);
    try {
      await this.query(client, `ALTER ROLE ${role} WITH PASSWORD ${client.escapeLiteral(scramSha256Verifier(newPassword))}`);
    } catch (err) {
      // The server's message can quote the statement; keep only its code and a redacted message.
      const { code, message } = err as PgError;
      const detail = code?.startsWith('42') && code !== '42501' ? '' : `: ${withoutSecret(message ?? '', newPassword)}`;
      throw new Error(`ALTER ROLE ${role} failed (SQLSTATE ${code ?? 'unknown'})${detail}`);
    }
  }

  private async connect(credentials: DbCredentials): Promise<Client> {
    const client = new Client(postgresClientConfig(credentials));
    // Errors of a broken idle connection are reported by the next query; don't crash the process.
    client.on('error', () => undefined);
    this.roundTrips.connections++;
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  private async withClient<T>(credentials: DbCredentials, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connect(credentials);
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async query(client: Client, sql: string, values?: unknown[]) {
    this.roundTrips.statements++;
    return client.query(sql, values);
  }
}
