import { Injectable } from '@nestjs/common';
import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt, { Algorithm, JwtPayload } from 'jsonwebtoken';
import { RegionCode, SelfServiceChannels, isSelfServiceChannel } from '@registry/domain';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { ReferenceData } from '../reference/reference-data.module';
import { OidcError, OidcVerifier } from './oidc';
import { Principal } from './principal';
import { Role, isRole } from './roles';

/** Token problems, each with its own stable code; all of them answer 401. */
export class AuthenticationError extends Error {
  constructor(
    readonly code:
      | 'TOKEN_MISSING'
      | 'TOKEN_MALFORMED'
      | 'TOKEN_EXPIRED'
      | 'TOKEN_INVALID_SIGNATURE'
      | 'TOKEN_UNSIGNED'
      | 'TOKEN_CLAIMS_INVALID'
      | 'TOKEN_KEYS_UNAVAILABLE',
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface TokenClaims {
  sub: string;
  roles: Role[];
  region: string;
  source?: string;
  insuranceTypes?: string[];
  /** Channel clients: hall, website, terminal or mobile. */
  channel?: string;
}

const REGION = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

/** How the caller signed in: a token this service signed (CLI, local account) or the identity provider's. */
export type TokenOrigin = 'local' | 'oidc';

/**
 * Verifies bearer tokens (HS256 with the key ring's secret, or RS256 with a configured
 * public key; with OIDC_ISSUER set, also the province identity provider's tokens, by its
 * JWKS) and signs them for the CLI's `token` command and the console's sign-in.
 */
@Injectable()
export class TokenService {
  private readonly algorithm: Algorithm;
  /**
   * Parsed once: given a string or Buffer, jsonwebtoken parses it on every call, first as a
   * public key (for an HS256 secret that throws) and then as a secret, about 1 ms a request.
   */
  private readonly verifyKey: KeyObject;
  private readonly signKey?: KeyObject;
  readonly oidc?: OidcVerifier;

  constructor(
    private readonly config: AppConfig,
    keys: KeyRing,
    private readonly reference: ReferenceData,
  ) {
    this.algorithm = config.JWT_ALGORITHM;
    if (this.algorithm === 'RS256') {
      if (!config.JWT_PUBLIC_KEY_FILE) throw new Error('JWT_PUBLIC_KEY_FILE is required when JWT_ALGORITHM=RS256');
      this.verifyKey = createPublicKey(readFileSync(config.JWT_PUBLIC_KEY_FILE, 'utf8'));
      this.signKey = config.JWT_PRIVATE_KEY_FILE ? createPrivateKey(readFileSync(config.JWT_PRIVATE_KEY_FILE, 'utf8')) : undefined;
    } else {
      this.verifyKey = createSecretKey(keys.tokenSecret);
      this.signKey = this.verifyKey;
    }
    if (config.OIDC_ISSUER) this.oidc = new OidcVerifier(config);
  }

  /** The caller a bearer token names, and where the token came from. */
  async authenticate(token: string | undefined): Promise<{ principal: Principal; origin: TokenOrigin; expiresAt?: string }> {
    if (!token) throw new AuthenticationError('TOKEN_MISSING', 'A bearer token is required.');
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw new AuthenticationError('TOKEN_MALFORMED', 'The bearer token is not a JWT.');
    if (decoded.header.alg === 'none') throw new AuthenticationError('TOKEN_UNSIGNED', 'Unsigned tokens are not accepted.');
    const expiresAt = typeof decoded.payload.exp === 'number' ? new Date(decoded.payload.exp * 1000).toISOString() : undefined;
    // The issuer picks the verifier; the signature is then checked by that verifier's keys only.
    if (this.oidc && decoded.payload.iss === this.oidc.issuer) {
      let claims;
      try {
        claims = await this.oidc.verify(token);
      } catch (error) {
        if (error instanceof OidcError) throw new AuthenticationError(error.code, error.message);
        throw error;
      }
      return { principal: this.principal(claims.subject, claims.roles, claims.region), origin: 'oidc', expiresAt };
    }
    return { principal: this.verify(token), origin: 'local', expiresAt };
  }

  /** A token this service signed (HS256 or RS256 with the configured keys). */
  verify(token: string | undefined): Principal {
    if (!token) throw new AuthenticationError('TOKEN_MISSING', 'A bearer token is required.');
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw new AuthenticationError('TOKEN_MALFORMED', 'The bearer token is not a JWT.');
    if (decoded.header.alg === 'none') throw new AuthenticationError('TOKEN_UNSIGNED', 'Unsigned tokens are not accepted.');
    let payload: JwtPayload;
    try {
      payload = jwt.verify(token, this.verifyKey, {
        algorithms: [this.algorithm],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
      }) as JwtPayload;
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new AuthenticationError('TOKEN_EXPIRED', 'The bearer token has expired.');
      throw new AuthenticationError('TOKEN_INVALID_SIGNATURE', 'The bearer token is not signed by a trusted key.');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    if (
      typeof payload.sub !== 'string' ||
      roles.length === 0 ||
      !roles.every(isRole) ||
      typeof payload.region !== 'string' ||
      !REGION.test(payload.region)
    ) {
      throw new AuthenticationError('TOKEN_CLAIMS_INVALID', 'The bearer token must name a subject, known roles and a region code.');
    }
    const source = typeof payload.source === 'string' ? payload.source : undefined;
    const types = Array.isArray(payload.insuranceTypes)
      ? payload.insuranceTypes.filter((t): t is string => typeof t === 'string')
      : undefined;
    // A channel credential speaks for citizens through one known channel, and is nothing else.
    let channel: Principal['channel'];
    if (roles.includes('channel-client')) {
      if (roles.length !== 1 || !isSelfServiceChannel(payload.channel)) {
        throw new AuthenticationError(
          'TOKEN_CLAIMS_INVALID',
          `A channel-client token has that role alone and a channel claim: ${SelfServiceChannels.codes.join(', ')}.`,
        );
      }
      channel = payload.channel;
    }
    return this.principal(payload.sub, roles as Role[], payload.region, source, types, channel);
  }

  private principal(
    subject: string,
    roles: Role[],
    rawRegion: string,
    source?: string,
    types?: string[],
    channel?: Principal['channel'],
  ): Principal {
    if (!REGION.test(rawRegion)) throw new AuthenticationError('TOKEN_CLAIMS_INVALID', 'The bearer token must name a region code.');
    // A region the division tables do not know would scope the caller to nothing at all.
    const region = RegionCode.parse(rawRegion, this.reference.regions);
    if (!region.ok)
      throw new AuthenticationError('TOKEN_CLAIMS_INVALID', 'The bearer token names a region the division tables do not know.');
    return new Principal(subject, roles, region.value.code, source, types, channel);
  }

  sign(claims: TokenClaims, expiresInSeconds = 8 * 3600): string {
    if (!this.signKey) throw new Error('No signing key: set JWT_PRIVATE_KEY_FILE to sign RS256 tokens');
    const { sub, ...rest } = claims;
    return jwt.sign(rest, this.signKey, {
      algorithm: this.algorithm,
      subject: sub,
      expiresIn: expiresInSeconds,
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
    });
  }
}
