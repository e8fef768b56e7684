import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/**
 * The ceiling every store figure is compared with: raw better-sqlite3 inserts of
 * pre-serialised rows into a table shaped like the event store's (same columns, keys,
 * index and pragmas), `rowsPerTransaction` rows per transaction. `rowAt(i)` builds row i;
 * rows are built one transaction's worth at a time, outside the timed part, so memory
 * stays flat however many rows are inserted. Returns rows per second.
 */
export function rawEventInsertRate(file: string, synchronous: 'FULL' | 'NORMAL', count: number, rowAt: (i: number) => unknown[], rowsPerTransaction: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.exec(`CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    recorded_at TEXT NOT NULL, UNIQUE (stream, revision)) STRICT;
    CREATE INDEX events_type ON events (type);`);
  const insert = db.prepare('INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertChunk = db.transaction((chunk: unknown[][]) => {
    for (const row of chunk) insert.run(...row);
  });
  let ms = 0;
  for (let i = 0; i < count; i += rowsPerTransaction) {
    const chunk: unknown[][] = [];
    for (let k = i; k < Math.min(count, i + rowsPerTransaction); k++) chunk.push(rowAt(k));
    const started = performance.now();
    insertChunk.immediate(chunk);
    ms += performance.now() - started;
  }
  db.close();
  return Math.round((count / ms) * 1000);
}
