import { Controller, HttpCode, HttpStatus, Module, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { displayRegionCode } from '@registry/domain';
import { Public } from '../auth/auth.decorators';
import { LookupThrottle } from '../auth/throttle';
import { TokenService } from '../auth/token.service';
import { ApiProblems } from '../common/api-responses';
import { AppConfig } from '../config/app-config';
import { ReferenceData } from '../reference/reference-data.module';

/** The citizens' page is the province's mobile channel: one channel client, named so in the audit trail. */
export const H5_CLIENT = 'h5';
export const H5_CHANNEL = 'mobile';

export class ChannelSessionDto {
  @ApiProperty({ description: 'A channel-client token for the citizens’ endpoints (/v1/public/…) only' })
  token: string;

  @ApiProperty()
  expiresAt: string;

  @ApiProperty({ enum: [H5_CHANNEL] })
  channel: string;
}

/**
 * The citizens' page (/h5) speaks for citizens as the mobile channel: the page asks here for a
 * short-lived channel-client token (one client, `h5`, for the whole province) and uses it on the
 * self-service endpoints, whose limits per phone, per citizen ID and per channel client hold
 * as for any other channel. A citizen proves who they are there, by the code sent to their
 * phone, not here.
 */
@ApiTags('self-service')
@Controller('v1/channel-sessions')
export class ChannelSessionsController {
  constructor(
    private readonly tokens: TokenService,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Public()
  @UseGuards(LookupThrottle)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'A short-lived token of the mobile channel for the citizens’ page (/h5)' })
  @ApiCreatedResponse({ type: ChannelSessionDto })
  @ApiProblems({ status: 429, description: '`RATE_LIMITED` (per address)' }, 431)
  create(@Res({ passthrough: true }) res: Response): ChannelSessionDto {
    res.setHeader('Cache-Control', 'no-store');
    const lifetime = this.config.H5_SESSION_MINUTES * 60;
    return {
      token: this.tokens.sign(
        { sub: H5_CLIENT, roles: ['channel-client'], region: displayRegionCode(this.reference.provinceCode), channel: H5_CHANNEL },
        lifetime,
      ),
      expiresAt: new Date(Date.now() + lifetime * 1000).toISOString(),
      channel: H5_CHANNEL,
    };
  }
}

@Module({ controllers: [ChannelSessionsController] })
export class ChannelSessionsModule {}
