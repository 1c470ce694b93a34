-- The notes example's table on PostgreSQL (as ../0001_notes.sql).
CREATE TABLE note (
  id            TEXT PRIMARY KEY,
  context_group TEXT NOT NULL,
  text          TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX note_group ON note(context_group, created_at);
