export * from './parameter-tree';
export * from './rotation';
export * from './grants';
