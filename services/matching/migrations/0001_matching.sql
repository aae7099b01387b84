-- Matching's own data. Aggregates are stored as their protobuf message (body) with the
-- columns queries and constraints need beside it; the body is the one source of truth.

-- Read model of the people matched, from the profiles service (never its tables).
CREATE SEQUENCE people_change_seq;
CREATE TABLE people (
  person_id       text PRIMARY KEY,
  profile_version bigint NOT NULL,
  facts           bytea,                  -- profiles.v1.Person without identifying fields; NULL once erased
  erased          boolean NOT NULL DEFAULT false,
  change_seq      bigint NOT NULL         -- in-memory snapshots reload rows changed after theirs
);
CREATE INDEX people_change_seq_idx ON people (change_seq);

CREATE TABLE programmes (
  programme_id text PRIMARY KEY,
  body         bytea NOT NULL,
  version      bigint NOT NULL,
  created_at   timestamptz NOT NULL
);

CREATE TABLE enrollments (
  programme_id text NOT NULL REFERENCES programmes,
  person_id    text NOT NULL,
  role         smallint NOT NULL,          -- ParticipantRole
  body         bytea NOT NULL,
  PRIMARY KEY (programme_id, person_id, role)
);
CREATE INDEX enrollments_person_idx ON enrollments (person_id);

CREATE TABLE drafts (
  draft_id     text PRIMARY KEY,
  programme_id text NOT NULL REFERENCES programmes,
  state        smallint NOT NULL,          -- DraftState
  body         bytea NOT NULL,
  version      bigint NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX drafts_programme_idx ON drafts (programme_id);

CREATE TABLE requests (
  request_id   text PRIMARY KEY,
  programme_id text,
  mentee_id    text NOT NULL,
  mentor_id    text NOT NULL,
  state        smallint NOT NULL,          -- RequestState
  body         bytea NOT NULL,
  version      bigint NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX requests_mentee_idx ON requests (mentee_id, state);
CREATE INDEX requests_mentor_idx ON requests (mentor_id, state);
-- One pending request per mentee and mentor at a time.
CREATE UNIQUE INDEX requests_one_pending ON requests (mentee_id, mentor_id) WHERE state = 1;

CREATE TABLE relationships (
  relationship_id text PRIMARY KEY,
  programme_id    text,
  mentee_id       text NOT NULL,
  mentor_id       text NOT NULL,
  state           smallint NOT NULL,       -- RelationshipState
  body            bytea NOT NULL,
  version         bigint NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX relationships_mentee_idx ON relationships (mentee_id, state);
CREATE INDEX relationships_mentor_idx ON relationships (mentor_id, state);
CREATE INDEX relationships_programme_idx ON relationships (programme_id, state);
-- A pair never has two open relationships (proposed, active, paused).
CREATE UNIQUE INDEX relationships_one_open_pair ON relationships (mentee_id, mentor_id) WHERE state IN (1, 2, 3);

-- Rematch offers: raised by rapport.at_risk or a closure for no rapport.
CREATE TABLE rematch_offers (
  previous_relationship_id text PRIMARY KEY,
  mentee_id          text NOT NULL,
  programme_id       text,
  previous_mentor_id text NOT NULL,
  trigger            text NOT NULL,
  offered_at         timestamptz NOT NULL
);
CREATE INDEX rematch_offers_mentee_idx ON rematch_offers (mentee_id);
