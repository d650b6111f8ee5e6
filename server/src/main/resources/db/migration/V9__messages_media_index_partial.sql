-- Most messages carry no media. Index only those that do: a text message then costs one
-- B-tree insert fewer, and every look-up (m.media_id = ?) implies media_id IS NOT NULL,
-- so SQLite and PostgreSQL both still answer it from this index.
DROP INDEX messages_by_media;
CREATE INDEX messages_by_media ON messages (media_id) WHERE media_id IS NOT NULL;
