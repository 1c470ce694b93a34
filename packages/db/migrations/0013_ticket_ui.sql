-- How the agent UI looks and where it leads back to, as the app's backend set them in a ticket:
-- `ui` is the checked presentation settings as JSON (accent colour, corner radius, density,
-- colour scheme, locale), `return_url` the host app's address for "Return to the app". Both are
-- carried to the agent session the ticket becomes, like host_context; NULL when the ticket had
-- none. Written only when a ticket is minted; never by the browser.
ALTER TABLE agent_ticket ADD COLUMN ui TEXT;
ALTER TABLE agent_ticket ADD COLUMN return_url TEXT;
ALTER TABLE agent_session ADD COLUMN ui TEXT;
ALTER TABLE agent_session ADD COLUMN return_url TEXT;
