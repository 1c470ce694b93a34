-- Host context on tickets and agent sessions (as ../0009_host_context.sql): facts an app's backend
-- the user's name or the workspace's name), carried to the agent session the ticket becomes.
-- NULL when the ticket had none. Written only when a ticket is minted; never by the browser.
ALTER TABLE agent_ticket ADD COLUMN host_context TEXT;
ALTER TABLE agent_session ADD COLUMN host_context TEXT;
