export * from './self-service-codes';
export * from './self-service-errors';
export * from './self-service-streams';
export * from './submission';
export * from './phone-verification';
