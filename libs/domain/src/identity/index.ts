export * from './citizen-id';
export * from './citizen-id-check';
export * from './citizen-id-normalise';
export * from './citizen-id-similarity';
export * from './person-name';
export * from './citizen-id-repair';
