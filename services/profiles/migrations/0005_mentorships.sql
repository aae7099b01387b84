-- Who mentors whom, as matching's events tell it (match.made opens, the terms of an
-- amendment or a resume set what it covers, relationship.closed ends): the mentor of an open
-- relationship reads the mentee's goals in its focus areas. One row per relationship while
-- it is open; an ended one is deleted, and a late copy of its match.made is recognised as
-- stale by its sequence (consumed_aggregate_versions), so it cannot open it again.
CREATE TABLE mentorships (
  relationship_id uuid PRIMARY KEY,
  mentee_id       uuid NOT NULL,
  mentor_id       uuid NOT NULL,
  focus_areas     int[] NOT NULL
);
-- A read: does this reader mentor these people? An erasure: every relationship of a person.
CREATE INDEX mentorships_mentor ON mentorships (mentor_id, mentee_id);
CREATE INDEX mentorships_mentee ON mentorships (mentee_id);
