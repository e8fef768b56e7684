/** @registry/ingest — reading, mapping and cleaning department files; a synthetic province for tests and benchmarks. */
export * from './source-kinds';
export * from './mapping/field-specs';
export * from './mapping/mapping';
export * from './mapping/resolve-headers';
export * from './readers/types';
export { countRows, openRecords } from './readers/open-records';
export { DEFAULT_READ_LIMITS, IngestError, KEPT_RAW_BYTES } from './readers/limits';
export type { IngestErrorCode, ReadLimits } from './readers/limits';
export { detectEncoding, detectFormat } from './readers/detect';
export type { EncodingGuess } from './readers/detect';
export * from './cleaning/issues';
export * from './cleaning/canonical-record';
export * from './cleaning/cleaner';
export { parseDepartmentDate, excelSerialToIso } from './cleaning/dates';
export { HashSet64 } from './shared/hash-set64';
export { findRepoRoot, defaultMappingDir } from './shared/repo-root';
export { generateProvince } from './generator/generate-province';
export type {
  GenerateProvinceOptions,
  ProvinceManifest,
  GeneratedFile,
  TruePerson,
  TrueRecord,
  TrueCoverage,
  Enrolment,
} from './generator/generate-province';
export { DEFAULT_NOISE_RATES } from './generator/noise';
export type { NoiseRates } from './generator/noise';
