import {
  BATCH_ID,
  CURSOR,
  DEFAULT_INTERACTIONS_PAGE,
  FieldError,
  MAX_INQUIRY_IDS,
  MAX_INTERACTIONS_PAGE,
  MAX_UPLOAD_RECORDS,
  MinistryProblem,
  PROVINCE,
  UploadAnchor,
  UploadRecord,
  bodyChecksum,
  isCitizenId,
  validationFailed,
} from './protocol';

const HEX64 = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkChecksum(body: Record<string, unknown>, required: boolean): string {
  const actual = bodyChecksum(body);
  if (body.checksum === undefined && !required) return actual;
  if (typeof body.checksum !== 'string' || !HEX64.test(body.checksum))
    throw validationFailed([{ field: 'checksum', code: 'INVALID_CHECKSUM_FORMAT' }]);
  if (body.checksum !== actual) {
    throw new MinistryProblem(400, 'CHECKSUM_MISMATCH', 'The checksum does not match the canonical JSON of the body.');
  }
  return actual;
}

export interface InquiryRequest {
  batchId: string;
  province: string;
  citizenIds: string[];
  checksum: string;
}

export function parseInquiry(body: unknown): InquiryRequest {
  if (!isObject(body)) throw validationFailed([{ field: '', code: 'NOT_AN_OBJECT' }]);
  const errors: FieldError[] = [];
  if (typeof body.batchId !== 'string' || !BATCH_ID.test(body.batchId)) errors.push({ field: 'batchId', code: 'INVALID_BATCH_ID' });
  if (typeof body.province !== 'string' || !PROVINCE.test(body.province)) errors.push({ field: 'province', code: 'INVALID_PROVINCE' });
  if (!Array.isArray(body.citizenIds) || body.citizenIds.length === 0) errors.push({ field: 'citizenIds', code: 'REQUIRED' });
  else if (body.citizenIds.length > MAX_INQUIRY_IDS) {
    throw new MinistryProblem(413, 'BATCH_TOO_LARGE', `An inquiry carries at most ${MAX_INQUIRY_IDS} citizen IDs.`);
  } else body.citizenIds.forEach((id, i) => isCitizenId(id) || errors.push({ field: `citizenIds[${i}]`, code: 'INVALID_CITIZEN_ID' }));
  if (errors.length > 0) throw validationFailed(errors);
  const checksum = checkChecksum(body, false);
  return { batchId: body.batchId as string, province: body.province as string, citizenIds: body.citizenIds as string[], checksum };
}

export interface UploadRequest {
  province: string;
  fromPosition: number;
  toPosition: number;
  checksum: string;
  records: UploadRecord[];
  anchor?: UploadAnchor;
}

function anchorErrors(anchor: unknown, province: unknown, toPosition: unknown): FieldError[] {
  if (anchor === undefined) return [];
  if (!isObject(anchor)) return [{ field: 'anchor', code: 'NOT_AN_OBJECT' }];
  const errors: FieldError[] = [];
  if (anchor.province !== province) errors.push({ field: 'anchor.province', code: 'PROVINCE_MISMATCH' });
  if (anchor.algorithm !== 'sm3' && anchor.algorithm !== 'sha256') errors.push({ field: 'anchor.algorithm', code: 'INVALID_ALGORITHM' });
  if (!isNonNegativeInteger(anchor.position) || (isNonNegativeInteger(toPosition) && anchor.position < toPosition)) {
    errors.push({ field: 'anchor.position', code: 'ANCHOR_BEFORE_BATCH_END' });
  }
  if (!isNonNegativeInteger(anchor.count)) errors.push({ field: 'anchor.count', code: 'INVALID_COUNT' });
  if (typeof anchor.link !== 'string' || !/^[0-9a-f]{64}$/.test(anchor.link)) errors.push({ field: 'anchor.link', code: 'INVALID_LINK' });
  if (anchor.signatureAlgorithm !== 'ed25519') errors.push({ field: 'anchor.signatureAlgorithm', code: 'INVALID_ALGORITHM' });
  if (typeof anchor.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(anchor.signature)) {
    errors.push({ field: 'anchor.signature', code: 'INVALID_SIGNATURE' });
  }
  for (const f of ['recordedAt', 'anchoredAt', 'keyId'] as const) {
    if (typeof anchor[f] !== 'string' || anchor[f] === '') errors.push({ field: `anchor.${f}`, code: 'REQUIRED' });
  }
  return errors;
}

export function parseUpload(batchId: string, body: unknown): UploadRequest {
  if (!BATCH_ID.test(batchId)) throw validationFailed([{ field: 'batchId', code: 'INVALID_BATCH_ID' }]);
  if (!isObject(body)) throw validationFailed([{ field: '', code: 'NOT_AN_OBJECT' }]);
  const errors: FieldError[] = [];
  if (typeof body.province !== 'string' || !PROVINCE.test(body.province)) errors.push({ field: 'province', code: 'INVALID_PROVINCE' });
  if (!isNonNegativeInteger(body.fromPosition)) errors.push({ field: 'fromPosition', code: 'INVALID_POSITION' });
  if (!isNonNegativeInteger(body.toPosition) || (isNonNegativeInteger(body.fromPosition) && body.toPosition <= body.fromPosition)) {
    errors.push({ field: 'toPosition', code: 'INVALID_POSITION' });
  }
  if (!isNonNegativeInteger(body.count)) errors.push({ field: 'count', code: 'INVALID_COUNT' });
  if (!Array.isArray(body.records)) errors.push({ field: 'records', code: 'REQUIRED' });
  errors.push(...anchorErrors(body.anchor, body.province, body.toPosition));
  if (errors.length > 0) throw validationFailed(errors);
  const records = body.records as unknown[];
  if (records.length > MAX_UPLOAD_RECORDS)
    throw new MinistryProblem(413, 'BATCH_TOO_LARGE', `An upload carries at most ${MAX_UPLOAD_RECORDS} records.`);
  if (body.count !== records.length) throw new MinistryProblem(400, 'COUNT_MISMATCH', 'count differs from the number of records.');
  const from = body.fromPosition as number;
  const to = body.toPosition as number;
  let previous = from;
  records.forEach((r, i) => {
    const at = `records[${i}]`;
    if (!isObject(r)) return errors.push({ field: at, code: 'NOT_AN_OBJECT' });
    if (!isNonNegativeInteger(r.position) || r.position <= previous || r.position > to)
      errors.push({ field: `${at}.position`, code: 'POSITION_OUT_OF_ORDER' });
    else previous = r.position;
    for (const f of ['eventId', 'eventType', 'personId', 'source', 'occurredAt', 'recordedAt'] as const) {
      if (typeof r[f] !== 'string' || r[f] === '') errors.push({ field: `${at}.${f}`, code: 'REQUIRED' });
    }
    if (!isCitizenId(r.citizenId)) errors.push({ field: `${at}.citizenId`, code: 'INVALID_CITIZEN_ID' });
    if (!isObject(r.facts)) errors.push({ field: `${at}.facts`, code: 'NOT_AN_OBJECT' });
    return undefined;
  });
  if (errors.length > 0) throw validationFailed(errors);
  const checksum = checkChecksum(body, true);
  return {
    province: body.province as string,
    fromPosition: from,
    toPosition: to,
    checksum,
    records: records as UploadRecord[],
    ...(body.anchor !== undefined ? { anchor: body.anchor as unknown as UploadAnchor } : {}),
  };
}

export function parseInteractionsQuery(query: Record<string, unknown>): { province: string; after?: string; limit: number } {
  const errors: FieldError[] = [];
  const province = query.province;
  if (typeof province !== 'string' || !PROVINCE.test(province)) errors.push({ field: 'province', code: 'INVALID_PROVINCE' });
  const after = query.after;
  if (after !== undefined && (typeof after !== 'string' || !CURSOR.test(after))) errors.push({ field: 'after', code: 'INVALID_CURSOR' });
  let limit = DEFAULT_INTERACTIONS_PAGE;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INTERACTIONS_PAGE) errors.push({ field: 'limit', code: 'INVALID_LIMIT' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return { province: province as string, after: after as string | undefined, limit };
}

export function parseProvince(query: Record<string, unknown>): string {
  if (typeof query.province !== 'string' || !PROVINCE.test(query.province))
    throw validationFailed([{ field: 'province', code: 'INVALID_PROVINCE' }]);
  return query.province;
}
