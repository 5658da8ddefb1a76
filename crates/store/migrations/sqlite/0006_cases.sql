-- Fraud cases (案件): the police case system's records, with the victim's area for scope and
-- statistics. Victim identifiers are not copied here: a case refers to a resident by id.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no TEXT NOT NULL UNIQUE,
    reported_at INTEGER NOT NULL,
    filed_at INTEGER,
    solved_at INTEGER,
    station_id INTEGER NOT NULL REFERENCES police_stations(id),
    jurisdiction_id INTEGER REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    fraud_type TEXT NOT NULL,
    taxonomy_version TEXT NOT NULL,
    loss_fen INTEGER NOT NULL CHECK (loss_fen >= 0),
    recovered_fen INTEGER NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    victim_resident_id INTEGER REFERENCES residents(id),
    victim_age_band TEXT NOT NULL DEFAULT '',
    victim_occupation TEXT NOT NULL DEFAULT '',
    contact_channel TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'reported',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cases_path ON cases(jurisdiction_path, reported_at);
CREATE INDEX cases_station ON cases(station_id, reported_at);

-- Rankings as published: recomputing the same month under the same rules and cut-off must
-- give this body back.
CREATE TABLE ranking_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    cutoff_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (month, rules_version, cutoff_ms)
);
