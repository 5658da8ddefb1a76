-- Warnings per area, all and still open, kept in the transactions that insert and close
-- warnings: an inbox's total is a sum over a few areas, not a count over every warning.
CREATE TABLE warning_tallies (
    jurisdiction_path TEXT PRIMARY KEY,
    total_count BIGINT NOT NULL,
    open_count BIGINT NOT NULL
);
INSERT INTO warning_tallies (jurisdiction_path, total_count, open_count)
    SELECT jurisdiction_path, COUNT(*), COUNT(CASE WHEN status <> 'closed' THEN 1 END) FROM warnings GROUP BY jurisdiction_path;
