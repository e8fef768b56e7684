/** @registry/domain — pure domain: value objects, code tables, deciders. */
export * from './shared/result';
export * from './shared/domain-error';
export * from './shared/decider';
export * from './shared/dates';
export * from './shared/digits';
export * from './codes';
export * from './regions';
export * from './identity';
export * from './person';
export * from './coverage';
export * from './self-service';
export * from './reminders';
export * from './survey';
