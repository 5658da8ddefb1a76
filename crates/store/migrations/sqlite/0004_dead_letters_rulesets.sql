-- Events refused by the stream consumer (malformed or undecodable), kept with the reason so
-- that the stream never stops for them and nobody loses track of them. The raw message may
-- carry account numbers and phones, so it is encrypted.
CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    stream_seq INTEGER,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw_enc BLOB NOT NULL,
    raw_len INTEGER NOT NULL,
    UNIQUE (source, stream_seq)
);

-- Every ruleset that was put in force, so earlier decisions stay explainable and an older
-- version can be looked at or restored.
CREATE TABLE rulesets (
    version TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
