import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ApiProblems } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { ReferenceData } from '../reference/reference-data.module';
import { AccountsService } from './accounts/accounts.service';
import { Authenticated, AuthenticatedRequest, Public } from './auth.decorators';
import { Principal } from './principal';
import { PERMISSIONS, ROLES } from './roles';
import { LookupThrottle } from './throttle';
import { TokenService } from './token.service';

class SignInDto {
  @ApiProperty({ example: 'wang.fang', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @ApiProperty({ format: 'password', maxLength: 256 })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password: string;
}

export class SessionPrincipalDto {
  @ApiProperty({ description: 'Staff id (the token’s subject)' })
  subject: string;

  @ApiProperty({ type: [String], enum: ROLES })
  roles: string[];

  @ApiProperty({ description: 'Division code the caller works in (its region and everything below)', example: '440305' })
  region: string;

  @ApiPropertyOptional({ description: 'The region’s name', example: '南山区' })
  regionName?: string;

  @ApiProperty({ type: [String], enum: PERMISSIONS, description: 'What the roles allow (the console shows only what they allow)' })
  permissions: string[];
}

export class SessionDto {
  @ApiProperty({ description: 'Bearer token for the API (Authorization: Bearer …)' })
  token: string;

  @ApiProperty({ description: 'When the token stops working (SESSION_LIFETIME_MINUTES after sign-in)' })
  expiresAt: string;

  @ApiProperty({ enum: ['password'] })
  method: string;

  @ApiProperty({ type: SessionPrincipalDto })
  principal: SessionPrincipalDto;
}

export class CurrentSessionDto {
  @ApiPropertyOptional({ description: 'When the presented token stops working' })
  expiresAt?: string;

  @ApiProperty({ enum: ['password', 'oidc'], description: 'A token this service signed, or the identity provider’s' })
  method: string;

  @ApiProperty({ type: SessionPrincipalDto })
  principal: SessionPrincipalDto;
}

export class OidcOptionsDto {
  @ApiProperty()
  issuer: string;

  @ApiProperty()
  clientId: string;

  @ApiProperty()
  scope: string;

  @ApiProperty()
  authorizationEndpoint: string;

  @ApiProperty()
  tokenEndpoint: string;
}

export class SignInOptionsDto {
  @ApiProperty({ description: 'Local accounts (created with the CLI) can sign in' })
  password: boolean;

  @ApiPropertyOptional({ type: OidcOptionsDto, description: 'Present when the province identity provider is configured for the console' })
  oidc?: OidcOptionsDto;
}

/**
 * Sign-in for people: a local account's password exchanged for the same kind of bearer token
 * the CLI prints, and the description of a token the console holds (its own, or the identity
 * provider's). Sessions are tokens: they end at their expiry, and the console forgets them on
 * sign-out.
 */
@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokenService,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Public()
  @UseGuards(LookupThrottle)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Sign in with a local account: a bearer token valid for SESSION_LIFETIME_MINUTES' })
  @ApiCreatedResponse({ type: SessionDto })
  @ApiProblems(
    400,
    { status: 401, description: '`SIGN_IN_FAILED`: unknown username or wrong password (the same answer for both)' },
    { status: 403, description: '`ACCOUNT_DISABLED`: the right password for a disabled account' },
    413,
    { status: 429, description: '`ACCOUNT_LOCKED` (5 wrong passwords in a row: 15 minutes, Retry-After) or `RATE_LIMITED` (per address)' },
    431,
  )
  async signIn(@Body() dto: SignInDto, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const session = await this.accounts.signIn(dto.username.trim().toLowerCase(), dto.password);
      return { ...session, principal: this.describe(session.principal) };
    } catch (error) {
      if (error instanceof ProblemException && typeof error.extensions.retryAfter === 'number') {
        res.setHeader('Retry-After', String(error.extensions.retryAfter));
      }
      throw error;
    }
  }

  @Get('current')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who the presented token names: roles, region, permissions and expiry (any valid token)' })
  @ApiOkResponse({ type: CurrentSessionDto })
  @ApiProblems(401, 431, { status: 503, description: '`TOKEN_KEYS_UNAVAILABLE`: the identity provider’s keys could not be fetched' })
  current(@Req() req: AuthenticatedRequest): CurrentSessionDto {
    return {
      expiresAt: req.tokenExpiresAt,
      method: req.tokenOrigin === 'oidc' ? 'oidc' : 'password',
      principal: this.describe(req.principal!),
    };
  }

  @Get('options')
  @Public()
  @ApiOperation({
    summary: 'How staff can sign in: local accounts, and the identity provider’s endpoints when one is configured for the console',
  })
  @ApiOkResponse({ type: SignInOptionsDto })
  @ApiProblems(431)
  async options(): Promise<SignInOptionsDto> {
    const oidc = this.tokens.oidc;
    if (!oidc || !this.config.OIDC_CLIENT_ID) return { password: true };
    try {
      const metadata = await oidc.discover();
      if (!metadata.authorization_endpoint || !metadata.token_endpoint) return { password: true };
      return {
        password: true,
        oidc: {
          issuer: metadata.issuer,
          clientId: this.config.OIDC_CLIENT_ID,
          scope: this.config.OIDC_SCOPE,
          authorizationEndpoint: metadata.authorization_endpoint,
          tokenEndpoint: metadata.token_endpoint,
        },
      };
    } catch {
      // The provider is unreachable: local accounts still work, so the page still opens.
      return { password: true };
    }
  }

  private describe(principal: Principal): SessionPrincipalDto {
    return {
      subject: principal.subject,
      roles: [...principal.roles],
      region: principal.region,
      regionName: this.reference.regions.get(principal.regionPrefix)?.name,
      permissions: [...principal.permissions].sort(),
    };
  }
}
