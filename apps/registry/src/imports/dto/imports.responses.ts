import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INGEST_SOURCE_KINDS } from '@registry/ingest';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export class ImportCountsDto {
  @ApiProperty({ type: 'integer', description: 'Data rows read (header excluded)' })
  read: number;

  @ApiProperty({ type: 'integer', description: 'Rows applied through the person commands' })
  imported: number;

  @ApiProperty({ type: 'integer', description: 'Rows kept aside with their reasons; read = imported + quarantined' })
  quarantined: number;

  @ApiProperty({ type: 'integer' })
  withWarnings: number;

  @ApiProperty({ type: 'integer', description: 'Imported rows that changed nothing (a re-import)' })
  unchanged: number;

  @ApiProperty({ type: 'integer', description: 'Events appended' })
  events: number;
}

export class ImportProgressDto {
  @ApiProperty({ type: 'integer' })
  bytesRead: number;

  @ApiProperty({ type: 'integer' })
  totalBytes: number;

  @ApiProperty({ minimum: 0, maximum: 1 })
  fraction: number;

  @ApiProperty()
  rowsPerSecond: number;

  @ApiPropertyOptional({ description: 'Estimated seconds to the end' })
  etaSeconds?: number;
}

export class SubmitterDto {
  @ApiProperty()
  operator: string;

  @ApiProperty()
  role: string;

  @ApiProperty()
  region: string;

  @ApiProperty({ example: 'http' })
  channel: string;
}

export class CodedErrorDto {
  @ApiProperty()
  code: string;

  @ApiProperty()
  message: string;
}

/** An import's state as GET /v1/imports/{importId} and POST /v1/imports show it. */
export class ImportViewDto {
  @ApiProperty({ example: 'imp_0123456789abcdef01234567' })
  importId: string;

  @ApiProperty({ enum: INGEST_SOURCE_KINDS })
  source: string;

  @ApiProperty({ description: 'The name the file was uploaded under' })
  fileName: string;

  @ApiProperty({ description: 'SHA-256 of the file: the same file again is the same import' })
  fileHash: string;

  @ApiProperty({ type: 'integer' })
  fileBytes: number;

  @ApiPropertyOptional({ description: 'The uploaded copy was deleted after the import completed' })
  fileRemoved?: boolean;

  @ApiPropertyOptional({ enum: ['csv', 'xlsx', 'ndjson'], description: 'Detected or requested, once the file is opened' })
  format?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030', 'gbk'] })
  encoding?: string;

  @ApiPropertyOptional({ enum: ['csv', 'xlsx', 'ndjson'] })
  requestedFormat?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030', 'gbk'] })
  requestedEncoding?: string;

  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] })
  state: string;

  @ApiProperty({ type: SubmitterDto })
  submittedBy: SubmitterDto;

  @ApiProperty()
  createdAt: string;

  @ApiPropertyOptional()
  startedAt?: string;

  @ApiPropertyOptional()
  finishedAt?: string;

  @ApiProperty({ type: 'integer', description: 'Last row whose outcome is committed; a restart resumes after it' })
  committedRow: number;

  @ApiProperty({ type: ImportCountsDto })
  counts: ImportCountsDto;

  @ApiProperty({ type: ImportProgressDto })
  progress: ImportProgressDto;

  @ApiProperty({ ...COUNTS, description: 'Quarantined rows by reason code' })
  reasonsByCode: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Imported rows by warning code' })
  warningsByCode: Record<string, number>;

  @ApiPropertyOptional({ type: CodedErrorDto, description: 'Why a failed import stopped' })
  error?: CodedErrorDto;

  @ApiProperty({ description: 'read = imported + quarantined' })
  reconciled: boolean;
}
