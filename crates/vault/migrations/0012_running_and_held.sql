-- Every screen asks which session's clock is running; without an index that read every session of
-- every year (59 ms in the 100,000-note vault). At most a few clocks run at a time: this index
-- holds only them.
CREATE INDEX sessions_running ON sessions (clock_started_at) WHERE clock_started_at IS NOT NULL;

-- A month's figures need each person's held sessions: how many in the month, their minutes, and
-- the last one before a day (`MonthFacts`). This index answers that without reading the sessions
-- themselves (`state` is in it so that SQLite reads nothing else).
CREATE INDEX sessions_held ON sessions (person_id, planned_at, held_minutes, state) WHERE state = 'held';
