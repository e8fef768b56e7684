-- Run once in the PostgreSQL database FerretDB v1 stores its read models in (its
-- --postgresql-url), before FerretDB creates collections there; scripts/test-servers.sh does.
--
-- Why: FerretDB v1.24 pushes a filter on _id down to PostgreSQL as `_jsonb -> '_id' @> $value`,
-- which the B-tree it builds for the _id index cannot serve, so every find, update and delete
-- by _id reads the whole table (measured: findOne by _id 3.8 ms at 1,000 documents, 27 ms at
-- 10,000; bench/RESULTS.md). A GIN index on the same expression serves that containment test
-- (0.01-0.05 ms at 100,000 documents). FerretDB creates one table per collection at run time,
-- so an event trigger adds the index to each new table that holds FerretDB documents.
CREATE OR REPLACE FUNCTION registry_ferretdb_id_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN
    SELECT c.oid::regclass AS tab, c.relname, n.nspname
    FROM pg_event_trigger_ddl_commands() AS d
    JOIN pg_class AS c ON c.oid = d.objid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE d.command_tag = 'CREATE TABLE' AND d.object_type = 'table' AND c.relkind = 'r'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped)
      AND c.relname NOT LIKE '\_ferretdb\_%'
  LOOP
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)',
                   left(created.relname, 50) || '_id_gin', created.tab, '_id');
  END LOOP;
END;
$$;

DROP EVENT TRIGGER IF EXISTS registry_ferretdb_id_index;
CREATE EVENT TRIGGER registry_ferretdb_id_index ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION registry_ferretdb_id_index();

-- Each update or delete statement FerretDB runs is a PostgreSQL transaction of its own, so its
-- commit waits for the WAL to reach the disk. Read models are rebuilt from the event log, and
-- WAL order keeps a projection's checkpoint (written after its documents) from outliving them,
-- so this database does not wait: measured 1.7-1.8 ms per updated document instead of 4-5.
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database());
END $$;
