-- Rate limits and account locks kept in the database, so that every server instance counts
-- against the same figures (packages/db/src/limits.ts). The server uses them on PostgreSQL; on
-- SQLite (one instance) it counts in memory and these tables stay empty. Subjects are SHA-256
-- hashes of what they count (a client address, an email), never the text itself, and rows are
-- deleted once they no longer limit anything (pruneLimits).
--
-- rate_limit: a token bucket per limiter and subject, kept as the one moment at which the
-- bucket is full again (`full_at`, epoch ms; a generic cell rate algorithm). A row whose
-- `full_at` has passed counts nothing.
CREATE TABLE rate_limit (
  limiter TEXT NOT NULL,
  subject TEXT NOT NULL,
  full_at REAL NOT NULL,
  PRIMARY KEY (limiter, subject)
) STRICT;
CREATE INDEX rate_limit_full_at ON rate_limit(full_at);

-- account_failure: failed sign-ins in a row per account; `forget_at` is when they are forgotten
-- (24 h after the last one by default), `locked_until` the end of the lock they started (0 when
-- none).
CREATE TABLE account_failure (
  subject      TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  forget_at    INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
) STRICT;
CREATE INDEX account_failure_forget_at ON account_failure(forget_at);
