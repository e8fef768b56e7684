import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { MinistryProblem } from './protocol';

export const SIM_API_KEYS = Symbol('SIM_API_KEYS');

export interface MinistryRequest extends Request {
  /** The province the caller's key is issued for ('*': any). */
  ministryProvince?: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Authorization: Bearer <api key>`; each key is issued for one province (or '*' in the simulator). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(SIM_API_KEYS) private readonly keys: ReadonlyMap<string, string>) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<MinistryRequest>();
    const header = req.headers.authorization;
    const presented = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : '';
    for (const [key, province] of this.keys) {
      if (presented !== '' && same(presented, key)) {
        req.ministryProvince = province;
        return true;
      }
    }
    throw new MinistryProblem(401, 'UNAUTHENTICATED', 'A valid API key is required (Authorization: Bearer <key>).');
  }
}
