export * from './config-consumer';
export * from './config-extension';
export * from './read-only-config-grant';
