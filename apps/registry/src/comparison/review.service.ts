import { CommandBus } from '@nestjs/cqrs';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CitizenId, PersonId, displayRegionCode, parsePersonId } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import { Filter, READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { IMPORT_REJECTIONS, ImportRejection, rejectionFields } from '../imports/import-job';
import { ExecutePersonCommands } from '../persons/execute-person-commands';
import { PersonStreams } from '../persons/person-aggregate';
import { notFound, PersonsService } from '../persons/persons.service';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { IdentityDisclosure } from '../privacy/identity-disclosure';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { IDENTITY_CHECKS, IdentityCheckDoc, LINK_DECISIONS, LINK_REVIEWS, LinkDecisionDoc, LinkReviewDoc } from './comparison-run';
import { linkCommands } from './link-commands';
import { identityCheck } from './phase-context';

function reviewNotFound(): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, 'REVIEW_NOT_FOUND', 'No review with this id is visible to the caller.');
}

/** Survey lists are asked for by region: a known one (any spelling), which the caller covers; the canonical code. */
function coveredRegion(caller: Principal, reference: ReferenceData, raw: string): string {
  const region = reference.regionParam(raw, 'region');
  if (!caller.covers(region)) {
    throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
  }
  return region;
}

/** The review queue of possible links, and the survey worklists. */
@Injectable()
export class ReviewService {
  constructor(
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly commands: CommandBus,
    private readonly persons: PersonStreams,
    private readonly personsService: PersonsService,
    private readonly protector: PersonalDataProtector,
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
  ) {}

  private get reviews() {
    return this.reads.collection<LinkReviewDoc>(LINK_REVIEWS);
  }

  private scopeFilter(caller: Principal): Filter {
    return caller.regionPrefix === this.reference.provinceCode ? {} : { regions: { prefix: caller.regionPrefix } };
  }

  async list(caller: Principal, state: string, cursor?: string) {
    const page = await this.reviews.find({ ...this.scopeFilter(caller), state }, { sort: [['createdAt', 1]], limit: 50, cursor });
    const items = [];
    for (const review of page.items) {
      items.push({
        reviewId: review._id,
        state: review.state,
        source: review.source,
        importId: review.importId,
        rowNumber: review.rowNumber,
        createdAt: review.createdAt,
        runId: review.runId,
        decidedBy: review.decidedBy,
        personId: review.personId,
        candidates: await this.describe(caller, review),
      });
    }
    return { items, nextCursor: page.nextCursor };
  }

  /** Candidates the caller may see, with masked ID and the fields that drove the score. */
  private async describe(caller: Principal, review: LinkReviewDoc) {
    const out = [];
    const disclosure = IdentityDisclosure.for(caller);
    for (const c of review.candidates) {
      const id = parsePersonId(c.personId);
      if (!id) continue;
      const loaded = await this.persons.load(id);
      if (loaded.state.status === 'unregistered' || !caller.covers(this.personsService.regionOf(loaded.state))) continue;
      const p = loaded.state.person;
      out.push({
        personId: c.personId,
        score: c.score,
        fields: c.fields,
        maskedCitizenId: disclosure.maskId(p.citizenId),
        name: p.fields.name?.value,
        ...disclosure.birth(p.fields.birthDate?.value),
        gender: p.fields.gender?.value,
        householdRegion: p.fields.householdRegion && displayRegionCode(p.fields.householdRegion.value),
      });
    }
    return out;
  }

  private async visibleReview(caller: Principal, id: string): Promise<LinkReviewDoc> {
    const review = /^imp_[0-9a-f]{24}:\d+$/.test(id) ? await this.reviews.get(id) : null;
    if (!review || !review.regions.some((r) => caller.covers(r))) throw reviewNotFound();
    return review;
  }

  async confirm(caller: Principal, id: string, rawPersonId: string) {
    const review = await this.visibleReview(caller, id);
    if (review.state !== 'pending') {
      throw new ProblemException(HttpStatus.CONFLICT, 'REVIEW_ALREADY_DECIDED', 'This review has already been decided.');
    }
    const candidate = review.candidates.find((c) => c.personId === rawPersonId);
    if (!candidate)
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'NOT_A_CANDIDATE', 'personId must be one of the review’s candidates.');
    const personId = parsePersonId(rawPersonId) as PersonId;
    const loaded = await this.personsService.loadVisible(caller, personId).catch(() => {
      throw notFound();
    });
    const personCitizenId = loaded.state.status === 'unregistered' ? undefined : CitizenId.parse(loaded.state.person.citizenId);
    const rejection = await this.reads.collection<ImportRejection>(IMPORT_REJECTIONS).get(review._id);
    const now = new Date().toISOString();
    const evidence = {
      decidedBy: 'reviewer' as const,
      reviewer: caller.subject,
      score: candidate.score,
      fields: Object.fromEntries(Object.entries(candidate.fields).map(([k, v]) => [k, { level: v.level, weight: v.weight ?? 0 }])),
    };
    const requests = linkCommands(
      { _id: review._id, reasons: rejection?.reasons ?? [] },
      review.source,
      personId,
      now,
      evidence,
      rejection ? rejectionFields(this.protector, rejection) : {},
      personCitizenId?.ok ? personCitizenId.value : undefined,
    );
    const outcomes = await this.commands.execute(
      new ExecutePersonCommands(requests, { ...this.personsService.context(caller), sourceSystem: 'comparison' }),
    );
    const decided: LinkReviewDoc = { ...review, state: 'confirmed', decidedBy: caller.subject, decidedAt: now, personId: rawPersonId };
    const decision: LinkDecisionDoc = {
      _id: review._id,
      recordRef: review._id,
      importId: review.importId,
      rowNumber: review.rowNumber,
      source: review.source,
      outcome: 'link',
      personId: rawPersonId,
      score: candidate.score,
      decidedBy: 'reviewer',
      runId: review.runId,
      decidedAt: now,
    };
    await this.reads.write([
      { kind: 'upsert', collection: LINK_REVIEWS, doc: decided },
      { kind: 'upsert', collection: LINK_DECISIONS, doc: decision },
    ]);
    return {
      reviewId: review._id,
      state: 'confirmed',
      personId: rawPersonId,
      recorded: outcomes.flatMap((o) => (o.status === 'applied' ? o.events.map((e) => e.type) : [])),
    };
  }

  async reject(caller: Principal, id: string) {
    const review = await this.visibleReview(caller, id);
    if (review.state !== 'pending') {
      throw new ProblemException(HttpStatus.CONFLICT, 'REVIEW_ALREADY_DECIDED', 'This review has already been decided.');
    }
    const now = new Date().toISOString();
    // None of the candidates: a household row then has nobody, and goes to the township survey.
    const rejection = await this.reads.collection<ImportRejection>(IMPORT_REJECTIONS).get(review._id);
    const check = rejection
      ? identityCheck(rejection, review.source, rejectionFields(this.protector, rejection), this.reference, review.runId, now)
      : undefined;
    await this.reads.write([
      ...(check ? [{ kind: 'upsert' as const, collection: IDENTITY_CHECKS, doc: check }] : []),
      { kind: 'upsert', collection: LINK_REVIEWS, doc: { ...review, state: 'rejected', decidedBy: caller.subject, decidedAt: now } },
      {
        kind: 'upsert',
        collection: LINK_DECISIONS,
        doc: {
          _id: review._id,
          recordRef: review._id,
          importId: review.importId,
          rowNumber: review.rowNumber,
          source: review.source,
          outcome: 'rejected',
          score: review.candidates[0]?.score ?? 0,
          decidedBy: 'reviewer',
          runId: review.runId,
          decidedAt: now,
        } satisfies LinkDecisionDoc,
      },
    ]);
    return { reviewId: review._id, state: 'rejected' };
  }

  /**
   * Household-register rows the registry cannot name by ID (see IdentityCheckDoc) in a
   * region and below, with what the row says, for the township survey to visit.
   */
  async identityChecks(caller: Principal, rawRegion: string, cursor?: string) {
    const region = coveredRegion(caller, this.reference, rawRegion);
    const page = await this.reads
      .collection<IdentityCheckDoc>(IDENTITY_CHECKS)
      .find({ regionPath: region }, { sort: [['_id', 1]], limit: 200, cursor });
    const rows = await this.reads.collection<ImportRejection>(IMPORT_REJECTIONS).getMany(page.items.map((c) => c.recordRef));
    const disclosure = IdentityDisclosure.for(caller);
    return {
      region: displayRegionCode(region),
      items: page.items.map((check) => {
        const row = rows.get(check.recordRef);
        const fields = row ? rejectionFields(this.protector, row) : {};
        return {
          recordRef: check.recordRef,
          importId: check.importId,
          rowNumber: check.rowNumber,
          householdRegion: displayRegionCode(check.householdRegion),
          reasons: check.reasons,
          name: fields.name,
          gender: fields.gender,
          ...disclosure.birth(fields.birthDate),
          householdAddress: fields.householdAddress,
          // What the register holds in place of an ID, masked like any ID-shaped value.
          maskedCitizenId: fields.rawCitizenId ? disclosure.maskId(fields.rawCitizenId) : undefined,
          runId: check.runId,
        };
      }),
      nextCursor: page.nextCursor,
    };
  }

  async worklist(caller: Principal, rawRegion: string, cursor?: string) {
    const region = coveredRegion(caller, this.reference, rawRegion);
    let collection;
    try {
      collection = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return { region: displayRegionCode(region), items: [] };
      throw error;
    }
    // A region's persons are those whose household code starts with the region's code (see isWithinRegion).
    const page = await collection.find(
      { householdRegion: { prefix: region }, coverageStatus: { in: ['uninsured', 'unresolved'] } },
      { sort: [['householdRegion', 1]], limit: 200, cursor },
    );
    const disclosure = IdentityDisclosure.for(caller);
    return {
      region: displayRegionCode(region),
      items: page.items.map((doc) => {
        const personal = this.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
        return {
          personId: doc._id,
          maskedCitizenId: disclosure.remask(doc.maskedCitizenId),
          name: personal?.name,
          gender: doc.gender,
          ...disclosure.birth(doc.birthDate),
          householdRegion: doc.householdRegion && displayRegionCode(doc.householdRegion),
          householdAddress: personal?.householdAddress,
          phone: personal?.phone,
          coverageStatus: doc.coverageStatus,
          evidence: doc.evidence,
          lastDetermination: doc.lastDetermination,
          sources: doc.sources,
          anomalies: doc.anomalies,
          openConflicts: doc.openConflicts.map((c) => c.field),
        };
      }),
      nextCursor: page.nextCursor,
    };
  }
}
