-- Registry, users, sessions, API keys and the audit log (PostgreSQL).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE jurisdictions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id BIGINT REFERENCES jurisdictions(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jurisdictions_parent ON jurisdictions(parent_id);
CREATE INDEX jurisdictions_path ON jurisdictions(path);

CREATE TABLE population_figures (
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    as_of TEXT NOT NULL,
    residents BIGINT NOT NULL CHECK (residents >= 0),
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (jurisdiction_id, as_of)
);

CREATE TABLE member_units (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_unit_id BIGINT REFERENCES member_units(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT COLLATE "C" NOT NULL,
    contact_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX member_units_kind ON member_units(kind);

CREATE TABLE unit_coverage (
    unit_id BIGINT NOT NULL REFERENCES member_units(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    PRIMARY KEY (unit_id, jurisdiction_id)
);

CREATE TABLE police_stations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL UNIQUE REFERENCES member_units(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    chief_name TEXT NOT NULL DEFAULT '',
    deputy_chief_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE station_precincts (
    jurisdiction_id BIGINT PRIMARY KEY REFERENCES jurisdictions(id),
    station_id BIGINT NOT NULL REFERENCES police_stations(id)
);
CREATE INDEX station_precincts_station ON station_precincts(station_id);

CREATE TABLE residents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    id_number_enc BYTEA NOT NULL,
    id_number_idx BYTEA NOT NULL UNIQUE,
    phone_enc BYTEA,
    phone_idx BYTEA,
    address_enc BYTEA,
    gender TEXT NOT NULL DEFAULT '',
    age_band TEXT NOT NULL,
    household_code TEXT NOT NULL DEFAULT '',
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX residents_path ON residents(jurisdiction_path, id);
CREATE INDEX residents_phone ON residents(phone_idx);
CREATE INDEX residents_name ON residents(name);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES member_units(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE,
    key_hash BYTEA NOT NULL,
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES member_units(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    permissions TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
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
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Forbid edits and deletions through SQL; only the chain verifier can prove integrity, but
-- these make an accidental UPDATE fail loudly.
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
