-- The day a device last reached the server with its token (a sync, a roster fetch), so that HR
-- sees on the roll-out page which laptops still sync: the Unix time at which that day began in the
-- company's time zone, never a finer time (store::device_for_token writes it at most once a day);
-- NULL until a device's first request after this migration.
ALTER TABLE devices ADD COLUMN last_sync_at BIGINT;
