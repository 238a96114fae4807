-- A person's page says how many 1on1s lie further back ("Show earlier (N)"). Counting them read
-- every one of the person's entries in sessions_by_person (1,825 in the 100,000-note vault), so
-- the count is kept on write, by the database itself, whatever writes a session.
CREATE TABLE session_counts (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    sessions   INTEGER NOT NULL CHECK (sessions >= 0)
);
INSERT INTO session_counts (person_id, sessions) SELECT person_id, count(*) FROM sessions GROUP BY person_id;

CREATE TRIGGER session_counted AFTER INSERT ON sessions BEGIN
    INSERT OR IGNORE INTO session_counts (person_id, sessions) VALUES (NEW.person_id, 0);
    UPDATE session_counts SET sessions = sessions + 1 WHERE person_id = NEW.person_id;
END;
CREATE TRIGGER session_uncounted AFTER DELETE ON sessions BEGIN
    UPDATE session_counts SET sessions = sessions - 1 WHERE person_id = OLD.person_id;
END;
CREATE TRIGGER session_moved AFTER UPDATE OF person_id ON sessions WHEN OLD.person_id IS NOT NEW.person_id BEGIN
    UPDATE session_counts SET sessions = sessions - 1 WHERE person_id = OLD.person_id;
    INSERT OR IGNORE INTO session_counts (person_id, sessions) VALUES (NEW.person_id, 0);
    UPDATE session_counts SET sessions = sessions + 1 WHERE person_id = NEW.person_id;
END;

-- Action items: the open ones by due date (Home asks for those due within a week; a person's page
-- and a session for a person's open ones), the done ones by the day they were done (a person's
-- page, most recent first). Both read every action item of every year before.
CREATE INDEX actions_open ON action_items (person_id, due_date) WHERE done_date IS NULL;
CREATE INDEX actions_open_due ON action_items (due_date) WHERE done_date IS NULL;
CREATE INDEX actions_done ON action_items (person_id, done_date) WHERE done_date IS NOT NULL;
