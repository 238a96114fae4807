-- An account's role is hr_admin or org_viewer (with its unit), and nothing else: a row written
-- with any other role (by hand, by a future bug) is refused rather than read as hr_admin. Rows
-- that break it already are disabled and scoped to no unit.
UPDATE admins SET role = 'org_viewer', org_unit_id = COALESCE(org_unit_id, ''),
    disabled_at = COALESCE(disabled_at, 0)
    WHERE role NOT IN ('hr_admin', 'org_viewer') OR (role = 'org_viewer' AND org_unit_id IS NULL);
ALTER TABLE admins ADD CONSTRAINT admins_role
    CHECK (role IN ('hr_admin', 'org_viewer') AND (role <> 'org_viewer' OR org_unit_id IS NOT NULL));
