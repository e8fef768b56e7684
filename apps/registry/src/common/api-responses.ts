import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { ProblemDto, ProblemFieldErrorDto } from './problem.responses';

/** Statuses ProblemFilter answers that an operation can declare. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 422 | 429 | 431 | 502 | 503;

/** A status with the codes this operation answers it with, when the general text says too little. */
export interface ProblemResponse {
  status: ProblemStatus;
  description: string;
}

const DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is invalid: `VALIDATION_FAILED` with `errors[]` per field (unknown fields are `UNKNOWN_FIELD`), or a code naming the bad value',
  401: 'No valid bearer token: `TOKEN_MISSING`, `TOKEN_MALFORMED`, `TOKEN_UNSIGNED`, `TOKEN_EXPIRED`, `TOKEN_INVALID_SIGNATURE`, `TOKEN_CLAIMS_INVALID`',
  403: 'The role lacks the permission (`FORBIDDEN`), or the target lies outside what the caller may act on (`REGION_OUT_OF_SCOPE`, …)',
  404: 'Not found, or outside the caller’s region (the same answer, so nothing is revealed)',
  409: 'The request conflicts with the current state',
  412: 'The person changed since the revision given in `If-Match` (`REVISION_MISMATCH`)',
  413: 'The body is larger than the service accepts (`PAYLOAD_TOO_LARGE`)',
  422: 'A domain rule refuses the command; the code names the rule',
  429: 'Too many requests from this client (`RATE_LIMITED`); retry after the `Retry-After` seconds',
  431: 'The request line or headers are longer than the service reads (`REQUEST_HEADER_FIELDS_TOO_LARGE`): long path or query values',
  502: 'The ministry answered with an error or not at all (`MINISTRY_EXCHANGE_FAILED`); progress up to the last acknowledgement is kept',
  503: 'A store or a dependency is unavailable; retry later',
};

/**
 * Declares the errors an operation answers, each as `application/problem+json` with the
 * Problem schema ProblemFilter writes. A status alone takes the general description; a
 * `{ status, description }` names this operation's codes.
 *
 *   @ApiProblems(400, 401, 403, { status: 409, description: '`COMPARISON_RUNNING`: one run at a time' })
 */
export function ApiProblems(...responses: Array<ProblemStatus | ProblemResponse>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto, ProblemFieldErrorDto),
    ...responses.map((response) => {
      const { status, description } = typeof response === 'number' ? { status: response, description: DESCRIPTIONS[response] } : response;
      return ApiResponse({
        status,
        description,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
        ...(status === 429 && {
          headers: { 'Retry-After': { description: 'Seconds until the client may call again', schema: { type: 'integer' } } },
        }),
      });
    }),
  );
}

export const CSV_CONTENT_TYPE = 'text/csv';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A 200 answer that is a file to save (CSV, XLSX), in each of the content types the operation writes. */
export function ApiDownload(description: string, ...contentTypes: string[]): MethodDecorator & ClassDecorator {
  return ApiOkResponse({
    description,
    content: Object.fromEntries(contentTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
    headers: {
      'Content-Disposition': { description: 'attachment; filename="…"', schema: { type: 'string' } },
    },
  });
}

/**
 * A validator's RegExp as the OpenAPI `pattern` of the same field, so the document asks for
 * what validation accepts. `\d` is spelled [0-9]: tools outside JavaScript (schemathesis in
 * Python) read `\d` as any Unicode digit, which the validator refuses.
 */
export function apiPattern(re: RegExp): string {
  return re.source.replace(/\\d/g, '[0-9]');
}
