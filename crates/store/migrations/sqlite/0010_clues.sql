-- Clues reported by the public (举报线索): what they saw, encrypted; a reference number to
-- quote; the analyst's verdict and any reward (举报奖励).
CREATE TABLE clues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    value_enc BLOB NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    contact_enc BLOB,
    submitted_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at INTEGER,
    reward_fen INTEGER NOT NULL DEFAULT 0,
    review_note TEXT NOT NULL DEFAULT ''
);
