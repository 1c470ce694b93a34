-- Rate limits and account locks shared by every instance (as ../0015_shared_limits.sql).
CREATE TABLE rate_limit (
  limiter TEXT NOT NULL,
  subject TEXT NOT NULL,
  full_at DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (limiter, subject)
);
CREATE INDEX rate_limit_full_at ON rate_limit(full_at);

CREATE TABLE account_failure (
  subject      TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  forget_at    BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);
CREATE INDEX account_failure_forget_at ON account_failure(forget_at);
