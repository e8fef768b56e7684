import type { PoolClient } from 'pg';

/** Version of the table layout this code writes; a database of a newer layout is refused. */
export const POSTGRES_LAYOUT_VERSION = 1;

/** Schema names are interpolated into SQL (identifiers cannot be parameters): only plain ones are accepted. */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('the PostgreSQL event-store schema must be 1-63 lower-case letters, digits or _, not starting with a digit');
  }
}

/**
 * A 32-bit key derived from the schema name, so that stores in different schemas of one
 * database (test runs, several registries) never wait for each other's append lock.
 */
export function lockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash | 0;
}

/** Advisory-lock class of the append lock; the second key is {@link lockKey}. */
export const APPEND_LOCK_CLASS = 0x52454731; // "REG1"
/** Advisory-lock class of the layout set-up, so two processes starting at once do not both create tables. */
export const LAYOUT_LOCK_CLASS = 0x52454730;

/**
 * The layout: as on SQLite, stream names are stored once (`streams`) and events refer to them
 * by an integer, which keeps the `(stream_id, revision)` and `(stream_id, event_id)` indexes
 * small. Event ids are unique per stream, as on EventStoreDB. Data and metadata are `json`
 * (kept as written, key order included); the type index serves sparse type filters and
 * per-type heads. `event_log` shows the events as the port returns them, for auditors.
 */
function layoutSql(schema: string): string {
  const s = `"${schema}"`;
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.layout (version integer NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.streams (
      id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL UNIQUE
    );
    CREATE TABLE IF NOT EXISTS ${s}.events (
      position    bigint      PRIMARY KEY,
      stream_id   bigint      NOT NULL,
      revision    integer     NOT NULL,
      event_id    text        NOT NULL,
      type        text        NOT NULL,
      data        json        NOT NULL,
      metadata    json        NOT NULL,
      recorded_at timestamptz NOT NULL,
      UNIQUE (stream_id, revision),
      UNIQUE (stream_id, event_id)
    );
    CREATE INDEX IF NOT EXISTS events_type ON ${s}.events (type, position);
    CREATE OR REPLACE VIEW ${s}.event_log AS
      SELECT e.position, e.event_id, s.name AS stream, e.revision, e.type, e.data, e.metadata, e.recorded_at
      FROM ${s}.events AS e JOIN ${s}.streams AS s ON s.id = e.stream_id;
  `;
}

/** Creates the tables once, under a lock, and refuses a database whose layout is newer than this code. */
export async function ensureLayout(client: PoolClient, schema: string): Promise<void> {
  assertSchemaName(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LAYOUT_LOCK_CLASS, lockKey(schema)]);
    await client.query(layoutSql(schema));
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".layout`);
    if (rows.length === 0) {
      await client.query(`INSERT INTO "${schema}".layout (version) VALUES ($1)`, [POSTGRES_LAYOUT_VERSION]);
    } else if (rows[0].version > POSTGRES_LAYOUT_VERSION) {
      throw new Error(`the database has event-store layout ${rows[0].version}; this version reads up to ${POSTGRES_LAYOUT_VERSION}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
