import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal';
import type { Permission } from './roles';

export const PUBLIC_KEY = 'auth:public';
export const PERMISSION_KEY = 'auth:permission';
export const AUTHENTICATED_KEY = 'auth:authenticated';

/** The endpoint answers without a token (health, docs, the citizens' public endpoints). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Any valid token will do, whatever its role: the caller asking about its own session. */
export const Authenticated = () => SetMetadata(AUTHENTICATED_KEY, true);

/** The endpoint needs this permission (and the region checks its handler applies). */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  tokenOrigin?: 'local' | 'oidc';
  tokenExpiresAt?: string;
}

/** The authenticated caller of this request. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('Caller used on an endpoint without authentication');
  return request.principal;
});
