import { Permission, Role, permissionsOf } from './roles';

/**
 * The authenticated caller. `region` is a division code (2, 4, 6, 9 or 12 digits, or the
 * padded 6-digit province/city form); the caller sees that region and everything below it.
 * A service client also names the source system it speaks for and, for business systems,
 * the insurance types that system owns.
 */
export class Principal {
  readonly permissions: Set<Permission>;
  /** The region as a prefix of longer codes: '440000' → '44', '440300' → '4403'. */
  readonly regionPrefix: string;

  constructor(
    readonly subject: string,
    readonly roles: readonly Role[],
    readonly region: string,
    readonly source?: string,
    readonly insuranceTypes?: readonly string[],
  ) {
    this.permissions = permissionsOf(roles);
    this.regionPrefix = regionPrefixOf(region);
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  /** True when a region code lies within the caller's region. */
  covers(regionCode: string | undefined | null): boolean {
    if (!regionCode) return false;
    return regionCode.startsWith(this.regionPrefix);
  }

  get primaryRole(): Role {
    return this.roles[0];
  }
}

/** The significant prefix of a division code: trailing zero groups of the padded forms are dropped. */
export function regionPrefixOf(code: string): string {
  if (/^\d{6}$/.test(code)) {
    if (code.endsWith('0000')) return code.slice(0, 2);
    if (code.endsWith('00')) return code.slice(0, 4);
    return code;
  }
  return code;
}
