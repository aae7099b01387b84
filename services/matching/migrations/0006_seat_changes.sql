-- Recommendations keep each programme's pool of mentors with a free seat current from the
-- relationships whose seats changed (mentor_pools.h), instead of recounting every mentor
-- every few seconds. Each row records the transaction that last changed what a seat count
-- reads (its state, mentor or programme). A reader remembers the oldest transaction still
-- running when it last looked (pg_snapshot_xmin) and next reads the rows marked by that one
-- or later: a change that commits after the look is read next time, whatever the order in
-- which transactions commit. A trigger, so that every writer (the document table's generic
-- statements included) marks its rows.
ALTER TABLE relationships ADD COLUMN seats_changed_by xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX relationships_seats_changed_idx ON relationships (seats_changed_by);

CREATE FUNCTION relationships_mark_seat_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state OR NEW.mentor_id IS DISTINCT FROM OLD.mentor_id
     OR NEW.programme_id IS DISTINCT FROM OLD.programme_id THEN
    NEW.seats_changed_by := pg_current_xact_id();
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER relationships_seat_change BEFORE INSERT OR UPDATE ON relationships
  FOR EACH ROW EXECUTE FUNCTION relationships_mark_seat_change();
