-- HR's figures of a month are computed from that month's records and directory. The server keeps
-- them in memory between requests and rebuilds a month only when its generation has moved: every
-- write that changes what a month shows (records in, records withdrawn, a device enrolled) bumps
-- that month's row in the same transaction; a directory import bumps month -1, which every month
-- depends on.
CREATE TABLE report_generations (
    month BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);
