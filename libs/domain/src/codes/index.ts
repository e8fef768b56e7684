export * from './code-table';
export * from './insurance-type';
export * from './contribution-status';
export * from './gender';
export * from './household-status';
export * from './coverage-status';
export * from './source-kind';
