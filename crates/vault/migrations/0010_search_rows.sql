-- A search walks its matches newest first and ranks them a window at a time (search.rs): ranking
-- every match of a common word at once cost over 100 ms at 100,000 notes. So an entry's place in
-- the index is the order it was written in: `search_rows` numbers each entry (`seq`, a new number
-- each time it is written again) and says what it belongs to; the index's rowid is `seq * 4 +
-- kind` (kind 1 a note, 2 an agenda item, 3 an action item, 0 a career note), so a search
-- narrowed to one kind filters without a lookup. Entries already indexed are numbered by the time
-- of what they belong to. The copy below lives in the encrypted file, never in a temporary one.
CREATE TABLE search_rows (
    seq  INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    id   INTEGER NOT NULL,
    UNIQUE (kind, id)
);

CREATE TABLE search_rekey AS
SELECT o.rowid % 4 AS kind,
       o.rowid / 4 AS id,
       o.body AS body,
       COALESCE(CASE o.rowid % 4
           WHEN 1 THEN (SELECT planned_at FROM sessions WHERE id = o.rowid / 4)
           WHEN 2 THEN (SELECT s.planned_at FROM agenda_items a JOIN sessions s ON s.id = a.session_id
                        WHERE a.id = o.rowid / 4)
           WHEN 3 THEN (SELECT created_at FROM action_items WHERE id = o.rowid / 4)
           ELSE (SELECT updated_at FROM career_notes WHERE person_id = o.rowid / 4)
       END, '') AS at
FROM search_index o;

INSERT INTO search_rows (kind, id) SELECT kind, id FROM search_rekey ORDER BY at, kind, id;
DELETE FROM search_index;
INSERT INTO search_index (rowid, body)
SELECT r.seq * 4 + r.kind, k.body FROM search_rekey k JOIN search_rows r ON r.kind = k.kind AND r.id = k.id;
DROP TABLE search_rekey;
