-- A career note per person (aspirations, strengths, paths discussed), searchable (index kind 0,
-- rowid = person id * 4), and a backlog of topics to raise next time, which moves onto the
-- person's next planned session when that session is opened.

CREATE TABLE career_notes (
    person_id   INTEGER PRIMARY KEY REFERENCES people (id),
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE backlog_items (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
    kind        TEXT NOT NULL DEFAULT 'work'
                CHECK (kind IN ('work', 'career', 'health', 'relationships', 'private', 'feedback', 'other')),
    wants       TEXT CHECK (wants IN ('listen', 'advise', 'decide', 'think', 'share')),
    created_at  TEXT NOT NULL
);
CREATE INDEX backlog_by_person ON backlog_items (person_id);
