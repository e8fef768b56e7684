export * from './registry-coverage';
