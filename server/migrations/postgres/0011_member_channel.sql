-- The member channel (docs/SECURITY.md, "The member channel"). What the server keeps for it:
-- pairing codes (their hash, for 15 minutes), who is paired with which public keys, sealed
-- messages waiting for their reader (ciphertext padded to a few sizes, the pair, the direction,
-- the number, the day it arrived), and ratings kept apart from the mark that a pair rated.
CREATE TABLE pairing_codes (
    code_hash TEXT PRIMARY KEY, code_id TEXT NOT NULL, manager_id TEXT NOT NULL, member_id TEXT NOT NULL,
    manager_key TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, failures BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pairing_codes_by_pair ON pairing_codes (manager_id, member_id);
CREATE INDEX pairing_codes_by_id ON pairing_codes (code_id);
CREATE TABLE pairings (
    manager_id TEXT NOT NULL, member_id TEXT NOT NULL, manager_key TEXT NOT NULL, member_key TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, since_day BIGINT NOT NULL,
    next_to_member BIGINT NOT NULL DEFAULT 0, next_to_manager BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (manager_id, member_id)
);
-- direction: 1 to the member, 2 to the manager (taiwa-channel's Direction).
CREATE TABLE relay (
    manager_id TEXT NOT NULL, member_id TEXT NOT NULL, direction BIGINT NOT NULL, seq BIGINT NOT NULL,
    enc TEXT NOT NULL, ciphertext TEXT NOT NULL, arrived_day BIGINT NOT NULL,
    PRIMARY KEY (manager_id, member_id, direction, seq)
);
CREATE INDEX relay_by_day ON relay (arrived_day);
-- That a pair rated a month, and nothing else: no day, no score.
CREATE TABLE rating_marks (
    manager_id TEXT NOT NULL, member_id TEXT NOT NULL, month BIGINT NOT NULL,
    PRIMARY KEY (manager_id, member_id, month)
);
-- A score under its unit and month, found again only by the hash of the token the member's
-- browser keeps; stored in the order of that hash, never in the order ratings arrived.
CREATE TABLE ratings (
    token_hash TEXT PRIMARY KEY, org_unit_id TEXT NOT NULL, month BIGINT NOT NULL,
    clarity BIGINT, talked TEXT, given_day BIGINT NOT NULL
);
CREATE INDEX ratings_by_month ON ratings (month, org_unit_id);
