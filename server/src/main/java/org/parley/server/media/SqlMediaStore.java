package org.parley.server.media;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
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
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO media (media_id, owner_id, kind, content_type, size_bytes, sha256,"
                    + " file_name, width, height, duration_ms, created_at, thumb_sha256, thumb_width, thumb_height, thumb_size, preview)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, m.mediaId());
                ps.setString(2, ownerId);
                ps.setString(3, m.kind());
                ps.setString(4, m.contentType());
                ps.setLong(5, m.size());
                ps.setString(6, m.sha256());
                ps.setString(7, m.fileName());
                if (m.width() == null) ps.setNull(8, Types.INTEGER); else ps.setInt(8, m.width());
                if (m.height() == null) ps.setNull(9, Types.INTEGER); else ps.setInt(9, m.height());
                if (m.durationMs() == null) ps.setNull(10, Types.BIGINT); else ps.setLong(10, m.durationMs());
                ps.setLong(11, m.createdAt());
                var t = m.thumbnail();
                ps.setString(12, t == null ? null : t.sha256());
                if (t == null) ps.setNull(13, Types.INTEGER); else ps.setInt(13, t.width());
                if (t == null) ps.setNull(14, Types.INTEGER); else ps.setInt(14, t.height());
                if (t == null) ps.setNull(15, Types.BIGINT); else ps.setLong(15, t.size());
                ps.setString(16, m.preview());
                ps.executeUpdate();
            }
            // Waits for a janitor deleting one of these blobs right now (it holds the row), then
            // takes them off its list: the upload writes the blob after this commit.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blob_gc WHERE sha256 IN (?, ?)")) {
                ps.setString(1, m.sha256());
                ps.setString(2, m.thumbnail() == null ? m.sha256() : m.thumbnail().sha256());
                ps.executeUpdate();
            }
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
                    rs -> rs.getString(1), withLast(given, createdBefore));
            if (mediaIds.isEmpty()) return null;
            String marks = Sql.marks(mediaIds.size());
            List<String> shas = Sql.list(c, "SELECT sha256 FROM media WHERE media_id IN (" + marks + ") UNION"
                    + " SELECT thumb_sha256 FROM media WHERE media_id IN (" + marks + ") AND thumb_sha256 IS NOT NULL",
                    rs -> rs.getString(1), concat(mediaIds, mediaIds));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM media_downloads WHERE media_id IN (" + marks + ")")) {
                for (int i = 0; i < mediaIds.size(); i++) ps.setString(i + 1, mediaIds.get(i));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM media WHERE media_id IN (" + marks + ")")) {
                for (int i = 0; i < mediaIds.size(); i++) ps.setString(i + 1, mediaIds.get(i));
                ps.executeUpdate();
            }
            for (String sha : shas) {
                if (named(c, sha)) continue; // another upload of the same content lives on
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO blob_gc (sha256, since) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING")) {
                    ps.setString(1, sha);
                    ps.setLong(2, now);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    private static Object[] withLast(List<String> ids, long last) {
        Object[] args = new Object[ids.size() + 1];
        for (int i = 0; i < ids.size(); i++) args[i] = ids.get(i);
        args[ids.size()] = last;
        return args;
    }

    private static Object[] concat(List<String> a, List<String> b) {
        List<Object> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all.toArray();
    }

    private static boolean named(java.sql.Connection c, String sha) throws java.sql.SQLException {
        // two indexed look-ups (an OR across two columns would read the whole table)
        return !Sql.list(c, "SELECT 1 WHERE EXISTS (SELECT 1 FROM media WHERE sha256 = ?) OR EXISTS (SELECT 1 FROM media WHERE thumb_sha256 = ?)",
                rs -> 1, sha, sha).isEmpty();
    }

    @Override
    public void downloaded(String mediaId, String deviceId, long at) {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO media_downloads (media_id, device_id, downloaded_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (media_id, device_id) DO NOTHING")) {
                ps.setString(1, mediaId);
                ps.setString(2, deviceId);
                ps.setLong(3, at);
                ps.executeUpdate();
            }
            return null;
        });
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
            if (Sql.list(c, "SELECT sha256 FROM blob_gc WHERE sha256 = ?" + lock, rs -> 1, sha256).isEmpty()) return false;
            if (!named(c, sha256)) {
                try {
                    delete.delete(sha256);
                } catch (java.io.IOException e) {
                    throw new java.sql.SQLException("cannot delete blob " + sha256 + ": " + e.getMessage(), e);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blob_gc WHERE sha256 = ?")) {
                ps.setString(1, sha256);
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public boolean sharedWith(String mediaId, String userId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM messages m JOIN chat_members cm ON cm.chat_id = m.chat_id"
                    + " AND cm.user_id = ? WHERE m.media_id = ? AND m.seq > cm.joined_seq LIMIT 1")) {
                ps.setString(1, userId);
                ps.setString(2, mediaId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public Optional<Stored> find(String mediaId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM media WHERE media_id = ?")) {
                ps.setString(1, mediaId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    Long w = Sql.nullableLong(rs, "width"), h = Sql.nullableLong(rs, "height");
                    String thumbSha = rs.getString("thumb_sha256");
                    Thumbnail thumb = thumbSha == null ? null
                            : new Thumbnail(rs.getInt("thumb_width"), rs.getInt("thumb_height"), rs.getLong("thumb_size"), thumbSha);
                    return Optional.of(new Stored(rs.getString("owner_id"), new Media(rs.getString("media_id"), rs.getString("kind"),
                            rs.getString("content_type"), rs.getLong("size_bytes"), rs.getString("sha256"), rs.getString("file_name"),
                            w == null ? null : w.intValue(), h == null ? null : h.intValue(), Sql.nullableLong(rs, "duration_ms"),
                            thumb, rs.getString("preview"), rs.getLong("created_at"))));
                }
            }
        });
    }
}
