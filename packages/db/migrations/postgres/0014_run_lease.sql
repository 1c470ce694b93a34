-- Runs across server instances: the owner, its lease and cancel requests (as ../0014_run_lease.sql).
ALTER TABLE run ADD COLUMN owner TEXT;
ALTER TABLE run ADD COLUMN lease_until BIGINT;
ALTER TABLE run ADD COLUMN cancel_requested_at BIGINT;

-- The sweep for lapsed leases looks only at running runs.
CREATE INDEX run_lease ON run(lease_until) WHERE status = 'running';
