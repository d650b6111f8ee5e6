package org.parley.server.media;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.parley.protocol.Model.Media;
import org.parley.protocol.Model.Thumbnail;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlMediaStore implements MediaStore {
    private final Database db;

    public SqlMediaStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(String ownerId, Media m) {
        Thumbnail t = m.thumbnail();
        db.write(c -> {
            Sql.update(c, "INSERT INTO media (media_id, owner_id, kind, content_type, size_bytes, sha256, file_name, width, height,"
                    + " duration_ms, created_at, thumb_sha256, thumb_width, thumb_height, thumb_size, preview)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    m.mediaId(), ownerId, m.kind(), m.contentType(), m.size(), m.sha256(), m.fileName(), m.width(), m.height(),
                    m.durationMs(), m.createdAt(), t == null ? null : t.sha256(), t == null ? null : t.width(),
                    t == null ? null : t.height(), t == null ? null : t.size(), m.preview());
            // Waits for a janitor deleting one of these blobs right now (it holds the row), then
            // takes them off its list: the upload writes the blob after this commit.
            Sql.update(c, "DELETE FROM blob_gc WHERE sha256 IN (?, ?)", m.sha256(), t == null ? m.sha256() : t.sha256());
            return null;
        });
    }

    @Override
    public List<String> expired(long createdBefore, long unattachedBefore, int limit) {
        return db.read(c -> Sql.list(c, "SELECT media_id FROM media md WHERE md.created_at < ? OR (md.created_at < ?"
                + " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.media_id = md.media_id)) LIMIT ?",
                rs -> rs.getString(1), createdBefore, unattachedBefore, limit));
    }

    @Override
    public void forget(List<String> mediaIds, long now) {
        forget(mediaIds, now, Long.MAX_VALUE);
    }

    @Override
    public void forgetUnattached(List<String> mediaIds, long now, long createdBefore) {
        forget(mediaIds, now, createdBefore);
    }

    /** Deletes the rows; those younger than {@code createdBefore} only if no message carries them (checked in this transaction). */
    private void forget(List<String> given, long now, long createdBefore) {
        if (given.isEmpty()) return;
        db.write(c -> {
            List<String> mediaIds = createdBefore == Long.MAX_VALUE ? given : Sql.list(c, "SELECT media_id FROM media md WHERE media_id IN ("
                    + Sql.marks(given.size()) + ") AND (md.created_at < ? OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.media_id = md.media_id))",
                    rs -> rs.getString(1), args(given, createdBefore));
            if (mediaIds.isEmpty()) return null;
            String in = " WHERE media_id IN (" + Sql.marks(mediaIds.size()) + ")";
            Object[] ids = args(mediaIds);
            List<String> shas = Sql.list(c, "SELECT sha256 FROM media" + in + " UNION SELECT thumb_sha256 FROM media" + in
                    + " AND thumb_sha256 IS NOT NULL", rs -> rs.getString(1), args(mediaIds, mediaIds.toArray()));
            Sql.update(c, "DELETE FROM media_downloads" + in, ids);
            Sql.update(c, "DELETE FROM media" + in, ids);
            for (String sha : shas) {
                if (named(c, sha)) continue; // another upload of the same content lives on
                Sql.update(c, "INSERT INTO blob_gc (sha256, since) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", sha, now);
            }
            return null;
        });
    }

    /** The ids, then the extra arguments, as one argument list. */
    private static Object[] args(List<String> ids, Object... more) {
        List<Object> all = new ArrayList<>(ids);
        all.addAll(List.of(more));
        return all.toArray();
    }

    private static boolean named(Connection c, String sha) throws SQLException {
        // two indexed look-ups (an OR across two columns would read the whole table)
        return Sql.one(c, "SELECT 1 WHERE EXISTS (SELECT 1 FROM media WHERE sha256 = ?) OR EXISTS (SELECT 1 FROM media WHERE thumb_sha256 = ?)",
                rs -> 1, sha, sha).isPresent();
    }

    @Override
    public void downloaded(String mediaId, String deviceId, long at) {
        db.write(c -> Sql.update(c, "INSERT INTO media_downloads (media_id, device_id, downloaded_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (media_id, device_id) DO NOTHING", mediaId, deviceId, at));
    }

    @Override
    public List<String> downloadedByAll(int limit) {
        // Sent at least once, and no recipient device (a signed-in device of a member, other than
        // the uploader, whose history shows the message) lacks a whole download.
        return db.read(c -> Sql.list(c, "SELECT md.media_id FROM media md"
                + " WHERE EXISTS (SELECT 1 FROM messages m WHERE m.media_id = md.media_id)"
                + " AND EXISTS (SELECT 1 FROM media_downloads x WHERE x.media_id = md.media_id)" // someone has it: not for want of devices
                + " AND NOT EXISTS (SELECT 1 FROM messages m"
                + "   JOIN chat_members cm ON cm.chat_id = m.chat_id AND m.seq > cm.joined_seq AND cm.user_id <> md.owner_id"
                + "   JOIN devices d ON d.user_id = cm.user_id AND d.revoked_at IS NULL"
                + "   WHERE m.media_id = md.media_id"
                + "   AND NOT EXISTS (SELECT 1 FROM media_downloads x WHERE x.media_id = md.media_id AND x.device_id = d.device_id))"
                + " LIMIT ?", rs -> rs.getString(1), limit));
    }

    @Override
    public List<String> candidates(long before, int limit) {
        return db.read(c -> Sql.list(c, "SELECT sha256 FROM blob_gc WHERE since < ? LIMIT ?", rs -> rs.getString(1), before, limit));
    }

    @Override
    public boolean release(String sha256, BlobDeleter delete) {
        return db.write(c -> {
            String lock = db.kind().equals("postgres") ? " FOR UPDATE" : ""; // SQLite runs one write at a time anyway
            if (Sql.one(c, "SELECT sha256 FROM blob_gc WHERE sha256 = ?" + lock, rs -> 1, sha256).isEmpty()) return false;
            if (!named(c, sha256)) {
                try {
                    delete.delete(sha256);
                } catch (java.io.IOException e) {
                    throw new SQLException("cannot delete blob " + sha256 + ": " + e.getMessage(), e);
                }
            }
            Sql.update(c, "DELETE FROM blob_gc WHERE sha256 = ?", sha256);
            return true;
        });
    }

    @Override
    public boolean sharedWith(String mediaId, String userId) {
        return db.read(c -> Sql.one(c, "SELECT 1 FROM messages m JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ?"
                + " WHERE m.media_id = ? AND m.seq > cm.joined_seq LIMIT 1", rs -> 1, userId, mediaId).isPresent());
    }

    @Override
    public Optional<Stored> find(String mediaId) {
        return db.read(c -> Sql.one(c, "SELECT * FROM media WHERE media_id = ?", SqlMediaStore::stored, mediaId));
    }

    private static Stored stored(ResultSet rs) throws SQLException {
        Long w = Sql.nullableLong(rs, "width"), h = Sql.nullableLong(rs, "height");
        String thumbSha = rs.getString("thumb_sha256");
        Thumbnail thumb = thumbSha == null ? null
                : new Thumbnail(rs.getInt("thumb_width"), rs.getInt("thumb_height"), rs.getLong("thumb_size"), thumbSha);
        return new Stored(rs.getString("owner_id"), new Media(rs.getString("media_id"), rs.getString("kind"), rs.getString("content_type"),
                rs.getLong("size_bytes"), rs.getString("sha256"), rs.getString("file_name"), w == null ? null : w.intValue(),
                h == null ? null : h.intValue(), Sql.nullableLong(rs, "duration_ms"), thumb, rs.getString("preview"), rs.getLong("created_at")));
    }
}
