-- Host context: facts an app's backend puts in a ticket (a JSON object of at most 8 KB, such as
-- the user's name or the workspace's name), carried to the agent session the ticket becomes.
-- NULL when the ticket had none. Written only when a ticket is minted; never by the browser.
ALTER TABLE agent_ticket ADD COLUMN host_context TEXT;
ALTER TABLE agent_session ADD COLUMN host_context TEXT;
