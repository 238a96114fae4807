-- Org viewers read a month only once it is released (figures::last_released_month): a copy of
-- its records taken once, at the first read after its release, so that a figure an org viewer
-- has seen never moves because one pair's record arrived later (docs/SECURITY.md, "Differencing
-- over time"). A withdrawal removes its records from the copy too and moves the month's
-- generation, after which a kept view of the copy is rebuilt.
CREATE TABLE released_months (
    month BIGINT PRIMARY KEY, released_at BIGINT NOT NULL, generation BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE released_completions (
    month BIGINT NOT NULL, manager_id TEXT NOT NULL, member_id TEXT NOT NULL, relationship TEXT NOT NULL,
    sessions_held BIGINT NOT NULL, minutes BIGINT NOT NULL,
    PRIMARY KEY (month, manager_id, member_id)
);
