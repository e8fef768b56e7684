import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const OUTCOMES = ['completed', 'failed', 'busy', 'disabled'];

export class ExchangeErrorDto {
  @ApiProperty({ example: 'TIMEOUT' })
  code: string;

  @ApiPropertyOptional({ type: 'integer', description: 'HTTP status the ministry answered with, if it answered' })
  status?: number;

  @ApiProperty()
  at: string;
}

export class ExchangeScheduleDto {
  @ApiProperty({ type: 'integer', description: '0: only on request' })
  uploadIntervalMs: number;

  @ApiProperty({ type: 'integer', description: '0: only on request' })
  downloadIntervalMs: number;

  @ApiProperty({ type: 'integer' })
  maxPendingAgeMs: number;
}

export class UploadStatusDto {
  @ApiProperty({ type: 'integer', description: 'Everything up to this event-log position is acknowledged by the ministry' })
  lastAcknowledgedPosition: number;

  @ApiProperty({ type: 'string', nullable: true })
  lastBatchId: string | null;

  @ApiProperty({ type: 'integer', description: 'Head of the person event log now' })
  headPosition: number;

  @ApiProperty({ type: 'integer', description: 'Positions not yet acknowledged' })
  pendingEvents: number;

  @ApiProperty({ type: 'integer' })
  batchesAcknowledged: number;

  @ApiProperty({ type: 'integer' })
  recordsAcknowledged: number;

  @ApiProperty({ type: 'integer', description: 'Times the ministry’s own progress was adopted after a position mismatch' })
  resyncs: number;

  @ApiProperty({ type: 'string', nullable: true })
  lastRunAt: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  lastSuccessAt: string | null;

  @ApiProperty({ type: 'integer' })
  consecutiveFailures: number;

  @ApiProperty({ type: ExchangeErrorDto, nullable: true })
  lastError: ExchangeErrorDto | null;

  @ApiProperty()
  running: boolean;

  @ApiProperty({ type: 'string', nullable: true, description: 'When the oldest unacknowledged event was recorded' })
  oldestPendingRecordedAt: string | null;
}

const BY_CODE = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export class InteractionsStatusDto {
  @ApiProperty({ type: 'string', nullable: true, description: 'Cursor of the last applied page (null: from the beginning)' })
  cursor: string | null;

  @ApiProperty({ type: 'integer' })
  pages: number;

  @ApiProperty({ type: 'integer' })
  received: number;

  @ApiProperty({ type: 'integer', description: 'Interactions that recorded something on a person' })
  applied: number;

  @ApiProperty({ type: 'integer' })
  alreadyApplied: number;

  @ApiProperty({ type: 'integer', description: 'About persons not in the registry, parked for later runs' })
  unmatched: number;

  @ApiProperty({ type: 'integer' })
  matchedLater: number;

  @ApiProperty({ ...BY_CODE, description: 'Interactions the domain refused, by code' })
  refused: Record<string, number>;

  @ApiProperty({ ...BY_CODE, description: 'Unknown kinds or incomplete items, by reason' })
  skipped: Record<string, number>;

  @ApiProperty({ type: 'string', nullable: true })
  lastRunAt: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  lastSuccessAt: string | null;

  @ApiProperty({ type: 'integer' })
  consecutiveFailures: number;

  @ApiProperty({ type: ExchangeErrorDto, nullable: true })
  lastError: ExchangeErrorDto | null;

  @ApiProperty()
  running: boolean;

  @ApiProperty({ type: 'integer', description: 'Interactions parked now' })
  parkedUnmatched: number;
}

export class ExchangeStatusDto {
  @ApiProperty({ description: 'false without MINISTRY_URL' })
  enabled: boolean;

  @ApiProperty({ example: '44' })
  province: string;

  @ApiProperty({ type: ExchangeScheduleDto })
  schedule: ExchangeScheduleDto;

  @ApiProperty({ type: UploadStatusDto })
  upload: UploadStatusDto;

  @ApiProperty({ type: InteractionsStatusDto })
  interactions: InteractionsStatusDto;
}

export class RunErrorDto {
  @ApiProperty()
  code: string;

  @ApiPropertyOptional({ type: 'integer' })
  status?: number;
}

export class UploadRunDto {
  @ApiProperty({ enum: OUTCOMES })
  outcome: string;

  @ApiProperty({ type: 'integer' })
  fromPosition: number;

  @ApiProperty({ type: 'integer', description: 'Acknowledged position after the run' })
  position: number;

  @ApiProperty({ type: 'integer' })
  batches: number;

  @ApiProperty({ type: 'integer' })
  records: number;

  @ApiProperty({ type: 'integer' })
  pendingEvents: number;

  @ApiPropertyOptional({ type: RunErrorDto })
  error?: RunErrorDto;
}

export class DownloadRunDto {
  @ApiProperty({ enum: OUTCOMES })
  outcome: string;

  @ApiProperty({ type: 'string', nullable: true })
  cursor: string | null;

  @ApiProperty({ type: 'integer' })
  pages: number;

  @ApiProperty({ type: 'integer' })
  received: number;

  @ApiProperty({ type: 'integer' })
  applied: number;

  @ApiProperty({ type: 'integer' })
  alreadyApplied: number;

  @ApiProperty({ type: 'integer' })
  unmatched: number;

  @ApiProperty({ type: 'integer' })
  matchedLater: number;

  @ApiProperty({ type: 'integer' })
  refused: number;

  @ApiProperty({ type: 'integer' })
  skipped: number;

  @ApiPropertyOptional({ type: RunErrorDto })
  error?: RunErrorDto;
}
