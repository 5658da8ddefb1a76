-- Events the engine has applied, encrypted (they carry account numbers and phones), so the
-- engine's windows can be rebuilt after a restart by replaying the recent ones.
CREATE TABLE engine_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    ts_ms INTEGER NOT NULL,
    body_enc BLOB NOT NULL
);
CREATE INDEX engine_events_ts ON engine_events(ts_ms);
