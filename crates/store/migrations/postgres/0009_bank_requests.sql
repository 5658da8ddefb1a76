-- Stop-payment and freeze requests to banks (止付 / 冻结). The legal timer starts when the bank
-- executes; what the bank answers is kept, and a request it cannot match fails visibly.
CREATE TABLE bank_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    account_enc BYTEA NOT NULL,
    account_idx BYTEA NOT NULL,
    bank_unit_id BIGINT NOT NULL REFERENCES member_units(id),
    amount_fen BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    renews_id BIGINT REFERENCES bank_requests(id),
    status TEXT NOT NULL DEFAULT 'pending',
    answered_at BIGINT,
    answered_by TEXT NOT NULL DEFAULT '',
    answer_reason TEXT NOT NULL DEFAULT '',
    expires_at BIGINT
);
CREATE INDEX bank_requests_bank ON bank_requests(bank_unit_id, id);
CREATE INDEX bank_requests_account ON bank_requests(account_idx);
