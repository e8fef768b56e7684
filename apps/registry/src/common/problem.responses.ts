import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One entry of a validation problem's `errors[]` (see createValidationPipe). */
export class ProblemFieldErrorDto {
  @ApiProperty({ description: 'The field, dotted for nested ones', example: 'corrections.birthDate' })
  field: string;

  @ApiProperty({ description: 'Stable code of the rule the field broke', example: 'MATCHES' })
  code: string;

  @ApiProperty({ description: 'For people; names the field and the rule, never the value', example: 'birthDate must be YYYY-MM-DD' })
  message: string;
}

/**
 * The RFC 9457 body every error answers with, as ProblemFilter writes it. Extensions (a
 * failed exchange's `cause`, `position`, …) may follow: the schema does not close the object.
 */
export class ProblemDto {
  @ApiProperty({ description: 'URN naming the problem type; one per code', example: 'urn:registry:problem:validation-failed' })
  type: string;

  @ApiProperty({ description: 'The HTTP status phrase', example: 'Bad Request' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status: number;

  @ApiProperty({ description: 'Stable machine-readable code clients act on', pattern: '^[A-Z][A-Z0-9_]*$', example: 'VALIDATION_FAILED' })
  code: string;

  @ApiProperty({ description: 'For people; never carries personal data', example: 'The request has invalid or unknown fields.' })
  detail: string;

  @ApiPropertyOptional({ description: 'The request path (citizen-ID-shaped parts masked)', example: '/v1/persons' })
  instance?: string;

  @ApiPropertyOptional({ type: [ProblemFieldErrorDto], description: 'Per-field errors of a validation problem' })
  errors?: ProblemFieldErrorDto[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'On a 429 of the phone-code endpoints: seconds until asking again can work (as the Retry-After header)',
  })
  retryAfter?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: '`VERIFICATION_CODE_INVALID`: wrong tries left before the phone is frozen for 15 minutes',
  })
  triesLeft?: number;
}
