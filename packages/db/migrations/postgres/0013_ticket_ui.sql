-- How the agent UI looks and where it leads back to (as ../0013_ticket_ui.sql).
ALTER TABLE agent_ticket ADD COLUMN ui TEXT;
ALTER TABLE agent_ticket ADD COLUMN return_url TEXT;
ALTER TABLE agent_session ADD COLUMN ui TEXT;
ALTER TABLE agent_session ADD COLUMN return_url TEXT;
