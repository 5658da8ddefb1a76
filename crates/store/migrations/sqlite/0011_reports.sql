-- Reports (排名通报 / 半月分析研判 / 工作简报): the generated content is a snapshot with its data
-- cut-off and rule versions; draft → approved → published; a published report never changes
-- (a correction is a new version that points at the one it corrects). The area is a
-- jurisdiction, or a police station's precinct (station_id > 0, scope_path its seat).
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    scope_jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    scope_path TEXT NOT NULL,
    station_id INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    corrects_id INTEGER REFERENCES reports(id),
    status TEXT NOT NULL DEFAULT 'draft',
    cutoff_ms INTEGER NOT NULL,
    rule_versions TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at INTEGER,
    published_by TEXT NOT NULL DEFAULT '',
    published_at INTEGER,
    UNIQUE (kind, period, scope_path, station_id, version)
);
CREATE INDEX reports_scope ON reports(scope_path, id);
CREATE TRIGGER reports_published_never_change BEFORE UPDATE ON reports WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'a published report never changes; publish a correction'); END;
CREATE TRIGGER reports_published_never_deleted BEFORE DELETE ON reports WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'a published report is never deleted'); END;
