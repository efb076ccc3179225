export * from './parameter-value';
export * from './secure-parameter-tree';
export * from './parameter-store-throughput';
