-- Run by scripts/stack/pg.sh in the `ferretdb` database at every start (idempotent).
--
-- FerretDB v1 builds each MongoDB index as a btree over `(_jsonb -> 'field')`, but pushes
-- an equality filter down as `_jsonb -> 'field' @> $1`, which a btree cannot answer: every
-- query scanned its collection. This event trigger gives the first field of every index
-- FerretDB creates a GIN index over the same expression, which answers exactly that
-- containment, so `{ _id }`, `{ conversationId }`, `{ userId }` and `{ participants }` are
-- found through an index, as on MongoDB (FerretDB still checks every row it is given, so
-- answers are the same either way). Ranges and sorts still run in FerretDB.
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION parley_ferretdb_gin() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  cmd record;
  ix record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    SELECT c.relname, i.indrelid::regclass AS tbl, pg_get_indexdef(i.indexrelid, 1, false) AS expr
      INTO ix
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indexrelid = cmd.objid AND am.amname = 'btree' AND t.relname NOT LIKE '\_ferretdb\_%';
    -- Only FerretDB's own shape: a top-level field, `((_jsonb -> 'name'::text))`.
    CONTINUE WHEN ix.expr IS NULL OR ix.expr !~ '^\(*_jsonb -> ''[^'']+''::text\)*$';
    BEGIN
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
                     left(ix.relname, 55) || '_gin', ix.tbl, ix.expr);
    EXCEPTION WHEN OTHERS THEN
      -- Never fail FerretDB's own index: without ours, queries only scan.
      RAISE WARNING 'parley_ferretdb_gin: % on %: %', ix.relname, ix.tbl, SQLERRM;
    END;
  END LOOP;
END
$fn$;

DROP EVENT TRIGGER IF EXISTS parley_ferretdb_gin;
CREATE EVENT TRIGGER parley_ferretdb_gin ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION parley_ferretdb_gin();
