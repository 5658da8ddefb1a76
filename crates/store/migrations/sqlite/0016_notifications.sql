-- The notification outbox: written in the same transaction as what it announces, delivered
-- in-app (read from here) or to webhooks (an SMS or messaging gateway) by a worker that
-- retries with back-off until the gateway answers 2xx. Nothing is deleted: a row is the proof
-- that a notification was sent, or is still being tried.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    warning_id INTEGER REFERENCES warnings(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    jurisdiction_path TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at INTEGER,
    read_at INTEGER
);
CREATE INDEX notifications_due ON notifications(channel, status, next_attempt_at);
CREATE INDEX notifications_inbox ON notifications(channel, jurisdiction_path, id);
