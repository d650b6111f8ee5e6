-- Photos get a thumbnail (its own blob) and a tiny blurred preview carried inline.
ALTER TABLE media ADD COLUMN thumb_sha256 TEXT;
ALTER TABLE media ADD COLUMN thumb_width INTEGER;
ALTER TABLE media ADD COLUMN thumb_height INTEGER;
ALTER TABLE media ADD COLUMN thumb_size BIGINT;
ALTER TABLE media ADD COLUMN preview TEXT;
