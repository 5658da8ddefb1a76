-- Events the engine has applied, encrypted (they carry account numbers and phones), so the
-- engine's windows can be rebuilt after a restart by replaying the recent ones.
CREATE TABLE engine_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    ts_ms BIGINT NOT NULL,
    body_enc BYTEA NOT NULL
);
CREATE INDEX engine_events_ts ON engine_events(ts_ms);
