import { PersonState, assessPersonCoverage, InsuranceTypes, ContributionStatuses, displayRegionCode } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { IdentityDisclosure } from '../privacy/identity-disclosure';

/**
 * The response shape of GET /v1/persons/{personId}, folded from the person's events; the
 * coverage is assessed as of `asOf` (`YYYY-MM-DD`: today, or the date an as-of read asks for).
 */
export function personView(
  personId: string,
  state: PersonState,
  revision: number,
  localProvince: string,
  disclosure: IdentityDisclosure,
  unmasked: boolean,
  asOf: string,
) {
  if (state.status === 'unregistered') return null;
  const p = state.person;
  const field = (name: keyof typeof p.fields) => p.fields[name]?.value;
  const enrollments = p.enrollments.map((e) => ({
    insuranceType: e.insuranceType,
    insuranceTypeName: InsuranceTypes.nameZh(e.insuranceType),
    contributionStatus: e.contributionStatus,
    contributionStatusName: ContributionStatuses.nameZh(e.contributionStatus),
    provinceCode: e.provinceCode,
    since: e.since,
    lastChangedAt: e.lastChangedAt,
    source: e.source,
  }));
  const coverage = assessPersonCoverage(state, localProvince, asOf);
  return {
    personId,
    revision,
    maskedCitizenId: disclosure.maskId(p.citizenId),
    ...(unmasked ? { citizenId: p.citizenId } : {}),
    name: field('name'),
    gender: field('gender'),
    ...disclosure.birth(field('birthDate')),
    householdRegion: regionField(field('householdRegion')),
    householdAddress: field('householdAddress'),
    phone: field('phone'),
    household: { ...p.household },
    exemptions: Object.entries(p.exemptions).map(([reason, e]) => ({ reason, since: e!.since, until: e!.until, source: e!.source })),
    deceased: state.status === 'deceased',
    dateOfDeath: state.status === 'deceased' ? state.death.dateOfDeath : undefined,
    enrollments,
    coverage,
    openConflicts: p.openConflicts.map((c) => ({
      conflictId: c.conflictId,
      field: c.field,
      currentSource: c.currentSource,
      reportedSource: c.reportedSource,
      detectedAt: c.detectedAt,
      heldValueStands: c.heldValueStands === true,
    })),
    fieldSources: Object.fromEntries(Object.entries(p.fields).map(([k, v]) => [k, { source: v!.source, corrected: v!.corrected }])),
    reportedBy: [...p.reportedBy],
  };
}

function regionField(code: string | undefined): string | undefined {
  return code === undefined ? undefined : displayRegionCode(code);
}

/** Event data with its birth dates (registration, field changes) as the caller may see them. */
function disclosedFacts(facts: Record<string, unknown>, disclosure: IdentityDisclosure): Record<string, unknown> {
  if (disclosure.fullBirthDate) return facts;
  const out = { ...facts };
  if ('birthDate' in out) out.birthDate = disclosure.birthValue(out.birthDate);
  const changes = out.changes as Record<string, { from?: unknown; to?: unknown }> | undefined;
  if (changes?.birthDate) {
    out.changes = {
      ...changes,
      birthDate: { from: disclosure.birthValue(changes.birthDate.from), to: disclosure.birthValue(changes.birthDate.to) },
    };
  }
  return out;
}

/**
 * One history entry for auditors: what happened, when it happened and was recorded, by
 * whom, from which source and channel, and the non-personal facts. Personal values are
 * shown only to callers allowed to unmask; otherwise the changed field names are listed.
 */
export function historyEntry(event: RecordedEvent, disclosure: IdentityDisclosure, unmasked: boolean) {
  const { personal, ...facts } = (event.data ?? {}) as Record<string, unknown>;
  const m = event.metadata;
  return {
    revision: event.revision,
    type: event.type,
    occurredAt: m.occurredAt,
    recordedAt: event.recordedAt,
    operator: m.operator,
    role: m.role,
    region: m.region,
    source: (facts.source as string | undefined) ?? m.sourceSystem,
    channel: m.channel,
    correlationId: m.correlationId,
    data: disclosedFacts(facts, disclosure),
    personalFields: personal && typeof personal === 'object' ? Object.keys(personal) : [],
    ...(unmasked && personal ? { personal } : {}),
  };
}
