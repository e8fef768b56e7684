import { Controller, Get, HttpStatus, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import type { Request, Response } from 'express';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems, CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '../common/api-responses';
import { ApiJsonOrFiles } from '../common/exports/api-tables';
import { TableColumn, negotiateFormat, parseEncoding, sendTable } from '../common/exports/tabular';
import { CoverageReportDto, DataQualityReportDto } from './dto/reports.responses';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { ReferenceData } from '../reference/reference-data.module';
import { chartFont, coverageChartSvg, svgToPng } from './chart';
import { CoverageRow, CoverageService } from './coverage.service';
import { DataQualityService, QualityRow } from './data-quality.service';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

class CoverageQueryDto {
  @ApiPropertyOptional({ description: 'Region (44 or 440000 for the province … 9 digits for a township); default the caller’s region' })
  @IsOptional()
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;

  @ApiPropertyOptional({ description: 'As of the end of this day (YYYY-MM-DD, UTC): what the registry had recorded by then' })
  @IsOptional()
  @Matches(DAY, { message: 'asOf must be a date YYYY-MM-DD' })
  asOf?: string;

  @ApiPropertyOptional({ description: 'Also the change of every count since the end of this earlier day' })
  @IsOptional()
  @Matches(DAY, { message: 'since must be a date YYYY-MM-DD' })
  since?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'xlsx', 'svg', 'png'], description: 'Default from Accept, else JSON' })
  @IsOptional()
  @IsString()
  format?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030'], description: 'CSV encoding (UTF-8 with a byte-order mark by default)' })
  @IsOptional()
  @IsString()
  encoding?: string;
}

class DataQualityQueryDto {
  @ApiPropertyOptional({ description: 'Source kind, e.g. household-registration' })
  @IsOptional()
  @Matches(/^[a-z][a-z-]{1,40}$/, { message: 'source must be a source kind' })
  source?: string;

  @ApiPropertyOptional({ description: 'Imports made from this region and below (default: the caller’s region)' })
  @IsOptional()
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;

  @ApiPropertyOptional({ description: 'One import' })
  @IsOptional()
  @Matches(/^imp_[0-9a-f]{24}$/, { message: 'importId must be an import id' })
  importId?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'xlsx'] })
  @IsOptional()
  @IsString()
  format?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030'] })
  @IsOptional()
  @IsString()
  encoding?: string;
}

const SUPPRESSED_MARK = '*';

/** Coverage and data-quality reports: aggregates, for reporting consumers (small counts suppressed) and staff. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class CoverageReportsController {
  constructor(
    private readonly coverage: CoverageService,
    private readonly quality: DataQualityService,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  @Get('coverage')
  @RequirePermission('report:read')
  @ApiOperation({
    summary:
      'Coverage of a region and each region one level below: household population, insured here by type, insured elsewhere, uninsured, exempt by reason, unresolved, coverage rate; now or as of a past day, and the change since an earlier one',
  })
  @ApiJsonOrFiles(
    CoverageReportDto,
    'JSON, or the same table as CSV/XLSX (Chinese headers), or a chart (SVG/PNG with Chinese labels)',
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    'image/svg+xml',
    'image/png',
  )
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `REGION_UNKNOWN`, `FORMAT_UNKNOWN`, `ENCODING_UNKNOWN`, `SINCE_AFTER_AS_OF`' },
    401,
    { status: 403, description: '`FORBIDDEN`, `REGION_OUT_OF_SCOPE`' },
    431,
    { status: 503, description: '`CHART_FONT_MISSING`: PNG needs a CJK font on the server (SVG does not)' },
  )
  async coverageReport(
    @Caller() caller: Principal,
    @Query() dto: CoverageQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const format = negotiateFormat(dto.format, req.headers.accept, ['svg', 'png'] as const);
    const encoding = parseEncoding(dto.encoding);
    const region = dto.region === undefined ? caller.regionPrefix : this.reference.regionParam(dto.region, 'region');
    this.realDay(dto.asOf, 'asOf');
    this.realDay(dto.since, 'since');
    const report = await this.coverage.report(caller, region, dto.asOf, dto.since);
    if (format === 'json') return report;
    if (format === 'svg' || format === 'png') {
      const svg = await coverageChartSvg(report);
      if (format === 'svg') {
        res.status(200).setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
        res.send(svg);
        return undefined;
      }
      const font = chartFont(this.config.CHART_FONT_FILE);
      if (!font) {
        throw new ProblemException(
          HttpStatus.SERVICE_UNAVAILABLE,
          'CHART_FONT_MISSING',
          'PNG charts need a font with Chinese glyphs on the server: install fonts-wqy-microhei (or fonts-noto-cjk), or set CHART_FONT_FILE; SVG needs none.',
        );
      }
      res.status(200).setHeader('Content-Type', 'image/png');
      res.send(svgToPng(svg, font));
      return undefined;
    }
    const columns: Array<TableColumn<CoverageRow>> = [
      { header: '区划代码', value: (r) => r.region ?? '', width: 12 },
      { header: '区划名称', value: (r) => r.name, width: 24 },
      ...report.columns.map((c) => ({ header: c.zh, value: (r: CoverageRow) => r.values[c.key] ?? SUPPRESSED_MARK })),
      {
        header: '参保率',
        value: (r) => (r.coverageRate === null ? (r.suppressed.includes('coverageRate') ? SUPPRESSED_MARK : '') : r.coverageRate),
      },
      ...(report.since
        ? [
            ...report.columns.map((c) => ({ header: `${c.zh}变化`, value: (r: CoverageRow) => r.change?.[c.key] ?? SUPPRESSED_MARK })),
            { header: '参保率变化', value: (r: CoverageRow) => r.coverageRateChange ?? '' },
          ]
        : []),
    ];
    await sendTable(res, {
      format,
      encoding,
      fileName: `coverage-${report.region}${report.asOf ? `-${report.asOf}` : ''}`,
      sheet: '参保情况',
      columns,
      rows: report.rows,
      preamble: [
        `${report.name} 参保情况${report.asOf ? ` 截至${report.asOf}` : ''}${report.since ? ` 较${report.since}变化` : ''}`,
        '参保率 =（本省参保 + 外省参保）÷（户籍人口 − 免于参保）',
        ...(report.minCell !== null ? [`* 小于${report.minCell}的数及为保护它们而隐去的数不显示`] : []),
      ],
    });
    return undefined;
  }

  @Get('data-quality')
  @RequirePermission('report:read')
  @ApiOperation({
    summary:
      'Data quality per import (and per source and day outside imports): completeness per field, validity by rule code, consistency (conflicts by field), timeliness (median, 95th percentile), duplicates; oldest first, as a trend',
  })
  @ApiJsonOrFiles(DataQualityReportDto, 'JSON, or CSV/XLSX with Chinese headers', CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE)
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `REGION_UNKNOWN`, `FORMAT_UNKNOWN`, `ENCODING_UNKNOWN`' },
    401,
    { status: 403, description: '`FORBIDDEN`, `REGION_OUT_OF_SCOPE`' },
    431,
  )
  async dataQuality(
    @Caller() caller: Principal,
    @Query() dto: DataQualityQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const format = negotiateFormat<never>(dto.format, req.headers.accept);
    const encoding = parseEncoding(dto.encoding);
    const region = dto.region === undefined ? undefined : this.reference.regionParam(dto.region, 'region');
    const report = await this.quality.report(
      caller,
      { source: dto.source, region, importId: dto.importId },
      this.coverage.suppresses(caller),
    );
    if (format === 'json') return report;
    const mark = (v: number | null | undefined) => (v === null || v === undefined ? SUPPRESSED_MARK : v);
    const flat = (m: Record<string, number | null>) =>
      Object.entries(m)
        .map(([k, v]) => `${k}:${v ?? SUPPRESSED_MARK}`)
        .join(' ');
    const columns: Array<TableColumn<QualityRow>> = [
      { header: '批次', value: (r) => r.unit, width: 30 },
      { header: '数据来源', value: (r) => r.source, width: 22 },
      { header: '导入地区', value: (r) => r.region },
      { header: '日期', value: (r) => r.day },
      { header: '读取行数', value: (r) => mark(r.rows) },
      { header: '导入行数', value: (r) => mark(r.imported) },
      { header: '隔离行数', value: (r) => mark(r.quarantined) },
      { header: '有效率', value: (r) => r.validity.validRate ?? '' },
      { header: '完整性(字段:非空率)', value: (r) => flat(r.completeness), width: 50 },
      { header: '有效性-隔离原因', value: (r) => flat(r.validity.rejectedByCode), width: 40 },
      { header: '有效性-警告', value: (r) => flat(r.validity.warningsByCode), width: 40 },
      { header: '一致性-冲突字段', value: (r) => flat(r.consistency.conflictsByField), width: 30 },
      { header: '异常', value: (r) => flat(r.consistency.anomaliesByCode), width: 30 },
      { header: '及时性-中位数(秒)', value: (r) => r.timeliness.medianSeconds },
      { header: '及时性-95分位(秒)', value: (r) => r.timeliness.p95Seconds },
      { header: '重复行', value: (r) => mark(r.duplicates.duplicateRows) },
      { header: '未变更行', value: (r) => mark(r.duplicates.unchangedRows) },
    ];
    await sendTable(res, { format, encoding, fileName: 'data-quality', sheet: '数据质量', columns, rows: report.rows });
    return undefined;
  }

  private realDay(raw: string | undefined, field: string): void {
    if (raw === undefined) return;
    const at = new Date(`${raw}T00:00:00Z`);
    if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== raw) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `${field} must be a real date.`, {
        errors: [{ field, code: 'INVALID_DATE', message: 'a real date YYYY-MM-DD' }],
      });
    }
  }
}
