-- What became of an import's work, written by the statement or transaction that did it, so
-- that a statement replayed after a lost connection finds the work done instead of doing
-- (or counting) it again. `rejected` names the rule a staged row broke once the whole file
-- was staged (the row is kept, not deleted, and reported from here). An apply transaction
-- inserts its token into import_commits, so a COMMIT whose answer was lost can be asked
-- about.
ALTER TABLE import_rows ADD COLUMN rejected text;
CREATE UNLOGGED TABLE import_commits (
  import_id uuid NOT NULL,
  token     uuid NOT NULL,
  PRIMARY KEY (import_id, token)
);
