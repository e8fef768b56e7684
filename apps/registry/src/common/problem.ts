import { HttpStatus } from '@nestjs/common';

/**
 * An RFC 9457 problem detail. `code` is the stable, machine-readable identifier clients
 * code against; `detail` is for people and never carries personal data.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; code: string; message: string }>;
  [extension: string]: unknown;
}

/** Thrown by controllers and handlers for an error with a stable code. */
export class ProblemException extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:registry:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}
