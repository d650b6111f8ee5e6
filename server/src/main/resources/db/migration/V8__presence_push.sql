-- Presence, privacy, notification settings, mutes and the push outbox.

-- Last seen survives restarts; who may see it: everyone, contacts (users sharing a direct
-- chat) or nobody. Notification previews and a do-not-disturb window (minutes of the day in
-- the user's time zone; both null = none).
ALTER TABLE users ADD COLUMN last_seen_at BIGINT;
ALTER TABLE users ADD COLUMN last_seen_visibility TEXT NOT NULL DEFAULT 'everyone';
ALTER TABLE users ADD COLUMN notification_previews INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN dnd_from INTEGER;
ALTER TABLE users ADD COLUMN dnd_to INTEGER;
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- A member's mute of one chat, until a time (epoch ms).
ALTER TABLE chat_members ADD COLUMN muted_until BIGINT;

-- One push address per device: webPush (endpoint, p256dh, auth), fcm (token), apns (token, topic).
CREATE TABLE push_endpoints (
    device_id     TEXT PRIMARY KEY REFERENCES devices (device_id),
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    endpoint      TEXT,
    p256dh        TEXT,
    auth          TEXT,
    token         TEXT,
    topic         TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX push_endpoints_by_user ON push_endpoints (user_id);

-- The outbox: one row per chat per recipient device with a push address, written in the
-- message's own transaction; a later message of the chat updates the row (newest seq, one more
-- pending) so a burst becomes one notification. due_at is when it may go out; a worker taking
-- it sets leased_until, and if the worker dies the row comes back when the lease runs out.
CREATE TABLE push_jobs (
    chat_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    pending       INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    leased_until  BIGINT NOT NULL,
    attempts      INTEGER NOT NULL,
    last_error    TEXT,
    PRIMARY KEY (chat_id, device_id)
);
CREATE INDEX push_jobs_by_due ON push_jobs (due_at);
CREATE INDEX push_jobs_by_device ON push_jobs (device_id);

-- Jobs that kept failing, kept for operators (counted in metrics).
CREATE TABLE push_dead (
    chat_id       TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    device_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    failed_at     BIGINT NOT NULL,
    attempts      INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    PRIMARY KEY (chat_id, seq, device_id)
);
