-- Reports (排名通报 / 半月分析研判 / 工作简报): the generated content is a snapshot with its data
-- cut-off and rule versions; draft → approved → published; a published report never changes
-- (a correction is a new version that points at the one it corrects). The area is a
-- jurisdiction, or a police station's precinct (station_id > 0, scope_path its seat).
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    scope_jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    scope_path TEXT NOT NULL,
    station_id BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    corrects_id BIGINT REFERENCES reports(id),
    status TEXT NOT NULL DEFAULT 'draft',
    cutoff_ms BIGINT NOT NULL,
    rule_versions TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at BIGINT,
    published_by TEXT NOT NULL DEFAULT '',
    published_at BIGINT,
    UNIQUE (kind, period, scope_path, station_id, version)
);
CREATE INDEX reports_scope ON reports(scope_path, id);
CREATE FUNCTION reports_published_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'a published report never changes; publish a correction';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_published_frozen BEFORE UPDATE OR DELETE ON reports FOR EACH ROW EXECUTE FUNCTION reports_published_frozen();
