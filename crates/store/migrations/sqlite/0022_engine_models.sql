-- Versions of the engine's learned model, like the rulesets' history: who trained it, on which
-- periods, with which figures, and the model itself. The one in force is named in meta
-- (engine_model). Every warning records the model version it was decided with ('' for none).
CREATE TABLE engine_models (
    version TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    period_from INTEGER NOT NULL,
    test_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    figures TEXT NOT NULL
);
ALTER TABLE warnings ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
