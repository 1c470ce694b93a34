-- A user's rating of an assistant message (as ../0012_message_feedback.sql).
CREATE TABLE message_feedback (
  message_id    TEXT PRIMARY KEY REFERENCES message(id) ON DELETE CASCADE,
  context_id    TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  context_group TEXT NOT NULL,
  rating        TEXT NOT NULL CHECK (rating IN ('good', 'bad')),
  comment       TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX message_feedback_group ON message_feedback(context_group, updated_at, message_id);
CREATE INDEX message_feedback_context ON message_feedback(context_id);
