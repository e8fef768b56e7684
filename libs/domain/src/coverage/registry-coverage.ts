import { ContributionStatus } from '../codes/contribution-status';
import { CoverageStatus, ExemptionReason, RECORDED_EXEMPTION_REASONS, RecordedExemptionReason } from '../codes/coverage-status';
import { HouseholdCancellationReason, HouseholdStatus } from '../codes/household-status';
import { InsuranceType, insuranceFamilyOf } from '../codes/insurance-type';

/**
 * What the registry alone can say about a person's coverage, from the facts on their
 * stream: the input the read models show between comparison runs, and the starting point
 * of a comparison (which adds the ministry's answers and linkage evidence).
 *
 * Rules, in order (first match wins), each naming the evidence it rests on:
 * 1. deceased                           → exempt (deceased)            evidence: death record
 * 2. household cancelled                → exempt (reason of the cancellation: death → deceased,
 *                                         military-service → military-service, else household-cancelled)
 * 3. household moved out of the province → exempt (household-cancelled) evidence: household move
 * 4. a basic pension or medical enrolment in this province, contributing or suspended
 *                                       → insured-local                evidence: those enrolments
 * 5. such an enrolment in another province → insured-elsewhere          evidence: those enrolments
 * 6. a recorded exemption in effect on the assessment date (imprisoned, military service,
 *    found by a household survey)       → exempt (its reason)          evidence: EXEMPTION_RECORDED_<REASON>
 * 7. younger than the enrolment window for newborns (NEWBORN_ENROLMENT_DAYS after birth:
 *    medical insurance applies from birth, and a newborn enrolled within the window is
 *    covered from birth; pension applies from 16, so it never decides a status)
 *                                       → exempt (under-age)           evidence: UNDER_ENROLMENT_AGE
 * 8. an open identity conflict that leaves the person in doubt (two sources of equal rank
 *    disagreeing; not one the precedence settles, which stays open for review)
 *                                       → unresolved                   evidence: the conflicts
 * 9. otherwise                          → uninsured
 * Enrolment counts as coverage while contributing (1) or suspended (2, 参保未缴费: flagged
 * as a lapse); terminated (3) does not. Rules 6 and 7 need the assessment date (`asOf`):
 * a comparison run's date for verdicts, the latest event's for the read model between runs.
 */
export interface CoverageFacts {
  readonly deceased: boolean;
  readonly householdStatus: HouseholdStatus;
  readonly cancellationReason?: HouseholdCancellationReason;
  readonly enrollments: ReadonlyArray<{
    readonly insuranceType: InsuranceType;
    readonly contributionStatus: ContributionStatus;
    readonly provinceCode: string;
  }>;
  /** Open identity conflicts that leave the person in doubt (not those whose held value stands by rule). */
  readonly openConflicts: number;
  /** `YYYY-MM-DD`, for the rules that depend on the date. */
  readonly birthDate?: string;
  /** Recorded exemptions by reason, as the person state and the read model keep them. */
  readonly exemptions?: Readonly<Partial<Record<RecordedExemptionReason, { readonly since: string; readonly until?: string }>>>;
}

/** Days after birth within which a newborn's enrolment counts from birth (新生儿参保), so a younger child is not yet uninsured. */
export const NEWBORN_ENROLMENT_DAYS = 90;

const DAY_MS = 86_400_000;
/** A date-only ISO form (`YYYY-MM-DD`) is read as UTC midnight. */
const dayNumber = (date: string): number => Date.parse(date) / DAY_MS;

export type CoverageFlag = 'LAPSED_CONTRIBUTION' | 'DUPLICATE_MEDICAL_ENROLLMENT' | 'DUPLICATE_PENSION_ENROLLMENT' | 'INSURED_IN_TWO_PROVINCES';

export interface CoverageAssessment {
  readonly status: CoverageStatus;
  readonly exemptionReason?: ExemptionReason;
  /** Insurance types that count as coverage in this province. */
  readonly localTypes: readonly InsuranceType[];
  /** Provinces (2-digit) where the person is covered elsewhere. */
  readonly elsewhereProvinces: readonly string[];
  readonly flags: readonly CoverageFlag[];
  /** Short machine-readable evidence codes for the status. */
  readonly evidence: readonly string[];
}

const BASIC_FAMILIES = new Set(['pension', 'medical']);

/** Adds `value` to a list kept sorted and without repeats (a person has a handful of enrolments). */
function insertSorted<T extends string>(list: T[], value: T): void {
  let i = list.length;
  while (i > 0 && list[i - 1] > value) i--;
  if (i > 0 && list[i - 1] === value) return;
  list.splice(i, 0, value);
}

function assessment(
  localTypes: InsuranceType[],
  elsewhereProvinces: string[],
  flags: CoverageFlag[],
  status: CoverageStatus,
  evidence: string[],
  exemptionReason: ExemptionReason | undefined,
): CoverageAssessment {
  return exemptionReason === undefined
    ? { localTypes, elsewhereProvinces, flags, status, evidence }
    : { localTypes, elsewhereProvinces, flags, status, exemptionReason, evidence };
}

/**
 * The rules above, in one pass over the enrolments. It runs for every person event a read model
 * takes in and for every person a comparison run judges, so it builds only the lists it returns
 * (the spec holds it to the rules as first written, list by list, over random facts).
 */
export function assessRegistryCoverage(facts: CoverageFacts, localProvince: string, asOf?: string): CoverageAssessment {
  const localTypes: InsuranceType[] = [];
  const elsewhereProvinces: string[] = [];
  let lapsed = false;
  let medical310 = false;
  let medical390 = false;
  let pension110 = false;
  let pension120 = false;
  let pension170 = false;
  let firstProvince: string | undefined;
  let twoProvinces = false;
  for (const e of facts.enrollments) {
    if (e.contributionStatus !== '1' && e.contributionStatus !== '2') continue;
    if (e.contributionStatus === '2') lapsed = true;
    const type = e.insuranceType;
    if (type === '310') medical310 = true;
    else if (type === '390') medical390 = true;
    else if (type === '110') pension110 = true;
    else if (type === '120') pension120 = true;
    else if (type === '170') pension170 = true;
    const province = e.provinceCode.slice(0, 2);
    if (firstProvince === undefined) firstProvince = province;
    else if (province !== firstProvince) twoProvinces = true;
    if (!BASIC_FAMILIES.has(insuranceFamilyOf(type))) continue;
    if (province === localProvince) insertSorted(localTypes, type);
    else insertSorted(elsewhereProvinces, province);
  }
  const flags: CoverageFlag[] = [];
  if (lapsed) flags.push('LAPSED_CONTRIBUTION');
  if (medical310 && medical390) flags.push('DUPLICATE_MEDICAL_ENROLLMENT');
  if (Number(pension110) + Number(pension120) + Number(pension170) > 1) flags.push('DUPLICATE_PENSION_ENROLLMENT');
  if (twoProvinces) flags.push('INSURED_IN_TWO_PROVINCES');
  const assessed = (status: CoverageStatus, evidence: string[], exemptionReason?: ExemptionReason) =>
    assessment(localTypes, elsewhereProvinces, flags, status, evidence, exemptionReason);

  if (facts.deceased) return assessed('exempt', ['DEATH_RECORDED'], 'deceased');
  if (facts.householdStatus === 'cancelled') {
    const reason: ExemptionReason =
      facts.cancellationReason === 'death' ? 'deceased' : facts.cancellationReason === 'military-service' ? 'military-service' : 'household-cancelled';
    return assessed('exempt', ['HOUSEHOLD_CANCELLED'], reason);
  }
  if (facts.householdStatus === 'moved-out') return assessed('exempt', ['HOUSEHOLD_MOVED_OUT'], 'household-cancelled');
  if (localTypes.length > 0) return assessed('insured-local', localTypes.map((t) => `ENROLLED_${t}`));
  if (elsewhereProvinces.length > 0) return assessed('insured-elsewhere', elsewhereProvinces.map((p) => `ENROLLED_IN_${p}`));
  if (asOf !== undefined) {
    const exemptions = facts.exemptions;
    if (exemptions !== undefined) {
      for (const reason of RECORDED_EXEMPTION_REASONS) {
        const e = exemptions[reason];
        if (e !== undefined && e.since <= asOf && (e.until === undefined || asOf < e.until)) {
          return assessed('exempt', [`EXEMPTION_RECORDED_${reason.toUpperCase().replace(/-/g, '_')}`], reason);
        }
      }
    }
    if (facts.birthDate !== undefined && dayNumber(asOf) - dayNumber(facts.birthDate) < NEWBORN_ENROLMENT_DAYS) {
      return assessed('exempt', ['UNDER_ENROLMENT_AGE'], 'under-age');
    }
  }
  if (facts.openConflicts > 0) return assessed('unresolved', ['OPEN_IDENTITY_CONFLICT']);
  return assessed('uninsured', ['NO_ACTIVE_BASIC_ENROLLMENT']);
}
