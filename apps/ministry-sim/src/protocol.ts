import { createHash } from 'node:crypto';

/**
 * The exchange specification v1 (docs/ministry-interface.md) as the ministry's side sees
 * it. Written independently of the registry's client on purpose: the simulator stands in
 * for another party, so a canonicalisation mistake on one side shows up as a
 * CHECKSUM_MISMATCH instead of being shared by both.
 */

export const API_VERSION = '1.1';
export const MAX_INQUIRY_IDS = 1000;
export const MAX_UPLOAD_RECORDS = 1000;
export const MAX_INTERACTIONS_PAGE = 1000;
export const DEFAULT_INTERACTIONS_PAGE = 500;
export const BODY_LIMIT = '8mb';

export const BATCH_ID = /^[A-Za-z0-9._-]{1,100}$/;
export const CURSOR = /^[A-Za-z0-9._-]{1,64}$/;
export const PROVINCE = /^\d{2}$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const INSURANCE_TYPES = ['110', '120', '170', '210', '310', '390', '410', '510'] as const;
export const CONTRIBUTION_STATUSES = ['1', '2', '3'] as const;

export type InteractionKind = 'insured-elsewhere' | 'deceased-elsewhere';

export interface EnrolmentElsewhere {
  provinceCode: string;
  insuranceType: string;
  contributionStatus: string;
  since: string;
}

export interface Interaction {
  cursor: string;
  kind: InteractionKind;
  citizenId: string;
  provinceCode: string;
  recordedAt: string;
  insuranceType?: string;
  contributionStatus?: string;
  since?: string;
  dateOfDeath?: string;
}

/**
 * A province's signed anchor of its event-log hash chain (§3.2.6). The ministry keeps every
 * anchor it receives; a province that later changed an anchored event could not produce a log
 * leading to it. (The simulator checks the shape; checking the Ed25519 signature needs the
 * province's public key, registered out of band.)
 */
export interface UploadAnchor {
  province: string;
  algorithm: string;
  position: number;
  count: number;
  link: string;
  recordedAt: string;
  anchoredAt: string;
  keyId: string;
  signatureAlgorithm: string;
  signature: string;
}

export interface UploadRecord {
  position: number;
  eventId: string;
  eventType: string;
  personId: string;
  citizenId: string;
  source: string;
  occurredAt: string;
  recordedAt: string;
  facts: Record<string, unknown>;
}

/**
 * Canonical JSON (the spec's §4): object members sorted by key (UTF-16 code units), no
 * insignificant whitespace, strings escaped as ECMAScript JSON.stringify does, integers in
 * plain decimal, absent members omitted. Equal to RFC 8785 for the integers-only payloads of v1.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no representation for non-finite numbers');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no representation for ${typeof value}`);
  }
}

/** SHA-256 (lower-case hex) of the canonical JSON of a body without its `checksum` member. */
export function bodyChecksum(body: Record<string, unknown>): string {
  const { checksum: _ignored, ...rest } = body;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Shape and MOD 11-2 check of an 18-character citizen ID (GB 11643-1999). */
export function isCitizenId(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{17}[\dX]$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * WEIGHTS[i];
  return CHECK[sum % 11] === value[17];
}

/** An RFC 9457 problem as the ministry answers it. */
export class MinistryProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'MinistryProblem';
  }

  body(instance?: string): Record<string, unknown> {
    return {
      type: `urn:ministry:problem:${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface FieldError {
  field: string;
  code: string;
}

export function validationFailed(errors: FieldError[]): MinistryProblem {
  // Field paths and rule codes only: never the offending value, which may be an ID number.
  return new MinistryProblem(400, 'VALIDATION_FAILED', 'The request has invalid or missing fields.', { errors: errors.slice(0, 50) });
}
