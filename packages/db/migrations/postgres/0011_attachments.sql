-- Files attached to user messages (as ../0011_attachments.sql).
CREATE TABLE attachment (
  id            TEXT PRIMARY KEY,
  context_id    TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  context_group TEXT NOT NULL,
  message_id    TEXT,
  name          TEXT NOT NULL,
  media_type    TEXT NOT NULL,
  size          BIGINT NOT NULL CHECK (size > 0),
  created_at    BIGINT NOT NULL
);
CREATE INDEX attachment_context ON attachment(context_id);
CREATE INDEX attachment_group ON attachment(context_group);
CREATE INDEX attachment_unsent ON attachment(created_at) WHERE message_id IS NULL;

CREATE TABLE attachment_blob (
  attachment_id TEXT PRIMARY KEY REFERENCES attachment(id) ON DELETE CASCADE,
  data          BYTEA NOT NULL
);
