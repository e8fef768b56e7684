import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { REMINDER_WITHDRAWAL_REASONS } from '@registry/domain';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems, apiPattern } from '../common/api-responses';
import { RemindersService } from './reminders.service';

const LIST_REGION = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;
const LIMIT = /^\d{1,3}$/;
const RULE_ID = /^[a-z][a-z0-9-]{1,39}$/;
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const STATES = ['scheduled', 'sent', 'delivered', 'failed', 'withdrawn'];

class ReminderListQueryDto {
  @ApiPropertyOptional({ description: 'This region and below (default: the caller’s region)', pattern: apiPattern(LIST_REGION) })
  @IsOptional()
  @Matches(LIST_REGION, { message: 'region must be a 2, 4, 6, 9 or 12 digit division code' })
  region?: string;

  @ApiPropertyOptional({ enum: STATES })
  @IsOptional()
  @IsIn(STATES)
  state?: string;

  @ApiPropertyOptional({ description: 'A rule id of the reminder rules file', pattern: apiPattern(RULE_ID) })
  @IsOptional()
  @Matches(RULE_ID, { message: 'rule must be a rule id' })
  rule?: string;

  @ApiPropertyOptional({ description: 'One person’s reminders', pattern: apiPattern(PERSON_ID) })
  @IsOptional()
  @Matches(PERSON_ID, { message: 'personId must be a person id' })
  personId?: string;

  @ApiPropertyOptional({ description: 'Page size, 1-500 (default 50)', pattern: apiPattern(LIMIT) })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be a number from 1 to 500' })
  limit?: string;

  @ApiPropertyOptional({ description: 'Cursor from the previous page', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

export class OptOutDto {
  @ApiPropertyOptional({ description: 'The person by citizen ID (in the body only); give this or personId', minLength: 15, maxLength: 40 })
  @IsOptional()
  @IsString()
  @Length(15, 40)
  citizenId?: string;

  @ApiPropertyOptional({ description: 'The person by id; give this or citizenId', pattern: apiPattern(PERSON_ID) })
  @IsOptional()
  @Matches(PERSON_ID, { message: 'personId must be a person id' })
  personId?: string;
}

export class ReminderItemDto {
  @ApiProperty({ example: 'p_abcdefghijklmnopqrstuvwxyz.uninsured-invitation.2025Q2', description: 'Person, rule and period' })
  reminderId: string;

  @ApiProperty({ example: 'p_abcdefghijklmnopqrstuvwxyz' })
  personId: string;

  @ApiProperty({ example: 'uninsured-invitation' })
  rule: string;

  @ApiProperty({ example: '2025Q2', description: 'once, a year (2025), a quarter (2025Q2) or a month (2025-06)' })
  period: string;

  @ApiProperty()
  template: string;

  @ApiProperty({ enum: STATES, description: 'scheduled (also after a failure that will be retried), sent, delivered, failed, withdrawn' })
  state: string;

  @ApiProperty({ nullable: true, type: String, description: 'The person’s household region when scheduled', example: '440305001' })
  region: string | null;

  @ApiProperty({ type: 'integer' })
  attempts: number;

  @ApiProperty({ format: 'date-time' })
  scheduledAt: string;

  @ApiPropertyOptional({ format: 'date-time' })
  sentAt?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  deliveredAt?: string;

  @ApiPropertyOptional({ description: 'The last failure’s code', example: 'HTTP_503' })
  failure?: string;

  @ApiPropertyOptional({ enum: REMINDER_WITHDRAWAL_REASONS })
  withdrawnReason?: string;
}

export class ReminderPageDto {
  @ApiProperty({ type: [ReminderItemDto] })
  items: ReminderItemDto[];

  @ApiPropertyOptional({ description: 'Present when more items follow: pass it as `cursor`' })
  nextCursor?: string;
}

export class OptOutAnswerDto {
  @ApiProperty({ example: 'p_abcdefghijklmnopqrstuvwxyz' })
  personId: string;

  @ApiProperty({ enum: [true] })
  optedOut: boolean;

  @ApiProperty({
    type: [String],
    description: 'Events this request recorded; empty when the person had opted out before',
    example: ['RemindersOptedOut'],
  })
  recorded: string[];
}

@ApiTags('reminders')
@ApiBearerAuth()
@Controller('v1/reminders')
export class RemindersController {
  constructor(private readonly reminders: RemindersService) {}

  @Get()
  @RequirePermission('reminder:read')
  @ApiOperation({ summary: 'Reminders of persons in the caller’s region: rule, period, state and delivery' })
  @ApiOkResponse({ type: ReminderPageDto })
  @ApiProblems(400, 401, 403, 431, 503)
  list(@Caller() caller: Principal, @Query() query: ReminderListQueryDto): Promise<ReminderPageDto> {
    const limit = query.limit === undefined ? undefined : Math.min(500, Math.max(1, Number(query.limit)));
    return this.reminders.list(caller, { ...query, limit });
  }

  @Post('opt-outs')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('reminder:opt-out')
  @ApiOperation({ summary: 'Record that a person wants no reminders (an event on their recipient stream); honoured from the next send on' })
  @ApiOkResponse({ type: OptOutAnswerDto })
  @ApiProblems(400, 401, 403, { status: 404, description: 'No such person in the caller’s region (`PERSON_NOT_FOUND`)' }, 413, 503)
  optOut(@Caller() caller: Principal, @Body() dto: OptOutDto): Promise<OptOutAnswerDto> {
    return this.reminders.optOut(caller, dto);
  }
}
