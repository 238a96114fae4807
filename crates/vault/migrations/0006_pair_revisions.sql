-- Each (employee id, month) pair counts its own revisions. Before, one vault-wide counter numbered
-- every change, which showed the server the order of events across members. Pairs waiting in the
-- outbox keep the revision they have; the old counter stays as the floor for pairs changed later.
CREATE TABLE revisions (
    employee_id  TEXT NOT NULL,
    month        TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    PRIMARY KEY (employee_id, month)
);
INSERT INTO revisions (employee_id, month, revision) SELECT employee_id, month, revision FROM outbox;
