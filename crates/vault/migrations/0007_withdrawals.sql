-- Employee ids the company server's roster has named as this manager's direct reports, while this
-- vault was enrolled: a direct report's figures go only under an id on this list, so an id typed
-- by hand (a typo, or words) is never sent. Cleared when the enrolment is forgotten.
CREATE TABLE confirmed_ids (employee_id TEXT PRIMARY KEY);

-- People marked private after their figures may have been sent: the server is asked to remove
-- every record of theirs from this manager. Kept until the server confirms.
CREATE TABLE withdrawals (employee_id TEXT PRIMARY KEY);
