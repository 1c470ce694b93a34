-- The framework's schema on PostgreSQL: ../0001_initial.sql (SQLite) with the DDL
-- PostgreSQL needs. Times are epoch milliseconds (BIGINT); secrets are SHA-256 hex; JSON is
-- text, as on SQLite, so rows read the same on both. "user" is quoted: a reserved word here.

-- Sign-in (Lucia). auth_session.id is the SHA-256 of the session id held in the cookie.
CREATE TABLE "user" (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);

CREATE TABLE auth_session (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX auth_session_user ON auth_session(user_id);

-- The workspace demo's tables (workspace, workspace_member, webhook_endpoint, webhook_delivery)
-- are the example's own (examples/workspace-demo/migrations/postgres/).

-- Backend keys. Only the hash of the secret is kept, with a short prefix to recognise it by.
CREATE TABLE api_key (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);

-- agent_access tickets: minted by a backend, exchanged once by a browser.
CREATE TABLE agent_ticket (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  agent_ids     TEXT NOT NULL,                 -- JSON array of agent ids
  session_type  TEXT NOT NULL CHECK (session_type IN ('static', 'signin')),
  context_group TEXT,                          -- static only
  issuer        TEXT NOT NULL,                 -- 'api_key:<id>' or 'user:<id>'
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  consumed_at   BIGINT,
  CHECK ((session_type = 'static') = (context_group IS NOT NULL))
);

-- Agent sessions: what an exchanged ticket becomes, named by the agent_session cookie.
CREATE TABLE agent_session (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  ticket_id     TEXT NOT NULL REFERENCES agent_ticket(id),
  session_type  TEXT NOT NULL CHECK (session_type IN ('static', 'signin')),
  context_group TEXT,                          -- static: the group; signin: derived per request
  user_id       TEXT REFERENCES "user"(id) ON DELETE CASCADE, -- signin: the user who exchanged
  agent_ids     TEXT NOT NULL,                 -- JSON array of agent ids
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  CHECK ((session_type = 'static' AND context_group IS NOT NULL AND user_id IS NULL)
      OR (session_type = 'signin' AND context_group IS NULL AND user_id IS NOT NULL))
);

-- Conversations, each in one context group and with one agent.
CREATE TABLE context (
  id               TEXT PRIMARY KEY,
  context_group    TEXT NOT NULL,
  agent_id         TEXT NOT NULL,
  title            TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'idle'
                   CHECK (status IN ('idle', 'running', 'waiting_for_approval', 'waiting_for_input')),
  last_seq         INTEGER NOT NULL DEFAULT 0,   -- the newest context_event.seq
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  last_activity_at BIGINT NOT NULL,
  deleted_at       BIGINT
);
CREATE INDEX context_group_activity ON context(context_group, last_activity_at DESC, id DESC)
  WHERE deleted_at IS NULL;

CREATE TABLE run (
  id                 TEXT PRIMARY KEY,
  context_id         TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  agent_id           TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('running', 'waiting_for_approval',
                       'waiting_for_input', 'completed', 'failed', 'cancelled', 'interrupted')),
  trigger_message_id TEXT,
  started_at         BIGINT NOT NULL,
  ended_at           BIGINT,
  error              TEXT,
  usage              TEXT                        -- JSON: input/output tokens
);
CREATE INDEX run_context ON run(context_id, started_at);

CREATE TABLE message (
  id         TEXT PRIMARY KEY,
  context_id TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,                   -- order within the context
  role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  parts      TEXT NOT NULL,                      -- JSON array of parts
  run_id     TEXT REFERENCES run(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (context_id, seq)
);

-- The resumable log: every change to a context, numbered without gaps.
CREATE TABLE context_event (
  context_id TEXT NOT NULL REFERENCES context(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  type       TEXT NOT NULL,
  payload    TEXT NOT NULL,                      -- JSON
  created_at BIGINT NOT NULL,
  PRIMARY KEY (context_id, seq)
);

-- "Allow always" answers to tool approvals, per group, agent and tool.
CREATE TABLE tool_grant (
  context_group TEXT NOT NULL,
  agent_id      TEXT NOT NULL,
  tool_name     TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (context_group, agent_id, tool_name)
);
