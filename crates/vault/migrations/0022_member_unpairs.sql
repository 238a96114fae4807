-- Pairings the server is still to end: deleting a person who is paired (or whose pairing code
-- is out) cannot reach the server inside the delete, so their employee id waits here until the
-- next exchange with the server unpairs them (`taiwa_sync::member::exchange`), then goes. It is
-- the only thing of a deleted person the vault keeps, and only until then; pairing that person
-- again first takes it away (the new pairing replaces the old one on the server anyway).
CREATE TABLE member_unpairs (
    employee_id TEXT PRIMARY KEY
) WITHOUT ROWID;
