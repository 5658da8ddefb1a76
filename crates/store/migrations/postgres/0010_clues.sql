-- Clues reported by the public (举报线索): what they saw, encrypted; a reference number to
-- quote; the analyst's verdict and any reward (举报奖励).
CREATE TABLE clues (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    value_enc BYTEA NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    contact_enc BYTEA,
    submitted_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at BIGINT,
    reward_fen BIGINT NOT NULL DEFAULT 0,
    review_note TEXT NOT NULL DEFAULT ''
);
