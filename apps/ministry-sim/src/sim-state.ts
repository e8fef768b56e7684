import { EnrolmentElsewhere, Interaction, InteractionKind, MinistryProblem, UploadAnchor, UploadRecord } from './protocol';

/** One fact the simulated ministry knows about a person of some province. */
export interface SeedRecord {
  citizenId: string;
  /** The province where the person's household is registered: the one that inquires and downloads. Default: the ID's first two digits. */
  homeProvince?: string;
  kind: InteractionKind;
  /** Where the person is insured or died. */
  provinceCode: string;
  insuranceType?: string;
  contributionStatus?: string;
  since?: string;
  dateOfDeath?: string;
  /** When the ministry learned it (default: the seeding time). */
  recordedAt?: string;
}

interface StoredBatch {
  batchId: string;
  checksum: string;
  fromPosition: number;
  toPosition: number;
  count: number;
  receivedAt: string;
}

interface ProvinceUploads {
  lastPosition: number;
  lastBatchId: string | null;
  batches: Map<string, StoredBatch>;
  /** Records by event id: the same event arriving twice is counted in `duplicateRecords`. */
  records: Map<string, UploadRecord>;
  /** The province's chain anchors received, by anchored position. */
  anchors: Map<number, UploadAnchor>;
}

export interface UploadStats {
  /** Batches accepted and stored (a re-acknowledged batch counts once). */
  batches: number;
  /** Records stored. */
  records: number;
  /** Repeats of a stored batch (same id, same checksum) acknowledged again without storing. */
  duplicateBatches: number;
  /** Batches refused because their id was stored with another checksum (409 BATCH_CONFLICT). */
  conflictsRefused: number;
  /** Batches refused because they did not continue from the last acknowledged position (409 POSITION_MISMATCH). */
  positionMismatches: number;
  /** Records whose event id had already been stored by an earlier batch: a sender bug if ever > 0. */
  duplicateRecords: number;
  byProvince: Record<string, { lastPosition: number; lastBatchId: string | null; batches: number; records: number }>;
}

export interface AcceptedUpload {
  batchId: string;
  position: number;
  duplicate: boolean;
  records: number;
  receivedAt: string;
}

/**
 * Everything the simulated ministry holds, in memory: what it knows about persons
 * (answers to inquiries and the interaction feed) and what provinces uploaded.
 */
export class SimState {
  private readonly enrolments = new Map<string, Array<EnrolmentElsewhere & { homeProvince: string }>>();
  private readonly interactions: Array<Interaction & { homeProvince: string }> = [];
  private readonly uploads = new Map<string, ProvinceUploads>();
  private readonly inquiries = new Map<string, string>();
  private sequence = 0;
  private readonly counters = {
    duplicateBatches: 0,
    conflictsRefused: 0,
    positionMismatches: 0,
    duplicateRecords: 0,
    inquiries: 0,
    inquiredIds: 0,
    inquiryConflicts: 0,
  };

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Adds facts: each becomes an interaction for its home province, and enrolments answer inquiries. */
  seed(records: Iterable<SeedRecord>): number {
    let added = 0;
    for (const r of records) {
      const homeProvince = r.homeProvince ?? r.citizenId.slice(0, 2);
      if (r.kind === 'insured-elsewhere') {
        const enrolment = {
          homeProvince,
          provinceCode: r.provinceCode,
          insuranceType: r.insuranceType ?? '390',
          contributionStatus: r.contributionStatus ?? '1',
          since: r.since ?? this.now().toISOString().slice(0, 10),
        };
        const list = this.enrolments.get(r.citizenId);
        if (list) list.push(enrolment);
        else this.enrolments.set(r.citizenId, [enrolment]);
      }
      this.sequence++;
      this.interactions.push({
        cursor: `i${String(this.sequence).padStart(12, '0')}`,
        homeProvince,
        kind: r.kind,
        citizenId: r.citizenId,
        provinceCode: r.provinceCode,
        recordedAt: r.recordedAt ?? this.now().toISOString(),
        ...(r.kind === 'insured-elsewhere'
          ? {
              insuranceType: r.insuranceType ?? '390',
              contributionStatus: r.contributionStatus ?? '1',
              since: r.since ?? this.now().toISOString().slice(0, 10),
            }
          : { dateOfDeath: r.dateOfDeath }),
      });
      added++;
    }
    return added;
  }

  inquire(
    province: string,
    batchId: string,
    checksum: string,
    citizenIds: string[],
  ): Array<{ citizenId: string; records: EnrolmentElsewhere[] }> {
    const known = this.inquiries.get(batchId);
    if (known !== undefined && known !== checksum) {
      this.counters.inquiryConflicts++;
      throw new MinistryProblem(409, 'BATCH_CONFLICT', 'This batch id was used before for a different inquiry.', { batchId });
    }
    this.inquiries.set(batchId, checksum);
    this.counters.inquiries++;
    this.counters.inquiredIds += citizenIds.length;
    return citizenIds.map((citizenId) => ({
      citizenId,
      records: (this.enrolments.get(citizenId) ?? [])
        // Persons of the asking province insured somewhere else: its own enrolments it knows.
        .filter((e) => e.homeProvince === province && e.provinceCode !== province)
        .map(({ homeProvince: _home, ...e }) => e),
    }));
  }

  interactionsAfter(
    province: string,
    after: string | undefined,
    limit: number,
  ): { items: Interaction[]; nextCursor: string | null; hasMore: boolean } {
    const mine = this.interactions.filter((i) => i.homeProvince === province && (after === undefined || i.cursor > after));
    const page = mine.slice(0, limit).map(({ homeProvince: _home, ...i }) => i);
    return {
      items: page,
      nextCursor: page.length > 0 ? page[page.length - 1].cursor : (after ?? null),
      hasMore: mine.length > limit,
    };
  }

  private provinceUploads(province: string): ProvinceUploads {
    let p = this.uploads.get(province);
    if (!p) {
      p = { lastPosition: 0, lastBatchId: null, batches: new Map(), records: new Map(), anchors: new Map() };
      this.uploads.set(province, p);
    }
    return p;
  }

  /**
   * Stores a verified batch (checksum, count and positions already checked by the caller).
   * A stored batch id with the same checksum is acknowledged again and stores nothing; with
   * another checksum it is refused. A new batch must continue from the last acknowledged
   * position, which is what makes the upload gap-free.
   */
  acceptUpload(
    province: string,
    batchId: string,
    checksum: string,
    fromPosition: number,
    toPosition: number,
    records: UploadRecord[],
    anchor?: UploadAnchor,
  ): AcceptedUpload {
    const p = this.provinceUploads(province);
    const stored = p.batches.get(batchId);
    if (stored) {
      if (stored.checksum !== checksum) {
        this.counters.conflictsRefused++;
        throw new MinistryProblem(409, 'BATCH_CONFLICT', 'This batch id was stored before with a different checksum.', { batchId });
      }
      this.counters.duplicateBatches++;
      return { batchId, position: stored.toPosition, duplicate: true, records: stored.count, receivedAt: stored.receivedAt };
    }
    if (fromPosition !== p.lastPosition) {
      this.counters.positionMismatches++;
      throw new MinistryProblem(409, 'POSITION_MISMATCH', 'The batch does not continue from the last acknowledged position.', {
        batchId,
        lastPosition: p.lastPosition,
        lastBatchId: p.lastBatchId,
      });
    }
    const receivedAt = this.now().toISOString();
    for (const r of records) {
      if (p.records.has(r.eventId)) this.counters.duplicateRecords++;
      else p.records.set(r.eventId, r);
    }
    p.batches.set(batchId, { batchId, checksum, fromPosition, toPosition, count: records.length, receivedAt });
    if (anchor && !p.anchors.has(anchor.position)) p.anchors.set(anchor.position, anchor);
    p.lastPosition = toPosition;
    p.lastBatchId = batchId;
    return { batchId, position: toPosition, duplicate: false, records: records.length, receivedAt };
  }

  progress(province: string): {
    province: string;
    lastPosition: number;
    lastBatchId: string | null;
    batches: number;
    records: number;
    lastAnchor: UploadAnchor | null;
  } {
    const p = this.provinceUploads(province);
    const anchors = [...p.anchors.values()].sort((a, b) => a.position - b.position);
    return {
      province,
      lastPosition: p.lastPosition,
      lastBatchId: p.lastBatchId,
      batches: p.batches.size,
      records: p.records.size,
      lastAnchor: anchors[anchors.length - 1] ?? null,
    };
  }

  /** The anchors a province sent, oldest first. */
  anchorsOf(province: string): UploadAnchor[] {
    return [...this.provinceUploads(province).anchors.values()].sort((a, b) => a.position - b.position);
  }

  stats(): UploadStats {
    let batches = 0;
    let records = 0;
    const byProvince: UploadStats['byProvince'] = {};
    for (const [province, p] of this.uploads) {
      batches += p.batches.size;
      records += p.records.size;
      byProvince[province] = { lastPosition: p.lastPosition, lastBatchId: p.lastBatchId, batches: p.batches.size, records: p.records.size };
    }
    const { duplicateBatches, conflictsRefused, positionMismatches, duplicateRecords } = this.counters;
    return { batches, records, duplicateBatches, conflictsRefused, positionMismatches, duplicateRecords, byProvince };
  }

  /** Uploaded records of a province in position order (tests compare them with the sender's log). */
  uploadedRecords(province: string): UploadRecord[] {
    return [...this.provinceUploads(province).records.values()].sort((a, b) => a.position - b.position);
  }

  get interactionCount(): number {
    return this.interactions.length;
  }

  get inquiryCounts(): { inquiries: number; inquiredIds: number; inquiryConflicts: number } {
    return { inquiries: this.counters.inquiries, inquiredIds: this.counters.inquiredIds, inquiryConflicts: this.counters.inquiryConflicts };
  }

  /** Forgets uploads (not the seeded facts): a ministry whose upload store was reset. */
  resetUploads(): void {
    this.uploads.clear();
    this.counters.duplicateBatches = 0;
    this.counters.conflictsRefused = 0;
    this.counters.positionMismatches = 0;
    this.counters.duplicateRecords = 0;
  }
}
