export * from './parameter-value';
export * from './secure-parameter-tree';
