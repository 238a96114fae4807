-- Home's strip shows twelve months of each person's figures, which need only how many sessions
-- were held in the month and their minutes. Counting them read one index entry per held session
-- (about 15 a month a person in the 100,000-note benchmark vault); the database now keeps the
-- count and the minutes per person and month on write, whatever writes a session.
CREATE TABLE held_months (
    month      TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    held       INTEGER NOT NULL CHECK (held >= 0),
    minutes    INTEGER NOT NULL CHECK (minutes >= 0),
    PRIMARY KEY (month, person_id)
) WITHOUT ROWID;
-- The month is the session's local date's ('YYYY-MM' of planned_at), as everywhere else.
INSERT INTO held_months (month, person_id, held, minutes)
    SELECT substr(planned_at, 1, 7), person_id, count(*), coalesce(sum(held_minutes), 0)
    FROM sessions WHERE state = 'held' GROUP BY 1, 2;

CREATE TRIGGER held_counted AFTER INSERT ON sessions WHEN NEW.state = 'held' BEGIN
    INSERT OR IGNORE INTO held_months VALUES (substr(NEW.planned_at, 1, 7), NEW.person_id, 0, 0);
    UPDATE held_months SET held = held + 1, minutes = minutes + coalesce(NEW.held_minutes, 0)
        WHERE month = substr(NEW.planned_at, 1, 7) AND person_id = NEW.person_id;
END;
CREATE TRIGGER held_uncounted AFTER DELETE ON sessions WHEN OLD.state = 'held' BEGIN
    UPDATE held_months SET held = held - 1, minutes = minutes - coalesce(OLD.held_minutes, 0)
        WHERE month = substr(OLD.planned_at, 1, 7) AND person_id = OLD.person_id;
END;
CREATE TRIGGER held_recounted AFTER UPDATE OF state, held_minutes, planned_at, person_id ON sessions
    WHEN OLD.state = 'held' OR NEW.state = 'held' BEGIN
    UPDATE held_months SET held = held - 1, minutes = minutes - coalesce(OLD.held_minutes, 0)
        WHERE OLD.state = 'held' AND month = substr(OLD.planned_at, 1, 7) AND person_id = OLD.person_id;
    INSERT OR IGNORE INTO held_months
        SELECT substr(NEW.planned_at, 1, 7), NEW.person_id, 0, 0 WHERE NEW.state = 'held';
    UPDATE held_months SET held = held + 1, minutes = minutes + coalesce(NEW.held_minutes, 0)
        WHERE NEW.state = 'held' AND month = substr(NEW.planned_at, 1, 7) AND person_id = NEW.person_id;
END;
