/** Rotation function for MySQL and MariaDB secrets (bundles `mysql2` only). */
import { createRotationHandler } from './rotation/handler';
import { MysqlAdapter } from './rotation/mysql-adapter';

export const handler = createRotationHandler({ createAdapter: () => new MysqlAdapter() });
