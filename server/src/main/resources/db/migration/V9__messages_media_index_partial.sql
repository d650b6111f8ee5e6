-- Most messages carry no media. Index only those that do: a text message then costs one
-- B-tree insert fewer, and every look-up (m.media_id = ?) implies media_id IS NOT NULL,
-- so SQLite and PostgreSQL both still answer it from this index. Built before the old one
-- is dropped: on PostgreSQL, reads go on while it is built (writes to messages wait).
CREATE INDEX messages_with_media ON messages (media_id) WHERE media_id IS NOT NULL;
DROP INDEX messages_by_media;
