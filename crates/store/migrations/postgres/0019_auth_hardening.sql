-- Login throttling, password rules, idle sessions and expiring API keys (等保 2.0 三级).
-- Failed logins per account ('user:<name>') and per address ('ip:<addr>').
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
-- Set when an administrator chose the password (a new user, a reset): the user must change it
-- before anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- Earlier password hashes, so that a change cannot go back to one of the last few.
CREATE TABLE password_history (
    user_id BIGINT NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, set_at);
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN sources TEXT NOT NULL DEFAULT '';
