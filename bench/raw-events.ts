import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/** One event row as the ceiling inserts it, payloads already serialised. */
export interface RawEventRow {
  eventId: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
}

/**
 * The ceiling every store figure is compared with: raw better-sqlite3 inserts of
 * pre-serialised rows into tables shaped like the event store's (streams and metadata
 * stored once and referred to by id, the same keys, index and pragmas),
 * `rowsPerTransaction` rows per transaction. `rowAt(i)` builds row i; rows are built one
 * transaction's worth at a time, outside the timed part, so memory stays flat however
 * many rows are inserted. Returns rows per second.
 */
export function rawEventInsertRate(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
  count: number,
  rowAt: (i: number) => RawEventRow,
  rowsPerTransaction: number,
): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.exec(`CREATE TABLE streams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE metadata (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE events (
      position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id INTEGER NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata_id INTEGER NOT NULL, recorded_at TEXT NOT NULL,
      UNIQUE (stream_id, revision), UNIQUE (stream_id, event_id)) STRICT;
    CREATE INDEX events_type ON events (type);`);
  const streamId = db.prepare('SELECT id FROM streams WHERE name = ?').pluck();
  const insertStream = db.prepare('INSERT INTO streams (name) VALUES (?)');
  const metadataId = db.prepare('SELECT id FROM metadata WHERE json = ?').pluck();
  const insertMetadata = db.prepare('INSERT INTO metadata (json) VALUES (?)');
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  let lastMetadata = '';
  let lastMetadataId = 0;
  const insertChunk = db.transaction((chunk: RawEventRow[]) => {
    for (const row of chunk) {
      const sid = (streamId.get(row.stream) as number | undefined) ?? Number(insertStream.run(row.stream).lastInsertRowid);
      if (row.metadata !== lastMetadata) {
        lastMetadata = row.metadata;
        lastMetadataId = (metadataId.get(row.metadata) as number | undefined) ?? Number(insertMetadata.run(row.metadata).lastInsertRowid);
      }
      insert.run(sid, row.revision, row.eventId, row.type, row.data, lastMetadataId, row.recordedAt);
    }
  });
  let ms = 0;
  for (let i = 0; i < count; i += rowsPerTransaction) {
    const chunk: RawEventRow[] = [];
    for (let k = i; k < Math.min(count, i + rowsPerTransaction); k++) chunk.push(rowAt(k));
    const started = performance.now();
    insertChunk.immediate(chunk);
    ms += performance.now() - started;
  }
  db.close();
  return Math.round((count / ms) * 1000);
}
