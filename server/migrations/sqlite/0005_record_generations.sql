-- A kept month view (store::report::ReportCache) catches up on the records written since it was
-- built instead of reading the whole month again: each record carries the generation of its
-- month that wrote it, and `full_generation` is the generation of the month's last change that
-- records cannot express (a withdrawal deletes records; an enrolment or a revocation changes who
-- counts as enrolled), after which a kept view is rebuilt. The month index now leads to the
-- records of a month written after a generation.
ALTER TABLE completions ADD COLUMN written_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_generations ADD COLUMN full_generation BIGINT NOT NULL DEFAULT 0;
DROP INDEX completions_by_month;
CREATE INDEX completions_by_month ON completions (month, written_generation);
