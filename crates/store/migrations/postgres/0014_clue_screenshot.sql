-- A screenshot a resident attaches to a clue (the message, the page), encrypted.
ALTER TABLE clues ADD COLUMN screenshot_enc BYTEA;
ALTER TABLE clues ADD COLUMN screenshot_mime TEXT NOT NULL DEFAULT '';
