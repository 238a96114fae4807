-- Home lists the 1on1s still planned (coming up, and those whose time passed without being
-- closed); it read every session of every year to find them. Planned sessions are few whatever the
-- history: this index holds only them.
CREATE INDEX sessions_planned ON sessions (planned_at) WHERE state = 'planned';
