-- A candidate ruleset and model deciding beside the ones in force (shadow runs), and what each
-- would have decided where either warned, to compare before promoting. At most one run is open
-- (ended_at NULL). A promoted run keeps what it replaced, so that it can be rolled back.
CREATE TABLE shadow_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ruleset_version TEXT NOT NULL,
    model_version TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    started_by TEXT NOT NULL,
    ended_at INTEGER,
    ended_by TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    replaced_ruleset TEXT NOT NULL DEFAULT '',
    replaced_model TEXT NOT NULL DEFAULT ''
);
CREATE TABLE shadow_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES shadow_runs (id),
    event_id TEXT NOT NULL,
    event_ts INTEGER NOT NULL,
    live_action TEXT NOT NULL,
    shadow_action TEXT NOT NULL,
    shadow_scenario TEXT NOT NULL DEFAULT '',
    shadow_score REAL NOT NULL,
    station_id INTEGER,
    payer_enc BLOB NOT NULL,
    payee_enc BLOB NOT NULL,
    UNIQUE (run_id, event_id)
);
