-- People and their mentoring profiles. The whole profile is kept as one serialized
-- mentoring.profiles.v1.Person (document); the columns beside it are what queries filter,
-- join or constrain on.
CREATE TABLE people (
  person_id         uuid PRIMARY KEY,
  hr_employee_id    text NOT NULL UNIQUE,
  employment_status smallint NOT NULL,
  manager_id        uuid,
  department        text NOT NULL DEFAULT '',
  career_level      int NOT NULL CHECK (career_level BETWEEN 1 AND 15),
  document          bytea NOT NULL,
  version           bigint NOT NULL CHECK (version >= 1),
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX people_updated_at ON people (updated_at, person_id);
CREATE INDEX people_manager ON people (manager_id);
CREATE INDEX people_department ON people (department);
