CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE org_units (
    org_unit_id TEXT NOT NULL, name TEXT NOT NULL, parent_id TEXT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX org_units_by_id ON org_units (org_unit_id, valid_from);
CREATE TABLE employees (
    employee_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, org_unit_id TEXT NOT NULL, manager_id TEXT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX employees_by_id ON employees (employee_id, valid_from);
CREATE INDEX employees_by_manager ON employees (manager_id, valid_from);
CREATE TABLE admins (email TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE admin_tokens (
    token_hash TEXT PRIMARY KEY, email TEXT NOT NULL REFERENCES admins (email), created_at BIGINT NOT NULL, revoked_at BIGINT
);
CREATE TABLE enrol_codes (
    code_hash TEXT PRIMARY KEY, employee_id TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT
);
CREATE TABLE devices (
    token_hash TEXT PRIMARY KEY, employee_id TEXT NOT NULL, device_name TEXT NOT NULL,
    created_at BIGINT NOT NULL, revoked_at BIGINT
);
CREATE TABLE completions (
    manager_id TEXT NOT NULL, member_id TEXT NOT NULL, month BIGINT NOT NULL, relationship TEXT NOT NULL,
    sessions_held BIGINT NOT NULL, minutes BIGINT NOT NULL, revision BIGINT NOT NULL, received_at BIGINT NOT NULL,
    PRIMARY KEY (manager_id, member_id, month)
);
CREATE INDEX completions_by_month ON completions (month);
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL
);
