export * from './projection';
export * from './naming';
export * from './batch';
export * from './registry';
export * from './lease';
export * from './worker';
export * from './runner';
export * from './pump';
