-- Where a ticket came from (as ../0005_ticket_origin.sql): the API key that minted it, or the
-- host user (and workspace) it was minted for by the host app's own door, and its label.
ALTER TABLE agent_ticket ADD COLUMN api_key_id TEXT REFERENCES api_key(id);
ALTER TABLE agent_ticket ADD COLUMN host_user_id TEXT REFERENCES "user"(id) ON DELETE CASCADE;
ALTER TABLE agent_ticket ADD COLUMN host_workspace_id TEXT;
ALTER TABLE agent_ticket ADD COLUMN display_name TEXT;
ALTER TABLE agent_ticket ADD COLUMN revoked_at BIGINT;

-- Tickets minted before this migration name their origin only in `issuer`.
UPDATE agent_ticket SET api_key_id = substr(issuer, 9)
  WHERE issuer LIKE 'api_key:%' AND substr(issuer, 9) IN (SELECT id FROM api_key);
UPDATE agent_ticket SET host_user_id = substr(issuer, 6)
  WHERE issuer LIKE 'user:%' AND substr(issuer, 6) IN (SELECT id FROM "user");

CREATE INDEX agent_ticket_api_key ON agent_ticket(api_key_id) WHERE api_key_id IS NOT NULL;
CREATE INDEX agent_ticket_host_user ON agent_ticket(host_user_id) WHERE host_user_id IS NOT NULL;
CREATE INDEX agent_session_ticket ON agent_session(ticket_id);
