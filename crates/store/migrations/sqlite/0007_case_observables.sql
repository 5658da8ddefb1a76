-- What the suspects left behind in a case (phone, bank or payment account, URL, app, IM
-- account), encrypted and found by a keyed hash of kind and value: cases that share one are
-- linked (串并案).
CREATE TABLE case_observables (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    value_idx BLOB NOT NULL,
    value_enc BLOB NOT NULL,
    PRIMARY KEY (case_id, kind, value_idx)
);
CREATE INDEX case_observables_idx ON case_observables(value_idx);
