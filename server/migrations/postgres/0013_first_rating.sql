-- A month's first rating from a pair, in one round trip (store::channel::rate; SQLite runs the
-- same steps in the server, one writer at a time). Returns 1 when it stored the rating, 0 when
-- it stored nothing: the member is not in the directory for the month, the token is not new, or
-- the pair has rated the month (the server's steps then say which).
--
-- PostgreSQL stores rows where they land, in arrival order, so the unit's month of ratings is
-- written again in token order. One unit's month is rewritten by one rating at a time (an
-- advisory lock held to the commit), and the rewrite is its own statement, whose snapshot,
-- taken after the lock, holds every rating committed before: two ratings that arrive together
-- cannot leave the later one after the others.
CREATE FUNCTION first_rating(p_token TEXT, p_manager TEXT, p_member TEXT, p_month BIGINT,
                             p_clarity BIGINT, p_talked TEXT, p_day BIGINT) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    unit TEXT;
BEGIN
    SELECT org_unit_id INTO unit FROM employees WHERE employee_id = p_member
        AND valid_from <= p_month AND (valid_to IS NULL OR valid_to >= p_month) LIMIT 1;
    IF unit IS NULL OR EXISTS (SELECT 1 FROM ratings WHERE token_hash = p_token) THEN
        RETURN 0;
    END IF;
    INSERT INTO rating_marks (manager_id, member_id, month) VALUES (p_manager, p_member, p_month)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(unit), CAST(p_month AS INTEGER));
    WITH moved AS (
        DELETE FROM ratings WHERE month = p_month AND org_unit_id = unit
        RETURNING token_hash, org_unit_id, month, clarity, talked, given_day)
    INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day)
    SELECT * FROM (
        SELECT * FROM moved
        UNION ALL
        SELECT p_token, unit, p_month, p_clarity, p_talked, p_day
    ) AS unit_month ORDER BY token_hash;
    INSERT INTO team_ratings (manager_id, month, raters, clarity_sum, clarity_n)
    VALUES (p_manager, p_month, 1, COALESCE(p_clarity, 0), CASE WHEN p_clarity IS NULL THEN 0 ELSE 1 END)
    ON CONFLICT (manager_id, month) DO UPDATE SET raters = team_ratings.raters + 1,
        clarity_sum = team_ratings.clarity_sum + excluded.clarity_sum,
        clarity_n = team_ratings.clarity_n + excluded.clarity_n;
    RETURN 1;
END
$$;
