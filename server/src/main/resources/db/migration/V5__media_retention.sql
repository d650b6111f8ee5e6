-- Blobs no media row names any more, and since when: deleted from the blob store after a
-- grace period, under a lock an upload of the same content takes too (see SqlMediaStore).
CREATE TABLE blob_gc (
    sha256 TEXT PRIMARY KEY,
    since  BIGINT NOT NULL
);
