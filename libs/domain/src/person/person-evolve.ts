import { isInsuranceType } from '../codes/insurance-type';
import { SourceKind } from '../codes/source-kind';
import { PersonEvent, PersonalChanges, SourceRef, StatisticalChanges } from './person-events';
import { IdentityField } from './person-fields';
import { HeldValue, PersonRecord, PersonState, RegisteredPersonState, sourceRecordKey } from './person-state';

/**
 * Folds one event into the state. Total and forgiving: events are facts already
 * stored, so evolve never throws; an event that cannot apply to an unregistered
 * person (impossible through decide) leaves the state as it is.
 */
export function evolvePerson(state: PersonState, event: PersonEvent): PersonState {
  if (event.type === 'PersonRegistered') return register(state, event.data);
  if (state.status === 'unregistered') return state;
  const s = withProcessed(state, event.data);
  const p = s.person;

  switch (event.type) {
    case 'PersonDetailsReported':
      return s;
    case 'PersonDetailsChanged': {
      const changes = { ...event.data.changes, ...event.data.personal };
      return withPerson(s, { fields: setFields(p, changes, event.data, false) });
    }
    case 'IdentityConflictDetected': {
      const d = event.data;
      const conflict = {
        conflictId: d.conflictId,
        field: d.field,
        currentSource: d.currentSource,
        reportedSource: d.source,
        detectedAt: d.occurredAt,
      };
      return withPerson(s, { openConflicts: [...p.openConflicts, conflict] });
    }
    case 'RecordCorrected': {
      const d = event.data;
      const { reason: _reason, ...personal } = d.personal;
      const resolved = new Set(d.resolvedConflictIds);
      return withPerson(s, {
        fields: setFields(p, { ...d.changes, ...personal }, d, true),
        openConflicts: p.openConflicts.filter((c) => !resolved.has(c.conflictId)),
      });
    }
    case 'HouseholdMoved': {
      const d = event.data;
      if (d.destination.scope === 'out-of-province') {
        return withPerson(s, { household: { status: 'moved-out', toProvince: d.destination.toProvince } });
      }
      const region: HeldValue = { value: d.destination.toRegion, source: d.source, setAt: d.occurredAt, corrected: false };
      return withPerson(s, { household: { status: 'active' }, fields: { ...p.fields, householdRegion: region } });
    }
    case 'CoverageStatusDetermined': {
      const d = event.data;
      return withPerson(s, {
        coverage: { status: d.status, exemptionReason: d.exemptionReason, evidence: d.evidence, flags: d.flags, runId: d.runId },
      });
    }
    case 'RecordLinked':
      return s;
    case 'HouseholdCancelled':
      return withPerson(s, { household: { status: 'cancelled', cancellationReason: event.data.reason } });
    case 'EnrollmentRecorded': {
      const d = event.data;
      const enrollment = {
        insuranceType: d.insuranceType,
        contributionStatus: d.contributionStatus,
        provinceCode: d.provinceCode,
        since: d.since,
        lastChangedAt: d.occurredAt,
        source: d.source,
      };
      return withPerson(s, { enrollments: { ...p.enrollments, [d.insuranceType]: enrollment } });
    }
    case 'EnrollmentSuspended':
      return transition(s, event.data.insuranceType, '2', event.data);
    case 'EnrollmentResumed':
      return transition(s, event.data.insuranceType, '1', event.data);
    case 'EnrollmentTerminated':
      return transition(s, event.data.insuranceType, '3', event.data);
    case 'DeathRecorded': {
      const d = event.data;
      if (s.status === 'deceased') {
        const sources = s.death.sources.includes(d.source) ? s.death.sources : [...s.death.sources, d.source];
        return { ...s, death: { ...s.death, sources } };
      }
      return { status: 'deceased', person: p, death: { dateOfDeath: d.dateOfDeath, source: d.source, sources: [d.source] } };
    }
    case 'AnomalyDetected':
      return s;
    case 'ExemptionRecorded': {
      const d = event.data;
      return withPerson(s, { exemptions: { ...p.exemptions, [d.reason]: { since: d.since, ...(d.until !== undefined && { until: d.until }), source: d.source } } });
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function register(state: PersonState, d: Extract<PersonEvent, { type: 'PersonRegistered' }>['data']): PersonState {
  // A second PersonRegistered cannot come from decide; replaying one keeps the first.
  if (state.status !== 'unregistered') return withProcessed(state, d);
  const held = (value: string): HeldValue => ({ value, source: d.source, setAt: d.occurredAt, corrected: false });
  const fields: Partial<Record<IdentityField, HeldValue>> = {
    birthDate: held(d.birthDate),
    gender: held(d.gender),
  };
  if (d.householdRegion !== undefined) fields.householdRegion = held(d.householdRegion);
  if (d.personal.name !== undefined) fields.name = held(d.personal.name);
  if (d.personal.phone !== undefined) fields.phone = held(d.personal.phone);
  if (d.personal.householdAddress !== undefined) fields.householdAddress = held(d.personal.householdAddress);
  const person: PersonRecord = {
    citizenId: d.personal.citizenId,
    fields,
    household: { status: 'active' },
    enrollments: {},
    openConflicts: [],
    exemptions: {},
    reportedBy: [d.source],
    processed: new Set([sourceRecordKey(d.source, d.sourceRecordId)]),
  };
  return { status: 'living', person };
}

function withPerson(state: RegisteredPersonState, patch: Partial<PersonRecord>): RegisteredPersonState {
  return { ...state, person: { ...state.person, ...patch } };
}

function withProcessed(state: RegisteredPersonState, ref: SourceRef): RegisteredPersonState {
  const key = sourceRecordKey(ref.source, ref.sourceRecordId);
  const p = state.person;
  if (p.processed.has(key) && p.reportedBy.includes(ref.source)) return state;
  const reportedBy: readonly SourceKind[] = p.reportedBy.includes(ref.source) ? p.reportedBy : [...p.reportedBy, ref.source];
  return withPerson(state, { processed: new Set(p.processed).add(key), reportedBy });
}

function setFields(
  p: PersonRecord,
  changes: StatisticalChanges & PersonalChanges,
  ref: SourceRef,
  corrected: boolean,
): PersonRecord['fields'] {
  const fields = { ...p.fields };
  for (const [field, change] of Object.entries(changes) as [IdentityField, { to: string } | undefined][]) {
    if (change) fields[field] = { value: change.to, source: ref.source, setAt: ref.occurredAt, corrected };
  }
  return fields;
}

function transition(
  s: RegisteredPersonState,
  type: string,
  contributionStatus: '1' | '2' | '3',
  ref: SourceRef,
): RegisteredPersonState {
  if (!isInsuranceType(type)) return s;
  const current = s.person.enrollments[type];
  if (!current) return s;
  const next = { ...current, contributionStatus, lastChangedAt: ref.occurredAt, source: ref.source };
  return withPerson(s, { enrollments: { ...s.person.enrollments, [type]: next } });
}
