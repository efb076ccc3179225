export * from './database-engine';
export * from './database-target';
export * from './rotation-strategy';
export * from './rotating-db-secret';
