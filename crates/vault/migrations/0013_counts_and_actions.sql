-- What Home and a person's page need of a person's sessions whatever their number, kept on write
-- by the database itself, whatever writes a session: how many there are ("Show earlier (N)"),
-- the first one's time (a person without a start date counts from it) and the last held one's
-- (the rhythm counts from it). Counting read every one of the person's index entries (1,825 in
-- the 100,000-note benchmark vault), and the two dates an index page a person each.
CREATE TABLE person_sessions (
    person_id     INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    sessions      INTEGER NOT NULL CHECK (sessions >= 0),
    first_at      TEXT,
    last_held_at  TEXT
);
INSERT INTO person_sessions (person_id, sessions, first_at, last_held_at)
    SELECT person_id, count(*), min(planned_at), max(CASE WHEN state = 'held' THEN planned_at END)
    FROM sessions GROUP BY person_id;

-- The dates are looked up again in the indexes (sessions_by_person, sessions_held): a deleted or
-- moved session may have been the first or the last held one.
CREATE TRIGGER person_session_added AFTER INSERT ON sessions BEGIN
    INSERT OR IGNORE INTO person_sessions (person_id, sessions) VALUES (NEW.person_id, 0);
    UPDATE person_sessions SET sessions = sessions + 1,
        first_at = (SELECT min(planned_at) FROM sessions WHERE person_id = NEW.person_id),
        last_held_at = (SELECT max(planned_at) FROM sessions WHERE person_id = NEW.person_id AND state = 'held')
        WHERE person_id = NEW.person_id;
END;
CREATE TRIGGER person_session_deleted AFTER DELETE ON sessions BEGIN
    UPDATE person_sessions SET sessions = sessions - 1,
        first_at = (SELECT min(planned_at) FROM sessions WHERE person_id = OLD.person_id),
        last_held_at = (SELECT max(planned_at) FROM sessions WHERE person_id = OLD.person_id AND state = 'held')
        WHERE person_id = OLD.person_id;
END;
CREATE TRIGGER person_session_changed AFTER UPDATE OF person_id, planned_at, state ON sessions BEGIN
    INSERT OR IGNORE INTO person_sessions (person_id, sessions) VALUES (NEW.person_id, 0);
    UPDATE person_sessions SET sessions = sessions - (OLD.person_id IS NOT NEW.person_id),
        first_at = (SELECT min(planned_at) FROM sessions WHERE person_id = OLD.person_id),
        last_held_at = (SELECT max(planned_at) FROM sessions WHERE person_id = OLD.person_id AND state = 'held')
        WHERE person_id = OLD.person_id;
    UPDATE person_sessions SET sessions = sessions + (OLD.person_id IS NOT NEW.person_id),
        first_at = (SELECT min(planned_at) FROM sessions WHERE person_id = NEW.person_id),
        last_held_at = (SELECT max(planned_at) FROM sessions WHERE person_id = NEW.person_id AND state = 'held')
        WHERE person_id = NEW.person_id;
END;

-- Action items: the open ones by due date (Home asks for those due within a week; a person's page
-- and a session for a person's open ones), the done ones by the day they were done (a person's
-- page, most recent first). Both read every action item of every year before.
CREATE INDEX actions_open ON action_items (person_id, due_date) WHERE done_date IS NULL;
CREATE INDEX actions_open_due ON action_items (due_date) WHERE done_date IS NULL;
CREATE INDEX actions_done ON action_items (person_id, done_date) WHERE done_date IS NOT NULL;
