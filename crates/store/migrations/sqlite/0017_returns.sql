-- Returns of frozen money (资金返还): approved at city level or above, traced or pro rata,
-- announced for 30 days, then paid by the bank within 3 working days (dates computed with the
-- working-day calendar, stored with the request).
ALTER TABLE bank_requests ADD COLUMN return_method TEXT NOT NULL DEFAULT '';
ALTER TABLE bank_requests ADD COLUMN approval_authority TEXT NOT NULL DEFAULT '';
ALTER TABLE bank_requests ADD COLUMN approval_level TEXT NOT NULL DEFAULT '';
ALTER TABLE bank_requests ADD COLUMN approval_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE bank_requests ADD COLUMN notice_ends_on TEXT;
ALTER TABLE bank_requests ADD COLUMN due_on TEXT;
