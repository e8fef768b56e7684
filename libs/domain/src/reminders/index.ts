export * from './reminder';
export * from './reminder-recipient';
export * from './reminder-rules';
export * from './reminder-streams';
