-- Runs across server instances. A running run is owned by the instance that drives it (its
-- `owner`, the engine's instance id) through a lease that the instance renews on a heartbeat:
-- `lease_until`, in epoch ms of the database's clock. An instance that dies stops renewing; once
-- its leases lapse, any instance marks those runs interrupted. A waiting or finished run holds no
-- lease (both NULL). `cancel_requested_at`: another instance asked the owner to stop the run
-- (the owner sees it on its next heartbeat, or sooner by a notification on PostgreSQL).
ALTER TABLE run ADD COLUMN owner TEXT;
ALTER TABLE run ADD COLUMN lease_until INTEGER;
ALTER TABLE run ADD COLUMN cancel_requested_at INTEGER;

-- The sweep for lapsed leases looks only at running runs.
CREATE INDEX run_lease ON run(lease_until) WHERE status = 'running';
