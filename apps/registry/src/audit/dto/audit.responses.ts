import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuditEntryDto {
  @ApiProperty({ description: '`<position>` for a change, `<position>.<k>` for the k-th person shown by a recorded read', example: '1207' })
  id: string;
  @ApiProperty({ type: 'integer' })
  position: number;
  @ApiProperty({ enum: ['change', 'read', 'system'] })
  kind: string;
  @ApiProperty({ example: 'EnrollmentRecorded' })
  type: string;
  @ApiProperty()
  eventId: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Person id (a keyed hash, never the ID number)' })
  personId: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Staff id of the actor' })
  operator: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  role: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Region the actor acted from' })
  region: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  source: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  channel: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  importId: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  runId: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  correlationId: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  occurredAt: string | null;
  @ApiProperty()
  recordedAt: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'For reads: what was shown' })
  view: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'For changes: source record and non-personal facts',
  })
  evidence: Record<string, unknown> | null;
}

export class AuditEntryPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items: AuditEntryDto[];
  @ApiPropertyOptional({ description: 'Present when more entries follow' })
  nextCursor?: string;
}

export class FindingDto {
  @ApiProperty({ enum: ['altered', 'missing', 'inserted', 'reordered', 'chain-break', 'anchor-mismatch', 'anchor-signature'] })
  kind: string;
  @ApiProperty({ type: 'integer' })
  position: number;
  @ApiPropertyOptional()
  eventId?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'For reordered: where the chain recorded this event' })
  recordedAt?: number;
  @ApiProperty()
  detail: string;
}

export class VerificationDto {
  @ApiProperty()
  ok: boolean;
  @ApiProperty({ enum: ['sm3', 'sha256'] })
  algorithm: string;
  @ApiProperty({ type: 'integer' })
  fromPosition: number;
  @ApiProperty({ type: 'integer' })
  eventsChecked: number;
  @ApiProperty({ type: 'integer', description: 'Last position the chain records' })
  chainedTo: number;
  @ApiProperty({ type: 'integer' })
  anchorsChecked: number;
  @ApiProperty({ type: [FindingDto] })
  findings: FindingDto[];
  @ApiProperty({ type: FindingDto, nullable: true })
  first: FindingDto | null;
  @ApiProperty({ type: 'string', nullable: true })
  lastLink: string | null;
  @ApiProperty({ type: 'integer' })
  durationMs: number;
  @ApiProperty({ type: 'integer' })
  eventsPerSecond: number;
}

export class ReplayCollectionDto {
  @ApiProperty()
  collection: string;
  @ApiProperty({ type: 'integer' })
  compared: number;
  @ApiProperty({ type: 'integer', description: 'Live documents moved by events after the replay’s position (not compared)' })
  newer: number;
  @ApiProperty({ type: 'integer' })
  differences: number;
  @ApiProperty({ type: [String] })
  differingIds: string[];
}

export class ReplayResultDto {
  @ApiProperty()
  projection: string;
  @ApiProperty({ type: 'integer' })
  version: number;
  @ApiProperty({ type: 'integer' })
  upTo: number;
  @ApiProperty({ type: 'integer' })
  differences: number;
  @ApiProperty({ example: '0 differences' })
  summary: string;
  @ApiProperty({ type: [ReplayCollectionDto] })
  collections: ReplayCollectionDto[];
  @ApiProperty({ type: 'integer' })
  durationMs: number;
}
