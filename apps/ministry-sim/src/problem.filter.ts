import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MinistryProblem } from './protocol';

/** Every error as application/problem+json with a stable code (spec §6). */
@Catch()
export class SimProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('MinistrySim');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const problem = toProblem(error);
    if (problem.status >= 500) this.logger.error(`Unhandled ${error instanceof Error ? error.name : typeof error}`);
    if (res.headersSent) return;
    // `instance` is the path only: batch ids are safe there, query strings are never echoed.
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(problem.body(req.path)));
  }
}

function toProblem(error: unknown): MinistryProblem {
  if (error instanceof MinistryProblem) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new MinistryProblem(404, 'NOT_FOUND', 'No such endpoint.');
    if (status === 413) return new MinistryProblem(413, 'PAYLOAD_TOO_LARGE', 'The body is larger than 8 MiB.');
    return new MinistryProblem(status, status === 400 ? 'MALFORMED_JSON' : `HTTP_${status}`, 'The request could not be processed.');
  }
  // body-parser errors (too large, not JSON) carry their own 4xx status.
  const e = error as { status?: unknown; expose?: unknown; type?: unknown };
  if (error instanceof Error && e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    if (e.status === 413) return new MinistryProblem(413, 'PAYLOAD_TOO_LARGE', 'The body is larger than 8 MiB.');
    if (e.status === 415) return new MinistryProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json in UTF-8.');
    return new MinistryProblem(400, 'MALFORMED_JSON', 'The body is not valid JSON.');
  }
  return new MinistryProblem(500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
}
