import { citizenIdCheckCharacter } from '@registry/domain';
import type { ContributionStatus, ExemptionReason, HouseholdCancellationReason, HouseholdStatus, InsuranceType } from '@registry/domain';
import { HashSet64 } from '../shared/hash-set64';
import { County, ProvinceDivisions } from './divisions';
import { generateName } from './names';
import { dayToIso, isoToDay, NoiseRates } from './noise';
import { Rng } from './prng';

/**
 * The synthetic population: who each person truly is (the ground truth the departments' files
 * are written from, each with its own noise). Deterministic for a person's seeded generator.
 */

export interface Enrolment {
  readonly type: InsuranceType;
  readonly status: ContributionStatus;
  readonly since: string;
}

export type TrueCoverage =
  | { readonly status: 'insured-local'; readonly types: readonly InsuranceType[] }
  | { readonly status: 'insured-elsewhere'; readonly province: string; readonly types: readonly InsuranceType[] }
  | { readonly status: 'uninsured' }
  | { readonly status: 'exempt'; readonly reason: ExemptionReason };

/** One line of truth/persons.ndjson. */
export interface TruePerson {
  readonly truePersonId: string;
  readonly citizenId: string;
  readonly name: string;
  readonly gender: '1' | '2';
  readonly birthDate: string;
  /** Township (9-digit) code of the household. */
  readonly region: string;
  readonly alive: boolean;
  readonly dateOfDeath?: string;
  readonly householdStatus: HouseholdStatus;
  readonly cancellationReason?: HouseholdCancellationReason;
  /** Household-registered in the province and alive: the population the coverage rate counts. */
  readonly inScope: boolean;
  readonly coverage: TrueCoverage;
  /** Enrolments present in the insurance-enrollment file (none for insured-elsewhere). */
  readonly enrolments: readonly Enrolment[];
  readonly flags: readonly string[];
}

/** One line of truth/records.ndjson: which person a source row is about and what was done to it. */
export interface TrueRecord {
  readonly file: string;
  readonly rowNumber: number;
  readonly truePersonId: string | null;
  readonly noise: readonly string[];
}

/** A person with what the department writers need besides the truth. */
export interface Person extends TruePerson {
  readonly county: County;
  readonly minority: boolean;
  readonly registered: boolean;
  readonly ageYears: number;
}

/** Pension and medical: the types a coverage status rests on. */
const BASIC_TYPES: ReadonlySet<InsuranceType> = new Set(['110', '120', '170', '310', '390']);

const AGE_BANDS: readonly (readonly [number, number, number])[] = [
  // [from, to, weight]: roughly the 2020 census pyramid
  [0, 0, 1.0],
  [1, 14, 16],
  [15, 59, 63],
  [60, 79, 16],
  [80, 99, 4],
];

export function makePerson(i: number, rng: Rng, div: ProvinceDivisions, todayDay: number, rates: NoiseRates, usedIds: HashSet64): Person {
  const gender: '1' | '2' = rng.chance(0.51) ? '1' : '2';
  const bandRoll = rng.next() * AGE_BANDS.reduce((s, b) => s + b[2], 0);
  let acc = 0;
  const band = AGE_BANDS.find((b) => (acc += b[2]) > bandRoll) ?? AGE_BANDS[2];
  const ageYears = rng.between(band[0], band[1]);
  const birthDay = todayDay - Math.floor(ageYears * 365.25) - rng.int(365);
  const birthDate = dayToIso(birthDay);
  const county = rng.pick(div.counties);
  const township = rng.pick(county.townships);

  // Sequence parity carries the gender; retry until the 17 digits are unused.
  let first17 = '';
  for (let attempt = 0; ; attempt++) {
    const seq = rng.int(500) * 2 + (gender === '1' ? 1 : 0);
    first17 = county.code + birthDate.replace(/-/g, '') + String(seq).padStart(3, '0');
    const hi = Number(first17.slice(0, 8));
    const lo = Number(first17.slice(8));
    if (usedIds.add(hi, (Math.imul(lo, 0x9e3779b1) ^ hi) >>> 0) || attempt > 1000) break;
  }
  const citizenId = first17 + citizenIdCheckCharacter(first17);
  const { name, minority, rare } = generateName(rng, gender, { minority: rates.minorityName, rare: rates.rareCharacter });
  const flags: string[] = [];
  if (minority) flags.push('minority-name');
  if (rare) flags.push('rare-character');

  // Deaths: more likely with age, within the last three years.
  const deathP = ageYears >= 80 ? 0.08 : ageYears >= 60 ? 0.025 : 0.003;
  const alive = !rng.chance(deathP);
  const dateOfDeath = alive ? undefined : dayToIso(Math.max(birthDay + 1, todayDay - rng.int(1095)));
  let householdStatus: HouseholdStatus = 'active';
  let cancellationReason: HouseholdCancellationReason | undefined;
  if (!alive) {
    if (rng.chance(0.7)) [householdStatus, cancellationReason] = ['cancelled', 'death'];
    else flags.push('death-not-in-household');
  } else {
    const r = rng.next();
    if (r < 0.015) householdStatus = 'moved-out';
    else if (r < 0.018) [householdStatus, cancellationReason] = ['cancelled', 'emigration'];
    else if (r < 0.021 && ageYears >= 18 && ageYears <= 24) [householdStatus, cancellationReason] = ['cancelled', 'military-service'];
  }
  if (householdStatus === 'moved-out') flags.push('moved-out');
  const registered = !(ageYears === 0 && todayDay - birthDay < 90 && rng.chance(0.5));
  if (!registered) flags.push('newborn-unregistered');

  // What the person holds (or held, for the deceased).
  const enrolments: Enrolment[] = [];
  const sinceFor = (minAge: number): string => {
    const earliest = Math.max(birthDay + Math.floor(minAge * 365.25), isoToDay('2008-01-01'));
    return dayToIso(Math.min(todayDay - 1, earliest + rng.int(Math.max(1, todayDay - earliest))));
  };
  let coverage: TrueCoverage;
  const roll = rng.next();
  const employee = ageYears >= 16 && ageYears < 60 ? rng.chance(0.55) : ageYears >= 60 && rng.chance(0.4);
  const pension: InsuranceType | undefined = ageYears >= 16 ? (employee ? '110' : '170') : undefined;
  const medical: InsuranceType = employee ? '310' : '390';
  if (roll < 0.08) {
    coverage = { status: 'insured-elsewhere', province: rng.pick(div.otherProvinces), types: pension ? [pension, medical] : [medical] };
  } else if (roll < 0.17) {
    coverage = { status: 'uninsured' };
  } else {
    const types: InsuranceType[] = pension ? [pension, medical] : [medical];
    if (employee && ageYears < 60 && rng.chance(0.5)) types.push('210', '410', '510');
    if (rng.chance(0.01)) {
      types.push(medical === '310' ? '390' : '310');
      flags.push('duplicate-enrolment');
    }
    const lapsedIndex = rng.chance(0.06) ? rng.int(types.length) : -1;
    if (lapsedIndex >= 0) flags.push('lapsed');
    for (const [k, type] of types.entries()) {
      const status: ContributionStatus = k === lapsedIndex ? rng.pick(['2', '3'] as const) : '1';
      enrolments.push({ type, status, since: sinceFor(type === '390' || type === '310' ? 0 : 16) });
    }
    // A terminated enrolment (3) covers nobody: someone whose only basic enrolment was
    // terminated is uninsured, as the registry's coverage rules say.
    const covering = enrolments.filter((e) => e.status !== '3').map((e) => e.type);
    coverage = covering.some((t) => BASIC_TYPES.has(t)) ? { status: 'insured-local', types: covering } : { status: 'uninsured' };
  }

  // Exemptions override what was held; the deceased may still show active enrolments.
  if (!alive) {
    if (coverage.status === 'insured-local') {
      if (rng.chance(0.35)) flags.push('activity-after-death');
      else for (let k = 0; k < enrolments.length; k++) enrolments[k] = { ...enrolments[k], status: '3' };
    }
    coverage = { status: 'exempt', reason: 'deceased' };
  } else if (cancellationReason === 'emigration' || cancellationReason === 'military-service') {
    enrolments.length = 0;
    coverage = { status: 'exempt', reason: cancellationReason === 'emigration' ? 'household-cancelled' : 'military-service' };
  }
  if (alive && rng.chance(0.04)) flags.push('minimum-living-allowance');
  if (alive && ageYears >= 1 && rng.chance(0.02)) flags.push('disabled');

  return {
    truePersonId: `P${String(i + 1).padStart(9, '0')}`,
    citizenId,
    name,
    gender,
    birthDate,
    region: township.code,
    alive,
    dateOfDeath,
    householdStatus,
    cancellationReason,
    inScope: alive && householdStatus === 'active' && registered,
    coverage,
    enrolments,
    flags,
    county,
    minority,
    registered,
    ageYears,
  };
}

export function outsiderId(rng: Rng, div: ProvinceDivisions, todayDay: number): { id: string; gender: '1' | '2'; birthDate: string } {
  const gender: '1' | '2' = rng.chance(0.5) ? '1' : '2';
  const birthDate = dayToIso(todayDay - rng.between(18 * 365, 70 * 365));
  const first17 =
    rng.pick(div.foreignCounties) + birthDate.replace(/-/g, '') + String(rng.int(500) * 2 + (gender === '1' ? 1 : 0)).padStart(3, '0');
  return { id: first17 + citizenIdCheckCharacter(first17), gender, birthDate };
}
