-- Stable codes beside the English words of the sync, so that the app can say them in Japanese:
-- the rule a refused record broke (as the server names it), and the outcome of each push.
ALTER TABLE outbox ADD COLUMN rejected_rule TEXT;
ALTER TABLE sync_log ADD COLUMN code TEXT;
