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
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

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

export function assessRegistryCoverage(facts: CoverageFacts, localProvince: string, asOf?: string): CoverageAssessment {
  const active = facts.enrollments.filter((e) => e.contributionStatus === '1' || e.contributionStatus === '2');
  const basic = active.filter((e) => BASIC_FAMILIES.has(insuranceFamilyOf(e.insuranceType)));
  const local = basic.filter((e) => e.provinceCode.slice(0, 2) === localProvince);
  const elsewhere = basic.filter((e) => e.provinceCode.slice(0, 2) !== localProvince);
  const flags = coverageFlags(active);
  const localTypes = [...new Set(local.map((e) => e.insuranceType))].sort();
  const elsewhereProvinces = [...new Set(elsewhere.map((e) => e.provinceCode.slice(0, 2)))].sort();
  const base = { localTypes, elsewhereProvinces, flags };

  if (facts.deceased) return { ...base, status: 'exempt', exemptionReason: 'deceased', evidence: ['DEATH_RECORDED'] };
  if (facts.householdStatus === 'cancelled') {
    const reason: ExemptionReason =
      facts.cancellationReason === 'death' ? 'deceased' : facts.cancellationReason === 'military-service' ? 'military-service' : 'household-cancelled';
    return { ...base, status: 'exempt', exemptionReason: reason, evidence: ['HOUSEHOLD_CANCELLED'] };
  }
  if (facts.householdStatus === 'moved-out') {
    return { ...base, status: 'exempt', exemptionReason: 'household-cancelled', evidence: ['HOUSEHOLD_MOVED_OUT'] };
  }
  if (local.length > 0) return { ...base, status: 'insured-local', evidence: localTypes.map((t) => `ENROLLED_${t}`) };
  if (elsewhere.length > 0) return { ...base, status: 'insured-elsewhere', evidence: elsewhereProvinces.map((p) => `ENROLLED_IN_${p}`) };
  if (asOf !== undefined) {
    const inEffect = RECORDED_EXEMPTION_REASONS.find((reason) => {
      const e = facts.exemptions?.[reason];
      return e !== undefined && e.since <= asOf && (e.until === undefined || asOf < e.until);
    });
    if (inEffect) {
      return { ...base, status: 'exempt', exemptionReason: inEffect, evidence: [`EXEMPTION_RECORDED_${inEffect.toUpperCase().replace(/-/g, '_')}`] };
    }
    if (facts.birthDate !== undefined && dayNumber(asOf) - dayNumber(facts.birthDate) < NEWBORN_ENROLMENT_DAYS) {
      return { ...base, status: 'exempt', exemptionReason: 'under-age', evidence: ['UNDER_ENROLMENT_AGE'] };
    }
  }
  if (facts.openConflicts > 0) return { ...base, status: 'unresolved', evidence: ['OPEN_IDENTITY_CONFLICT'] };
  return { ...base, status: 'uninsured', evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'] };
}

function coverageFlags(active: CoverageFacts['enrollments']): CoverageFlag[] {
  const flags: CoverageFlag[] = [];
  if (active.some((e) => e.contributionStatus === '2')) flags.push('LAPSED_CONTRIBUTION');
  const types = new Set(active.map((e) => e.insuranceType));
  if (types.has('310') && types.has('390')) flags.push('DUPLICATE_MEDICAL_ENROLLMENT');
  if ([types.has('110'), types.has('120'), types.has('170')].filter(Boolean).length > 1) flags.push('DUPLICATE_PENSION_ENROLLMENT');
  if (new Set(active.map((e) => e.provinceCode.slice(0, 2))).size > 1) flags.push('INSURED_IN_TWO_PROVINCES');
  return flags;
}
