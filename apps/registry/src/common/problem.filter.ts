import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConcurrencyError } from '@registry/event-store';
import { InvalidQueryError } from '@registry/read-store';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemException, problemType } from './problem';
import { errorFrames, redactCitizenIds } from './redact';

/** Errors that carry their own stable code (domain errors, store errors). */
interface CodedError {
  code: string;
  message: string;
}

/** Maps a domain error code to an HTTP status; everything unlisted is 422 (rule refused). */
const STATUS_BY_CODE_PREFIX: Array<[RegExp, HttpStatus]> = [
  [/_NOT_FOUND$|^PERSON_NOT_REGISTERED$/, HttpStatus.NOT_FOUND],
  [
    /_ALREADY_|^(SUBMISSION|SURVEY)_APPROVAL_(IN_PROGRESS|NOT_STARTED)$|^ENROLLMENT_NOT_SUSPENDED$|^ENROLLMENT_TERMINATED$|^PERSON_DECEASED$|^HOUSEHOLD_CANCELLED$|^DUPLICATE_KEY$/,
    HttpStatus.CONFLICT,
  ],
  [/^READ_MODEL_NOT_READY$|^EVENT_STORE_UNAVAILABLE$/, HttpStatus.SERVICE_UNAVAILABLE],
  [/^ID_|^REGION_|^INVALID_|_REQUIRED$|^VALIDATION_/, HttpStatus.BAD_REQUEST],
];

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * Errors raised by Express middleware before Nest sees the request (body-parser's
 * http-errors: body too large, bad charset, aborted): not HttpExceptions, but they carry
 * their own 4xx status and are marked safe to expose.
 */
function middlewareClientStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = e.status ?? e.statusCode;
  return e.expose === true && typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function isCoded(error: unknown): error is CodedError {
  return (
    error instanceof Error &&
    typeof (error as unknown as Partial<CodedError>).code === 'string' &&
    /^[A-Z][A-Z0-9_]+$/.test((error as unknown as CodedError).code)
  );
}

/**
 * The disk or the database engine refusing a write: a full disk (SQLite's SQLITE_FULL, the
 * file system's ENOSPC) is STORAGE_FULL, any other SQLite failure STORAGE_UNAVAILABLE; both
 * 503, for the write was not made and can be sent again. Their own messages (file paths,
 * SQL) are not passed on.
 */
function storageFault(error: unknown): { code: string; detail: string } | undefined {
  // The stores wrap what the engine threw (EVENT_STORE_UNAVAILABLE with the SQLite error as its cause).
  const codes: string[] = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  if (codes.some((c) => c === 'SQLITE_FULL' || c === 'ENOSPC')) {
    return { code: 'STORAGE_FULL', detail: 'The registry storage is full; nothing was written. Try again once space has been freed.' };
  }
  if (codes.length > 0 && codes[0].startsWith('SQLITE_')) {
    return {
      code: 'STORAGE_UNAVAILABLE',
      detail: 'The registry storage could not complete the operation; nothing was written. Try again.',
    };
  }
  return undefined;
}

/** Builds the problem for any thrown value. Exported for tests. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof ProblemException) {
    return {
      type: problemType(error.code),
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      code: error.code,
      detail: error.detail,
      instance,
      ...error.extensions,
    };
  }
  if (error instanceof ConcurrencyError) {
    return {
      type: problemType('CONCURRENCY_CONFLICT'),
      title: TITLES[409]!,
      status: 409,
      code: 'CONCURRENCY_CONFLICT',
      detail: 'The record was changed by someone else; read it again and retry.',
      instance,
    };
  }
  if (error instanceof InvalidQueryError) {
    return { type: problemType(error.code), title: TITLES[400]!, status: 400, code: error.code, detail: error.message, instance };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const code = HTTP_CODES[status] ?? `HTTP_${status}`;
    // Nest's own errors (body parser, 404 routes, throttler) carry no personal data, but
    // a body-parser message may quote the body: keep only the generic text.
    const detail =
      status === 400 ? 'The request body could not be read.' : redactCitizenIds(typeof body === 'string' ? body : error.message);
    return { type: problemType(code), title: TITLES[status] ?? 'Error', status, code, detail, instance };
  }
  const middlewareStatus = middlewareClientStatus(error);
  if (middlewareStatus !== undefined) {
    const code = HTTP_CODES[middlewareStatus] ?? `HTTP_${middlewareStatus}`;
    const detail =
      middlewareStatus === 413 ? 'The request body is larger than the service accepts.' : 'The request body could not be read.';
    return { type: problemType(code), title: TITLES[middlewareStatus] ?? 'Error', status: middlewareStatus, code, detail, instance };
  }
  const storage = storageFault(error);
  if (storage) {
    return { type: problemType(storage.code), title: TITLES[503]!, status: 503, code: storage.code, detail: storage.detail, instance };
  }
  if (isCoded(error)) {
    const status = STATUS_BY_CODE_PREFIX.find(([re]) => re.test(error.code))?.[1] ?? HttpStatus.UNPROCESSABLE_ENTITY;
    return { type: problemType(error.code), title: TITLES[status] ?? 'Error', status, code: error.code, detail: error.message, instance };
  }
  return {
    type: problemType('INTERNAL_ERROR'),
    title: TITLES[500]!,
    status: 500,
    code: 'INTERNAL_ERROR',
    detail: 'An unexpected error occurred; it has been logged.',
    instance,
  };
}

function isHealthReport(error: unknown): boolean {
  if (!(error instanceof HttpException)) return false;
  const body = error.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body && 'error' in body;
}

/** One filter for every error: RFC 9457 problem+json with a stable code. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const problem = toProblem(error, request?.path === undefined ? undefined : redactCitizenIds(request.path));
    if (problem.status >= 500) {
      // Log the error class, code and frames, never a message that might quote input (the
      // first line of a stack is the message).
      const name = error instanceof Error ? error.name : typeof error;
      const at = error instanceof Error ? errorFrames(error) : undefined;
      this.logger.error({ err: { name, code: (error as Partial<CodedError>)?.code, at } }, 'Unhandled error');
    }
    if (response.headersSent) return;
    if (isHealthReport(error)) {
      // Terminus reports an unhealthy check as 503 with the per-check details: keep them.
      response.status(problem.status).json((error as HttpException).getResponse());
      return;
    }
    if (problem.code === 'STORAGE_FULL' || problem.code === 'STORAGE_UNAVAILABLE') response.setHeader('Retry-After', '30');
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}
