-- An account's role is hr_admin or org_viewer (with its unit), and nothing else: a row written
-- with any other role (by hand, by a future bug) is refused rather than read as hr_admin. SQLite
-- cannot add a CHECK to a table others reference, so two triggers hold the same rule. Rows that
-- break it already are disabled and scoped to no unit.
UPDATE admins SET role = 'org_viewer', org_unit_id = COALESCE(org_unit_id, ''),
    disabled_at = COALESCE(disabled_at, 0)
    WHERE role NOT IN ('hr_admin', 'org_viewer') OR (role = 'org_viewer' AND org_unit_id IS NULL);
CREATE TRIGGER admins_role_insert BEFORE INSERT ON admins
    WHEN NEW.role NOT IN ('hr_admin', 'org_viewer') OR (NEW.role = 'org_viewer' AND NEW.org_unit_id IS NULL)
    BEGIN SELECT RAISE(ABORT, 'an account''s role is hr_admin or org_viewer with its unit'); END;
CREATE TRIGGER admins_role_update BEFORE UPDATE OF role, org_unit_id ON admins
    WHEN NEW.role NOT IN ('hr_admin', 'org_viewer') OR (NEW.role = 'org_viewer' AND NEW.org_unit_id IS NULL)
    BEGIN SELECT RAISE(ABORT, 'an account''s role is hr_admin or org_viewer with its unit'); END;
