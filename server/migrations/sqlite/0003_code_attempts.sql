-- Wrong enrolment codes are counted per code and per person, not only per address: a code is found
-- by its first group (`code_id`, a lookup handle, not the secret), wrong secrets against it are
-- counted in `failures`, and past the limit the person's outstanding codes are cancelled.
ALTER TABLE enrol_codes ADD COLUMN code_id TEXT;
ALTER TABLE enrol_codes ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
CREATE INDEX enrol_codes_by_code_id ON enrol_codes (code_id);
