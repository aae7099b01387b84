-- What became of a staged row, written by the statement or transaction that decided it, so
-- that a statement replayed after a lost connection finds the work done instead of doing
-- (or counting) it again: `rejected` names the rule a row broke once the whole file was
-- staged (it is kept, not deleted, and reported from here); `applied` is set in the same
-- transaction as the row's change, so a COMMIT whose answer was lost can be asked about.
ALTER TABLE import_rows
  ADD COLUMN rejected text,
  ADD COLUMN applied boolean NOT NULL DEFAULT false;
