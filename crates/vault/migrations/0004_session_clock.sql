-- The clock of a session in progress lives in the vault, so that it survives navigating away,
-- locking and restarting the app: seconds already run, and since when it is running (UTC instant),
-- NULL while paused or stopped. Closing a session (held, skipped, cancelled) stops its clock.
ALTER TABLE sessions ADD COLUMN clock_seconds INTEGER NOT NULL DEFAULT 0 CHECK (clock_seconds >= 0);
ALTER TABLE sessions ADD COLUMN clock_started_at TEXT;
