-- A screenshot a resident attaches to a clue (the message, the page), encrypted.
ALTER TABLE clues ADD COLUMN screenshot_enc BLOB;
ALTER TABLE clues ADD COLUMN screenshot_mime TEXT NOT NULL DEFAULT '';
