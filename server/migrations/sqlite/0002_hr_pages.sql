-- HR accounts with roles, browser sessions, settings, surveys, the career-path catalogue,
-- expiring admin tokens and enrolment codes HR can list and cancel.
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'hr_admin';
ALTER TABLE admins ADD COLUMN org_unit_id TEXT;
ALTER TABLE admins ADD COLUMN disabled_at BIGINT;
ALTER TABLE admins ADD COLUMN lang TEXT;
ALTER TABLE admins ADD COLUMN invite_hash TEXT;
ALTER TABLE admins ADD COLUMN invite_expires BIGINT;
ALTER TABLE admin_tokens ADD COLUMN expires_at BIGINT;
UPDATE admin_tokens SET expires_at = created_at + 7776000;
ALTER TABLE enrol_codes ADD COLUMN created_at BIGINT;
ALTER TABLE enrol_codes ADD COLUMN cancelled_at BIGINT;
ALTER TABLE enrol_codes ADD COLUMN created_by TEXT;
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE survey_scores (
    org_unit_id TEXT NOT NULL, survey_month BIGINT NOT NULL, item TEXT NOT NULL, score_milli BIGINT NOT NULL,
    PRIMARY KEY (survey_month, org_unit_id, item)
);
CREATE TABLE career_paths (
    path_id TEXT PRIMARY KEY, org_unit_id TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
    skills TEXT NOT NULL, next_roles TEXT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX devices_by_employee ON devices (employee_id);
CREATE INDEX completions_by_member ON completions (member_id, month);
