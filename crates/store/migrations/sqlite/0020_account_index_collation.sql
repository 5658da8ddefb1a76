-- Warnings name the accounts of their transfer by blind index too, so that a fund trace can be
-- limited to accounts a warning in the caller's scope names. Filled for older rows at start.
-- (SQLite compares text bytewise already: its scope filters need no collation change.)
ALTER TABLE warnings ADD COLUMN payer_idx BLOB;
ALTER TABLE warnings ADD COLUMN payee_idx BLOB;
CREATE INDEX warnings_payer ON warnings(payer_idx);
CREATE INDEX warnings_payee ON warnings(payee_idx);
