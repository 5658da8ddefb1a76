-- Suspects arrested (抓获人数) in a case: the first of the "four ups" (抓获、破案、破案率、挽损).
ALTER TABLE cases ADD COLUMN arrested INTEGER NOT NULL DEFAULT 0;
