-- A signin agent session belongs to the one sign-in (auth_session.id, itself a hash) that
-- exchanged its ticket: signing out, or signing in again elsewhere, does not carry it over.
ALTER TABLE agent_session ADD COLUMN sign_in_id TEXT;
