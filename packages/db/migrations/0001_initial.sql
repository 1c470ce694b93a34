-- The framework's schema. Times are epoch milliseconds; secrets are SHA-256 hex.

-- Sign-in (Lucia). auth_session.id is the SHA-256 of the session id held in the cookie.
CREATE TABLE user (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE auth_session (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_session_user ON auth_session(user_id);

-- The workspace demo's tables (workspace, workspace_member, webhook_endpoint, webhook_delivery)
-- were created here until the demo moved to examples/workspace-demo, which now creates them in
-- its own migrations (CREATE TABLE IF NOT EXISTS, the same definitions), so a database migrated
-- before the move keeps them unchanged and a new one without the demo never has them.

-- Backend keys. Only the hash of the secret is kept, with a short prefix to recognise it by.
CREATE TABLE api_key (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;

-- agent_access tickets: minted by a backend, exchanged once by a browser.
CREATE TABLE agent_ticket (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  agent_ids     TEXT NOT NULL,                 -- JSON array of agent ids
  session_type  TEXT NOT NULL CHECK (session_type IN ('static', 'signin')),
  context_group TEXT,                          -- static only
  issuer        TEXT NOT NULL,                 -- 'api_key:<id>' or 'user:<id>'
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  consumed_at   INTEGER,
  CHECK ((session_type = 'static') = (context_group IS NOT NULL))
) STRICT;

-- Agent sessions: what an exchanged ticket becomes, named by the agent_session cookie.
CREATE TABLE agent_session (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  ticket_id     TEXT NOT NULL REFERENCES agent_ticket(id),
  session_type  TEXT NOT NULL CHECK (session_type IN ('static', 'signin')),
  context_group TEXT,                          -- static: the group; signin: derived per request
  user_id       TEXT REFERENCES user(id) ON DELETE CASCADE, -- signin: the user who exchanged
  agent_ids     TEXT NOT NULL,                 -- JSON array of agent ids
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  revoked_at    INTEGER,
  CHECK ((session_type = 'static' AND context_group IS NOT NULL AND user_id IS NULL)
      OR (session_type = 'signin' AND context_group IS NULL AND user_id IS NOT NULL))
) STRICT;

-- Conversations, each in one context group and with one agent.
CREATE TABLE context (
  id               TEXT PRIMARY KEY,
  context_group    TEXT NOT NULL,
  agent_id         TEXT NOT NULL,
  title            TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'idle'
                   CHECK (status IN ('idle', 'running', 'waiting_for_approval', 'waiting_for_input')),
  last_seq         INTEGER NOT NULL DEFAULT 0,   -- the newest context_event.seq
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  deleted_at       INTEGER
) STRICT;
CREATE INDEX context_group_activity ON context(context_group, last_activity_at DESC, id DESC)
  WHERE deleted_at IS NULL;

CREATE TABLE run (
  id                 TEXT PRIMARY KEY,
  context_id         TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  agent_id           TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('running', 'waiting_for_approval',
                       'waiting_for_input', 'completed', 'failed', 'cancelled', 'interrupted')),
  trigger_message_id TEXT,
  started_at         INTEGER NOT NULL,
  ended_at           INTEGER,
  error              TEXT,
  usage              TEXT                        -- JSON: input/output tokens
) STRICT;
CREATE INDEX run_context ON run(context_id, started_at);

CREATE TABLE message (
  id         TEXT PRIMARY KEY,
  context_id TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,                   -- order within the context
  role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  parts      TEXT NOT NULL,                      -- JSON array of parts
  run_id     TEXT REFERENCES run(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (context_id, seq)
) STRICT;

-- The resumable log: every change to a context, numbered without gaps.
CREATE TABLE context_event (
  context_id TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  type       TEXT NOT NULL,
  payload    TEXT NOT NULL,                      -- JSON
  created_at INTEGER NOT NULL,
  PRIMARY KEY (context_id, seq)
) STRICT, WITHOUT ROWID;

-- "Allow always" answers to tool approvals, per group, agent and tool.
CREATE TABLE tool_grant (
  context_group TEXT NOT NULL,
  agent_id      TEXT NOT NULL,
  tool_name     TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (context_group, agent_id, tool_name)
) STRICT, WITHOUT ROWID;
