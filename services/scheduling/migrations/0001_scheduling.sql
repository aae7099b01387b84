-- Scheduling's own data. Aggregates (series, meetings) are stored as their protobuf message
-- (body) beside the columns that queries filter, join or constrain on; the body is the one
-- source of truth. Pair-only text (agendas, notes, action items) lives in tables of its own,
-- so erasing what a person wrote is a delete, and no aggregate body ever holds it.

-- Read model of people, from the profiles service (never its tables): what planning needs.
CREATE TABLE people (
  person_id       text PRIMARY KEY,
  profile_version bigint NOT NULL,
  time_zone       text,
  availability    bytea,                 -- profiles.v1.MentoringProfile holding only the windows
  erased          boolean NOT NULL DEFAULT false
);

-- Relationships as scheduling knows them, from matching's events. matching_sequence is the
-- relationship's version in the last event applied: older events are stale.
CREATE TABLE relationships (
  relationship_id   text PRIMARY KEY,
  matching_sequence bigint NOT NULL,
  state             smallint NOT NULL,   -- active 1, paused 2, closed 3, alumni 4
  mentee_id         text,                -- NULL until match.made has been seen
  mentor_id         text,
  programme_id      text,
  terms             bytea,               -- events.v1.AgreementTerms
  current_series_id text,                -- the active cadence series
  adhoc_series_id   text,
  next_occurrence   int NOT NULL DEFAULT 1
);
CREATE INDEX relationships_mentee ON relationships (mentee_id);
CREATE INDEX relationships_mentor ON relationships (mentor_id);

CREATE TABLE meeting_series (
  series_id       text PRIMARY KEY,
  relationship_id text NOT NULL,
  kind            smallint NOT NULL,     -- SeriesKind
  state           smallint NOT NULL,     -- SeriesState
  planned_through date,                  -- meetings exist up to here
  body            bytea NOT NULL,        -- scheduling.v1.MeetingSeries
  version         bigint NOT NULL,
  event_sequence  bigint NOT NULL DEFAULT 0,  -- the last sequence number its events took
  created_at      timestamptz NOT NULL
);
CREATE INDEX meeting_series_relationship ON meeting_series (relationship_id, created_at DESC, series_id);
-- The window extender's read: active cadence series whose window must move on.
CREATE INDEX meeting_series_to_extend ON meeting_series (planned_through) WHERE state = 1 AND kind = 1;

CREATE TABLE meetings (
  meeting_id      text PRIMARY KEY,
  series_id       text NOT NULL,
  relationship_id text NOT NULL,
  organiser_id    text NOT NULL,
  attendee_id     text NOT NULL,
  state           smallint NOT NULL,     -- MeetingState
  starts_at       timestamptz NOT NULL,
  missed_at       timestamptz NOT NULL,  -- the end plus the grace period: missed after this without a "held"
  agenda_due_at   timestamptz NOT NULL,
  agenda_pending  boolean NOT NULL,      -- no agenda, and meeting.agenda_missing not published yet
  body            bytea NOT NULL,        -- scheduling.v1.Meeting without pair-only text
  version         bigint NOT NULL
);
CREATE INDEX meetings_series ON meetings (series_id, starts_at);
CREATE INDEX meetings_relationship ON meetings (relationship_id, starts_at, meeting_id);
CREATE INDEX meetings_organiser ON meetings (organiser_id, starts_at, meeting_id);
CREATE INDEX meetings_attendee ON meetings (attendee_id, starts_at, meeting_id);
-- The sweeper's two reads, each an index range, never a table scan: scheduled meetings
-- past their grace period, and scheduled meetings whose agenda is late.
CREATE INDEX meetings_missed_due ON meetings (missed_at) WHERE state = 1;
CREATE INDEX meetings_agenda_due ON meetings (agenda_due_at) WHERE state = 1 AND agenda_pending;

-- Pair-only text: the mentee's agenda per meeting, notes, action items.
CREATE TABLE agendas (
  meeting_id text PRIMARY KEY,
  author_id  text NOT NULL,
  text       text NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX agendas_author ON agendas (author_id);

CREATE TABLE notes (
  note_id         text PRIMARY KEY,
  meeting_id      text NOT NULL,
  author_id       text NOT NULL,
  body            bytea NOT NULL,        -- scheduling.v1.Note
  created_at      timestamptz NOT NULL
);
CREATE INDEX notes_meeting ON notes (meeting_id, note_id);
CREATE INDEX notes_author ON notes (author_id);

CREATE TABLE action_items (
  item_id         text PRIMARY KEY,
  relationship_id text NOT NULL,
  meeting_id      text NOT NULL,
  author_id       text NOT NULL,
  done            boolean NOT NULL,
  body            bytea NOT NULL,        -- scheduling.v1.ActionItem
  version         bigint NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX action_items_relationship ON action_items (relationship_id, item_id);
CREATE INDEX action_items_author ON action_items (author_id);

-- Calendar subscriptions: the token's hash only (the token is shown once), and a version
-- per person that every change to one of their meetings raises (the feed's ETag).
CREATE TABLE calendar_feeds (
  feed_id     text PRIMARY KEY,
  person_id   text NOT NULL UNIQUE,
  secret_hash bytea NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE TABLE calendar_versions (
  person_id text PRIMARY KEY,
  version   bigint NOT NULL
);
