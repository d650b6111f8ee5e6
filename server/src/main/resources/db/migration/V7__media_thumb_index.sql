-- Retention asks whether any row still names a blob, as a photo or as a thumbnail.
CREATE INDEX media_by_thumb_sha256 ON media (thumb_sha256);
