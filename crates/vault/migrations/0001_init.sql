-- Taiwa vault schema, version 1. Dates are ISO 8601 text; session times are local civil times
-- ('YYYY-MM-DDTHH:MM:SS') with the IANA time zone they were planned in.

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    relationship  TEXT NOT NULL DEFAULT 'line' CHECK (relationship IN ('line', 'cross')),
    cadence       TEXT NOT NULL DEFAULT 'monthly' CHECK (cadence IN ('weekly', 'biweekly', 'monthly')),
    employee_id   TEXT,
    email         TEXT,
    org_unit      TEXT,
    start_date    TEXT,
    end_date      TEXT,
    archived_at   TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES people (id),
    planned_at       TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    planned_minutes  INTEGER NOT NULL CHECK (planned_minutes BETWEEN 1 AND 480),
    state            TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'held', 'skipped', 'cancelled')),
    held_minutes     INTEGER CHECK (held_minutes BETWEEN 1 AND 480),
    reason           TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX sessions_by_person ON sessions (person_id, planned_at);

CREATE TABLE agenda_items (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id),
    text          TEXT NOT NULL CHECK (length(trim(text)) > 0),
    kind          TEXT NOT NULL DEFAULT 'work'
                  CHECK (kind IN ('work', 'career', 'health', 'relationships', 'private', 'feedback', 'other')),
    wants         TEXT CHECK (wants IN ('listen', 'advise', 'decide', 'think', 'share')),
    done          INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    carried_from  INTEGER REFERENCES agenda_items (id),
    created_at    TEXT NOT NULL,
    UNIQUE (session_id, carried_from)
);
CREATE INDEX agenda_by_session ON agenda_items (session_id);

CREATE TABLE notes (
    session_id  INTEGER PRIMARY KEY REFERENCES sessions (id),
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE action_items (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    session_id  INTEGER REFERENCES sessions (id),
    text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
    owner       TEXT NOT NULL DEFAULT 'manager' CHECK (owner IN ('manager', 'member')),
    due_date    TEXT,
    done_date   TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX actions_by_person ON action_items (person_id);

-- Full-text index over notes, agenda items and action items. `body` holds the text as prepared by
-- the vault's search module (NFKC, Japanese split into overlapping two-character tokens); the
-- rowid is (id * 4 + kind): 1 note (id = session id), 2 agenda item, 3 action item.
CREATE VIRTUAL TABLE search_index USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
