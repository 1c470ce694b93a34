-- A user's rating of an assistant message (#18): good or bad, with an optional comment. One
-- row per message, replaced when the user changes their mind and deleted with the message (a
-- regenerated or edited turn takes its ratings with it). context_group repeats the context's
-- group so the host API can list a group's feedback by index.
CREATE TABLE message_feedback (
  message_id    TEXT PRIMARY KEY REFERENCES message(id) ON DELETE CASCADE,
  context_id    TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  context_group TEXT NOT NULL,
  rating        TEXT NOT NULL CHECK (rating IN ('good', 'bad')),
  comment       TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX message_feedback_group ON message_feedback(context_group, updated_at, message_id);
CREATE INDEX message_feedback_context ON message_feedback(context_id);
