import { MAX_USERNAME_LENGTH, SecretEngine } from './contract';
import { DatabaseEngine } from '../database-engine';

/** What RotatingDbSecret needs to know about each engine. */
export interface EngineFacts {
  /** The value of the secret's `engine` field, which picks the handler's dialect. */
  readonly secretEngine: SecretEngine;
  /** Longest user name the engine accepts, in bytes. */
  readonly maxUsernameLength: number;
  /** Longest database name the engine accepts, in bytes. */
  readonly maxDatabaseNameLength: number;
  /** The name users know the engine by, for messages. */
  readonly displayName: string;
}

const FACTS: Record<DatabaseEngine, EngineFacts> = {
  [DatabaseEngine.POSTGRES]: {
    secretEngine: SecretEngine.POSTGRES,
    maxUsernameLength: MAX_USERNAME_LENGTH[SecretEngine.POSTGRES],
    maxDatabaseNameLength: 63,
    displayName: 'PostgreSQL',
  },
  [DatabaseEngine.MYSQL]: {
    secretEngine: SecretEngine.MYSQL,
    maxUsernameLength: MAX_USERNAME_LENGTH[SecretEngine.MYSQL],
    maxDatabaseNameLength: 64,
    displayName: 'MySQL',
  },
  [DatabaseEngine.MARIADB]: {
    secretEngine: SecretEngine.MARIADB,
    maxUsernameLength: MAX_USERNAME_LENGTH[SecretEngine.MARIADB],
    maxDatabaseNameLength: 64,
    displayName: 'MariaDB',
  },
};

export function engineFacts(engine: DatabaseEngine): EngineFacts {
  return FACTS[engine];
}

/**
 * The engine of an RDS engine description (`engineType` such as 'postgres', 'aurora-mysql' or
 * 'mariadb'), or undefined for engines this library cannot rotate (Oracle, SQL Server, ...).
 */
export function engineFromRdsEngineType(engineType: string | undefined): DatabaseEngine | undefined {
  switch (engineType) {
    case 'postgres':
    case 'aurora-postgresql':
      return DatabaseEngine.POSTGRES;
    case 'mysql':
    case 'aurora-mysql':
    case 'aurora':
      return DatabaseEngine.MYSQL;
    case 'mariadb':
      return DatabaseEngine.MARIADB;
    default:
      return undefined;
  }
}
