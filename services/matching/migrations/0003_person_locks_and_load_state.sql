-- Seats are no longer tracked by a relationships change number (numbers from a sequence
-- become visible in commit order, not in the order they were taken, so a cache keyed on
-- them could miss a change); the mentor pool cache now lives for two seconds at most.
DROP INDEX relationships_change_seq_idx;
ALTER TABLE relationships DROP COLUMN change_seq;
DROP SEQUENCE relationships_change_seq;

-- One row per person whose seats or focus areas a transaction is about to change: taking
-- these row locks (in id order) serialises everything that creates open relationships for
-- a person, as mentor (seats) or as mentee (one mentor per focus area, pending requests).
-- Row locks, unlike advisory locks, use no shared lock table entry, so publishing a draft
-- of thousands of pairs cannot run out of lock memory.
CREATE TABLE person_locks (person_id text PRIMARY KEY);

-- Written when the first full load from profiles finished: a partial load is redone.
CREATE TABLE read_model_state (
  id        int PRIMARY KEY CHECK (id = 1),
  loaded_at timestamptz NOT NULL
);
