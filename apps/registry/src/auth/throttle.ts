import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './auth.decorators';

/**
 * Rate limit for look-ups and public endpoints, per authenticated client (token subject)
 * or per address for anonymous callers: enumerating citizen IDs through the look-up must
 * be slow. Limits are set by LOOKUP_RATE_LIMIT per minute.
 */
@Injectable()
export class LookupThrottle extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return request.principal ? `sub:${request.principal.subject}` : `ip:${request.ip ?? 'unknown'}`;
  }
}
