-- An upload kept between its preview and HR's confirmation (a survey import that replaces stored
-- scores, a directory import): the file as uploaded, for the account that uploaded it, under the
-- hash of the random token its confirmation form carries. At most one per account and kind; a
-- row is deleted when it is confirmed or cancelled, and any older than store::PENDING_SECS is
-- never used and deleted soon after (docs/SECURITY.md).
CREATE TABLE pending_imports (
    token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, kind TEXT NOT NULL,
    body TEXT NOT NULL, expected TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE INDEX pending_imports_created ON pending_imports (created_at);
