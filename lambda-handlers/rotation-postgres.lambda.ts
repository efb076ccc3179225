/** Rotation function for PostgreSQL secrets (bundles `pg` only). */
import { createRotationHandler } from './rotation/handler';
import { PostgresAdapter } from './rotation/postgres-adapter';

export const handler = createRotationHandler({ createAdapter: () => new PostgresAdapter() });
