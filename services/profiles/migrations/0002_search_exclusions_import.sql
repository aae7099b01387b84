-- Columns for search, declared exclusions as rows (symmetric look-ups), erasure marker,
-- and the staging table HR imports stream into.
ALTER TABLE people
  ADD COLUMN role smallint NOT NULL DEFAULT 0,
  ADD COLUMN time_zone text NOT NULL DEFAULT '',
  ADD COLUMN skills text[] NOT NULL DEFAULT '{}',
  ADD COLUMN focus_areas int[] NOT NULL DEFAULT '{}',
  ADD COLUMN erased boolean NOT NULL DEFAULT false;
CREATE INDEX people_skills ON people USING gin (skills);
CREATE INDEX people_focus_areas ON people USING gin (focus_areas);
CREATE INDEX people_career_level ON people (career_level);
CREATE INDEX people_time_zone ON people (time_zone);

-- person_id declared they must never be matched with excluded_id. Matching treats it both ways.
CREATE TABLE exclusions (
  person_id   uuid NOT NULL,
  excluded_id uuid NOT NULL,
  PRIMARY KEY (person_id, excluded_id)
);
CREATE INDEX exclusions_reverse ON exclusions (excluded_id);

-- One HR import's rows while it runs (unlogged: a crashed import is simply run again).
CREATE UNLOGGED TABLE import_rows (
  import_id      uuid NOT NULL,
  hr_employee_id text NOT NULL,
  line           bigint NOT NULL,
  manager_hr_id  text,
  person_id      uuid,       -- existing or newly assigned
  document       bytea NOT NULL,  -- the HR-owned fields as a Person
  PRIMARY KEY (import_id, hr_employee_id)
);
