-- The member channel on the manager's side (docs/SECURITY.md, "The member channel"): per person,
-- the pair's keys (the private key only ever inside this encrypted file), where the pairing
-- stands, and the numbers of the messages each way; what the member sent (topics, requests for a
-- 1on1, items they ticked); and the messages waiting to go to them.
CREATE TABLE member_pairings (
    person_id      INTEGER PRIMARY KEY REFERENCES people (id),
    -- 'waiting': a code is shown; 'confirm': the member used it, the safety codes are to be
    -- compared; 'paired': the manager confirmed they match.
    state          TEXT NOT NULL CHECK (state IN ('waiting', 'confirm', 'paired')),
    secret_key     BLOB CHECK (secret_key IS NULL OR length(secret_key) = 32),
    public_key     BLOB CHECK (public_key IS NULL OR length(public_key) = 32),
    member_key     BLOB CHECK (member_key IS NULL OR length(member_key) = 32),
    -- A new pairing's key and code, until the member uses the code (the old pairing, if any,
    -- keeps working until then).
    pending_secret BLOB CHECK (pending_secret IS NULL OR length(pending_secret) = 32),
    pending_public BLOB CHECK (pending_public IS NULL OR length(pending_public) = 32),
    code           TEXT,
    code_expires_at TEXT,
    since          TEXT,
    confirmed_at   TEXT,
    next_out       INTEGER NOT NULL DEFAULT 0,
    next_in        INTEGER NOT NULL DEFAULT 0,
    refused        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE member_topics (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES people (id),
    topic_id       TEXT NOT NULL,
    text           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('work', 'career', 'health', 'relationships', 'private', 'feedback', 'other')),
    wants          TEXT NOT NULL CHECK (wants IN ('listen', 'advise', 'decide', 'think', 'share')),
    state          TEXT NOT NULL CHECK (state IN ('new', 'taken', 'withdrawn')),
    received_at    TEXT NOT NULL,
    UNIQUE (person_id, topic_id)
);

-- An agenda item taken from a member's topic (carried copies keep the mark).
ALTER TABLE agenda_items ADD COLUMN member_topic_id INTEGER REFERENCES member_topics (id);

CREATE TABLE member_requests (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES people (id),
    note           TEXT,
    received_at    TEXT NOT NULL,
    dismissed_at   TEXT
);

-- Who last marked an action item done: the manager, or the member from their page.
ALTER TABLE action_items ADD COLUMN done_by TEXT CHECK (done_by IN ('manager', 'member'));

-- Messages to members, in the order they were written, until the server has them; sealed when
-- sent (the body is the plaintext, inside this encrypted file only).
CREATE TABLE member_outbox (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES people (id),
    body           TEXT NOT NULL,
    queued_at      TEXT NOT NULL
);

-- Summaries sent to the member, by session.
CREATE TABLE member_summaries (
    session_id     INTEGER PRIMARY KEY REFERENCES sessions (id),
    sent_at        TEXT NOT NULL
);
