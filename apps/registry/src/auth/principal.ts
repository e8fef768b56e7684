import { SelfServiceChannel, displayRegionCode } from '@registry/domain';
import { Permission, Role, permissionsOf } from './roles';

/**
 * The authenticated caller. Its region is a division code in any spelling GB/T 2260 users
 * write (44 or 440000 for a province, 4403 or 440300 for a city, 6, 9 or 12 digits below);
 * the caller sees that region and everything below it. A service client also names the
 * source system it speaks for and, for business systems, the insurance types it owns; a
 * channel client (a hall, website, terminal or mobile app speaking for citizens) its channel.
 */
export class Principal {
  readonly permissions: Set<Permission>;
  /** The canonical code, a prefix of every code below it: '440000' → '44', '440300' → '4403'. */
  readonly regionPrefix: string;
  /** The region as users write it (six digits for a province or city), for responses and event metadata. */
  readonly region: string;

  constructor(
    readonly subject: string,
    readonly roles: readonly Role[],
    region: string,
    readonly source?: string,
    readonly insuranceTypes?: readonly string[],
    readonly channel?: SelfServiceChannel,
  ) {
    this.permissions = permissionsOf(roles);
    this.regionPrefix = regionPrefixOf(region);
    this.region = displayRegionCode(this.regionPrefix);
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  /** True when a region code (canonical) lies within the caller's region. */
  covers(regionCode: string | undefined | null): boolean {
    if (!regionCode) return false;
    return regionCode.startsWith(this.regionPrefix);
  }

  get primaryRole(): Role {
    return this.roles[0];
  }
}

/**
 * The significant prefix of a division code: trailing zero groups of the padded forms are
 * dropped (440000 → 44, 440300 → 4403, 440305001000 → 440305001). Tokens are checked against
 * the division tables when they are verified; this only has to undo the padding.
 */
export function regionPrefixOf(code: string): string {
  let prefix = code;
  if (prefix.length === 12 && prefix.endsWith('000')) prefix = prefix.slice(0, 9);
  if (prefix.length === 9 && prefix.endsWith('000')) prefix = prefix.slice(0, 6);
  if (prefix.length === 6 && prefix.endsWith('00')) prefix = prefix.slice(0, 4);
  if (prefix.length === 4 && prefix.endsWith('00')) prefix = prefix.slice(0, 2);
  return prefix;
}
