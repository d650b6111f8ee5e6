package org.parley.server.media;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
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
            return null;
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
