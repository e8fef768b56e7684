/**
 * Who may do what. Roles are kebab-case names carried in the token; permissions are what
 * endpoints ask for. Region scope is separate: every permission applies only within the
 * caller's region (its code and everything below it).
 */
export const ROLES = [
  'province-admin',
  'city-operator',
  'county-operator',
  'township-operator',
  'township-surveyor',
  'auditor',
  'reporting-consumer',
  'service-client',
  'channel-client',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** read a person's current state, list persons, look a person up */
  'person:read',
  /** read a person's history and past (as-of) state */
  'person:history',
  /** see the full citizen ID instead of the masked form (each use is recorded) */
  'person:unmask',
  /** report a registration from a source */
  'person:register',
  /** report enrolments, suspensions, resumptions, terminations */
  'enrollment:report',
  /** report deaths, household moves and cancellations */
  'life-event:report',
  /** correct a record (operator, with a reason) */
  'person:correct',
  /** aggregates: counts by region, coverage, data quality */
  'report:read',
  /** start and follow imports, download rejections */
  'import:run',
  /** see import progress and reports */
  'import:read',
  /** confirm or reject possible record links */
  'review:decide',
  /** operations: projection status and rebuilds, comparison runs, ministry exchange */
  'ops:manage',
  /** the audit trail (changes and reads), verification of the hash chain, replays of read models into a shadow */
  'audit:read',
  /** the citizens' public endpoints (/v1/public/…): phone codes, self-service registrations, status queries; channel clients only */
  'self-service:channel',
  /** the county review queue of self-service registrations: list, approve, reject */
  'self-service:review',
  /** list reminders and their delivery */
  'reminder:read',
  /** record a person's wish to receive no reminders */
  'reminder:opt-out',
  /** see household-survey tasks (a caller who only works them sees the ones assigned to it) */
  'survey:read',
  /** send results of the survey tasks one is assigned (the surveyor's own visits) */
  'survey:work',
  /** create survey tasks from worklists or lists, assign and reassign them, cancel them */
  'survey:manage',
  /** return a submitted result to its surveyor, with a reason */
  'survey:review',
  /** approve a submitted result: it becomes the person's facts */
  'survey:approve',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const OPERATOR: Permission[] = [
  'person:read',
  'person:history',
  'person:register',
  'enrollment:report',
  'life-event:report',
  'person:correct',
  'report:read',
  'import:run',
  'import:read',
  'review:decide',
  'self-service:review',
  'reminder:read',
  'reminder:opt-out',
];

/** Operators above the township run the survey and approve its results (the procedure has the county approve). */
const SURVEY_SUPERVISION: Permission[] = ['survey:read', 'survey:manage', 'survey:review', 'survey:approve'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  'province-admin': [...OPERATOR, 'person:unmask', 'ops:manage', 'audit:read', ...SURVEY_SUPERVISION, 'survey:work'],
  'city-operator': [...OPERATOR, ...SURVEY_SUPERVISION],
  'county-operator': [...OPERATOR, ...SURVEY_SUPERVISION],
  'township-operator': [
    'person:read',
    'person:history',
    'person:register',
    'enrollment:report',
    'life-event:report',
    'report:read',
    'reminder:opt-out',
    'survey:read',
    'survey:manage',
    'survey:review',
  ],
  'township-surveyor': [
    'person:read',
    'person:register',
    'life-event:report',
    'report:read',
    'reminder:opt-out',
    'survey:read',
    'survey:work',
  ],
  auditor: ['person:read', 'person:history', 'person:unmask', 'report:read', 'import:read', 'audit:read', 'reminder:read', 'survey:read'],
  'reporting-consumer': ['report:read'],
  'service-client': ['person:read', 'person:register', 'enrollment:report', 'life-event:report'],
  // A hall, website, terminal or mobile app speaking for citizens: the public endpoints and nothing else.
  'channel-client': ['self-service:channel'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role]));
}
