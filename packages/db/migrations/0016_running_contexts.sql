-- The contexts whose run is running, by group: what the concurrent-run limits read on every
-- send (packages/db/src/running.ts). Without it the group's test went through
-- context_group_activity, which holds every context of the group, idle or not: a look that grew
-- with the group's history on every send. `context_busy` (status <> 'idle') does not serve it on
-- SQLite, whose planner does not take status = 'running' to imply status <> 'idle'.
CREATE INDEX context_running ON context(context_group) WHERE status = 'running';
