import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, EventStore, StreamAppend } from '@registry/event-store';
import type { Principal } from '../auth/principal';
import { describeUnexpectedError } from '../common/redact';
import { AppConfig } from '../config/app-config';
import { PERSONAL_DATA_READ, PersonalDataReadData, ReadEntry, readStreamOf } from './audit-events';

interface Pending {
  caller: { operator: string; role: string; region: string; sourceSystem?: string };
  entries: ReadEntry[];
}

/**
 * Records reads of personal data (a person's page, history, lists, worklists, review queues)
 * without a write per request: reads are buffered in memory and written to the log every
 * AUDIT_READ_FLUSH_MS, or once AUDIT_READ_FLUSH_ENTRIES persons were read, one
 * `PersonalDataRead` event per caller, all in one append. A clean shutdown flushes what is
 * buffered; a failed write keeps the entries for the next flush. Unmasking is not buffered:
 * it is recorded on the person's disclosure stream before the answer (persons.service.ts).
 */
@Injectable()
export class ReadRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AuditReads');
  private pending = new Map<string, Pending>();
  private persons = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.AUDIT_READ_FLUSH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** A caller was shown these persons (person ids) in this view; `records` counts rows shown that are no person yet. */
  record(caller: Principal, view: string, persons: readonly string[], records?: number): void {
    if (persons.length === 0 && !records) return;
    const who = { operator: caller.subject, role: caller.roles.join(','), region: caller.region, sourceSystem: caller.source };
    const key = `${who.operator}\u0000${who.role}\u0000${who.region}\u0000${who.sourceSystem ?? ''}`;
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { caller: who, entries: [] }));
    p.entries.push({ at: new Date().toISOString(), view, persons: [...persons], ...(records ? { records } : {}) });
    this.persons += persons.length || 1;
    if (this.persons >= this.config.AUDIT_READ_FLUSH_ENTRIES) void this.flush();
  }

  /** Writes what is buffered; resolves when it is in the log (or kept for the next flush after a failure). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.persons = 0;
    const occurredAt = new Date().toISOString();
    const appends: StreamAppend[] = [...batch.values()].map((p) => {
      const data: PersonalDataReadData = { entries: p.entries };
      return {
        stream: readStreamOf(occurredAt.slice(0, 10)),
        events: [
          {
            id: randomUUID(),
            type: PERSONAL_DATA_READ,
            data,
            metadata: { ...p.caller, channel: 'http', occurredAt: p.entries[0].at },
          },
        ],
      };
    });
    // One stream per day: appends of one flush go to it together.
    const merged: StreamAppend[] = [{ stream: appends[0].stream, events: appends.flatMap((a) => a.events) }];
    try {
      await this.events.appendMany(merged);
    } catch (error) {
      this.logger.error(`Recording reads failed; kept for the next flush: ${describeUnexpectedError(error)}`);
      for (const [key, p] of batch) {
        const now = this.pending.get(key);
        if (now) now.entries.unshift(...p.entries);
        else this.pending.set(key, p);
        this.persons += p.entries.reduce((n, e) => n + (e.persons.length || 1), 0);
      }
    }
  }
}
