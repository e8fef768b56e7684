import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, EVENT_JOINS } from './sqlite-filter';

/** `PRAGMA user_version` of the current layout; 0 is the first layout (see migrateFromV1). */
const SCHEMA_VERSION = 2;

/**
 * Stream names and metadata are stored once, in tables of their own, and events refer to
 * them by integer id:
 * - a stream's events share one small integer key, so the (stream_id, revision) index stays
 *   a fraction of the size a hashed text name would give it, and new streams append at its
 *   end instead of landing on a random page;
 * - an import's events all carry the same metadata (who, which file, when), which would
 *   otherwise be repeated in every row.
 * Event ids are unique per stream, which is what EventStoreDB guarantees too.
 * `event_log` shows the events as the port returns them, for auditors reading the file.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS streams (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
  ) STRICT;
  CREATE TABLE IF NOT EXISTS metadata (
    id   INTEGER PRIMARY KEY,
    json TEXT    NOT NULL UNIQUE
  ) STRICT;
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id   INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata_id INTEGER NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (stream_id, revision),
    UNIQUE (stream_id, event_id)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS events_type ON events (type);
  CREATE VIEW IF NOT EXISTS event_log AS SELECT ${EVENT_COLUMNS} FROM ${EVENT_JOINS};
`;

/**
 * Sets the file's layout up, or migrates it, once. A file already in the current layout is
 * opened without taking the write lock (a second process, the projection thread); otherwise
 * the work is done under it, in one IMMEDIATE transaction.
 */
export function ensureLayout(db: Database.Database): void {
  const layout = () => db.pragma('user_version', { simple: true }) as number;
  if (layout() === SCHEMA_VERSION) return;
  db.transaction(() => {
    const version = layout();
    if (version > SCHEMA_VERSION) throw new Error(`the file has event-store layout ${version}; this version reads up to ${SCHEMA_VERSION}`);
    if (version === SCHEMA_VERSION) return; // another process set it up meanwhile
    if (hasV1Events(db)) migrateFromV1(db);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function hasV1Events(db: Database.Database): boolean {
  const columns = db.prepare("SELECT name FROM pragma_table_info('events')").pluck().all() as string[];
  return columns.includes('stream');
}

/**
 * Rewrites a file of the first layout (stream names and metadata repeated in every row,
 * ids unique across streams) into the current one, inside the caller's transaction:
 * positions, revisions, ids and the AUTOINCREMENT high-water mark are kept, so
 * subscribers' checkpoints stay valid. Stream and metadata ids follow first appearance.
 */
function migrateFromV1(db: Database.Database): void {
  db.exec(`
    ALTER TABLE events RENAME TO events_v1;
    DROP INDEX IF EXISTS events_type;
    ${SCHEMA}
    INSERT INTO streams (name) SELECT stream FROM events_v1 GROUP BY stream ORDER BY MIN(position);
    INSERT INTO metadata (json) SELECT metadata FROM events_v1 GROUP BY metadata ORDER BY MIN(position);
    INSERT INTO events (position, stream_id, revision, event_id, type, data, metadata_id, recorded_at)
      SELECT v.position, s.id, v.revision, v.event_id, v.type, v.data, m.id, v.recorded_at
      FROM events_v1 AS v JOIN streams AS s ON s.name = v.stream JOIN metadata AS m ON m.json = v.metadata
      ORDER BY v.position;
    UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events_v1'), 0)) WHERE name = 'events';
    DROP TABLE events_v1;
  `);
}
