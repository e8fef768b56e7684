import { createHash } from 'node:crypto';
import type { ContributionStatus, InsuranceType } from '@registry/domain';

/**
 * The wire format of the ministry exchange, docs/ministry-interface.md (v1). Types mirror
 * the specification's tables; the helpers implement its checksum (§4) and batch-id (§5) rules.
 */

export const MINISTRY_API_PATH = '/ministry/v1';
export const MAX_INQUIRY_IDS = 1000;
export const MAX_UPLOAD_RECORDS = 1000;

/** One enrolment of a person in another province (an inquiry answer). */
export interface EnrolmentElsewhere {
  provinceCode: string;
  /** AAE140 */
  insuranceType: InsuranceType;
  /** AAC031 */
  contributionStatus: ContributionStatus;
  /** YYYY-MM-DD */
  since: string;
}

export interface InquiryResult {
  citizenId: string;
  records: EnrolmentElsewhere[];
}

export interface InquiryRequest {
  batchId: string;
  province: string;
  citizenIds: string[];
  checksum: string;
}

export interface InquiryResponse {
  batchId: string;
  province?: string;
  results: InquiryResult[];
}

/** One verified registration event as uploaded (§3.2). */
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

/** A signed anchor of the province's hash chain over its event log (§3.2.6): the link after `position`. */
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

export interface UploadBatch {
  batchId: string;
  province: string;
  fromPosition: number;
  toPosition: number;
  count: number;
  checksum: string;
  records: UploadRecord[];
  /** The first anchor at or after toPosition (v1.1). */
  anchor?: UploadAnchor;
}

export interface UploadAck {
  batchId: string;
  acknowledged: true;
  position: number;
  records?: number;
  duplicate?: boolean;
  receivedAt?: string;
}

export type InteractionKind = 'insured-elsewhere' | 'deceased-elsewhere';

export interface Interaction {
  cursor: string;
  /** Unknown kinds may appear in later minor versions: receivers skip them. */
  kind: InteractionKind | (string & {});
  citizenId: string;
  provinceCode: string;
  recordedAt?: string;
  insuranceType?: string;
  contributionStatus?: string;
  since?: string;
  dateOfDeath?: string;
}

export interface InteractionsPage {
  province?: string;
  items: Interaction[];
  nextCursor: string | null;
  hasMore: boolean;
}

export interface UploadProgress {
  province: string;
  lastPosition: number;
  lastBatchId: string | null;
}

/**
 * Canonical JSON (§4): object members sorted by key in UTF-16 code-unit order, no
 * whitespace, strings escaped as ECMAScript JSON.stringify does, integers in plain decimal,
 * members whose value is undefined omitted. RFC 8785 for v1's integer-only payloads.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new TypeError(`${typeof value} has no canonical JSON form`);
}

/** SHA-256, lower-case hex, of the canonical JSON of a body without its `checksum` member. */
export function checksumOf(body: Record<string, unknown>): string {
  const { checksum: _omitted, ...rest } = body;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/**
 * An upload batch with its checksum and its id. The id depends only on the positions and
 * the content (`U{province}-{from}-{to}-{checksum[0..16]}`), so a batch rebuilt after a lost
 * answer is the same batch to the ministry.
 */
export function buildUploadBatch(
  province: string,
  fromPosition: number,
  toPosition: number,
  records: UploadRecord[],
  anchor?: UploadAnchor,
): UploadBatch {
  const body = { province, fromPosition, toPosition, count: records.length, records, ...(anchor ? { anchor } : {}) };
  const checksum = checksumOf(body);
  return { batchId: `U${province}-${fromPosition}-${toPosition}-${checksum.slice(0, 16)}`, ...body, checksum };
}

/**
 * An inquiry with a content-derived id (`Q{province}-{24 hex of SHA-256 over the sorted IDs}`);
 * the IDs are sent sorted and without repeats, so the same set always makes the same body.
 */
export function buildInquiry(province: string, citizenIds: string[]): InquiryRequest {
  const ids = [...new Set(citizenIds)].sort();
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex');
  const body = { batchId: `Q${province}-${digest.slice(0, 24)}`, province, citizenIds: ids };
  return { ...body, checksum: checksumOf(body) };
}
