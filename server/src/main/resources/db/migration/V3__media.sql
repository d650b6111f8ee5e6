-- Media: uploaded photos, videos, voice notes and files. The bytes live in the blob store
-- under their SHA-256 (identical content is stored once); a row per upload.
CREATE TABLE media (
    media_id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT,
    width INTEGER,
    height INTEGER,
    duration_ms BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_by_sha256 ON media (sha256);
CREATE INDEX media_by_owner ON media (owner_id, created_at);

-- A message may carry one media item: its id (for access checks: members of a chat with a
-- message naming the media may fetch it) and a JSON copy of its description (read with the message).
ALTER TABLE messages ADD COLUMN media_id TEXT;
ALTER TABLE messages ADD COLUMN media TEXT;
CREATE INDEX messages_by_media ON messages (media_id);
