-- Warnings name the accounts of their transfer by blind index too, so that a fund trace can be
-- limited to accounts a warning in the caller's scope names. Filled for older rows at start.
ALTER TABLE warnings ADD COLUMN payer_idx BYTEA;
ALTER TABLE warnings ADD COLUMN payee_idx BYTEA;
CREATE INDEX warnings_payer ON warnings(payer_idx);
CREATE INDEX warnings_payee ON warnings(payee_idx);
-- Scope filters compare paths as ranges ('/1/5/' <= path < '/1/50'); only byte order makes
-- that a subtree. A database created with a linguistic collation (ICU's ignore-punctuation
-- ones order '/15/' beside '/1/5/') would let one area read another's rows.
ALTER TABLE cases ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE reports ALTER COLUMN scope_path TYPE TEXT COLLATE "C";
ALTER TABLE outreach_activities ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE signed_forms ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE coverage_figures ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE key_persons ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE notifications ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
ALTER TABLE warning_tallies ALTER COLUMN jurisdiction_path TYPE TEXT COLLATE "C";
