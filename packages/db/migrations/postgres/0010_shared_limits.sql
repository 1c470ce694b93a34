-- PostgreSQL only: the sign-in, sign-up and exchange limits and the account lock count here, so
-- that every instance behind a load balancer sees the same counts (SQLite, one process, keeps
-- them in memory). Rows are swept once they carry no information (a full bucket, a forgotten
-- account).

-- A token bucket per limit name and key (an IP, an account).
CREATE TABLE limit_bucket (
  name       TEXT NOT NULL,
  key        TEXT NOT NULL,
  tokens     DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE INDEX limit_bucket_updated ON limit_bucket(updated_at);

-- Failed sign-ins per account and the lock they started.
CREATE TABLE account_failure (
  account      TEXT PRIMARY KEY,
  count        INTEGER NOT NULL,
  last_at      BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);
CREATE INDEX account_failure_last ON account_failure(last_at);
