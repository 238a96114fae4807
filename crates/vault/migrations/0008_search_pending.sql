-- An autosave writes the note and this one small row, not the note's search entries: rewriting
-- those (a new index segment, its merges) made a keystroke's durable commit several times larger.
-- The entries are brought up to date between saves (`Vault::index_pending`, which the app runs in
-- the background) and always before a search answers, so a search never misses a saved note.
CREATE TABLE search_pending (session_id INTEGER PRIMARY KEY);
