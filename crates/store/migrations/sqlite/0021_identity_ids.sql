-- One id convention on both databases (see the PostgreSQL migration of the same number): the
-- SQLite tables already have INTEGER PRIMARY KEY AUTOINCREMENT; nothing to change here.
SELECT 1;
