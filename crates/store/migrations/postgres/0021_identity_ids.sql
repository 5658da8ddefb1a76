-- One id convention on both databases: BIGINT GENERATED ALWAYS AS IDENTITY here, INTEGER
-- PRIMARY KEY AUTOINCREMENT on SQLite. The tables of 0015 to 0017 had BIGSERIAL (a default that
-- any insert may override); each becomes an identity column that goes on from its highest id.
DO $$
DECLARE
    t TEXT;
    next_id BIGINT;
BEGIN
    FOREACH t IN ARRAY ARRAY['outreach_activities', 'outreach_files', 'signed_forms', 'responsibility_letters',
        'coverage_figures', 'key_persons', 'key_person_measures', 'key_person_appeals', 'key_person_visits',
        'key_person_transfers', 'duties', 'tasks', 'dual_inquiries', 'outlet_accounts', 'outlet_checks',
        'notifications', 'warning_evidence', 'reports']
    LOOP
        EXECUTE format('SELECT COALESCE(MAX(id), 0) + 1 FROM %I', t) INTO next_id;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP DEFAULT', t);
        EXECUTE format('DROP SEQUENCE IF EXISTS %I', t || '_id_seq');
        EXECUTE format('ALTER TABLE %I ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH %s)', t, next_id);
    END LOOP;
END $$;
