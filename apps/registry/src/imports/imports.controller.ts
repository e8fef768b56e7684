import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { rm } from 'node:fs/promises';
import { INGEST_SOURCE_KINDS } from '@registry/ingest';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiDownload, ApiProblems, CSV_CONTENT_TYPE } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { ImportViewDto } from './dto/imports.responses';
import { ImportJob } from './import-job';
import { ImportService } from './import.service';

class ImportRequestDto {
  @ApiProperty({ enum: INGEST_SOURCE_KINDS })
  @IsIn(INGEST_SOURCE_KINDS as unknown as string[])
  source: string;

  @ApiPropertyOptional({ enum: ['csv', 'xlsx', 'ndjson'], description: 'Detected from the name and content when absent' })
  @IsOptional()
  @IsIn(['csv', 'xlsx', 'ndjson'])
  format?: string;

  @ApiPropertyOptional({ enum: ['utf-8', 'gb18030', 'gbk'], description: 'Detected (BOM, UTF-8 validity, else GB18030) when absent' })
  @IsOptional()
  @IsIn(['utf-8', 'gb18030', 'gbk'])
  encoding?: string;
}

export function importView(job: ImportJob) {
  const { filePath: _path, fileHash, ...rest } = job;
  return {
    importId: job._id,
    ...rest,
    _id: undefined,
    fileHash,
    reconciled: job.counts.read === job.counts.imported + job.counts.quarantined,
  };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @RequirePermission('import:run')
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['source', 'file'],
      properties: {
        source: { type: 'string', enum: [...INGEST_SOURCE_KINDS] },
        format: { type: 'string', enum: ['csv', 'xlsx', 'ndjson'] },
        encoding: { type: 'string', enum: ['utf-8', 'gb18030', 'gbk'] },
        file: { type: 'string', format: 'binary' },
      },
    },
  })
  @ApiOperation({ summary: 'Start an import of a department file (202 with the import id; the same file again is the same import)' })
  @ApiAcceptedResponse({ type: ImportViewDto, description: 'Queued (or the earlier import of the same file)' })
  @ApiProblems(
    { status: 400, description: 'No file (`IMPORT_FILE_MISSING`), or an unknown source, format or encoding (`VALIDATION_FAILED`)' },
    401,
    403,
    { status: 413, description: 'The file is larger than IMPORT_MAX_BYTES (`PAYLOAD_TOO_LARGE`)' },
  )
  async start(
    @Caller() caller: Principal,
    @Body() dto: ImportRequestDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ): Promise<ImportViewDto> {
    if (!file) throw new ProblemException(HttpStatus.BAD_REQUEST, 'IMPORT_FILE_MISSING', 'Send the file in the multipart field "file".');
    let job: ImportJob;
    try {
      job = await this.imports.submit({
        source: dto.source,
        filePath: file.path,
        fileName: file.originalname,
        format: dto.format,
        encoding: dto.encoding,
        caller,
        channel: 'http',
      });
    } catch (error) {
      await rm(file.path, { force: true });
      throw error;
    }
    // The same file again is the earlier import: this copy of it is not needed.
    if (job.filePath !== file.path) await rm(file.path, { force: true });
    return importView(job);
  }

  private async visible(caller: Principal, id: string): Promise<ImportJob> {
    const job = await this.imports.get(id);
    if (!job || !caller.covers(job.submittedBy.region)) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'IMPORT_NOT_FOUND', 'No import with this id is visible to the caller.');
    }
    return job;
  }

  @Get(':importId')
  @RequirePermission('import:read')
  @ApiOperation({ summary: 'State, progress (bytes, rows/s, ETA) and counts of an import' })
  @ApiOkResponse({ type: ImportViewDto })
  @ApiProblems(400, 401, 403, 404, 431)
  async get(@Caller() caller: Principal, @Param('importId') id: string): Promise<ImportViewDto> {
    return importView(await this.visible(caller, id));
  }

  @Get(':importId/rejections')
  @RequirePermission('import:run')
  @ApiOperation({ summary: 'Download the quarantined rows with their reasons (CSV, UTF-8 with BOM)' })
  @ApiDownload('Quarantined rows: rowNumber, codes, messages, raw (UTF-8 with BOM)', CSV_CONTENT_TYPE)
  @ApiProblems(400, 401, 403, 404, 431)
  async rejections(@Caller() caller: Principal, @Param('importId') id: string, @Res() res: Response): Promise<void> {
    await this.visible(caller, id);
    res.status(200).type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}-rejections.csv"`);
    res.write('\ufeffrowNumber,codes,messages,raw\r\n');
    for await (const r of this.imports.rejections(id)) {
      res.write(`${[r.rowNumber, r.codes, r.messages, r.raw].map(csvCell).join(',')}\r\n`);
    }
    res.end();
  }
}
