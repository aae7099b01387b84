-- Change numbers that let each replica keep a programme's mentor pool in memory and know,
-- with one indexed lookup, when it must be rebuilt: a programme's roster version moves on
-- every enrollment change, and every relationship write takes a new change number (seats).
ALTER TABLE programmes ADD COLUMN roster_version bigint NOT NULL DEFAULT 0;
CREATE SEQUENCE relationships_change_seq;
ALTER TABLE relationships ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval('relationships_change_seq');
CREATE INDEX relationships_change_seq_idx ON relationships (change_seq);
