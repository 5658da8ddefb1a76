-- A candidate ruleset and model deciding beside the ones in force (shadow runs), and what each
-- would have decided where either warned, to compare before promoting. At most one run is open
-- (ended_at NULL). A promoted run keeps what it replaced, so that it can be rolled back.
CREATE TABLE shadow_runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ruleset_version TEXT NOT NULL,
    model_version TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    started_by TEXT NOT NULL,
    ended_at BIGINT,
    ended_by TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    replaced_ruleset TEXT NOT NULL DEFAULT '',
    replaced_model TEXT NOT NULL DEFAULT ''
);
CREATE TABLE shadow_decisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES shadow_runs (id),
    event_id TEXT NOT NULL,
    event_ts BIGINT NOT NULL,
    live_action TEXT NOT NULL,
    shadow_action TEXT NOT NULL,
    shadow_scenario TEXT NOT NULL DEFAULT '',
    shadow_score DOUBLE PRECISION NOT NULL,
    station_id BIGINT,
    payer_enc BYTEA NOT NULL,
    payee_enc BYTEA NOT NULL,
    UNIQUE (run_id, event_id)
);
