-- Prevention (宣传防范): outreach activities with evidence files, receipts and pledges of
-- households, responsibility letters of units, figures units submit for verification,
-- key-person files, duties and tasks (one task model for duties and rectification), the dual
-- inquiry of cases, and the industry governance of bank outlets and operator shops.
CREATE TABLE outreach_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    head_count INTEGER NOT NULL CHECK (head_count >= 0),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outreach_activities_unit ON outreach_activities(unit_id, held_on);
CREATE INDEX outreach_activities_path ON outreach_activities(jurisdiction_path, held_on);

-- Evidence of an activity (photos, recordings, scanned sign-in sheets): encrypted, since
-- they show people.
CREATE TABLE outreach_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES outreach_activities(id),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data_enc BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX outreach_files_activity ON outreach_files(activity_id);

-- Receipts (回执) and pledges (承诺书): minimal personal data, a household code and at most a
-- reference to the resident who signed.
CREATE TABLE signed_forms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    household_code TEXT NOT NULL,
    resident_id INTEGER REFERENCES residents(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    activity_id INTEGER REFERENCES outreach_activities(id),
    signed_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX signed_forms_household ON signed_forms(household_code, signed_on);
CREATE INDEX signed_forms_resident ON signed_forms(resident_id);
CREATE INDEX signed_forms_path ON signed_forms(jurisdiction_path, signed_on);
CREATE INDEX signed_forms_unit ON signed_forms(unit_id, signed_on);
CREATE INDEX residents_household ON residents(household_code);

CREATE TABLE responsibility_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    year INTEGER NOT NULL,
    signed_on TEXT NOT NULL,
    signatory TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (unit_id, year)
);

-- Figures a unit submits (app installs, SMS reach, awareness) for an area and month, with
-- the evidence described; counted only once verified.
CREATE TABLE coverage_figures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    metric TEXT NOT NULL,
    period TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value >= 0),
    base INTEGER CHECK (base IS NULL OR base >= 0),
    evidence TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at INTEGER,
    review_note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX coverage_figures_area ON coverage_figures(jurisdiction_path, metric, period);
CREATE INDEX coverage_figures_unit ON coverage_figures(unit_id, period);

CREATE TABLE key_persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    categories TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    deciding_authority TEXT NOT NULL,
    risk_score INTEGER,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    abroad INTEGER NOT NULL DEFAULT 0,
    abroad_place TEXT NOT NULL DEFAULT '',
    visit_every_days INTEGER NOT NULL,
    opened_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX key_persons_path ON key_persons(jurisdiction_path);
CREATE INDEX key_persons_resident ON key_persons(resident_id);

CREATE TABLE key_person_measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_person_id INTEGER NOT NULL REFERENCES key_persons(id),
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    appeal_channel TEXT NOT NULL,
    documents TEXT NOT NULL,
    lifted_on TEXT,
    lifted_by TEXT NOT NULL DEFAULT '',
    lifted_reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX key_person_measures_person ON key_person_measures(key_person_id);

CREATE TABLE key_person_appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    measure_id INTEGER NOT NULL REFERENCES key_person_measures(id),
    filed_on TEXT NOT NULL,
    grounds TEXT NOT NULL,
    passed INTEGER NOT NULL,
    checked_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL
);

CREATE TABLE key_person_carers (
    key_person_id INTEGER NOT NULL REFERENCES key_persons(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    phone_enc BLOB,
    PRIMARY KEY (key_person_id, role)
);
CREATE INDEX key_person_carers_user ON key_person_carers(user_id);

CREATE TABLE key_person_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_person_id INTEGER NOT NULL REFERENCES key_persons(id),
    kind TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    by_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX key_person_visits_person ON key_person_visits(key_person_id, visited_on);

CREATE TABLE key_person_transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_person_id INTEGER NOT NULL REFERENCES key_persons(id),
    from_unit_id INTEGER NOT NULL REFERENCES member_units(id),
    to_unit_id INTEGER NOT NULL REFERENCES member_units(id),
    from_jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    to_jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions(id),
    reason TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);

-- Duties of a work plan version, per unit.
CREATE TABLE duties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_version TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    every_months INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (plan_version, unit_id, title)
);

-- One task model: duties' tasks and every rectification item. `source_ref` names what raised
-- it (a duty and month, a case, a village's naming, an outlet), so raising it twice is a no-op.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES member_units(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    source_ref TEXT NOT NULL UNIQUE,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    evidence TEXT NOT NULL DEFAULT '',
    closed_by TEXT NOT NULL DEFAULT '',
    closed_at INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX tasks_unit ON tasks(unit_id, status, due_on);

-- The dual inquiry (一案双查) of a case: what the platform found, the checker's answer, and
-- the rectification raised on a "no".
CREATE TABLE dual_inquiries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    sampled_at INTEGER NOT NULL,
    forms_found INTEGER NOT NULL,
    found_detail TEXT NOT NULL,
    answer TEXT,
    checked_by TEXT NOT NULL DEFAULT '',
    checked_at INTEGER,
    note TEXT NOT NULL DEFAULT '',
    responsible_unit_id INTEGER REFERENCES member_units(id),
    task_id INTEGER REFERENCES tasks(id)
);

-- Cards and accounts opened at an outlet (bank branch, operator shop), reported by the outlet;
-- numbers encrypted and found by blind index.
CREATE TABLE outlet_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outlet_unit_id INTEGER NOT NULL REFERENCES member_units(id),
    kind TEXT NOT NULL,
    number_enc BLOB NOT NULL,
    number_idx BLOB NOT NULL,
    opened_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, number_idx)
);
CREATE INDEX outlet_accounts_outlet ON outlet_accounts(outlet_unit_id);

CREATE TABLE outlet_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outlet_unit_id INTEGER NOT NULL REFERENCES member_units(id),
    checked_on TEXT NOT NULL,
    checker TEXT NOT NULL,
    passed INTEGER NOT NULL,
    findings TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX outlet_checks_outlet ON outlet_checks(outlet_unit_id, checked_on);
