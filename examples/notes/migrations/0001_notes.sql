-- The notes example's table. A note belongs to the context group it was written in: the tenant
-- key of the agent sessions that read it. Times are epoch milliseconds.
CREATE TABLE note (
  id            TEXT PRIMARY KEY,
  context_group TEXT NOT NULL,
  text          TEXT NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX note_group ON note(context_group, created_at);
