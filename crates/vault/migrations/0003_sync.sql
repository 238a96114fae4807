-- Sync with the company server. What leaves the laptop is, per (employee id, month), the number of
-- sessions held and their minutes; this migration keeps what is waiting to go and what was sent.

-- A person marked private is never sent.
ALTER TABLE people ADD COLUMN private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1));

-- (employee id, month) figures that changed since they were last accepted, with a rising revision.
-- `rejected` holds the server's reason when it refused the record; it is not retried until the
-- figure changes again.
CREATE TABLE outbox (
    employee_id  TEXT NOT NULL,
    month        TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    rejected     TEXT,
    PRIMARY KEY (employee_id, month)
);

-- Enrolment and sync state: server URL, device token (inside the encrypted file), device name,
-- manager, revision counter, last sync time and error.
CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- What was sent when: counts and outcomes only.
CREATE TABLE sync_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    records   INTEGER NOT NULL,
    accepted  INTEGER NOT NULL,
    stale     INTEGER NOT NULL,
    rejected  INTEGER NOT NULL,
    outcome   TEXT NOT NULL
);
