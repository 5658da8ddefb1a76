-- Stop-payment and freeze requests to banks (止付 / 冻结). The legal timer starts when the bank
-- executes; what the bank answers is kept, and a request it cannot match fails visibly.
CREATE TABLE bank_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    account_enc BLOB NOT NULL,
    account_idx BLOB NOT NULL,
    bank_unit_id INTEGER NOT NULL REFERENCES member_units(id),
    amount_fen INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    renews_id INTEGER REFERENCES bank_requests(id),
    status TEXT NOT NULL DEFAULT 'pending',
    answered_at INTEGER,
    answered_by TEXT NOT NULL DEFAULT '',
    answer_reason TEXT NOT NULL DEFAULT '',
    expires_at INTEGER
);
CREATE INDEX bank_requests_bank ON bank_requests(bank_unit_id, id);
CREATE INDEX bank_requests_account ON bank_requests(account_idx);
