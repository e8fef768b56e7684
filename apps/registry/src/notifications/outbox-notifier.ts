import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { NotificationPort, OutgoingMessage, ReceiptBatch, ReplyBatch, SendResult } from './notification.port';

/**
 * The embedded default's stand-in for an SMS gateway: every message becomes one JSON line
 * (`{"id","to","template","text"}`) in `$DATA_DIR/outbox/messages.ndjson`, for a person or a
 * forwarding job to read. The file holds phone numbers by design, as a gateway would: it is
 * created with mode 0600 and its directory 0700. A message id already in the file is not
 * written again (a dispatch that stopped between writing and recording sends it again with
 * the same id). No receipts and no answers: a message in the file counts as sent, never as
 * delivered, and opt-outs are recorded by staff (POST /v1/reminders/opt-outs).
 */
export class OutboxNotifier implements NotificationPort {
  readonly kind = 'outbox';
  readonly path: string;
  private readonly written = new Set<string>();
  /** How much of the file the ids above were read from: lines another process appended since are read before writing. */
  private scanned = 0;
  /** Writes one after the other, so lines never interleave within this process. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'outbox', 'messages.ndjson');
  }

  send(messages: readonly OutgoingMessage[]): Promise<SendResult[]> {
    const run = this.queue.then(() => this.write(messages));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async receipts(): Promise<ReceiptBatch> {
    return { items: [], acknowledge: async () => undefined };
  }

  async replies(): Promise<ReplyBatch> {
    return { items: [], acknowledge: async () => undefined };
  }

  private async write(messages: readonly OutgoingMessage[]): Promise<SendResult[]> {
    const written = await this.ids();
    const lines: string[] = [];
    for (const m of messages) {
      if (written.has(m.id)) continue;
      written.add(m.id);
      lines.push(JSON.stringify({ id: m.id, to: m.to, template: m.template, text: m.text }));
    }
    if (lines.length > 0) {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const handle = await open(this.path, 'a', 0o600);
      try {
        await handle.appendFile(lines.join('\n') + '\n', 'utf8');
        await handle.sync();
        this.scanned = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      // A file created by an older version or another umask is narrowed too.
      await chmod(this.path, 0o600);
    }
    return messages.map((m) => ({ id: m.id, status: 'accepted' as const }));
  }

  /** The ids in the file: what this process wrote, plus lines appended by others since it last looked. */
  private async ids(): Promise<Set<string>> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    if (size <= this.scanned) return this.written;
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8', start: this.scanned }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      try {
        const id = (JSON.parse(line) as { id?: unknown }).id;
        if (typeof id === 'string') this.written.add(id);
      } catch {
        // A torn last line (a crash mid-write) names nothing.
      }
    }
    this.scanned = size;
    return this.written;
  }
}
