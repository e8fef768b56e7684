import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AppConfig } from '../config/app-config';
import { ROLES, Role, isRole } from './roles';

/** What the provider publishes at /.well-known/openid-configuration (the parts used here). */
export interface ProviderMetadata {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
}

/** Least time between two fetches of the key set for tokens naming an unknown key. */
export const JWKS_COOLDOWN_MS = 5000;

export class OidcError extends Error {
  constructor(
    readonly code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID_SIGNATURE' | 'TOKEN_CLAIMS_INVALID' | 'TOKEN_KEYS_UNAVAILABLE',
    message: string,
  ) {
    super(message);
    this.name = 'OidcError';
  }
}

export interface OidcClaims {
  subject: string;
  roles: Role[];
  region: string;
}

/**
 * Verifies tokens the province's identity provider issues (OpenID Connect, RS256 by default)
 * against the keys it publishes (JWKS), and maps their claims to a subject, registry roles
 * and a region. The key set is fetched on first use and again when a token names a key it
 * lacks (the provider rotated), at most every 5 s (jose's cooldown: a stream of tokens with made-up
 * key ids costs the provider one request per 5 s); the provider's metadata
 * is discovered from the issuer when no JWKS URL is configured.
 */
export class OidcVerifier {
  private metadata?: Promise<ProviderMetadata>;
  private keys?: ReturnType<typeof createRemoteJWKSet>;
  private readonly roleMap: Map<string, Role>;

  constructor(private readonly config: AppConfig) {
    this.roleMap = parseRoleMap(config.OIDC_ROLE_MAP);
  }

  get issuer(): string {
    return this.config.OIDC_ISSUER!;
  }

  /** The provider's metadata: discovered once (a failed discovery is tried again next time). */
  discover(): Promise<ProviderMetadata> {
    if (!this.metadata) {
      const url = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      this.metadata = fetch(url, { signal: AbortSignal.timeout(5000) })
        .then(async (res) => {
          if (!res.ok) throw new Error(`discovery answered ${res.status}`);
          const body = (await res.json()) as ProviderMetadata;
          if (body.issuer !== this.issuer) throw new Error('the discovery document names another issuer');
          return body;
        })
        .catch((error: unknown) => {
          this.metadata = undefined;
          throw error;
        });
    }
    return this.metadata;
  }

  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.keys) {
      const url = this.config.OIDC_JWKS_URL ?? (await this.discover()).jwks_uri;
      this.keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: 10 * 60_000 });
    }
    return this.keys;
  }

  async verify(token: string): Promise<OidcClaims> {
    let payload: JWTPayload;
    try {
      const keys = await this.keySet();
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.issuer,
        audience: this.config.OIDC_AUDIENCE,
        algorithms: this.config.OIDC_ALGORITHMS.split(',').map((a) => a.trim()),
        clockTolerance: 30,
      }));
    } catch (error) {
      throw mapJoseError(error);
    }
    return this.claims(payload);
  }

  /** The token's claims as registry claims: roles through OIDC_ROLE_MAP, the region as a division code. */
  claims(payload: JWTPayload): OidcClaims {
    const subject = claimAt(payload, this.config.OIDC_SUBJECT_CLAIM);
    const rawRoles = claimAt(payload, this.config.OIDC_ROLES_CLAIM);
    const region = claimAt(payload, this.config.OIDC_REGION_CLAIM);
    const names = Array.isArray(rawRoles)
      ? rawRoles.filter((r): r is string => typeof r === 'string')
      : typeof rawRoles === 'string'
        ? rawRoles.split(/[\s,]+/)
        : [];
    // Unmapped provider roles (its other applications') are ignored; none left is an error.
    // People only: a channel client (a counter, website or app speaking for citizens) never signs in here.
    const roles = [
      ...new Set(
        names.map((n) => this.roleMap.get(n) ?? (isRole(n) ? n : undefined)).filter((r): r is Role => !!r && r !== 'channel-client'),
      ),
    ];
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200) {
      throw new OidcError('TOKEN_CLAIMS_INVALID', `The identity provider's token has no usable ${this.config.OIDC_SUBJECT_CLAIM} claim.`);
    }
    if (roles.length === 0) {
      throw new OidcError(
        'TOKEN_CLAIMS_INVALID',
        `The identity provider's token names no registry role in ${this.config.OIDC_ROLES_CLAIM}.`,
      );
    }
    if (typeof region !== 'string') {
      throw new OidcError('TOKEN_CLAIMS_INVALID', `The identity provider's token has no ${this.config.OIDC_REGION_CLAIM} claim.`);
    }
    return { subject, roles, region };
  }
}

/** A claim by a dotted path (`realm_access.roles`), as providers nest them. */
function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `sbj-county-staff:county-operator,sbj-audit:auditor` → provider role → registry role. */
export function parseRoleMap(text: string | undefined): Map<string, Role> {
  const map = new Map<string, Role>();
  if (!text) return map;
  for (const pair of text.split(',')) {
    const [from, to] = pair.split(':').map((s) => s.trim());
    if (!from || !to || !isRole(to))
      throw new Error(`OIDC_ROLE_MAP: "${pair}" must be provider-role:registry-role with one of ${ROLES.join(', ')}`);
    map.set(from, to);
  }
  return map;
}

function mapJoseError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  // By code rather than class: a socket error may come from another realm (a test VM) than Error.
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as { message?: unknown } | null)?.message;
  if (code === 'ERR_JWT_EXPIRED') return new OidcError('TOKEN_EXPIRED', 'The bearer token has expired.');
  const unreachable =
    code === 'ERR_JWKS_TIMEOUT' ||
    code === 'ERR_JOSE_GENERIC' ||
    (typeof code === 'string' && /^E[A-Z]{3,}$/.test(code)) ||
    (typeof message === 'string' && /^discovery|fetch failed/.test(message));
  if (unreachable) return new OidcError('TOKEN_KEYS_UNAVAILABLE', "The identity provider's keys could not be fetched.");
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    return new OidcError('TOKEN_INVALID_SIGNATURE', 'The bearer token is not meant for this service (issuer, audience or time).');
  }
  return new OidcError('TOKEN_INVALID_SIGNATURE', 'The bearer token is not signed by a trusted key.');
}
