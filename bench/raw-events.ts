import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/**
 * The ceiling every store figure is compared with: raw better-sqlite3 inserts of
 * pre-serialised rows into a table shaped like the event store's (same columns, keys,
 * index and pragmas), `rowsPerTransaction` rows per transaction. Returns rows per second.
 */
export function rawEventInsertRate(file: string, synchronous: 'FULL' | 'NORMAL', rows: unknown[][], rowsPerTransaction: number): number {
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
  const started = performance.now();
  for (let i = 0; i < rows.length; i += rowsPerTransaction) insertChunk.immediate(rows.slice(i, i + rowsPerTransaction));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return Math.round(rows.length / seconds);
}
