import type { ContributionStatus, InsuranceType } from '@registry/domain';

/** What the comparison needs from the ministry: persons of this province insured elsewhere. */
export interface MinistryInquiry {
  /** False when no ministry endpoint is configured: the run skips the inquiry phase. */
  readonly enabled: boolean;
  inquire(citizenIds: string[]): Promise<
    Array<{
      citizenId: string;
      records: Array<{ provinceCode: string; insuranceType: InsuranceType; contributionStatus: ContributionStatus; since: string }>;
    }>
  >;
}

export const MINISTRY_INQUIRY = Symbol('MINISTRY_INQUIRY');
