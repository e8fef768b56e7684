import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, problemType } from './problem';

/** Node's parser codes for requests it refuses before any handler runs, and the status Node gives each. */
const STATUS_BY_PARSER_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
};

const DETAILS: Record<number, string> = {
  400: 'The request is not valid HTTP.',
  408: 'The request did not arrive in time.',
  413: 'The request is larger than the service reads.',
  431: 'The request line or headers are larger than the service reads (HTTP_MAX_HEADER_BYTES); send long values in a body.',
};

/**
 * Requests Node's HTTP parser refuses (a URL or headers over its size limit, malformed
 * HTTP) never reach Nest, so ProblemFilter cannot answer them, and Node's own answer is a
 * bare status. This answers them as every other error: problem+json with a stable code.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A request timing out after its handler began answering (a slow upload) cannot get a second answer.
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_PARSER_CODE[error.code ?? ''] ?? 400;
    const problem: ProblemDetails = {
      type: problemType(CODES[status]),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      code: CODES[status],
      detail: DETAILS[status],
    };
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
      // Closed once the answer is out: a client still trickling bytes must not keep the socket.
      () => socket.destroy(),
    );
    // Nor one that never reads its answer.
    setTimeout(() => socket.destroy(), 1000).unref();
  });
}
