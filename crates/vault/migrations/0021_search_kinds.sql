-- Room in the search index for what members send (issue 23): their topics (kind 4) and the notes
-- of their requests for a 1on1 (kind 5). The index's rowid was `seq * 4 + kind` (migration 10),
-- full with four kinds; it becomes `seq * 16 + kind` (`search::KINDS`), room for sixteen. The
-- kind stays in the rowid rather than in a column of its own so that a search narrowed to one
-- kind still passes over other kinds' matches without reading their text. Every entry keeps its
-- `seq`, so the order entries were written in (migration 10) is the same. The index is made again
-- rather than emptied, so no segment of the old numbering is left in the file; the copy in
-- between lives in the encrypted file, never in a temporary one.
CREATE TABLE search_renumber AS SELECT rowid AS old, body FROM search_index;
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO search_index (rowid, body)
SELECT (old / 4) * 16 + old % 4, body FROM search_renumber ORDER BY old;
DROP TABLE search_renumber;

-- Entries whose text is in its own table but not yet in the index: the topics and request notes
-- that arrived before this migration. Their text must be prepared for the index in Rust
-- (`search::index_form`), so `Vault::index_pending` indexes them, as it does notes, and every
-- search runs it first. The words are unchanged, so `search_terms` stays as it is.
CREATE TABLE search_unindexed (
    kind INTEGER NOT NULL,
    id   INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
INSERT INTO search_unindexed (kind, id) SELECT 4, id FROM member_topics;
INSERT INTO search_unindexed (kind, id) SELECT 5, id FROM member_requests WHERE note IS NOT NULL;

-- A hit on a taken topic opens the session whose agenda took it; and deleting a person's topics
-- checks that no agenda item still points to them. Both look agenda items up by their topic.
CREATE INDEX agenda_items_member_topic ON agenda_items (member_topic_id) WHERE member_topic_id IS NOT NULL;
