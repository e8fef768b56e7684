/** @registry/linkage — Fellegi–Sunter record linkage of department records to registry persons. Pure except the config loader. */
export * from './compare/values';
export * from './compare/comparators';
export { jaroWinkler } from './compare/jaro-winkler';
export * from './config/linkage-config';
export { BLOCK_KEY_RULES, BLOCK_KEY_NAMES } from './blocking/block-keys';
export type { BlockKeyFunction, BlockKeyRule } from './blocking/block-keys';
export { Linker } from './linker';
export { IdColumn } from './id-column';
export type { CandidateComparison, FieldEvidence, LinkagePerson, LinkDecision, LinkerOptions, LinkOutcome } from './linker';
export { estimateWeights } from './estimate/estimate-weights';
export type { EstimatedWeights, EstimateWeightsOptions } from './estimate/estimate-weights';
export { scoreLinkage } from './score/score-linkage';
export type { LinkageScore } from './score/score-linkage';
