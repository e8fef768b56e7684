import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { displayRegionCode } from '@registry/domain';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems, CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '../common/api-responses';
import { ApiJsonOrFiles } from '../common/exports/api-tables';
import { TableColumn, negotiateFormat, parseEncoding, sendTable } from '../common/exports/tabular';
import { AuditEntryPageDto, ReplayResultDto, VerificationDto } from './dto/audit.responses';
import { ProblemException } from '../common/problem';
import { ReferenceData } from '../reference/reference-data.module';
import { AuditEntry } from './audit-entries';
import { AuditService, EntryQuery } from './audit.service';

const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export class AuditEntriesQueryDto {
  @ApiPropertyOptional({ description: 'A person id: their changes, and who read them' })
  @IsOptional()
  @Matches(/^p_[a-z2-7]{26}$/, { message: 'person must be a person id' })
  person?: string;

  @ApiPropertyOptional({ description: 'Staff id of the acting operator (or a service client’s subject)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  operator?: string;

  @ApiPropertyOptional({ description: 'Region the actor acted from, and everything below it (default: the caller’s region)' })
  @IsOptional()
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;

  @ApiPropertyOptional({ description: 'Recorded at or after (YYYY-MM-DD or ISO 8601 timestamp)' })
  @IsOptional()
  @Matches(TIME, { message: 'from must be a date or an ISO 8601 timestamp' })
  from?: string;

  @ApiPropertyOptional({ description: 'Recorded at or before (a date means the whole day)' })
  @IsOptional()
  @Matches(TIME, { message: 'to must be a date or an ISO 8601 timestamp' })
  to?: string;

  @ApiPropertyOptional({ description: 'Event type, e.g. EnrollmentRecorded, PersonalDataRead' })
  @IsOptional()
  @Matches(/^[A-Z][A-Za-z]{1,80}$/, { message: 'type must be an event type' })
  type?: string;

  @ApiPropertyOptional({ description: 'Source system (household-registration, insurance-enrollment, operator …)' })
  @IsOptional()
  @Matches(/^[a-z][a-z-]{1,40}$/, { message: 'source must be a source kind' })
  source?: string;

  @ApiPropertyOptional({ enum: ['http', 'import', 'cli', 'comparison', 'system'] })
  @IsOptional()
  @IsIn(['http', 'import', 'cli', 'comparison', 'system'])
  channel?: string;

  @ApiPropertyOptional({ description: 'Changes of one import' })
  @IsOptional()
  @Matches(/^imp_[0-9a-f]{24}$/, { message: 'importId must be an import id' })
  importId?: string;

  @ApiPropertyOptional({ enum: ['change', 'read', 'system'] })
  @IsOptional()
  @IsIn(['change', 'read', 'system'])
  kind?: 'change' | 'read' | 'system';

  @ApiPropertyOptional({ description: 'Page size, 1-1000 (default 100)' })
  @IsOptional()
  @Matches(/^\d{1,4}$/, { message: 'limit must be a number' })
  limit?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'xlsx'], description: 'csv or xlsx exports every matching entry (up to 1,000,000)' })
  @IsOptional()
  @IsString()
  format?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030'], description: 'CSV encoding (UTF-8 with a byte-order mark by default)' })
  @IsOptional()
  @IsString()
  encoding?: string;
}

export class ReplayDto {
  @ApiProperty({ description: 'The read model (projection) to rebuild into a shadow and compare: persons, audit' })
  @Matches(/^[a-z][a-z0-9_]{0,40}$/, { message: 'readModel must be a read model name' })
  readModel: string;
}

export class VerificationQueryDto {
  @ApiPropertyOptional({ description: 'Start from the stored anchor at this position (the walk covers what follows it)' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'fromAnchor must be an anchored position' })
  fromAnchor?: string;
}

const EXPORT_MAX = 1_000_000;

/** The audit trail's columns, headed in Chinese, as exported. */
const ENTRY_COLUMNS: ReadonlyArray<TableColumn<AuditEntry>> = [
  { header: '条目', value: (e) => e.id, width: 14 },
  { header: '日志位置', value: (e) => e.position },
  { header: '类别', value: (e) => ({ change: '变更', read: '查阅', system: '系统' })[e.kind] },
  { header: '事件类型', value: (e) => e.type, width: 26 },
  { header: '事件编号', value: (e) => e.eventId, width: 38 },
  { header: '人员编号', value: (e) => e.personId, width: 30 },
  { header: '操作人', value: (e) => e.operator, width: 20 },
  { header: '角色', value: (e) => e.role, width: 18 },
  { header: '操作地区', value: (e) => e.region },
  { header: '数据来源', value: (e) => e.source, width: 22 },
  { header: '渠道', value: (e) => e.channel },
  { header: '导入批次', value: (e) => e.importId, width: 30 },
  { header: '比对运行', value: (e) => e.runId, width: 30 },
  { header: '发生时间', value: (e) => e.occurredAt, width: 26 },
  { header: '记录时间', value: (e) => e.recordedAt, width: 26 },
  { header: '查阅内容', value: (e) => e.view, width: 18 },
  { header: '依据', value: (e) => (e.evidence ? JSON.stringify(e.evidence) : null), width: 40 },
];

function instant(raw: string | undefined, end: boolean): string | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : raw;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'from and to must be real dates.');
  return at.toISOString();
}

/** Auditors (and the province administrator): who changed and who read what, the chain's verification, replays. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly reference: ReferenceData,
  ) {}

  @Get('entries')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary:
      'The audit trail: one entry per event (a change) and per person shown by a recorded read, in log order, filtered; CSV or XLSX export',
  })
  @ApiJsonOrFiles(
    AuditEntryPageDto,
    'A page of entries (JSON), or a CSV/XLSX file of every matching entry',
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
  )
  @ApiProblems(
    {
      status: 400,
      description: 'A bad filter (`VALIDATION_FAILED`, `REGION_UNKNOWN`, `INVALID_CURSOR`), `FORMAT_UNKNOWN`, `ENCODING_UNKNOWN`',
    },
    401,
    { status: 403, description: '`FORBIDDEN`, or `REGION_OUT_OF_SCOPE` for a region outside the caller’s' },
    { status: 404, description: '`PERSON_NOT_FOUND`: the person does not exist or lies outside the caller’s region' },
    431,
  )
  async entries(
    @Caller() caller: Principal,
    @Query() dto: AuditEntriesQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const format = negotiateFormat<never>(dto.format, req.headers.accept);
    const encoding = parseEncoding(dto.encoding);
    const region = dto.region === undefined ? undefined : this.reference.regionParam(dto.region, 'region');
    if (region !== undefined && !caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const query: EntryQuery = {
      person: dto.person,
      operator: dto.operator,
      region,
      from: instant(dto.from, false),
      to: instant(dto.to, true),
      type: dto.type,
      source: dto.source,
      channel: dto.channel,
      importId: dto.importId,
      kind: dto.kind,
    };
    if (format === 'json') {
      const limit = Math.min(Math.max(Number(dto.limit ?? 100), 1), 1000);
      const page = await this.audit.entries(caller, query, limit, dto.cursor);
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    }
    await sendTable(res, {
      format,
      encoding,
      fileName: 'audit-entries',
      sheet: '审计记录',
      columns: ENTRY_COLUMNS,
      rows: mapAsync(this.audit.allEntries(caller, query, EXPORT_MAX), view),
    });
    return undefined;
  }

  @Post('replays')
  @HttpCode(200)
  @RequirePermission('audit:read')
  @ApiOperation({
    summary:
      'Rebuilds a read model from the first event into a shadow beside the live one and compares them document by document; answers when done (one replay at a time)',
  })
  @ApiOkResponse({
    type: ReplayResultDto,
    description: '`differences` (0 when the live model is what the log makes of it) and the differing documents’ ids per collection',
  })
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `READ_MODEL_UNKNOWN`' },
    401,
    { status: 403, description: '`FORBIDDEN`, or `REGION_OUT_OF_SCOPE` for a caller below province level' },
    { status: 409, description: '`REPLAY_RUNNING`, `READ_MODEL_REBUILDING`, `READ_MODEL_NOT_LIVE`' },
  )
  async replay(@Caller() caller: Principal, @Body() dto: ReplayDto) {
    this.provinceWide(caller);
    const result = await this.audit.replay(dto.readModel);
    return { ...result, summary: result.differences === 0 ? '0 differences' : `${result.differences} differences` };
  }

  @Get('verification')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary:
      'Walks the event log against the hash chain and the signed anchors: `ok`, and the first altered, missing, inserted or reordered event by position',
  })
  @ApiOkResponse({ type: VerificationDto, description: 'The verification result: `ok`, `first`, `findings[]`, events checked, speed' })
  @ApiProblems(400, 401, 403, { status: 404, description: '`ANCHOR_NOT_FOUND`: no stored anchor at fromAnchor' }, 431, {
    status: 503,
    description: '`AUDIT_NOT_READY`: the chain has not been built yet',
  })
  async verification(@Query() dto: VerificationQueryDto) {
    let fromAnchor;
    if (dto.fromAnchor !== undefined) {
      const position = Number(dto.fromAnchor);
      fromAnchor = (await this.audit.storedAnchors()).find((a) => a.position === position);
      if (!fromAnchor) throw new ProblemException(HttpStatus.NOT_FOUND, 'ANCHOR_NOT_FOUND', 'No stored anchor at that position.');
    }
    return this.audit.verify(fromAnchor);
  }

  /** The whole log is the province's: only callers covering the province verify or replay it. */
  private provinceWide(caller: Principal): void {
    if (!caller.covers(this.reference.provinceCode)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', 'Verification and replays cover the whole province.');
    }
  }
}

function view(e: AuditEntry): AuditEntry {
  return { ...e, region: e.region && /^\d+$/.test(e.region) ? displayRegionCode(e.region) : e.region };
}

async function* mapAsync<A, B>(source: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of source) yield f(a);
}
