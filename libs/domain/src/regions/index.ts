export * from './region-level';
export * from './region-table';
export * from './region-code';
export * from './historical-regions.data';
export * from './division-tables';
