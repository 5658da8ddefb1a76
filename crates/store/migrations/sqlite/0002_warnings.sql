-- Warnings raised by the engine (and, later, pushed from upstream platforms).
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    event_ts INTEGER NOT NULL,
    action TEXT NOT NULL,
    scenario TEXT NOT NULL,
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    fraud_type_hint TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_enc BLOB NOT NULL,
    subject_idx BLOB NOT NULL,
    payer_enc BLOB NOT NULL,
    payee_enc BLOB NOT NULL,
    amount_fen INTEGER NOT NULL,
    jurisdiction_id INTEGER REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL DEFAULT '',
    station_id INTEGER REFERENCES police_stations(id),
    ruleset_version TEXT NOT NULL,
    fired TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
);
CREATE INDEX warnings_path ON warnings(jurisdiction_path, id);
CREATE INDEX warnings_subject ON warnings(subject_idx);
