import { HttpStatus, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CitizenId,
  EmploymentSituation,
  InsuranceType,
  PersonCommand,
  PersonId,
  SourceRef,
  SubmissionFacts,
  SubmissionState,
  UninsuredReason,
  blindIndex,
  displayRegionCode,
  isSubmissionId,
  localTime,
  normaliseMobilePhone,
  normalisePersonName,
  personIdFor,
  submissionIdFor,
  submissionStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { Collection, Filter } from '@registry/read-store';
import { ReadRecorder } from '../audit/read-recorder';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { KeyRing } from '../config/key-ring';
import { ExecutePersonCommands } from '../persons/execute-person-commands';
import { PersonStreams } from '../persons/person-aggregate';
import { enrollment, registrationCommands } from '../persons/person-commands';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { IdentityDisclosure } from '../privacy/identity-disclosure';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { PublicRegistrationDto, StatusQueryDto } from './dto/public.dto';
import { PhoneVerificationService, verificationRequired } from './phone-verification.service';
import {
  SUBMISSIONS_COLLECTION,
  SUBMISSIONS_PROJECTION,
  SubmissionDocument,
  SubmissionPersonalFields,
} from './projections/submissions.projection';
import { ExecuteSubmissionCommands, SelfServiceStreams, SubmissionRequest } from './self-service-aggregates';

/** China keeps one civil time: the date an approval's enrolment starts on. */
const LOCAL_TIME_ZONE = 'Asia/Shanghai';

function reviewNotFound(): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, 'REVIEW_NOT_FOUND', 'No review with this id is visible to the caller.');
}

export interface ReviewQuery {
  state?: string;
  region?: string;
  cursor?: string;
  limit?: number;
}

/**
 * Self-service registrations: what channel clients submit for citizens (with a verified
 * phone), the county review queue, approval through the person's own commands, rejection
 * with a reason the citizen reads, and the citizen's status query.
 */
@Injectable()
export class SelfServiceService implements OnModuleInit {
  /** Opened in place of a document a look-up did not find, so both paths do the same work. */
  private standIn!: unknown;

  constructor(
    private readonly commands: CommandBus,
    private readonly streams: SelfServiceStreams,
    private readonly verification: PhoneVerificationService,
    private readonly persons: PersonStreams,
    private readonly projections: ProjectionsService,
    private readonly protector: PersonalDataProtector,
    private readonly reference: ReferenceData,
    private readonly keys: KeyRing,
    private readonly clock: Clock,
    private readonly recorder: ReadRecorder,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  onModuleInit(): void {
    this.standIn = this.protector.sealForDocument('stand-in', { citizenId: '000000000000000000', name: '', phone: '' });
  }

  parseCitizenId(raw: string): CitizenId {
    const parsed = CitizenId.parse(raw);
    if (!parsed.ok) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, parsed.reasons[0].code, 'The citizen ID is not valid.', {
        errors: parsed.reasons.map((r) => ({ field: 'citizenId', code: r.code, message: r.message })),
      });
    }
    return parsed.value;
  }

  // ── Public: submissions and status ─────────────────────────────────────────────────────

  async submit(caller: Principal, dto: PublicRegistrationDto) {
    const citizenId = this.parseCitizenId(dto.citizenId);
    const keys = this.verification.keysFor(dto.phone, citizenId);
    const region = this.reference.regionParam(dto.residenceRegion, 'residenceRegion');
    if (region.length < 6 || region.slice(0, 2) !== this.reference.provinceCode) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'REGION_OUTSIDE_PROVINCE',
        'The residence must be a county (or below) in this province.',
        {
          errors: [{ field: 'residenceRegion', code: 'REGION_OUTSIDE_PROVINCE', message: 'not a county or below in this province' }],
        },
      );
    }
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The residence lies outside the channel client's region.");
    }
    const state = await this.verification.state(keys.phoneKey);
    if (!this.verification.verified(state, keys, dto.verificationId, 'registration')) throw verificationRequired();

    const submissionId = submissionIdFor(caller.subject, dto.clientSubmissionId);
    const personal = {
      citizenId: citizenId.value,
      name: dto.name.trim(),
      phone: keys.phone,
      ...(dto.residenceAddress !== undefined && { residenceAddress: dto.residenceAddress }),
      ...(dto.uninsuredNote !== undefined && { uninsuredNote: dto.uninsuredNote }),
    };
    const facts: SubmissionFacts = {
      submissionId,
      channel: caller.channel!,
      client: caller.subject,
      clientSubmissionId: dto.clientSubmissionId,
      // Everything the citizen sent but the proof: the same data with a fresh code is the same submission.
      fingerprint: blindIndex(
        JSON.stringify([personal, region, dto.intendedInsuranceType, dto.employment, dto.currentlyInsured, dto.uninsuredReason ?? null]),
        this.keys.blindIndexKey,
        'submission-fingerprint',
      ),
      residenceRegion: region,
      county: region.slice(0, 6),
      personId: personIdFor(citizenId, this.keys.personIdKey),
      intendedInsuranceType: dto.intendedInsuranceType as InsuranceType,
      employment: dto.employment as EmploymentSituation,
      currentlyInsured: dto.currentlyInsured,
      ...(dto.uninsuredReason !== undefined && { uninsuredReason: dto.uninsuredReason as UninsuredReason }),
      verificationId: dto.verificationId,
      submittedAt: this.clock.now().toISOString(),
      personal,
    };
    const outcome = await this.execute(
      [{ key: null, id: submissionId, command: { type: 'SubmitRegistration', data: facts } }],
      PhoneVerificationService.context(caller),
    );
    const held = outcome.state.status === 'none' ? facts : outcome.state.submission;
    // An approval's claim is the registry's own step: to the citizen it is still under review.
    const shown = outcome.state.status === 'approving' ? 'pending' : outcome.state.status;
    return { submissionId, state: shown, submittedAt: held.submittedAt, repeated: outcome.events.length === 0 };
  }

  /**
   * What a citizen may learn with their ID, name and a phone they proved they hold: their
   * submissions made with that phone, and what the registry holds when its phone is that
   * phone. Until the proof holds, the answer is the same 403 whatever the registry holds, and
   * it costs the same: the keyed hashes, the look-ups and the openings all run before the
   * proof is looked at, with a stand-in opened where nothing was found.
   */
  async status(caller: Principal, dto: StatusQueryDto) {
    const citizenId = this.parseCitizenId(dto.citizenId);
    const keys = this.verification.keysFor(dto.phone, citizenId);
    const personId = personIdFor(citizenId, this.keys.personIdKey);
    const [phoneState, submissions, person] = await Promise.all([
      this.verification.state(keys.phoneKey),
      this.submissionsOf(personId),
      this.personDocument(personId),
    ]);
    const name = normalisePersonName(dto.name);
    const sameName = (held: string | undefined) => held !== undefined && normalisePersonName(held) === name;
    const opened = submissions.map((doc) => ({ doc, personal: this.openSubmission(doc) }));
    if (opened.length === 0) this.protector.openFromDocument('stand-in', this.standIn);
    const held = person
      ? this.protector.openFromDocument<PersonalFields>(person._id, person.personal)
      : this.protector.openFromDocument<PersonalFields>('stand-in', this.standIn);
    const mine = opened.filter(({ personal }) => sameName(personal.name) && personal.phone === keys.phone);
    const personMatches = person !== null && sameName(held?.name) && normaliseMobilePhone(held?.phone ?? '') === keys.phone;
    const verified = this.verification.verified(phoneState, keys, dto.verificationId, 'status-query');
    if (!verified) throw verificationRequired();
    const shown = mine.filter(({ doc }) => caller.covers(doc.residenceRegion));
    // The channel client was shown what the registry holds about this person, on the citizen's behalf.
    if (shown.length > 0 || personMatches) this.recorder.record(caller, 'status-query', [personId]);
    return {
      submissions: shown.map(({ doc, personal }) => ({
        submissionId: doc._id,
        channel: doc.channel,
        submittedAt: doc.submittedAt,
        // An approval's claim is the registry's own step: to the citizen it is still under review.
        state: doc.state === 'approving' ? 'pending' : doc.state,
        intendedInsuranceType: doc.intendedInsuranceType,
        ...(doc.decidedAt !== undefined && { decidedAt: doc.decidedAt }),
        ...(personal.rejectionReason !== undefined && { rejectionReason: personal.rejectionReason }),
      })),
      registry:
        personMatches && person
          ? { registered: true, coverageStatus: person.coverageStatus, insuranceTypes: [...person.insuranceTypes] }
          : null,
    };
  }

  private async submissionsOf(personId: PersonId): Promise<SubmissionDocument[]> {
    const collection = await this.submissions();
    if (!collection) return [];
    return (await collection.find({ personId }, { sort: [['submittedAt', 1]], limit: 100 })).items;
  }

  private async personDocument(personId: PersonId): Promise<PersonDocument | null> {
    try {
      const collection = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
      return await collection.get(personId);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }

  private async submissions(): Promise<Collection<SubmissionDocument> | null> {
    try {
      return await this.projections.collection<SubmissionDocument>(SUBMISSIONS_PROJECTION, SUBMISSIONS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }

  private openSubmission(doc: SubmissionDocument): SubmissionPersonalFields {
    return this.protector.openFromDocument<SubmissionPersonalFields>(doc._id, doc.personal) ?? { citizenId: '', name: '', phone: '' };
  }

  // ── Staff: the county review queue ─────────────────────────────────────────────────────

  async reviews(caller: Principal, query: ReviewQuery) {
    let prefix = caller.regionPrefix;
    if (query.region !== undefined) {
      prefix = this.reference.regionParam(query.region, 'region');
      if (!caller.covers(prefix)) {
        throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
      }
    }
    const collection = await this.submissions();
    if (!collection) return { items: [] };
    const filter: Filter = { residenceRegion: { prefix }, ...(query.state !== undefined && { state: query.state }) };
    const page = await collection.find(filter, { sort: [['submittedAt', 1]], limit: query.limit ?? 50, cursor: query.cursor });
    // Names, phones and addresses of citizens: a read of personal data, by the person id each submission names.
    this.recorder.record(caller, 'self-service-reviews', [...new Set(page.items.map((doc) => doc.personId))]);
    const disclosure = IdentityDisclosure.for(caller);
    return {
      items: page.items.map((doc) => {
        const p = this.openSubmission(doc);
        return {
          reviewId: doc._id,
          state: doc.state,
          channel: doc.channel,
          submittedAt: doc.submittedAt,
          residenceRegion: displayRegionCode(doc.residenceRegion),
          county: doc.county,
          maskedCitizenId: disclosure.maskId(p.citizenId),
          name: p.name,
          phone: p.phone,
          ...(p.residenceAddress !== undefined && { residenceAddress: p.residenceAddress }),
          intendedInsuranceType: doc.intendedInsuranceType,
          employment: doc.employment,
          currentlyInsured: doc.currentlyInsured,
          ...(doc.uninsuredReason !== undefined && { uninsuredReason: doc.uninsuredReason }),
          ...(p.uninsuredNote !== undefined && { uninsuredNote: p.uninsuredNote }),
          ...(doc.approvalStartedBy !== undefined && {
            approvalStartedBy: doc.approvalStartedBy,
            approvalStartedAt: doc.approvalStartedAt,
          }),
          ...(doc.approvalRefusal !== undefined && { approvalRefusal: { ...doc.approvalRefusal } }),
          ...(doc.decidedBy !== undefined && { decidedBy: doc.decidedBy, decidedAt: doc.decidedAt }),
          ...(p.rejectionReason !== undefined && { rejectionReason: p.rejectionReason }),
          ...(doc.state === 'approved' && { personId: doc.personId }),
        };
      }),
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    };
  }

  /**
   * Approval: the registration (and the enrolment the citizen asked for) recorded on the
   * person's own stream by the person's commands, source self-service, through the command
   * bus with the submission's channel. It spans two streams, so it goes in three steps, each
   * through the command path with the revision it read:
   *
   * 1. the claim (`StartApproval`: pending → approving), which a rejection is refused against
   *    (SUBMISSION_APPROVAL_IN_PROGRESS) and which a rejection that landed first refuses;
   * 2. the person's commands, all or nothing, dated by the claim, idempotent by the
   *    submission id. Refused (the person died, …): the claim is released back to pending
   *    with the refusal's code (`ReleaseApproval`) and the refusal answered;
   * 3. the completion (`ApproveRegistration`: approving → approved).
   *
   * Interrupted after the claim, the submission stays `approving` (the queue lists it); the
   * same call again finds the claim, sends the same person commands (stored once) and
   * completes it.
   */
  async approve(caller: Principal, reviewId: string) {
    const state = await this.visibleSubmission(caller, reviewId);
    if (state.status === 'none') throw reviewNotFound();
    if (state.status === 'approved' || state.status === 'rejected') {
      throw new ProblemException(HttpStatus.CONFLICT, 'SUBMISSION_ALREADY_DECIDED', `The submission has already been ${state.status}.`);
    }
    const s = state.submission;
    const citizenId = this.parseCitizenId(s.personal.citizenId);
    const personId = personIdFor(citizenId, this.keys.personIdKey);
    const authorize = (current: SubmissionState) => this.checkVisible(caller, current);
    const claimed = await this.execute(
      [
        {
          key: null,
          id: s.submissionId,
          command: { type: 'StartApproval', data: { reviewer: caller.subject, startedAt: this.clock.now().toISOString(), personId } },
          authorize,
        },
      ],
      this.staffContext(caller),
    );
    if (claimed.state.status !== 'approving') throw new Error('an approval claim left the submission not approving');
    // A claim taken by an earlier, interrupted call dates the commands: they are the same ones again.
    const startedAt = new Date(claimed.state.startedAt);
    const outcomes = await this.commands.execute(
      new ExecutePersonCommands(
        (await this.approvalCommands(s, citizenId, personId, startedAt)).map((command) => ({ key: null, id: personId, command })),
        {
          operator: caller.subject,
          role: caller.roles.join(','),
          region: caller.region,
          channel: s.channel,
          sourceSystem: 'self-service',
          correlationId: s.submissionId,
        },
        { allOrNothing: true },
      ),
    );
    const refused = outcomes.find((o) => o.status === 'refused');
    if (refused?.status === 'refused') {
      const [released] = await this.commands.execute(
        new ExecuteSubmissionCommands(
          [
            {
              key: null,
              id: s.submissionId,
              command: {
                type: 'ReleaseApproval',
                data: { reviewer: caller.subject, releasedAt: this.clock.now().toISOString(), code: refused.error.code },
              },
              authorize,
            },
          ],
          this.staffContext(caller),
        ),
      );
      // Released already by an approval that ran beside this one: the refusal is the answer all the same.
      if (released.status === 'refused' && released.error.code !== 'SUBMISSION_APPROVAL_NOT_STARTED') throw released.error;
      throw refused.error;
    }
    const recorded = outcomes.flatMap((o) => (o.status === 'applied' ? o.events.map((e) => e.type) : []));
    await this.execute(
      [
        {
          key: null,
          id: s.submissionId,
          command: {
            type: 'ApproveRegistration',
            data: { reviewer: caller.subject, approvedAt: this.clock.now().toISOString(), personId, recorded },
          },
          authorize,
        },
      ],
      this.staffContext(caller),
    );
    return { reviewId: s.submissionId, state: 'approved', personId, recorded };
  }

  /** The person's commands an approval sends: the same for the same submission and claim time. */
  private async approvalCommands(s: SubmissionFacts, citizenId: CitizenId, personId: PersonId, startedAt: Date): Promise<PersonCommand[]> {
    const known = (await this.persons.load(personId)).state.status !== 'unregistered';
    const ref: SourceRef = { source: 'self-service', sourceRecordId: s.submissionId, occurredAt: s.submittedAt };
    return [
      // A person the registry holds keeps the household region the register gave: where a citizen lives is not their household.
      ...registrationCommands(ref, {
        citizenId,
        name: s.personal.name,
        phone: s.personal.phone,
        ...(!known && { householdRegion: s.residenceRegion, householdAddress: s.personal.residenceAddress }),
      }),
      enrollment(
        { source: 'self-service', sourceRecordId: `${s.submissionId}#enrollment`, occurredAt: startedAt.toISOString() },
        {
          insuranceType: s.intendedInsuranceType,
          contributionStatus: '1',
          provinceCode: this.reference.provinceCode,
          since: localTime(startedAt, LOCAL_TIME_ZONE).date,
        },
      ),
    ];
  }

  async reject(caller: Principal, reviewId: string, reason: string) {
    const state = await this.visibleSubmission(caller, reviewId);
    const now = this.clock.now();
    await this.execute(
      [
        {
          key: null,
          id: reviewId,
          command: { type: 'RejectRegistration', data: { reviewer: caller.subject, rejectedAt: now.toISOString(), personal: { reason } } },
          authorize: (current) => this.checkVisible(caller, current),
        },
      ],
      this.staffContext(caller),
    );
    return { reviewId: state.status === 'none' ? reviewId : state.submission.submissionId, state: 'rejected' };
  }

  private staffContext(caller: Principal): CommandContext {
    return { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel: 'http' };
  }

  /** The submission, read from its stream; a malformed id, an unknown one and one outside the caller's region answer alike. */
  private async visibleSubmission(caller: Principal, reviewId: string): Promise<SubmissionState> {
    if (!isSubmissionId(reviewId)) throw reviewNotFound();
    const { decider, fromStored } = this.streams.submissions;
    const state = fromStored(await this.events.readStream(submissionStreamName(reviewId)), true).reduce(
      decider.evolve,
      decider.initialState(),
    );
    this.checkVisible(caller, state);
    return state;
  }

  private checkVisible(caller: Principal, state: SubmissionState): void {
    if (state.status === 'none' || !caller.covers(state.submission.residenceRegion)) throw reviewNotFound();
  }

  private async execute(requests: SubmissionRequest[], context: CommandContext) {
    const [outcome] = await this.commands.execute(new ExecuteSubmissionCommands(requests, context));
    if (outcome.status === 'refused') throw outcome.error;
    return outcome;
  }
}
