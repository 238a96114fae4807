-- HR's figures of a month are computed from that month's records and directory. The server keeps
-- them in memory between requests and rebuilds a month only when its generation has moved: every
-- write that changes what a month shows (records in, records withdrawn, a device enrolled) bumps
-- that month's row in the same transaction; a directory import bumps month -1, which every month
-- depends on.
CREATE TABLE report_generations (
    month BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);

-- A month's records are read whole when its view is rebuilt: an index holding every column that
-- read needs answers it without visiting the table (one sequential range instead of a lookup a row).
DROP INDEX completions_by_month;
CREATE INDEX completions_by_month ON completions (month, member_id, manager_id, relationship, sessions_held, minutes);
