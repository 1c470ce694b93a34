-- What the run engine (packages/agents) needs beyond the initial schema.

-- 1 while the title is a placeholder that the first message will replace.
ALTER TABLE context ADD COLUMN auto_title INTEGER NOT NULL DEFAULT 0 CHECK (auto_title IN (0, 1));

-- Model steps a run has taken, counted across pauses so the step limit survives a restart.
ALTER TABLE run ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;

-- Start-up recovery and "is a run active here?" look only at unfinished runs and busy contexts.
CREATE INDEX run_unfinished ON run(context_id, status)
  WHERE status IN ('running', 'waiting_for_approval', 'waiting_for_input');
CREATE INDEX context_busy ON context(status) WHERE status <> 'idle';

-- (The workspace demo's index webhook_delivery_status was created here until the demo moved to
-- examples/workspace-demo, whose migrations create it now, IF NOT EXISTS.)

-- A run writes into its assistant message, found by run id.
CREATE INDEX message_run ON message(run_id);
