-- Warnings raised by the engine (and, later, pushed from upstream platforms).
CREATE TABLE warnings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    event_ts BIGINT NOT NULL,
    action TEXT NOT NULL,
    scenario TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    grade TEXT NOT NULL,
    fraud_type_hint TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_enc BYTEA NOT NULL,
    subject_idx BYTEA NOT NULL,
    payer_enc BYTEA NOT NULL,
    payee_enc BYTEA NOT NULL,
    amount_fen BIGINT NOT NULL,
    jurisdiction_id BIGINT REFERENCES jurisdictions(id),
    jurisdiction_path TEXT COLLATE "C" NOT NULL DEFAULT '',
    station_id BIGINT REFERENCES police_stations(id),
    ruleset_version TEXT NOT NULL,
    fired TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
);
CREATE INDEX warnings_path ON warnings(jurisdiction_path, id);
CREATE INDEX warnings_subject ON warnings(subject_idx);
