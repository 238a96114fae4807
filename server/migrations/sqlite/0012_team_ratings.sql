-- The manager's own team's すっきり度, kept as running sums per (manager, month): how many of
-- their members rated, the sum of the scores given and how many gave one. Never a row per
-- rating, and nothing here names a member; the app shows the average only for k raters or more,
-- once the month's ratings are final (figures::team_clarity).
CREATE TABLE team_ratings (
    manager_id TEXT NOT NULL, month BIGINT NOT NULL,
    raters BIGINT NOT NULL DEFAULT 0, clarity_sum BIGINT NOT NULL DEFAULT 0, clarity_n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (manager_id, month)
);
