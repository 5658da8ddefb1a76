-- The kind of each logged event, so that fraud-list changes and account openings, which stay
-- true for longer than any window, are replayed after a restart however old they are.
ALTER TABLE engine_events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE INDEX engine_events_kind ON engine_events(kind, seq);
