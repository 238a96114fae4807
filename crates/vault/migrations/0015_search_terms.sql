-- The index's Latin words, as FTS5 holds them (lowercase, accents removed), so that a word typed
-- as a prefix (`road` while typing `roadmap`) can be looked for as the few whole words it stands
-- for: FTS5 answers a prefix by first gathering every match of every word it covers (37,000 for a
-- common word in the 100,000-note benchmark vault), whole words it reads newest first and stops.
-- Terms are added as entries are indexed and never removed: one no entry holds any more matches
-- nothing. This fills it from the existing index, once.
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE temp.search_index_terms USING fts5vocab(main, search_index, 'row');
INSERT INTO search_terms (term) SELECT term FROM temp.search_index_terms WHERE term >= '0' AND term < '{';
DROP TABLE temp.search_index_terms;
