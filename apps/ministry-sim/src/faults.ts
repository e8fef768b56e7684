import type { NextFunction, Request, Response } from 'express';

export type FaultMode = 'fail' | 'timeout' | 'slow' | 'store-then-fail' | 'none';
export const FAULT_MODES: readonly FaultMode[] = ['fail', 'timeout', 'slow', 'store-then-fail', 'none'];

export interface FaultSettings {
  mode: FaultMode;
  /** How many exchange requests it affects; absent = every request until set to 'none'. */
  count?: number;
  /** 'slow': delay before answering (default 1000 ms); 'timeout': how long the request is held before the connection is dropped (default 120000 ms). */
  delayMs?: number;
  /** 'fail': the status answered (default 503); 'store-then-fail': answer this status after storing instead of dropping the connection. */
  status?: number;
}

export interface FaultState extends FaultSettings {
  /** Requests the fault has affected since it was set. */
  applied: number;
}

/**
 * Tells the simulator to misbehave for the next N exchange requests: answer an error, hold
 * the request without answering, answer slowly, or process the request (store the batch)
 * and then lose the response — the case idempotent batch ids exist for.
 */
export class FaultInjector {
  private current: FaultState = { mode: 'none', applied: 0 };
  private readonly held = new Set<{ timer: NodeJS.Timeout; res: Response }>();

  set(settings: FaultSettings): FaultState {
    this.current = { ...settings, applied: 0 };
    return this.state();
  }

  state(): FaultState {
    return { ...this.current };
  }

  /** The fault for this request, if any, counting it against `count`. */
  private take(): FaultState | undefined {
    const f = this.current;
    if (f.mode === 'none') return undefined;
    if (f.count !== undefined && f.applied >= f.count) {
      this.current = { mode: 'none', applied: 0 };
      return undefined;
    }
    f.applied++;
    return { ...f };
  }

  /** Express middleware for the exchange endpoints. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const fault = this.take();
      if (!fault) return next();
      switch (fault.mode) {
        case 'fail': {
          const status = fault.status ?? 503;
          const code = status === 503 ? 'SERVICE_UNAVAILABLE' : status >= 500 ? 'INTERNAL_ERROR' : 'SIM_FAULT';
          res
            .status(status)
            .type('application/problem+json')
            .send(
              JSON.stringify({
                type: `urn:ministry:problem:${code.toLowerCase().replace(/_/g, '-')}`,
                title: 'Simulated failure',
                status,
                code,
                detail: 'The simulator was told to fail this request.',
              }),
            );
          return;
        }
        case 'slow': {
          const timer = setTimeout(() => {
            this.held.delete(entry);
            next();
          }, fault.delayMs ?? 1000);
          const entry = { timer, res };
          this.held.add(entry);
          return;
        }
        case 'timeout': {
          // Never answer: the caller's timeout must fire. The connection is dropped later so nothing leaks.
          const timer = setTimeout(() => {
            this.held.delete(entry);
            req.socket.destroy();
          }, fault.delayMs ?? 120_000);
          const entry = { timer, res };
          this.held.add(entry);
          req.on('close', () => {
            clearTimeout(timer);
            this.held.delete(entry);
          });
          return;
        }
        case 'store-then-fail': {
          // Let the handler store the batch, then lose its answer on the way out.
          const end = res.end.bind(res) as (...args: unknown[]) => Response;
          (res as unknown as { end: (...args: unknown[]) => Response }).end = (..._args: unknown[]) => {
            if (fault.status !== undefined) {
              const body = JSON.stringify({
                type: 'urn:ministry:problem:sim-fault',
                title: 'Simulated failure',
                status: fault.status,
                code: 'SIM_FAULT',
                detail: 'The simulator stored the request and then failed.',
              });
              res.statusCode = fault.status;
              res.setHeader('Content-Type', 'application/problem+json');
              res.setHeader('Content-Length', Buffer.byteLength(body));
              return end(body);
            }
            req.socket.destroy();
            return res;
          };
          return next();
        }
        default:
          return next();
      }
    };
  }

  /** Releases held requests (on shutdown). */
  close(): void {
    for (const { timer, res } of this.held) {
      clearTimeout(timer);
      res.socket?.destroy();
    }
    this.held.clear();
    this.current = { mode: 'none', applied: 0 };
  }
}
