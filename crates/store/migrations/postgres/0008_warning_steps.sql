-- The handling of a warning, step by step (签收, contact, face to face, close), each with its
-- time and who took it; the warning row keeps the current state and its outcome.
ALTER TABLE warnings ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE warnings ADD COLUMN state_at BIGINT;
CREATE TABLE warning_steps (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warning_id BIGINT NOT NULL REFERENCES warnings(id),
    step TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX warning_steps_warning ON warning_steps(warning_id, id);
