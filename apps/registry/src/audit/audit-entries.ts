import type { RecordedEvent } from '@registry/event-store';
import { PERSONAL_DATA_DISCLOSED, PERSONAL_DATA_READ, PersonalDataReadData } from './audit-events';
import type { SegmentKind } from './audit.projection';

/**
 * One line of the audit trail: a change (an event) or one person shown by a recorded read.
 * Nothing personal in clear: persons by their person id, staff by their staff id, facts of
 * changes without their sealed personal part.
 */
export interface AuditEntry {
  /** `<position>` for an event, `<position>.<k>` for the k-th person of a recorded read. */
  id: string;
  position: number;
  kind: SegmentKind;
  type: string;
  eventId: string;
  personId: string | null;
  operator: string | null;
  role: string | null;
  /** The acting caller's region (six digits for a province or city). */
  region: string | null;
  source: string | null;
  channel: string | null;
  /** The import this came from, when it did. */
  importId: string | null;
  /** The comparison run, when one decided it. */
  runId: string | null;
  correlationId: string | null;
  occurredAt: string | null;
  recordedAt: string;
  /** For reads: what was shown (person, history, persons-list …). */
  view: string | null;
  /** For changes: the source record and the non-personal facts that justify the event. */
  evidence: Record<string, unknown> | null;
}

const EVIDENCE_FIELDS = [
  'sourceRecordId',
  'insuranceType',
  'contributionStatus',
  'provinceCode',
  'since',
  'effectiveDate',
  'reason',
  'anomaly',
  'field',
  'fields',
  'currentSource',
  'status',
  'previousStatus',
  'exemptionReason',
  'evidence',
  'flags',
  'runId',
  'recordRef',
  'recordSource',
  'decidedBy',
  'reviewer',
  'score',
  'corroborating',
  'importId',
  'counts',
] as const;

/** What an event rests on, without its personal part (and without birth dates or genders, which are the person's). */
export function evidenceOf(event: RecordedEvent): Record<string, unknown> | null {
  const data = event.data as Record<string, unknown> | null;
  if (!data || typeof data !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const f of EVIDENCE_FIELDS) if (data[f] !== undefined) out[f] = data[f];
  if (data.changes && typeof data.changes === 'object') out.changedFields = Object.keys(data.changes as object);
  return Object.keys(out).length > 0 ? out : null;
}

function personOfStream(stream: string): string | null {
  if (stream.startsWith('person-')) return stream.slice('person-'.length);
  if (stream.startsWith('disclosure-')) return stream.slice('disclosure-'.length);
  return null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The entries one event makes: one for a change, one per person shown for a recorded read. */
export function entriesOf(event: RecordedEvent, kind: SegmentKind): AuditEntry[] {
  const m = event.metadata;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const channel = text(m.channel);
  const correlationId = text(m.correlationId);
  const base = {
    position: event.position,
    kind,
    type: event.type,
    eventId: event.id,
    operator: text(m.operator),
    role: text(m.role),
    region: text(m.region),
    source: text(data.source) ?? text(m.sourceSystem),
    channel,
    importId: channel === 'import' ? correlationId : null,
    runId: channel === 'comparison' ? (text(data.runId) ?? correlationId) : text(data.runId),
    correlationId,
    occurredAt: text(m.occurredAt),
    recordedAt: event.recordedAt,
  };
  if (event.type === PERSONAL_DATA_READ) {
    const out: AuditEntry[] = [];
    let k = 0;
    for (const entry of (data as unknown as PersonalDataReadData).entries ?? []) {
      const persons = entry.persons?.length ? entry.persons : [null];
      for (const personId of persons) {
        out.push({
          ...base,
          id: `${event.position}.${k++}`,
          personId,
          occurredAt: entry.at,
          view: entry.view,
          evidence: entry.records ? { records: entry.records } : null,
        });
      }
    }
    return out;
  }
  if (event.type === PERSONAL_DATA_DISCLOSED) {
    return [
      {
        ...base,
        id: `${event.position}.0`,
        personId: text(data.personId),
        view: `${String(data.view ?? 'person')}:unmask`,
        evidence: null,
      },
    ];
  }
  return [{ ...base, id: String(event.position), personId: personOfStream(event.stream), view: null, evidence: evidenceOf(event) }];
}

/** Entry ids order as (position, k); the cursor is the last id of a page. */
export function entryOrder(id: string): [number, number] {
  const [p, k] = id.split('.');
  return [Number(p), k === undefined ? -1 : Number(k)];
}

export function entryAfter(id: string, cursor: [number, number] | null): boolean {
  if (!cursor) return true;
  const [p, k] = entryOrder(id);
  return p > cursor[0] || (p === cursor[0] && k > cursor[1]);
}
