-- The workspace demo's tenancy (workspaces and their members) and the webhook data its agent
-- reads. Times are epoch milliseconds. IF NOT EXISTS: these tables were part of the framework's
-- 0001_initial.sql until the demo moved here, so databases migrated before have them already.
CREATE TABLE IF NOT EXISTS workspace (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS workspace_member (
  workspace_id TEXT NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS workspace_member_user ON workspace_member(user_id);

CREATE TABLE IF NOT EXISTS webhook_endpoint (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
  url          TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS webhook_endpoint_workspace ON webhook_endpoint(workspace_id);

CREATE TABLE IF NOT EXISTS webhook_delivery (
  id                 TEXT PRIMARY KEY,
  endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoint(id) ON DELETE CASCADE,
  event_type         TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'pending')),
  response_status    INTEGER,
  duration_ms        INTEGER NOT NULL,
  attempt            INTEGER NOT NULL DEFAULT 1,
  retry_requested_at INTEGER,
  created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS webhook_delivery_endpoint ON webhook_delivery(endpoint_id, created_at);

-- Health and retries read one endpoint's deliveries by status.
CREATE INDEX IF NOT EXISTS webhook_delivery_status ON webhook_delivery(endpoint_id, status);
