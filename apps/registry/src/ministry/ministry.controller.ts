import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { RequirePermission } from '../auth/auth.decorators';
import { ApiProblems, ProblemResponse } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { DownloadRunDto, ExchangeStatusDto, UploadRunDto } from './dto/ministry.responses';
import { MinistryExchangeService } from './ministry-exchange.service';
import { MinistryInteractionsService } from './ministry-interactions.service';
import { MinistryUploadService } from './ministry-upload.service';

export class DownloadInteractionsDto {
  @ApiProperty({ required: false, description: 'Start again from the first interaction (already applied ones record nothing).' })
  @IsOptional()
  @IsBoolean()
  restart?: boolean;
}

function outcomeProblem(
  outcome: string,
  error?: { code: string; status?: number },
  extensions: Record<string, unknown> = {},
): ProblemException | undefined {
  if (outcome === 'disabled')
    return new ProblemException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'MINISTRY_DISABLED',
      'The ministry exchange is not configured (MINISTRY_URL is unset).',
    );
  if (outcome === 'busy')
    return new ProblemException(HttpStatus.CONFLICT, 'EXCHANGE_BUSY', 'Another instance is running this exchange; try again later.');
  if (outcome === 'failed') {
    return new ProblemException(
      HttpStatus.BAD_GATEWAY,
      'MINISTRY_EXCHANGE_FAILED',
      `The ministry exchange failed (${error?.code ?? 'unknown'}); progress up to the last acknowledgement is kept.`,
      {
        cause: error,
        ...extensions,
      },
    );
  }
  return undefined;
}

const EXCHANGE_PROBLEMS: ProblemResponse[] = [
  { status: 409, description: '`EXCHANGE_BUSY`: another instance is running this exchange' },
  {
    status: 502,
    description:
      '`MINISTRY_EXCHANGE_FAILED`: the ministry failed or did not answer; `cause` names why, progress up to the last acknowledgement is kept',
  },
  { status: 503, description: '`MINISTRY_DISABLED`: the exchange is not configured (MINISTRY_URL unset); or a store is unavailable' },
];

/** Operations on the ministry exchange (部级数据交换): state, upload now, download now. */
@ApiTags('ministry')
@ApiBearerAuth()
@Controller('v1/ministry')
export class MinistryController {
  constructor(
    private readonly exchange: MinistryExchangeService,
    private readonly uploads: MinistryUploadService,
    private readonly downloads: MinistryInteractionsService,
  ) {}

  @Get('exchange')
  @RequirePermission('ops:manage')
  @ApiOperation({ summary: 'Upload position, pending events, failures and interaction-download counts' })
  @ApiOkResponse({ type: ExchangeStatusDto })
  @ApiProblems(401, 403, 503)
  status(): Promise<ExchangeStatusDto> {
    return this.exchange.status();
  }

  @Post('uploads/run')
  @HttpCode(200)
  @RequirePermission('ops:manage')
  @ApiOperation({ summary: 'Upload verified registration data now, from the last acknowledged position' })
  @ApiOkResponse({ type: UploadRunDto })
  @ApiProblems(400, 401, 403, ...EXCHANGE_PROBLEMS)
  async upload(): Promise<UploadRunDto> {
    const result = await this.uploads.uploadNow();
    const problem = outcomeProblem(result.outcome, result.error, { position: result.position, batches: result.batches });
    if (problem) throw problem;
    return result;
  }

  @Post('interactions/download')
  @HttpCode(200)
  @RequirePermission('ops:manage')
  @ApiOperation({ summary: 'Download interaction data now and record it on the persons concerned' })
  @ApiOkResponse({ type: DownloadRunDto })
  @ApiProblems(400, 401, 403, 413, ...EXCHANGE_PROBLEMS)
  async download(@Body() body: DownloadInteractionsDto): Promise<DownloadRunDto> {
    const result = await this.downloads.downloadInteractions({ restart: body?.restart });
    const problem = outcomeProblem(result.outcome, result.error, { cursor: result.cursor, applied: result.applied });
    if (problem) throw problem;
    return result;
  }
}
