-- The dissuasion checklist ticked with a step, and evidence files (photos, recordings) of a
-- warning's handling, encrypted: they show the person.
ALTER TABLE warning_steps ADD COLUMN checklist TEXT NOT NULL DEFAULT '';
CREATE TABLE warning_evidence (
    id BIGSERIAL PRIMARY KEY,
    warning_id BIGINT NOT NULL REFERENCES warnings(id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data_enc BYTEA NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX warning_evidence_warning ON warning_evidence(warning_id, id);
