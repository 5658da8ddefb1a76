-- Registry, users, sessions, API keys and the audit log (SQLite).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE jurisdictions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES jurisdictions(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jurisdictions_parent ON jurisdictions(parent_id);
CREATE INDEX jurisdictions_path ON jurisdictions(path);

CREATE TABLE population_figures (
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    as_of TEXT NOT NULL,
    residents INTEGER NOT NULL CHECK (residents >= 0),
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (jurisdiction_id, as_of)
);

CREATE TABLE member_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_unit_id INTEGER REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX member_units_kind ON member_units(kind);

CREATE TABLE unit_coverage (
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    PRIMARY KEY (unit_id, jurisdiction_id)
);

CREATE TABLE police_stations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL UNIQUE REFERENCES member_units(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    chief_name TEXT NOT NULL DEFAULT '',
    deputy_chief_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE station_precincts (
    jurisdiction_id INTEGER PRIMARY KEY REFERENCES jurisdictions(id),
    station_id INTEGER NOT NULL REFERENCES police_stations(id)
);
CREATE INDEX station_precincts_station ON station_precincts(station_id);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    id_number_enc BLOB NOT NULL,
    id_number_idx BLOB NOT NULL UNIQUE,
    phone_enc BLOB,
    phone_idx BLOB,
    address_enc BLOB,
    gender TEXT NOT NULL DEFAULT '',
    age_band TEXT NOT NULL,
    household_code TEXT NOT NULL DEFAULT '',
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX residents_path ON residents(jurisdiction_path, id);
CREATE INDEX residents_phone ON residents(phone_idx);
CREATE INDEX residents_name ON residents(name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prefix TEXT NOT NULL UNIQUE,
    key_hash BLOB NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    permissions TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    fields TEXT NOT NULL,
    ip TEXT,
    reason TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_kind, actor_id);

-- The chain head, so that truncating the tail of the log is detected too.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Forbid edits and deletions through SQL; only the chain verifier can prove integrity, but
-- these make an accidental UPDATE fail loudly.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
