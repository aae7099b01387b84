-- Evaluation's own data. A relationship is kept as its record (body, the one source of
-- truth) beside the columns queries filter on; what people answer are rows naming who
-- answered, so an erasure deletes them by person. Dates and times are UTC.

-- What evaluation knows of each relationship: from match.made and relationship.*, and
-- what it derived (meeting tally, rapport check, signals raised, health).
CREATE TABLE relationships (
  relationship_id   text PRIMARY KEY,
  programme_id      text,
  mentee_id         text NOT NULL,
  mentor_id         text NOT NULL,
  status            smallint NOT NULL,      -- evaluation.v1.RelationshipStatus: 1 active, 2 paused
  admin_bucket      smallint NOT NULL,      -- HealthBucket of the admin view
  review_date       date,                   -- the agreement's review date
  review_date_used  date,                   -- the review date that already opened a review
  end_date          date,                   -- the agreement's end date
  overrun_signalled date,                   -- the end date an overrun was signalled for
  rated             boolean NOT NULL,       -- a meeting of it was rated (a programme's group size)
  body              bytea NOT NULL,         -- evaluation.v1.RelationshipRecord
  version           bigint NOT NULL,
  created_at        timestamptz NOT NULL
);
CREATE INDEX relationships_programme_idx ON relationships (programme_id, relationship_id);
CREATE INDEX relationships_mentee_idx ON relationships (mentee_id);
CREATE INDEX relationships_mentor_idx ON relationships (mentor_id);
CREATE INDEX relationships_review_date_idx ON relationships (review_date) WHERE status = 1;
CREATE INDEX relationships_end_date_idx ON relationships (end_date) WHERE status IN (1, 2);

-- What scheduling said about each meeting: the latest of its events (by the series' sequence).
CREATE TABLE meetings (
  meeting_id      text PRIMARY KEY,
  relationship_id text NOT NULL,
  series_id       text NOT NULL,
  occurrence      int NOT NULL,
  outcome         smallint NOT NULL,  -- 1 held, 2 missed, 3 cancelled by a party, 4 by the system
  happened_at     timestamptz NOT NULL,
  sequence        bigint NOT NULL
);
CREATE INDEX meetings_relationship_idx ON meetings (relationship_id, occurrence);

-- Every question evaluation asked a person: feedback on a meeting, a review, a closure survey.
CREATE TABLE asks (
  ask_id          text PRIMARY KEY,   -- UUIDv7
  person_id       text NOT NULL,
  relationship_id text NOT NULL,
  kind            smallint NOT NULL,  -- events.v1.AskKind
  item_id         text NOT NULL,      -- the meeting, the review, the relationship
  occurrence      int NOT NULL DEFAULT 0,
  rapport_check   boolean NOT NULL DEFAULT false,
  asked_at        timestamptz NOT NULL,
  answer_by       timestamptz NOT NULL,
  answered_at     timestamptz,
  reminded_at     timestamptz,
  UNIQUE (kind, item_id, person_id)
);
CREATE INDEX asks_pending_idx ON asks (person_id, asked_at, ask_id) WHERE answered_at IS NULL;
CREATE INDEX asks_reminder_idx ON asks (answer_by) WHERE answered_at IS NULL AND reminded_at IS NULL;
CREATE INDEX asks_relationship_idx ON asks (relationship_id, person_id, kind);

-- Feedback after a meeting; the comment is private to its author.
CREATE TABLE feedback (
  meeting_id      text NOT NULL,
  person_id       text NOT NULL,
  relationship_id text NOT NULL,
  occurrence      int NOT NULL,
  rapport         smallint NOT NULL CHECK (rapport BETWEEN 1 AND 5),
  usefulness      smallint NOT NULL CHECK (usefulness BETWEEN 1 AND 5),
  comment         text NOT NULL DEFAULT '',
  submitted_at    timestamptz NOT NULL,
  PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX feedback_relationship_idx ON feedback (relationship_id, person_id, occurrence, meeting_id);
CREATE INDEX feedback_person_idx ON feedback (person_id);

-- Progress observations against the mentee's goals; the evidence note is private to the pair.
CREATE TABLE goal_observations (
  observation_id   text PRIMARY KEY,   -- UUIDv7
  relationship_id  text NOT NULL,
  person_id        text NOT NULL,      -- the goal's owner
  goal_id          text NOT NULL,
  progress_percent smallint NOT NULL CHECK (progress_percent BETWEEN 0 AND 100),
  status           smallint NOT NULL,  -- common.v1.GoalStatus
  evidence_note    text NOT NULL DEFAULT '',
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL,
  seq              bigserial NOT NULL  -- the order they were recorded in, for ties in recorded_at
);
CREATE INDEX goal_observations_relationship_idx ON goal_observations (relationship_id, recorded_at, observation_id);
CREATE INDEX goal_observations_person_idx ON goal_observations (person_id);
CREATE INDEX goal_observations_recorder_idx ON goal_observations (recorded_by);

-- Periodic reviews, with both answers (and their private comments) in the body.
CREATE TABLE reviews (
  review_id       text PRIMARY KEY,
  relationship_id text NOT NULL,
  programme_id    text,
  state           smallint NOT NULL,     -- evaluation.v1.ReviewState: 1 open
  opened_at       timestamptz NOT NULL,
  undecided_after timestamptz NOT NULL,
  settled_at      timestamptz,
  body            bytea NOT NULL,        -- evaluation.v1.Review
  version         bigint NOT NULL
);
CREATE INDEX reviews_relationship_idx ON reviews (relationship_id, opened_at, review_id);
CREATE INDEX reviews_programme_idx ON reviews (programme_id, opened_at, review_id);
CREATE INDEX reviews_undecided_idx ON reviews (undecided_after) WHERE state = 1;
-- One open review per relationship at a time.
CREATE UNIQUE INDEX reviews_one_open ON reviews (relationship_id) WHERE state = 1;

-- Closure surveys; the comment in the body is private to its author.
CREATE TABLE closure_surveys (
  relationship_id text NOT NULL,
  person_id       text NOT NULL,
  body            bytea NOT NULL,  -- evaluation.v1.ClosureSurvey
  PRIMARY KEY (relationship_id, person_id)
);
CREATE INDEX closure_surveys_person_idx ON closure_surveys (person_id);

-- What evaluation needs per programme (defaults until an admin sets them).
CREATE TABLE programme_settings (
  programme_id text PRIMARY KEY,
  body         bytea NOT NULL,  -- evaluation.v1.ProgrammeSettings
  version      bigint NOT NULL
);

-- Anonymous aggregates per programme: counts and sums only, so erasing a person's answers
-- leaves them as they are.
CREATE TABLE programme_aggregates (
  programme_id   text PRIMARY KEY,
  feedback_count bigint NOT NULL DEFAULT 0,
  rapport_sum    bigint NOT NULL DEFAULT 0,
  usefulness_sum bigint NOT NULL DEFAULT 0,
  survey_count   bigint NOT NULL DEFAULT 0,
  outcome_sum    bigint NOT NULL DEFAULT 0,
  promoters      bigint NOT NULL DEFAULT 0,
  detractors     bigint NOT NULL DEFAULT 0
);

-- People erased: never asked anything again (an event about their relationship, e.g. the
-- closure that follows their erasure in matching, may arrive after the erasure itself).
CREATE TABLE erased_people (
  person_id text PRIMARY KEY
);

-- Evaluation's event counter per person, for the events keyed by person (goal.progressed,
-- reminder.due): the sequence of each is the person's count after it.
CREATE TABLE person_sequences (
  person_id text PRIMARY KEY,
  sequence  bigint NOT NULL
);
