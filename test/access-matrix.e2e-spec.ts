/**
 * Access and privacy (issue "Access and privacy"): every endpoint × every role × a target
 * inside and a target outside the caller's region, each cell with its exact answer — the
 * persons and reports endpoints, then the operations ones (imports, comparison runs, link
 * reviews, survey worklists, ministry exchange); then the token checks and RS256.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import { Principal } from '../apps/registry/src/auth/principal';
import type { Role } from '../apps/registry/src/auth/roles';
import { ROLES } from '../apps/registry/src/auth/roles';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import {
  documentedRoutes,
  newReviewId,
  rowCallsRoute,
  seedReview,
  uploadImport,
  writeHouseholdFile,
  writeIdLessHouseholdFile,
} from './support/access-fixtures';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { expectProblem, registrationBody } from './support/requests';
import { channelToken, codeSent, newPhone, submissionBody, verifiedPhone } from './support/self-service';
import { ReminderCycle } from '../apps/registry/src/reminders/reminder-cycle.service';

jest.setTimeout(60_000);

// ── Callers ─────────────────────────────────────────────────────────────────────────────
/** Each role's region. Targets "in" lie in 440305001 (南山区 南头街道), covered by all of them. */
const CALLERS: Record<Role, { region: string; source?: string; insuranceTypes?: string[]; channel?: string }> = {
  'province-admin': { region: '44' },
  'city-operator': { region: '4403' },
  'county-operator': { region: '440305' },
  'township-operator': { region: PLACES.nanshan.township },
  'township-surveyor': { region: PLACES.nanshan.township },
  auditor: { region: '4403' },
  'reporting-consumer': { region: '4403' },
  'service-client': { region: '4403', source: 'insurance-enrollment', insuranceTypes: ['110', '120', '170'] },
  // A city's website: residences in 深圳 only.
  'channel-client': { region: '4403', channel: 'website' },
};

/** Targets: "in" a person in 南山区 南头街道; "out" a person in 广州天河区 (only the province admin covers it). */
type Target = 'in' | 'out';
const TARGET_REGION: Record<Target, string> = { in: PLACES.nanshan.township, out: PLACES.tianhe.township };
const PROVINCE = '44';

// ── Expected answers ────────────────────────────────────────────────────────────────────
const OK = '200';
const FORBIDDEN = '403 FORBIDDEN'; // the role lacks the endpoint's permission
const NOT_FOUND = '404 PERSON_NOT_FOUND'; // out of region: the same answer as a person that does not exist
const OUT_OF_SCOPE = '403 REGION_OUT_OF_SCOPE'; // a region parameter outside the caller's region
const NO_UNMASK = '403 UNMASK_NOT_ALLOWED';
type Expected = string;
type Row = [
  provinceAdmin: [Expected, Expected],
  cityOperator: [Expected, Expected],
  countyOperator: [Expected, Expected],
  townshipOperator: [Expected, Expected],
  townshipSurveyor: [Expected, Expected],
  auditor: [Expected, Expected],
  reportingConsumer: [Expected, Expected],
  serviceClient: [Expected, Expected],
  channelClient: [Expected, Expected],
];

/**
 * Rows are endpoints in the order they run (reads first, then commands in an order each
 * fixture person can take); columns are the roles in ROLES order, each [in, out].
 */
const MATRIX: Record<string, Row> = {
  // columns: province-admin, city-operator, county-operator, township-operator, township-surveyor, auditor, reporting-consumer, service-client, channel-client
  'GET /health': [
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
  ],
  'GET /metrics': [
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
  ],
  'GET /docs-json': [
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
    [OK, OK],
  ],
  'POST /v1/persons/registrations': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/lookup': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons?region': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons/:id': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons/:id?asOf': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons/:id?unmask': [
    [OK, OK],
    [NO_UNMASK, NOT_FOUND],
    [NO_UNMASK, NOT_FOUND],
    [NO_UNMASK, NOT_FOUND],
    [NO_UNMASK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [NO_UNMASK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons/:id/history': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/persons/:id/history?unmask': [
    [OK, OK],
    [NO_UNMASK, NOT_FOUND],
    [NO_UNMASK, NOT_FOUND],
    [NO_UNMASK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/disclosures': [
    [OK, OK],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/reports/region-counts': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/reports/coverage': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/reports/data-quality': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/audit/entries?person': [
    [OK, OK],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/audit/entries?region': [
    [OK, OK],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/enrollments': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/enrollments/110/suspension': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/enrollments/120/resumption': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/enrollments/170/termination': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/corrections': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/household-moves': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/household-cancellations': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  // Before the death row: operators may not record exemptions for the deceased.
  'POST /v1/persons/:id/exemptions': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/persons/:id/death': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
  ],
};

// ── Operations: imports, comparison runs, link reviews, survey worklists, ministry exchange ──
const ACCEPTED = '202';
const IMPORT_NOT_FOUND = '404 IMPORT_NOT_FOUND'; // submitted outside the caller's region: the same answer as no such import
const REVIEW_NOT_FOUND = '404 REVIEW_NOT_FOUND'; // every candidate outside the caller's region: the same answer as no such review
const LISTED = '200 LISTED'; // a list, and the target is in it
const UNLISTED = '200 UNLISTED'; // a list, and the target is not in it
const MINISTRY_DISABLED = '503 MINISTRY_DISABLED'; // permitted; the tests run without MINISTRY_URL
const TASK_NOT_FOUND = '404 SURVEY_TASK_NOT_FOUND'; // a survey task outside the caller's region (or, for a surveyor, not its own): as if none
/** A role's cell: [in, out] where the endpoint has a region target, [answer] where it has none (called once). */
type Cell = [inRegion: Expected, outOfRegion: Expected] | [noRegionTarget: Expected];
type OpsRow = [
  provinceAdmin: Cell,
  cityOperator: Cell,
  countyOperator: Cell,
  townshipOperator: Cell,
  townshipSurveyor: Cell,
  auditor: Cell,
  reportingConsumer: Cell,
  serviceClient: Cell,
  channelClient: Cell,
];

/**
 * Targets of the operations rows:
 * - imports: "in" the import a county operator of 440305 submitted, "out" the one submitted
 *   in 440106; POST sends that import's file again (the same bytes), and must be answered
 *   with the caller's own import, never the other region's;
 * - link reviews: "in" a pending review whose candidate lives in 440305001, "out" one in
 *   440106001 (each confirm/reject cell decides a review of its own);
 * - survey worklists: ?region= the township 440305001 / 440106001, or the county 440305 / 440106
 *   (which the township surveyor does not cover); "listed": that region's uninsured fixture
 *   person is on the list;
 * - survey tasks: "in" tasks in 440305001, "out" tasks in 440106001, each command cell acting on a
 *   task of its own in the state the command needs (open to assign or cancel, assigned to the
 *   caller for a result, submitted for approval or return); "listed": a task assigned to the
 *   matrix's township surveyor is on the list; progress: ?region= the township 440305001 / the
 *   county 440106;
 * - comparison runs and the ministry exchange are province-wide, with no region target.
 * Every 2xx answer is also checked to show nothing of a region outside the caller's (REVEALS).
 */
const OPS_MATRIX: Record<string, OpsRow> = {
  // columns: province-admin, city-operator, county-operator, township-operator, township-surveyor, auditor, reporting-consumer, service-client, channel-client
  //                                           province-admin        city-operator           county-operator         township-surveyor             auditor                 reporting-consumer      service-client
  // Sign-in answers alike whoever calls (a token changes nothing); current describes any valid token.
  'POST /v1/sessions': [
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
    ['401 SIGN_IN_FAILED'],
  ],
  // Reference data, public; the citizens' page's channel token, public (it speaks only to the citizens' endpoints).
  'GET /v1/regions?parent': [[OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK]],
  'POST /v1/channel-sessions': [['201'], ['201'], ['201'], ['201'], ['201'], ['201'], ['201'], ['201'], ['201']],
  'GET /v1/sessions/current': [[OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK]],
  'GET /v1/sessions/options': [[OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK], [OK]],
  'GET /v1/imports/:id': [
    [OK, OK],
    [OK, IMPORT_NOT_FOUND],
    [OK, IMPORT_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, IMPORT_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/imports/:id/rejections': [
    [OK, OK],
    [OK, IMPORT_NOT_FOUND],
    [OK, IMPORT_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/imports': [
    [ACCEPTED, ACCEPTED],
    [ACCEPTED, ACCEPTED],
    [ACCEPTED, ACCEPTED],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/comparison-runs': [[OK], [OK], [OK], [OK], [OK], [OK], [OK], [FORBIDDEN], [FORBIDDEN]],
  'GET /v1/comparison-runs/:id': [[OK], [OK], [OK], [OK], [OK], [OK], [OK], [FORBIDDEN], [FORBIDDEN]],
  'POST /v1/comparison-runs': [
    [ACCEPTED],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
  ],
  'GET /v1/link-reviews': [
    [LISTED, LISTED],
    [LISTED, UNLISTED],
    [LISTED, UNLISTED],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/link-reviews/:id/confirm': [
    [OK, OK],
    [OK, REVIEW_NOT_FOUND],
    [OK, REVIEW_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/link-reviews/:id/reject': [
    [OK, OK],
    [OK, REVIEW_NOT_FOUND],
    [OK, REVIEW_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/survey-worklists?region=township': [
    [LISTED, LISTED],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/survey-worklists/identity-checks?region=township': [
    [LISTED, LISTED],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/survey-worklists?region=county': [
    [LISTED, LISTED],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [OUT_OF_SCOPE, OUT_OF_SCOPE],
    [OUT_OF_SCOPE, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/ministry/exchange': [
    [OK],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
  ],
  'POST /v1/ministry/uploads/run': [
    [MINISTRY_DISABLED],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
  ],
  'POST /v1/survey-tasks/batches': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/survey-tasks?region': [
    [LISTED, LISTED],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [LISTED, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/survey-tasks/:id': [
    [OK, OK],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/survey-tasks/:id/assignment': [
    [OK, OK],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/survey-tasks/:id/results': [
    [OK, OK],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/survey-tasks/:id/return': [
    [OK, OK],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/survey-tasks/:id/approval': [
    [OK, OK],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'POST /v1/survey-tasks/:id/cancellation': [
    [OK, OK],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [OK, TASK_NOT_FOUND],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  'GET /v1/reports/survey-progress': [
    [OK, OK],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [OK, OUT_OF_SCOPE],
    [FORBIDDEN, FORBIDDEN],
    [FORBIDDEN, FORBIDDEN],
  ],
  // The chain covers the whole log: any auditor may verify it; a replay lists documents of the whole province.
  'GET /v1/audit/verification': [[OK], [FORBIDDEN], [FORBIDDEN], [FORBIDDEN], [FORBIDDEN], [OK], [FORBIDDEN], [FORBIDDEN], [FORBIDDEN]],
  'POST /v1/audit/replays': [
    [OK],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [OUT_OF_SCOPE],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
  ],
  'POST /v1/ministry/interactions/download': [
    [MINISTRY_DISABLED],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
    [FORBIDDEN],
  ],
};

// ── Self-service and reminders: the public endpoints (channel clients only), the review queue, reminders ──
const CODE_SENT = '202'; // a code request or a submission accepted
const SS_REVIEW_NOT_FOUND = '404 REVIEW_NOT_FOUND';
/** A verification id no code was ever sent under: staff cells are refused before it matters. */
const NO_VERIFICATION = `pv_${'0'.repeat(32)}`; // a submission whose residence lies outside the caller's region
const ANY_STAFF: Cell = [FORBIDDEN];
const STAFF_PAIR: Cell = [FORBIDDEN, FORBIDDEN];

/**
 * Targets: the public endpoints have none but a registration's residence ("in" 南头街道,
 * "out" 天河, outside the channel client's 深圳); a review is a pending submission whose
 * residence is "in" or "out" (each decision cell decides one of its own); reminders are those
 * of the uninsured fixture person on each side, scheduled by one cycle at set-up; an opt-out
 * names the role's fixture person on each side.
 */
const SELF_SERVICE_MATRIX: Record<string, OpsRow> = {
  // columns: province-admin, city-operator, county-operator, township-operator, township-surveyor, auditor, reporting-consumer, service-client, channel-client
  'POST /v1/public/phone-verifications': [
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    [CODE_SENT],
  ],
  'POST /v1/public/phone-verifications/check': [
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    ANY_STAFF,
    [OK],
  ],
  'POST /v1/public/registrations': [
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    [CODE_SENT, OUT_OF_SCOPE],
  ],
  'POST /v1/public/status-queries': [ANY_STAFF, ANY_STAFF, ANY_STAFF, ANY_STAFF, ANY_STAFF, ANY_STAFF, ANY_STAFF, ANY_STAFF, [OK]],
  'GET /v1/self-service-reviews': [
    [LISTED, LISTED],
    [LISTED, UNLISTED],
    [LISTED, UNLISTED],
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
  ],
  'POST /v1/self-service-reviews/:id/approval': [
    [OK, OK],
    [OK, SS_REVIEW_NOT_FOUND],
    [OK, SS_REVIEW_NOT_FOUND],
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
  ],
  'POST /v1/self-service-reviews/:id/rejection': [
    [OK, OK],
    [OK, SS_REVIEW_NOT_FOUND],
    [OK, SS_REVIEW_NOT_FOUND],
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
  ],
  'GET /v1/reminders?personId': [
    [LISTED, LISTED],
    [LISTED, UNLISTED],
    [LISTED, UNLISTED],
    STAFF_PAIR,
    STAFF_PAIR,
    [LISTED, UNLISTED],
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
  ],
  'POST /v1/reminders/opt-outs': [
    [OK, OK],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    [OK, NOT_FOUND],
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
    STAFF_PAIR,
  ],
};

/** Every table, persons and reports first: the order the cells run in. */
const ROWS: Record<string, Row | OpsRow> = { ...MATRIX, ...OPS_MATRIX, ...SELF_SERVICE_MATRIX };

// ── How each endpoint is called ─────────────────────────────────────────────────────────
interface Fixture {
  personId: string;
  citizenId: string;
}

/** What the operations rows act on (see the targets above OPS_MATRIX). */
interface OpsFixtures {
  imports: Record<Target, { importId: string; file: string }>;
  runId: string;
  /** A review per side that is only listed, never decided. */
  listedReview: Record<Target, string>;
  /** Per role and side, a pending review for the confirm cell and one for the reject cell. */
  reviews: Record<Role, Record<Target, { confirm: string; reject: string }>>;
  /** The candidate person of the reviews on each side. */
  candidate: Record<Target, string>;
  /** An uninsured person on each side: on that township's (and county's) survey worklist. */
  uninsured: Record<Target, string>;
  /** A household row without an ID on each side: on that township's identity checks after the run. */
  identityCheck: Record<Target, string>;
  /** A pending self-service submission per side that is only listed, never decided. */
  listedSubmission: Record<Target, string>;
  /** Per role and side, a pending submission for the approval cell and one for the rejection cell. */
  submissions: Record<Role, Record<Target, { approve: string; reject: string }>>;
  survey: SurveyFixtures;
}

/** Survey tasks per side, and per role and side one in the state each command cell needs (see the targets above). */
interface SurveyFixtures {
  listed: Record<Target, string>;
  batchPerson: Record<Role, Record<Target, string>>;
  tasks: Record<SurveyCell, Record<Role, Record<Target, string>>>;
}
type SurveyCell = 'assign' | 'cancel' | 'result' | 'approve' | 'return';

/** "any": the endpoint has no region target (a one-answer cell). */
type CellTarget = Target | 'any';

interface CallContext {
  t: TestApp;
  token: string;
  role: Role;
  target: CellTarget;
  fixture: Fixture;
  ops: OpsFixtures;
}

/** The side a call acts on; a cell without a region target uses the in-region fixtures. */
const side = (target: CellTarget): Target => (target === 'any' ? 'in' : target);

/** The source a caller reports as: its own system for a service client, the counter for staff. */
const sourceOf = (role: Role) => CALLERS[role].source ?? 'operator';

const CALLS: Record<string, (c: CallContext) => Promise<Response>> = {
  'GET /health': ({ t, token }) => t.http().get('/health').set(bearer(token)),
  'GET /metrics': ({ t, token }) => t.http().get('/metrics').set(bearer(token)),
  'GET /docs-json': ({ t, token }) => t.http().get('/docs-json').set(bearer(token)),
  'POST /v1/persons/registrations': ({ t, token, role, target }) =>
    t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(token))
      .send(
        registrationBody(newCitizen(), {
          source: sourceOf(role),
          sourceRecordId: `MATRIX-${role}-${target}`,
          householdRegion: TARGET_REGION[side(target)],
        }),
      ),
  'POST /v1/persons/lookup': ({ t, token, fixture }) =>
    t.http().post('/v1/persons/lookup').set(bearer(token)).send({ citizenId: fixture.citizenId }),
  'GET /v1/persons?region': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/persons')
      .query({ region: TARGET_REGION[side(target)] })
      .set(bearer(token)),
  'GET /v1/persons/:id': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}`).set(bearer(token)),
  'GET /v1/persons/:id?asOf': ({ t, token, fixture }) =>
    t.http().get(`/v1/persons/${fixture.personId}`).query({ asOf: new Date().toISOString() }).set(bearer(token)),
  'GET /v1/persons/:id?unmask': ({ t, token, fixture }) =>
    t.http().get(`/v1/persons/${fixture.personId}`).query({ unmask: 'true' }).set(bearer(token)),
  'GET /v1/persons/:id/history': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}/history`).set(bearer(token)),
  'GET /v1/persons/:id/history?unmask': ({ t, token, fixture }) =>
    t.http().get(`/v1/persons/${fixture.personId}/history`).query({ unmask: 'true' }).set(bearer(token)),
  'POST /v1/persons/:id/disclosures': ({ t, token, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/disclosures`).set(bearer(token)).send({ reason: '核对参保登记材料' }),
  'POST /v1/sessions': ({ t, token }) =>
    t.http().post('/v1/sessions').set(bearer(token)).send({ username: 'nobody', password: 'Not-a-password-1' }),
  'GET /v1/regions?parent': ({ t, token }) => t.http().get('/v1/regions').query({ parent: '4403' }).set(bearer(token)),
  'POST /v1/channel-sessions': ({ t, token }) => t.http().post('/v1/channel-sessions').set(bearer(token)),
  'GET /v1/sessions/current': ({ t, token }) => t.http().get('/v1/sessions/current').set(bearer(token)),
  'GET /v1/sessions/options': ({ t, token }) => t.http().get('/v1/sessions/options').set(bearer(token)),
  'GET /v1/reports/region-counts': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/reports/region-counts')
      .query({ region: target === 'in' ? PLACES.nanshan.township : PLACES.tianhe.county })
      .set(bearer(token)),
  'GET /v1/reports/coverage': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/reports/coverage')
      .query({ region: target === 'in' ? PLACES.nanshan.township : PLACES.tianhe.county })
      .set(bearer(token)),
  'GET /v1/reports/data-quality': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/reports/data-quality')
      .query({ region: target === 'in' ? PLACES.nanshan.township : PLACES.tianhe.county })
      .set(bearer(token)),
  'GET /v1/audit/entries?person': ({ t, token, fixture }) =>
    t.http().get('/v1/audit/entries').query({ person: fixture.personId }).set(bearer(token)),
  'GET /v1/audit/entries?region': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/audit/entries')
      .query({ region: target === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county })
      .set(bearer(token)),
  'POST /v1/persons/:id/enrollments': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/enrollments`)
      .set(bearer(token))
      .send({ source: sourceOf(role), insuranceType: '170', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' }),
  'POST /v1/persons/:id/enrollments/110/suspension': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/enrollments/110/suspension`)
      .set(bearer(token))
      .send({ source: sourceOf(role), effectiveDate: '2024-02-01' }),
  'POST /v1/persons/:id/enrollments/120/resumption': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/enrollments/120/resumption`)
      .set(bearer(token))
      .send({ source: sourceOf(role), effectiveDate: '2024-03-01' }),
  'POST /v1/persons/:id/enrollments/170/termination': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/enrollments/170/termination`)
      .set(bearer(token))
      .send({ source: sourceOf(role), effectiveDate: '2024-04-01' }),
  'POST /v1/persons/:id/corrections': ({ t, token, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/corrections`)
      .set(bearer(token))
      .send({ reason: '核对原件', corrections: { name: '更正后' } }),
  'POST /v1/persons/:id/household-moves': ({ t, token, role, target, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/household-moves`)
      .set(bearer(token))
      .send({ source: sourceOf(role), scope: 'within-province', toRegion: TARGET_REGION[side(target)] }),
  'POST /v1/persons/:id/household-cancellations': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/household-cancellations`)
      .set(bearer(token))
      .send({ source: sourceOf(role), reason: 'emigration' }),
  'POST /v1/persons/:id/death': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/death`)
      .set(bearer(token))
      .send({ source: sourceOf(role), dateOfDeath: '2024-05-01' }),
  'POST /v1/persons/:id/exemptions': ({ t, token, role, fixture }) =>
    t
      .http()
      .post(`/v1/persons/${fixture.personId}/exemptions`)
      .set(bearer(token))
      .send({ source: sourceOf(role), reason: 'imprisoned', since: '2024-05-01' }),

  'GET /v1/imports/:id': ({ t, token, target, ops }) =>
    t
      .http()
      .get(`/v1/imports/${ops.imports[side(target)].importId}`)
      .set(bearer(token)),
  'GET /v1/imports/:id/rejections': ({ t, token, target, ops }) =>
    t
      .http()
      .get(`/v1/imports/${ops.imports[side(target)].importId}/rejections`)
      .set(bearer(token)),
  'POST /v1/imports': ({ t, token, target, ops }) => uploadImport(t, token, ops.imports[side(target)].file),
  'GET /v1/comparison-runs': ({ t, token }) => t.http().get('/v1/comparison-runs').set(bearer(token)),
  'GET /v1/comparison-runs/:id': ({ t, token, ops }) => t.http().get(`/v1/comparison-runs/${ops.runId}`).set(bearer(token)),
  'POST /v1/comparison-runs': async ({ t, token }) => {
    const res = await t.http().post('/v1/comparison-runs').set(bearer(token));
    // One run at a time: the next cell (or test) never meets this one running.
    if (res.status === 202) await t.app.get(ComparisonService).waitFor(res.body._id);
    return res;
  },
  'GET /v1/link-reviews': ({ t, token }) => t.http().get('/v1/link-reviews').set(bearer(token)),
  'POST /v1/link-reviews/:id/confirm': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/link-reviews/${ops.reviews[role][side(target)].confirm}/confirm`)
      .set(bearer(token))
      .send({ personId: ops.candidate[side(target)] }),
  'POST /v1/link-reviews/:id/reject': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/link-reviews/${ops.reviews[role][side(target)].reject}/reject`)
      .set(bearer(token))
      .send({ note: '均非同一人' }),
  'GET /v1/survey-worklists?region=township': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/survey-worklists')
      .query({ region: TARGET_REGION[side(target)] })
      .set(bearer(token)),
  'GET /v1/survey-worklists/identity-checks?region=township': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/survey-worklists/identity-checks')
      .query({ region: TARGET_REGION[side(target)] })
      .set(bearer(token)),
  'GET /v1/survey-worklists?region=county': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/survey-worklists')
      .query({ region: target === 'out' ? PLACES.tianhe.county : PLACES.nanshan.county })
      .set(bearer(token)),
  'POST /v1/survey-tasks/batches': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post('/v1/survey-tasks/batches')
      .set(bearer(token))
      .send({
        batchId: `matrix-${role}-${target}`,
        region: TARGET_REGION[side(target)],
        dueDate: '2099-12-31',
        from: 'list',
        personIds: [ops.survey.batchPerson[role][side(target)]],
      }),
  'GET /v1/survey-tasks?region': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/survey-tasks')
      .query({ region: TARGET_REGION[side(target)], limit: '200' })
      .set(bearer(token)),
  'GET /v1/survey-tasks/:id': ({ t, token, target, ops }) =>
    t
      .http()
      .get(`/v1/survey-tasks/${ops.survey.listed[side(target)]}`)
      .set(bearer(token)),
  'POST /v1/survey-tasks/:id/assignment': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/survey-tasks/${ops.survey.tasks.assign[role][side(target)]}/assignment`)
      .set(bearer(token))
      .send({ surveyor: 'township-surveyor-matrix' }),
  'POST /v1/survey-tasks/:id/results': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/survey-tasks/${ops.survey.tasks.result[role][side(target)]}/results`)
      .set(bearer(token))
      .send({ resultId: `matrix-${role}-${target}`, visitedAt: new Date().toISOString(), finding: { outcome: 'refused' } }),
  'POST /v1/survey-tasks/:id/return': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/survey-tasks/${ops.survey.tasks.return[role][side(target)]}/return`)
      .set(bearer(token))
      .send({ reason: '材料不全' }),
  'POST /v1/survey-tasks/:id/approval': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/survey-tasks/${ops.survey.tasks.approve[role][side(target)]}/approval`)
      .set(bearer(token))
      .send({}),
  'POST /v1/survey-tasks/:id/cancellation': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/survey-tasks/${ops.survey.tasks.cancel[role][side(target)]}/cancellation`)
      .set(bearer(token))
      .send({ reason: '重复任务' }),
  'GET /v1/reports/survey-progress': ({ t, token, target }) =>
    t
      .http()
      .get('/v1/reports/survey-progress')
      .query({ region: target === 'in' ? PLACES.nanshan.township : PLACES.tianhe.county })
      .set(bearer(token)),
  'GET /v1/ministry/exchange': ({ t, token }) => t.http().get('/v1/ministry/exchange').set(bearer(token)),
  'POST /v1/ministry/uploads/run': ({ t, token }) => t.http().post('/v1/ministry/uploads/run').set(bearer(token)),
  'GET /v1/audit/verification': ({ t, token }) => t.http().get('/v1/audit/verification').set(bearer(token)),
  'POST /v1/audit/replays': ({ t, token }) => t.http().post('/v1/audit/replays').set(bearer(token)).send({ readModel: 'persons' }),
  'POST /v1/ministry/interactions/download': ({ t, token }) =>
    t.http().post('/v1/ministry/interactions/download').set(bearer(token)).send({}),

  'POST /v1/public/phone-verifications': ({ t, token }) =>
    t
      .http()
      .post('/v1/public/phone-verifications')
      .set(bearer(token))
      .send({ phone: newPhone(), citizenId: newCitizen().id, purpose: 'registration' }),
  'POST /v1/public/phone-verifications/check': async ({ t, token, role }) => {
    const phone = newPhone();
    let verificationId = NO_VERIFICATION;
    let code = '000000';
    if (role === 'channel-client') {
      const sent = await t
        .http()
        .post('/v1/public/phone-verifications')
        .set(bearer(token))
        .send({ phone, citizenId: newCitizen().id, purpose: 'registration' });
      verificationId = sent.body.verificationId;
      code = codeSent(t.dataDir, verificationId);
    }
    return t.http().post('/v1/public/phone-verifications/check').set(bearer(token)).send({ verificationId, phone, code });
  },
  'POST /v1/public/registrations': async ({ t, token, role, target }) => {
    const citizen = newCitizen(side(target) === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county);
    const phone = newPhone();
    const verificationId =
      role === 'channel-client'
        ? await verifiedPhone(t, token, { phone, citizenId: citizen.id, purpose: 'registration' })
        : NO_VERIFICATION;
    return t
      .http()
      .post('/v1/public/registrations')
      .set(bearer(token))
      .send(
        submissionBody(citizen.id, phone, verificationId, {
          clientSubmissionId: `MATRIX-${role}-${target}`,
          residenceRegion: TARGET_REGION[side(target)],
        }),
      );
  },
  'POST /v1/public/status-queries': async ({ t, token, role }) => {
    const citizen = newCitizen();
    const phone = newPhone();
    const verificationId =
      role === 'channel-client'
        ? await verifiedPhone(t, token, { phone, citizenId: citizen.id, purpose: 'status-query' })
        : NO_VERIFICATION;
    return t
      .http()
      .post('/v1/public/status-queries')
      .set(bearer(token))
      .send({ citizenId: citizen.id, name: '查询人', phone, verificationId });
  },
  'GET /v1/self-service-reviews': ({ t, token }) => t.http().get('/v1/self-service-reviews').query({ limit: '500' }).set(bearer(token)),
  'POST /v1/self-service-reviews/:id/approval': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/self-service-reviews/${ops.submissions[role][side(target)].approve}/approval`)
      .set(bearer(token))
      .send({}),
  'POST /v1/self-service-reviews/:id/rejection': ({ t, token, role, target, ops }) =>
    t
      .http()
      .post(`/v1/self-service-reviews/${ops.submissions[role][side(target)].reject}/rejection`)
      .set(bearer(token))
      .send({ reason: '请补充居住证明' }),
  'GET /v1/reminders?personId': ({ t, token, target, ops }) =>
    t
      .http()
      .get('/v1/reminders')
      .query({ personId: ops.uninsured[side(target)] })
      .set(bearer(token)),
  'POST /v1/reminders/opt-outs': ({ t, token, fixture }) =>
    t.http().post('/v1/reminders/opt-outs').set(bearer(token)).send({ personId: fixture.personId }),
};

/** For LISTED / UNLISTED cells: whether the cell's target is in the list answered. */
const LISTS: Record<string, (body: any, c: CallContext) => boolean> = {
  'GET /v1/link-reviews': (body, { target, ops }) =>
    body.items.some((item: { reviewId: string }) => item.reviewId === ops.listedReview[side(target)]),
  'GET /v1/survey-worklists?region=township': (body, { target, ops }) =>
    body.items.some((item: { personId: string }) => item.personId === ops.uninsured[side(target)]),
  'GET /v1/survey-worklists?region=county': (body, { target, ops }) =>
    body.items.some((item: { personId: string }) => item.personId === ops.uninsured[side(target)]),
  'GET /v1/survey-worklists/identity-checks?region=township': (body, { target, ops }) =>
    body.items.some((item: { recordRef: string }) => item.recordRef === ops.identityCheck[side(target)]),
  'GET /v1/self-service-reviews': (body, { target, ops }) =>
    body.items.some((item: { reviewId: string }) => item.reviewId === ops.listedSubmission[side(target)]),
  'GET /v1/reminders?personId': (body, { target, ops }) =>
    body.items.some((item: { personId: string }) => item.personId === ops.uninsured[side(target)]),
  'GET /v1/survey-tasks?region': (body, { target, ops }) =>
    body.items.some((item: { taskId: string }) => item.taskId === ops.survey.listed[side(target)]),
};

/** A comparison run's counts and progress figures are aggregates over the whole province. */
const provinceFigures = (run: { counts?: unknown; progress?: { total?: unknown } }): string[] =>
  run.counts !== undefined || run.progress?.total !== undefined ? [PROVINCE] : [];
type Regions = Array<string | null | undefined>;

/** The regions a 2xx answer shows something of; each must lie within the caller's region. */
const REVEALS: Record<string, (body: any) => Regions> = {
  'GET /v1/persons?region': (body) => body.items.map((p: { householdRegion: string | null }) => p.householdRegion),
  'GET /v1/persons/:id': (body) => [body.householdRegion],
  'GET /v1/reports/coverage': (body) => body.rows.map((r: { region: string | null }) => r.region ?? body.region),
  'POST /v1/imports': (body) => [body.submittedBy?.region],
  'GET /v1/imports/:id': (body) => [body.submittedBy?.region],
  'GET /v1/comparison-runs': (body) => (body as Array<Parameters<typeof provinceFigures>[0]>).flatMap(provinceFigures),
  'GET /v1/comparison-runs/:id': (body) => provinceFigures(body),
  'POST /v1/comparison-runs': (body) => provinceFigures(body),
  'GET /v1/link-reviews': (body) =>
    body.items.flatMap((r: { candidates: Array<{ householdRegion: string }> }) => r.candidates.map((c) => c.householdRegion)),
  'GET /v1/survey-worklists?region=township': (body) => body.items.map((p: { householdRegion: string | null }) => p.householdRegion),
  'GET /v1/survey-worklists?region=county': (body) => body.items.map((p: { householdRegion: string | null }) => p.householdRegion),
  'GET /v1/survey-worklists/identity-checks?region=township': (body) =>
    body.items.map((c: { householdRegion: string }) => c.householdRegion),
  'GET /v1/self-service-reviews': (body) => body.items.map((r: { residenceRegion: string }) => r.residenceRegion),
  'GET /v1/reminders?personId': (body) => body.items.map((r: { region: string | null }) => r.region),
  'POST /v1/survey-tasks/batches': (body) => [body.region],
  'GET /v1/survey-tasks?region': (body) =>
    body.items.flatMap((i: { region: string; subject: { householdRegion?: string } }) => [i.region, i.subject.householdRegion]),
  'GET /v1/survey-tasks/:id': (body) => [body.region, body.subject.householdRegion],
  'GET /v1/reports/survey-progress': (body) => [body.region, ...body.children.map((c: { region: string }) => c.region)],
};

/** The regions shown that the role's region does not cover (a person without a region counts as the province). */
function outsideOf(role: Role, regions: Regions): string[] {
  const caller = new Principal(`${role}-matrix`, [role], CALLERS[role].region);
  return regions.map((r) => r ?? PROVINCE).filter((r) => !caller.covers(r));
}

function parse(expected: Expected): { status: number; code?: string; listed?: boolean } {
  const [status, code] = expected.split(' ');
  if (code === 'LISTED' || code === 'UNLISTED') return { status: Number(status), listed: code === 'LISTED' };
  return { status: Number(status), code };
}

const TARGETS: Target[] = ['in', 'out'];
const cells = Object.entries(ROWS).flatMap(([endpoint, row]) =>
  ROLES.flatMap((role, column) => {
    const cell: Cell = row[column];
    if (cell.length === 1) return [{ endpoint, role, target: 'any' as CellTarget, where: 'with no region target', expected: cell[0] }];
    return TARGETS.map((target, i) => ({
      endpoint,
      role,
      target: target as CellTarget,
      where: `on the ${target} target`,
      expected: cell[i],
    }));
  }),
);

describe('access matrix: every endpoint × every role × in/out of region', () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  /** One person per role and target, so each role's commands run against a person in a known state. */
  const fixtures = {} as Record<Role, Record<Target, Fixture>>;
  const ops = { reviews: {}, submissions: {} } as OpsFixtures;
  let workDir: string;

  beforeAll(async () => {
    t = await startApp();
    for (const role of ROLES) tokens[role] = t.token({ role, sub: `${role}-matrix`, ...CALLERS[role] });
    const admin = t.token({ role: 'province-admin', sub: 'fixture-admin', region: '44' });
    for (const role of ROLES) {
      fixtures[role] = {} as Record<Target, Fixture>;
      for (const target of TARGETS) {
        const citizen = newCitizen(target === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county);
        const registered = await t
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(admin))
          .send(registrationBody(citizen, { source: 'operator', householdRegion: TARGET_REGION[target], name: '测试人' }))
          .expect(200);
        const personId = registered.body.personId as string;
        // 110 contributing (to suspend), 120 suspended (to resume); 170 is recorded by the matrix, then terminated.
        for (const insuranceType of ['110', '120']) {
          await t
            .http()
            .post(`/v1/persons/${personId}/enrollments`)
            .set(bearer(admin))
            .send({ source: 'operator', insuranceType, contributionStatus: '1', provinceCode: '44', since: '2010-01-01' })
            .expect(200);
        }
        await t
          .http()
          .post(`/v1/persons/${personId}/enrollments/120/suspension`)
          .set(bearer(admin))
          .send({ source: 'operator', effectiveDate: '2023-01-01' })
          .expect(200);
        fixtures[role][target] = { personId, citizenId: citizen.id };
      }
    }
    await setUpOperations(admin);
    await t.caughtUp();
  });

  /** Imports from two regions, candidate and uninsured persons, pending reviews and one finished comparison run. */
  async function setUpOperations(admin: string): Promise<void> {
    workDir = mkdtempSync(join(tmpdir(), 'registry-access-'));
    const county: Record<Target, string> = { in: PLACES.nanshan.county, out: PLACES.tianhe.county };
    ops.imports = {} as OpsFixtures['imports'];
    ops.candidate = {} as Record<Target, string>;
    ops.uninsured = {} as Record<Target, string>;
    ops.listedReview = {} as Record<Target, string>;
    ops.identityCheck = {} as Record<Target, string>;
    for (const target of TARGETS) {
      const submitter = t.token({ role: 'county-operator', sub: `importer-${county[target]}`, region: county[target] });
      const file = writeHouseholdFile(workDir, `household-${target}.csv`, county[target], TARGET_REGION[target]);
      const submitted = await uploadImport(t, submitter, file);
      expect(submitted.status).toBe(202);
      ops.imports[target] = { importId: submitted.body.importId, file };
      const idless = await uploadImport(
        t,
        submitter,
        writeIdLessHouseholdFile(workDir, `household-idless-${target}.csv`, TARGET_REGION[target]),
      );
      expect(idless.status).toBe(202);
      ops.identityCheck[target] = `${idless.body.importId}:1`;
      for (const kind of ['candidate', 'uninsured'] as const) {
        const registered = await t
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(admin))
          .send(
            registrationBody(newCitizen(county[target]), {
              source: 'operator',
              householdRegion: TARGET_REGION[target],
              name: kind === 'candidate' ? '候选人' : '未参保',
            }),
          )
          .expect(200);
        ops[kind][target] = registered.body.personId;
      }
    }
    await t.caughtUp();
    // Listed-only reviews are the oldest, so they lead the (createdAt-ordered) first page.
    for (const target of TARGETS) {
      ops.listedReview[target] = await seedReview(
        t,
        [{ personId: ops.candidate[target], region: TARGET_REGION[target] }],
        '2000-01-01T00:00:00.000Z',
      );
    }
    for (const role of ROLES) {
      ops.reviews[role] = {} as Record<Target, { confirm: string; reject: string }>;
      for (const target of TARGETS) {
        const candidates = [{ personId: ops.candidate[target], region: TARGET_REGION[target] }];
        ops.reviews[role][target] = { confirm: await seedReview(t, candidates), reject: await seedReview(t, candidates) };
      }
    }
    const run = await t.http().post('/v1/comparison-runs').set(bearer(admin)).expect(202);
    ops.runId = run.body._id;
    expect((await t.app.get(ComparisonService).waitFor(ops.runId)).state).toBe('completed');
    await setUpSelfService();
    // After the run: its verdicts are not changes the survey approvals below would have to be shown.
    ops.survey = await setUpSurvey(admin);
  }

  /** Survey tasks on both sides, each command cell's in the state its command needs (see SurveyFixtures). */
  async function setUpSurvey(admin: string): Promise<SurveyFixtures> {
    const fieldWorker = t.token({ role: 'township-surveyor', sub: 'fixture-surveyor', region: '44' });
    let seq = 0;
    const person = async (target: Target) => {
      const res = await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(admin))
        .send(
          registrationBody(newCitizen(target === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county), {
            source: 'operator',
            sourceRecordId: `SURVEY-MATRIX-${target}-${++seq}`,
            householdRegion: TARGET_REGION[target],
            name: '调查对象',
          }),
        )
        .expect(200);
      return res.body.personId as string;
    };
    const batch = async (target: Target, batchId: string, personIds: string[], surveyors?: string[], dueDate = '2099-12-31') => {
      const res = await t
        .http()
        .post('/v1/survey-tasks/batches')
        .set(bearer(admin))
        .send({ batchId, region: TARGET_REGION[target], dueDate, from: 'list', personIds, ...(surveyors && { surveyors }) })
        .expect(200);
      expect(res.body.created).toBe(personIds.length);
      return new Map<string, string>(res.body.tasks.map((x: { personId: string; taskId: string }) => [x.personId, x.taskId]));
    };
    const fixtures: SurveyFixtures = {
      listed: {} as Record<Target, string>,
      batchPerson: {} as Record<Role, Record<Target, string>>,
      tasks: { assign: {}, cancel: {}, result: {}, approve: {}, return: {} } as SurveyFixtures['tasks'],
    };
    for (const role of ROLES) {
      fixtures.batchPerson[role] = {} as Record<Target, string>;
      for (const cell of Object.keys(fixtures.tasks) as SurveyCell[]) fixtures.tasks[cell][role] = {} as Record<Target, string>;
    }
    for (const target of TARGETS) {
      // The listed task is due first, so it leads every list.
      const listedPerson = await person(target);
      fixtures.listed[target] = (await batch(target, `listed-${target}`, [listedPerson], ['township-surveyor-matrix'], '2099-01-01')).get(
        listedPerson,
      )!;
      const people = {} as Record<SurveyCell, Map<Role, string>>;
      for (const cell of Object.keys(fixtures.tasks) as SurveyCell[]) {
        people[cell] = new Map();
        for (const role of ROLES) people[cell].set(role, await person(target));
      }
      for (const role of ROLES) fixtures.batchPerson[role][target] = await person(target);
      const open = await batch(target, `open-${target}`, [...people.assign.values(), ...people.cancel.values()]);
      const review = await batch(target, `review-${target}`, [...people.approve.values(), ...people.return.values()], ['fixture-surveyor']);
      for (const role of ROLES) {
        fixtures.tasks.assign[role][target] = open.get(people.assign.get(role)!)!;
        fixtures.tasks.cancel[role][target] = open.get(people.cancel.get(role)!)!;
        for (const cell of ['approve', 'return'] as const) {
          const taskId = review.get(people[cell].get(role)!)!;
          fixtures.tasks[cell][role][target] = taskId;
          await t
            .http()
            .post(`/v1/survey-tasks/${taskId}/results`)
            .set(bearer(fieldWorker))
            .send({ resultId: `fixture-${taskId}`, visitedAt: new Date().toISOString(), finding: { outcome: 'refused' } })
            .expect(200);
        }
        const own = await batch(target, `result-${role}-${target}`, [people.result.get(role)!], [`${role}-matrix`]);
        fixtures.tasks.result[role][target] = own.get(people.result.get(role)!)!;
      }
    }
    await t.caughtUp();
    return fixtures;
  }

  /** Pending self-service submissions on each side (a province-wide website submits them), and one reminder cycle. */
  async function setUpSelfService(): Promise<void> {
    const website = channelToken(t, 'website', '44', 'matrix-fixture-website');
    let n = 0;
    const submit = async (target: Target): Promise<string> => {
      const citizen = newCitizen(target === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county);
      const phone = newPhone();
      const verificationId = await verifiedPhone(t, website, { phone, citizenId: citizen.id, purpose: 'registration' });
      const res = await t
        .http()
        .post('/v1/public/registrations')
        .set(bearer(website))
        .send(
          submissionBody(citizen.id, phone, verificationId, {
            clientSubmissionId: `FIXTURE-${++n}`,
            residenceRegion: TARGET_REGION[target],
          }),
        );
      expect(res.status).toBe(202);
      return res.body.submissionId;
    };
    ops.listedSubmission = { in: await submit('in'), out: await submit('out') };
    ops.submissions = {} as OpsFixtures['submissions'];
    for (const role of ROLES) {
      ops.submissions[role] = {} as Record<Target, { approve: string; reject: string }>;
      for (const target of TARGETS) ops.submissions[role][target] = { approve: await submit(target), reject: await submit(target) };
    }
    await t.caughtUp();
    // Invitations for the uninsured fixture persons (and every other uninsured person).
    const cycle = await t.app.get(ReminderCycle).run();
    expect(cycle.scheduled).toBeGreaterThanOrEqual(2);
  }

  afterAll(async () => {
    await t?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('has a call for every row, a column for every role, and a list check for every listed cell', () => {
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(ROWS).sort());
    expect(Object.keys(MATRIX).filter((e) => e in OPS_MATRIX)).toEqual([]);
    expect(ROLES).toEqual([
      'province-admin',
      'city-operator',
      'county-operator',
      'township-operator',
      'township-surveyor',
      'auditor',
      'reporting-consumer',
      'service-client',
      'channel-client',
    ]);
    const opsCells = [...Object.values(OPS_MATRIX), ...Object.values(SELF_SERVICE_MATRIX)].reduce(
      (n, row) => n + row.reduce((m, cell) => m + cell.length, 0),
      0,
    );
    expect(cells).toHaveLength(Object.keys(MATRIX).length * ROLES.length * 2 + opsCells);
    const listing = Object.keys(ROWS).filter((e) => ROWS[e].some((cell: Cell) => cell.some((x) => parse(x).listed !== undefined)));
    expect(Object.keys(LISTS).sort()).toEqual(listing.sort());
    for (const endpoint of Object.keys(REVEALS)) expect(ROWS).toHaveProperty([endpoint]);
  });

  it.each(cells)('$endpoint as $role $where → $expected', async ({ endpoint, role, target, expected }) => {
    const context: CallContext = { t, token: tokens[role], role, target, fixture: fixtures[role][side(target)], ops };
    const res = await CALLS[endpoint](context);
    const want = parse(expected);
    if (want.code) {
      expectProblem(res, want.status, want.code);
    } else {
      expect({ status: res.status, body: res.status === want.status ? undefined : res.body }).toEqual({
        status: want.status,
        body: undefined,
      });
    }
    if (want.listed !== undefined) expect({ listed: LISTS[endpoint](res.body, context) }).toEqual({ listed: want.listed });
    if (res.status < 300 && REVEALS[endpoint])
      expect({ outsideCallerRegion: outsideOf(role, REVEALS[endpoint](res.body)) }).toEqual({ outsideCallerRegion: [] });
  });

  it('lists every /v1 route the matrix walks, and the OpenAPI document has no route without a row', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    const routes = documentedRoutes(doc.body);
    expect(routes.filter((r) => / \/v1\//.test(r))).toEqual(
      [
        'GET /v1/audit/entries',
        'GET /v1/audit/verification',
        'GET /v1/comparison-runs',
        'GET /v1/comparison-runs/{runId}',
        'GET /v1/imports/{importId}',
        'GET /v1/imports/{importId}/rejections',
        'GET /v1/link-reviews',
        'GET /v1/ministry/exchange',
        'GET /v1/persons',
        'GET /v1/persons/{personId}',
        'GET /v1/persons/{personId}/history',
        'GET /v1/reports/coverage',
        'GET /v1/reports/data-quality',
        'GET /v1/regions',
        'GET /v1/reports/region-counts',
        'GET /v1/reports/survey-progress',
        'GET /v1/survey-tasks',
        'GET /v1/survey-tasks/{taskId}',
        'GET /v1/sessions/current',
        'GET /v1/sessions/options',
        'GET /v1/survey-worklists',
        'GET /v1/survey-worklists/identity-checks',
        'POST /v1/audit/replays',
        'POST /v1/channel-sessions',
        'POST /v1/comparison-runs',
        'POST /v1/imports',
        'POST /v1/link-reviews/{reviewId}/confirm',
        'POST /v1/link-reviews/{reviewId}/reject',
        'POST /v1/ministry/interactions/download',
        'POST /v1/ministry/uploads/run',
        'POST /v1/persons/lookup',
        'POST /v1/persons/registrations',
        'POST /v1/persons/{personId}/corrections',
        'POST /v1/persons/{personId}/death',
        'POST /v1/persons/{personId}/disclosures',
        'POST /v1/persons/{personId}/enrollments',
        'POST /v1/persons/{personId}/enrollments/{insuranceType}/{transition}',
        'POST /v1/persons/{personId}/exemptions',
        'POST /v1/persons/{personId}/household-cancellations',
        'POST /v1/persons/{personId}/household-moves',
        'GET /v1/reminders',
        'GET /v1/self-service-reviews',
        'POST /v1/public/phone-verifications',
        'POST /v1/public/phone-verifications/check',
        'POST /v1/public/registrations',
        'POST /v1/public/status-queries',
        'POST /v1/reminders/opt-outs',
        'POST /v1/self-service-reviews/{reviewId}/approval',
        'POST /v1/self-service-reviews/{reviewId}/rejection',
        'POST /v1/survey-tasks/batches',
        'POST /v1/survey-tasks/{taskId}/approval',
        'POST /v1/survey-tasks/{taskId}/assignment',
        'POST /v1/survey-tasks/{taskId}/cancellation',
        'POST /v1/survey-tasks/{taskId}/results',
        'POST /v1/survey-tasks/{taskId}/return',
        'POST /v1/sessions',
      ].sort(),
    );
    // Every documented route (/v1 and the rest) is called by some row; every row calls a
    // documented route, but for the two the document leaves out (itself and /metrics).
    const rows = Object.keys(ROWS);
    expect(routes.filter((route) => !rows.some((row) => rowCallsRoute(row, route)))).toEqual([]);
    expect(rows.filter((row) => !routes.some((route) => rowCallsRoute(row, route)))).toEqual(['GET /metrics', 'GET /docs-json']);
  });

  it('answers an out-of-region person exactly like a person that does not exist', async () => {
    const token = tokens['city-operator'];
    const absent = 'p_' + 'a'.repeat(26);
    const strip = (r: Response) => ({ status: r.status, contentType: r.headers['content-type'], body: { ...r.body, instance: undefined } });
    const pairs: Array<[string, (id: string) => Promise<Response>]> = [
      ['GET', (id) => t.http().get(`/v1/persons/${id}`).set(bearer(token))],
      ['history', (id) => t.http().get(`/v1/persons/${id}/history`).set(bearer(token))],
      [
        'enrol',
        (id) =>
          t
            .http()
            .post(`/v1/persons/${id}/enrollments`)
            .set(bearer(token))
            .send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' }),
      ],
      [
        'death',
        (id) => t.http().post(`/v1/persons/${id}/death`).set(bearer(token)).send({ source: 'operator', dateOfDeath: '2024-01-01' }),
      ],
    ];
    for (const [, call] of pairs) {
      const outside = await call(fixtures['city-operator'].out.personId);
      const missing = await call(absent);
      expect(outside.status).toBe(404);
      expect(strip(outside)).toEqual(strip(missing));
    }
    // A malformed id is also the same 404.
    expect(strip(await t.http().get('/v1/persons/not-an-id').set(bearer(token)))).toEqual(
      strip(await t.http().get(`/v1/persons/${absent}`).set(bearer(token))),
    );
  });

  it('lets the reporting consumer see only aggregates: region counts for its region, 403 on every person endpoint', async () => {
    const token = tokens['reporting-consumer'];
    const counts = await t.http().get('/v1/reports/region-counts').set(bearer(token));
    expect(counts.status).toBe(200);
    expect(counts.body).toMatchObject({ region: '440300', level: 'city' });
    expect(counts.body.total).toBeGreaterThanOrEqual(ROLES.length);
    expect(JSON.stringify(counts.body)).not.toMatch(/p_[a-z2-7]{26}/);
    // Every endpoint that shows persons or person-level records: imports, reviews, worklists.
    const personEndpoints = Object.keys(ROWS).filter((e) =>
      /\/v1\/(persons|imports|link-reviews|survey-worklists|survey-tasks|self-service-reviews|reminders|public)/.test(e),
    );
    for (const endpoint of personEndpoints) {
      const answers = (ROWS[endpoint][ROLES.indexOf('reporting-consumer')] as Expected[]).filter((x) => x !== FORBIDDEN);
      expect({ endpoint, answers }).toEqual({ endpoint, answers: [] });
    }
  });

  it('lets the auditor read history, as-of state and full IDs, and refuses every command', async () => {
    const column = ROLES.indexOf('auditor');
    for (const endpoint of [
      'GET /v1/persons/:id/history',
      'GET /v1/persons/:id?asOf',
      'GET /v1/persons/:id?unmask',
      'GET /v1/persons/:id/history?unmask',
      'POST /v1/persons/:id/disclosures',
    ]) {
      expect(MATRIX[endpoint][column][0]).toBe(OK);
    }
    // A look-up and a replay change nothing (a replay builds a shadow beside the read model and drops it).
    const reads = [
      'POST /v1/persons/lookup',
      'POST /v1/audit/replays',
      'POST /v1/persons/:id/disclosures',
      'POST /v1/sessions',
      'POST /v1/channel-sessions',
    ];
    for (const endpoint of Object.keys(ROWS).filter((e) => e.startsWith('POST') && !reads.includes(e))) {
      expect({ endpoint, answers: ROWS[endpoint][column].filter((x: Expected) => x !== FORBIDDEN) }).toEqual({ endpoint, answers: [] });
    }
    const unmasked = await t
      .http()
      .get(`/v1/persons/${fixtures.auditor.in.personId}`)
      .query({ unmask: 'true' })
      .set(bearer(tokens.auditor));
    expect(unmasked.body.citizenId).toBe(fixtures.auditor.in.citizenId);
  });

  describe('operations', () => {
    const absentImport = `imp_${'0'.repeat(24)}`;
    const strip = (r: Response) => ({ status: r.status, contentType: r.headers['content-type'], body: { ...r.body, instance: undefined } });

    /** Every page of the caller's pending reviews. */
    async function pendingReviews(token: string): Promise<Array<{ reviewId: string; candidates: Array<{ personId: string }> }>> {
      const out = [];
      let cursor: string | undefined;
      do {
        const res = await t
          .http()
          .get('/v1/link-reviews')
          .query(cursor ? { cursor } : {})
          .set(bearer(token))
          .expect(200);
        out.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return out;
    }

    it('answers an out-of-region import or review exactly like one that does not exist', async () => {
      const token = tokens['city-operator'];
      const outsideReview = await seedReview(t, [{ personId: ops.candidate.out, region: TARGET_REGION.out }]);
      const absentReview = newReviewId();
      const pairs: Array<[string, string, (id: string) => Promise<Response>]> = [
        [ops.imports.out.importId, absentImport, (id) => t.http().get(`/v1/imports/${id}`).set(bearer(token))],
        [ops.imports.out.importId, absentImport, (id) => t.http().get(`/v1/imports/${id}/rejections`).set(bearer(token))],
        [
          outsideReview,
          absentReview,
          (id) => t.http().post(`/v1/link-reviews/${id}/confirm`).set(bearer(token)).send({ personId: ops.candidate.out }),
        ],
        [outsideReview, absentReview, (id) => t.http().post(`/v1/link-reviews/${id}/reject`).set(bearer(token)).send({})],
      ];
      for (const [outside, absent, call] of pairs) {
        const answer = await call(outside);
        expect(answer.status).toBe(404);
        expect(strip(answer)).toEqual(strip(await call(absent)));
      }
      expect((await pendingReviews(token)).map((r) => r.reviewId)).not.toContain(outsideReview);
    });

    it("makes a file another region imported the caller's own import: a new id, its rows outside the caller's region quarantined", async () => {
      const token = tokens['county-operator']; // 440305
      const again = await uploadImport(t, token, ops.imports.out.file);
      expect(again.status).toBe(202);
      expect(again.body.importId).not.toBe(ops.imports.out.importId);
      const view = await t.http().get(`/v1/imports/${again.body.importId}`).set(bearer(token)).expect(200);
      expect(view.body).toMatchObject({
        state: 'completed',
        submittedBy: { region: PLACES.nanshan.county },
        counts: { read: 3, imported: 0, quarantined: 3 },
        reconciled: true,
      });
      expect(view.body.reasonsByCode.REGION_OUT_OF_SCOPE).toBe(2);
      // The other region's import is still its own, and still invisible here.
      expectProblem(await t.http().get(`/v1/imports/${ops.imports.out.importId}`).set(bearer(token)), 404, 'IMPORT_NOT_FOUND');
      // The same file from the same region is the same import.
      const same = await uploadImport(t, token, ops.imports.in.file);
      expect(same.body.importId).toBe(ops.imports.in.importId);
    });

    it("shows a comparison run's province-wide counts only to callers covering the province", async () => {
      const full = await t.http().get(`/v1/comparison-runs/${ops.runId}`).set(bearer(tokens['province-admin'])).expect(200);
      expect(full.body.counts.persons).toBeGreaterThan(0);
      expect(full.body.progress.total).toBeGreaterThan(0);
      for (const role of ['city-operator', 'county-operator', 'township-surveyor', 'auditor', 'reporting-consumer'] as const) {
        const one = await t.http().get(`/v1/comparison-runs/${ops.runId}`).set(bearer(tokens[role])).expect(200);
        expect(one.body).toMatchObject({ _id: ops.runId, state: 'completed', phase: 'done', progress: { phase: 'done' } });
        expect({ role, counts: one.body.counts, progress: one.body.progress }).toEqual({
          role,
          counts: undefined,
          progress: { phase: 'done' },
        });
        const list = await t.http().get('/v1/comparison-runs').set(bearer(tokens[role])).expect(200);
        expect(list.body.map((run: { _id: string }) => run._id)).toContain(ops.runId);
        expect(list.body.flatMap(provinceFigures)).toEqual([]);
      }
    });

    it('shows a reviewer only the candidates in its region, and links a record only to one of those', async () => {
      const inside = { personId: ops.candidate.in, region: TARGET_REGION.in };
      const outside = { personId: ops.candidate.out, region: TARGET_REGION.out };
      const mixed = await seedReview(t, [inside, outside]);
      const county = tokens['county-operator'];
      const seenByCounty = (await pendingReviews(county)).find((r) => r.reviewId === mixed);
      expect(seenByCounty?.candidates.map((c) => c.personId)).toEqual([inside.personId]);
      const seenByProvince = (await pendingReviews(tokens['province-admin'])).find((r) => r.reviewId === mixed);
      expect(seenByProvince?.candidates.map((c) => c.personId)).toEqual([inside.personId, outside.personId]);
      const confirm = (personId: string) => t.http().post(`/v1/link-reviews/${mixed}/confirm`).set(bearer(county)).send({ personId });
      expectProblem(await confirm(outside.personId), 404, 'PERSON_NOT_FOUND');
      const confirmed = await confirm(inside.personId);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ reviewId: mixed, state: 'confirmed', personId: inside.personId, recorded: ['RecordLinked'] });
    });
  });

  describe('a business system (service client: insurance-enrollment, types 110/120/170)', () => {
    const enrol = (insuranceType: string, source = 'insurance-enrollment') =>
      t
        .http()
        .post(`/v1/persons/${fixtures['service-client'].in.personId}/enrollments`)
        .set(bearer(tokens['service-client']))
        .send({ source, insuranceType, contributionStatus: '1', provinceCode: '44', since: '2024-06-01' });

    it('reports an enrolment of a type it owns', async () => {
      const res = await enrol('110');
      expect(res.status).toBe(200);
      expect(res.body.recorded[0]).toBe('EnrollmentRecorded');
    });

    it('gets 403 INSURANCE_TYPE_NOT_OWNED for a type it does not own, in the path too', async () => {
      expectProblem(await enrol('390'), 403, 'INSURANCE_TYPE_NOT_OWNED');
      const suspend = await t
        .http()
        .post(`/v1/persons/${fixtures['service-client'].in.personId}/enrollments/390/suspension`)
        .set(bearer(tokens['service-client']))
        .send({ source: 'insurance-enrollment', effectiveDate: '2024-06-01' });
      expectProblem(suspend, 403, 'INSURANCE_TYPE_NOT_OWNED');
    });

    it('gets 403 SOURCE_NOT_OWNED when claiming another source or the staff channels', async () => {
      expectProblem(await enrol('110', 'household-registration'), 403, 'SOURCE_NOT_OWNED');
      expectProblem(await enrol('110', 'operator'), 403, 'SOURCE_NOT_OWNED');
      const register = await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(tokens['service-client']))
        .send(registrationBody(newCitizen(), { source: 'household-registration' }));
      expectProblem(register, 403, 'SOURCE_NOT_OWNED');
    });

    it('lets staff report only as operator or self-service', async () => {
      const res = await t
        .http()
        .post(`/v1/persons/${fixtures['county-operator'].in.personId}/enrollments`)
        .set(bearer(tokens['county-operator']))
        .send({ source: 'insurance-enrollment', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-06-01' });
      expectProblem(res, 403, 'SOURCE_NOT_OWNED');
    });
  });

  describe('bearer tokens', () => {
    const claims = { sub: 'someone', roles: ['city-operator'], region: '4403' };
    const sign = (payload: object, secret: string | Buffer, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'registry', audience: 'registry-api', expiresIn: 600, ...options });
    const call = (authorization?: string) => {
      const req = t.http().get('/v1/persons');
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    it('answers the public endpoints without a token', async () => {
      expect((await t.http().get('/health')).status).toBe(200);
      expect((await t.http().get('/metrics')).text).toContain('registry_http_request_duration_seconds');
      expect((await t.http().get('/docs-json')).body.openapi).toMatch(/^3\./);
    });

    it('accepts a valid token', async () => {
      expect((await call(`Bearer ${tokens['city-operator']}`)).status).toBe(200);
    });

    it.each([
      ['no Authorization header', () => undefined, 'TOKEN_MISSING'],
      ['a non-Bearer scheme', () => 'Basic dXNlcjpwYXNz', 'TOKEN_MISSING'],
      ['a malformed token', () => 'Bearer not.a.jwt', 'TOKEN_MALFORMED'],
      [
        'a token signed with another key',
        () => `Bearer ${sign({ roles: claims.roles, region: claims.region }, 'x'.repeat(32), { subject: claims.sub })}`,
        'TOKEN_INVALID_SIGNATURE',
      ],
      [
        'an unsigned token (alg none)',
        () =>
          `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: 'registry', aud: 'registry-api', exp: Math.floor(Date.now() / 1000) + 600 })}.`,
        'TOKEN_UNSIGNED',
      ],
      ['an unknown role', () => `Bearer ${signWithServiceKey({ roles: ['superuser'], region: '4403' })}`, 'TOKEN_CLAIMS_INVALID'],
      [
        'a malformed region',
        () => `Bearer ${signWithServiceKey({ roles: ['city-operator'], region: 'shenzhen' })}`,
        'TOKEN_CLAIMS_INVALID',
      ],
      [
        'a wrong audience',
        () => `Bearer ${signWithServiceKey({ roles: ['city-operator'], region: '4403' }, { audience: 'other-api' })}`,
        'TOKEN_INVALID_SIGNATURE',
      ],
    ] as Array<[string, () => string | undefined, string]>)('refuses %s with 401', async (_label, header, code) => {
      expectProblem(await call(header()), 401, code);
    });

    it('refuses an expired token with 401 TOKEN_EXPIRED', async () => {
      const expired = signWithServiceKey({ roles: ['city-operator'], region: '4403' }, { expiresIn: -60 });
      expectProblem(await call(`Bearer ${expired}`), 401, 'TOKEN_EXPIRED');
    });

    /** Signs with the service's own HS256 secret (keys.json under DATA_DIR). */
    function signWithServiceKey(payload: object, options: jwt.SignOptions = {}): string {
      const keys = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8')) as { tokenSecret: string };
      return sign(payload, Buffer.from(keys.tokenSecret, 'base64'), { subject: 'someone', ...options });
    }
  });
});

describe('RS256 tokens (JWT_ALGORITHM=RS256)', () => {
  let t: TestApp;
  let hsSecret: Buffer;
  let dir: string;

  beforeAll(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = mkdtempSync(join(tmpdir(), 'registry-rs256-'));
    const publicFile = join(dir, 'public.pem');
    const privateFile = join(dir, 'private.pem');
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    t = await startApp({ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: publicFile, JWT_PRIVATE_KEY_FILE: privateFile });
    const keys = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8')) as { tokenSecret: string };
    hsSecret = Buffer.from(keys.tokenSecret, 'base64');
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a token signed with the private key', async () => {
    const token = t.token({ role: 'city-operator', region: '4403' });
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('RS256');
    const res = await t.http().get('/v1/persons').set(bearer(token));
    expect(res.status).toBe(200);
  });

  it('refuses an HS256 token, even one signed with the key file secret', async () => {
    const hs = jwt.sign({ roles: ['city-operator'], region: '4403' }, hsSecret, {
      algorithm: 'HS256',
      subject: 'x',
      issuer: 'registry',
      audience: 'registry-api',
      expiresIn: 600,
    });
    expectProblem(await t.http().get('/v1/persons').set(bearer(hs)), 401, 'TOKEN_INVALID_SIGNATURE');
  });
});
