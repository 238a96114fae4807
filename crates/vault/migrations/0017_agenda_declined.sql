-- A carried agenda item the manager removed from a session: carry-over does not bring it back
-- into that session (removing it there used to recreate it on the next opening). Undo deletes
-- the row as it puts the copy back.
CREATE TABLE agenda_declined (
    session_id    INTEGER NOT NULL REFERENCES sessions (id),
    carried_from  INTEGER NOT NULL,
    PRIMARY KEY (session_id, carried_from)
) WITHOUT ROWID;
