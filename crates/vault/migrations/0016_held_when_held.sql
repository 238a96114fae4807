-- A held session is dated when it was held: the start of its clock, or the moment it was marked
-- held when that came before its planned time (its month follows, in the app, the exports and the
-- sync). The planned time it replaced is kept in `scheduled_at` so that taking the session back
-- to planned (undo) restores it; `clock_first_started_at` is when its clock first ran, on the
-- vault's calendar like `planned_at` (`clock_started_at` is the current run's UTC instant).
ALTER TABLE sessions ADD COLUMN scheduled_at TEXT;
ALTER TABLE sessions ADD COLUMN clock_first_started_at TEXT;
