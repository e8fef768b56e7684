import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer', nullable: true } } as const;

export class CoverageColumnDto {
  @ApiProperty({ example: 'insured-local' })
  key: string;
  @ApiProperty({ example: '本省参保' })
  zh: string;
}

export class CoverageRowDto {
  @ApiProperty({ type: 'string', nullable: true, example: '440300' })
  region: string | null;
  @ApiProperty({ example: '深圳市' })
  name: string;
  @ApiProperty({ type: 'string', nullable: true })
  level: string | null;
  @ApiProperty({ enum: ['region', 'child', 'remainder'] })
  kind: string;
  @ApiProperty({ ...COUNTS, description: 'Counts by column key; null where suppressed' })
  values: Record<string, number | null>;
  @ApiProperty({ type: 'number', nullable: true })
  coverageRate: number | null;
  @ApiProperty({ type: [String], description: 'Column keys hidden in this row' })
  suppressed: string[];
  @ApiPropertyOptional({ ...COUNTS, description: 'With since: the change of each count' })
  change?: Record<string, number | null>;
  @ApiProperty({ type: 'number', nullable: true, required: false })
  coverageRateChange?: number | null;
}

export class CoverageReportDto {
  @ApiProperty({ example: '440000' })
  region: string;
  @ApiProperty({ example: '广东省' })
  name: string;
  @ApiProperty({ type: 'string', nullable: true })
  level: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'End of this day (UTC); null = now' })
  asOf: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  since: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'k applied; null when unsuppressed' })
  minCell: number | null;
  @ApiProperty()
  formula: string;
  @ApiProperty({ type: [CoverageColumnDto] })
  columns: CoverageColumnDto[];
  @ApiProperty({ type: [CoverageRowDto] })
  rows: CoverageRowDto[];
}

export class QualityRowDto {
  @ApiProperty({ description: 'Import id, or `<source>:<day>`' })
  unit: string;
  @ApiProperty({ enum: ['import', 'daily'] })
  kind: string;
  @ApiProperty({ type: 'string', nullable: true })
  importId: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  source: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  region: string | null;
  @ApiProperty()
  day: string;
  @ApiProperty({ type: 'integer', nullable: true })
  rows: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  imported: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  quarantined: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  events: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true } })
  completeness: Record<string, number | null>;
  @ApiProperty({ type: 'object', additionalProperties: true })
  validity: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true })
  consistency: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'medianSeconds, p95Seconds' })
  timeliness: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'duplicateRows, unchangedRows' })
  duplicates: Record<string, unknown>;
  @ApiProperty({ type: [String] })
  suppressed: string[];
}

export class DataQualityReportDto {
  @ApiProperty({ type: 'object', additionalProperties: true })
  filters: Record<string, unknown>;
  @ApiProperty({ type: 'integer', nullable: true })
  minCell: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  definitions: Record<string, string>;
  @ApiProperty({ type: [QualityRowDto] })
  rows: QualityRowDto[];
}
