-- Home reads a month's sessions thirteen times (the month and its 12-month strip): by time, through
-- this index, instead of reading every session of every person each time.
CREATE INDEX sessions_by_time ON sessions (planned_at);
