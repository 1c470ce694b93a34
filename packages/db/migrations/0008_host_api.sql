-- The host API (#17): scoped backend keys, and the host's own webhooks with their outbox. The
-- demo workspace's webhook_endpoint / webhook_delivery tables are a different thing (the data
-- the demo agent reads) and stay as they are.

-- What a key may do: mint tickets, read conversations and usage, erase, or all of it.
ALTER TABLE api_key ADD COLUMN scope TEXT NOT NULL DEFAULT 'all'
  CHECK (scope IN ('tickets', 'read', 'erase', 'all'));

-- Where the host's events go. The endpoint configured by WEBHOOK_URL is the row with source
-- 'env': its secret stays in the environment. Endpoints added with `pnpm cli webhook add` keep
-- theirs here, since signing needs the secret itself, not a hash.
CREATE TABLE host_webhook_endpoint (
  id          TEXT PRIMARY KEY,
  url         TEXT NOT NULL,
  secret      TEXT,
  events      TEXT NOT NULL,                 -- JSON array of event types
  source      TEXT NOT NULL CHECK (source IN ('env', 'cli')),
  created_at  INTEGER NOT NULL,
  disabled_at INTEGER,
  CHECK ((source = 'env') = (secret IS NULL))
) STRICT;

-- One row per event and endpoint, written in the transaction that makes the change, so an
-- event is sent if and only if its change was committed. `seq` orders a context's events.
CREATE TABLE webhook_outbox (
  seq                  INTEGER PRIMARY KEY,
  id                   TEXT NOT NULL UNIQUE,   -- the webhook-id header, kept across retries
  endpoint_id          TEXT NOT NULL REFERENCES host_webhook_endpoint(id) ON DELETE CASCADE,
  event_type           TEXT NOT NULL,
  context_id           TEXT NOT NULL,
  context_group        TEXT NOT NULL,
  payload              TEXT NOT NULL,          -- JSON body, as signed
  status               TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts             INTEGER NOT NULL DEFAULT 0,
  next_attempt_at      INTEGER NOT NULL,
  last_attempt_at      INTEGER,
  last_response_status INTEGER,
  last_error           TEXT,
  created_at           INTEGER NOT NULL,
  delivered_at         INTEGER
) STRICT;
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_context ON webhook_outbox(endpoint_id, context_id, seq)
  WHERE status = 'pending';

-- Usage reports read a group's runs by start time.
CREATE INDEX run_started ON run(started_at);
