import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../common/problem';
import { AUTHENTICATED_KEY, AuthenticatedRequest, PERMISSION_KEY, PUBLIC_KEY } from './auth.decorators';
import { Permission } from './roles';
import { AuthenticationError, TokenService } from './token.service';

/**
 * Global guard: every endpoint needs a valid bearer token unless marked @Public, and the
 * permission it declares (or @Authenticated: any valid token, for the caller's own session). An endpoint with neither mark is refused, so a new endpoint
 * cannot be exposed by forgetting to protect it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
    try {
      const authenticated = await this.tokens.authenticate(token);
      request.principal = authenticated.principal;
      request.tokenOrigin = authenticated.origin;
      request.tokenExpiresAt = authenticated.expiresAt;
    } catch (error) {
      if (error instanceof AuthenticationError) {
        // The provider being unreachable says nothing about the token: try again later, not sign in again.
        const status = error.code === 'TOKEN_KEYS_UNAVAILABLE' ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.UNAUTHORIZED;
        throw new ProblemException(status, error.code, error.message);
      }
      throw error;
    }

    if (this.reflector.getAllAndOverride<boolean>(AUTHENTICATED_KEY, targets)) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!permission) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'FORBIDDEN', 'This endpoint declares no permission and is closed.');
    }
    if (!request.principal.can(permission)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'FORBIDDEN', `The caller's role does not allow ${permission}.`);
    }
    return true;
  }
}
