-- Files attached to user messages (#15). The row holds what a file is; its bytes live in
-- attachment_blob (the default store) or in a file named by the id under ATTACHMENTS_DIR.

-- An upload belongs to one context from the start (the tenant rule reaches it through that
-- context); message_id stays NULL until a sent message takes it, and an upload left unsent past
-- the grace period is swept. context_group repeats the context's group for the storage quota.
CREATE TABLE attachment (
  id            TEXT PRIMARY KEY,
  context_id    TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  context_group TEXT NOT NULL,
  message_id    TEXT,
  name          TEXT NOT NULL,
  media_type    TEXT NOT NULL,
  size          INTEGER NOT NULL CHECK (size > 0),
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX attachment_context ON attachment(context_id);
CREATE INDEX attachment_group ON attachment(context_group);
CREATE INDEX attachment_unsent ON attachment(created_at) WHERE message_id IS NULL;

CREATE TABLE attachment_blob (
  attachment_id TEXT PRIMARY KEY REFERENCES attachment(id) ON DELETE CASCADE,
  data          BLOB NOT NULL
) STRICT;
