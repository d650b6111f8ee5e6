package org.parley.server.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.parley.protocol.Model.User;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlAccountStore implements AccountStore {
    private static final String COLUMNS = "user_id, phone, display_name, about, created_at";
    private final Database db;

    public SqlAccountStore(Database db) {
        this.db = db;
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(rs.getString("user_id"), rs.getString("phone"), rs.getString("display_name"),
                rs.getString("about"), rs.getLong("created_at"));
    }

    @Override
    public User createOrGet(String phone, String newUserId, long now) {
        return db.write(c -> {
            Sql.update(c, "INSERT INTO users (" + COLUMNS + ") VALUES (?, ?, ?, '', ?) ON CONFLICT (phone) DO NOTHING",
                    newUserId, phone, phone, now);
            return Sql.one(c, "SELECT " + COLUMNS + " FROM users WHERE phone = ?", SqlAccountStore::user, phone).orElseThrow();
        });
    }

    @Override
    public Optional<User> byId(String userId) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM users WHERE user_id = ?", SqlAccountStore::user, userId));
    }

    @Override
    public Optional<User> byPhone(String phone) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM users WHERE phone = ?", SqlAccountStore::user, phone));
    }

    @Override
    public Optional<User> updateProfile(String userId, String displayName, String about) {
        return db.write(c -> {
            Sql.update(c, "UPDATE users SET display_name = COALESCE(?, display_name), about = COALESCE(?, about) WHERE user_id = ?",
                    displayName, about, userId);
            return Sql.one(c, "SELECT " + COLUMNS + " FROM users WHERE user_id = ?", SqlAccountStore::user, userId);
        });
    }

    @Override
    public Optional<org.parley.protocol.Model.Settings> settings(String userId) {
        return db.read(c -> Sql.one(c, "SELECT last_seen_visibility, notification_previews, dnd_from, dnd_to, time_zone FROM users WHERE user_id = ?",
                rs -> {
                    Integer from = (Integer) nullable(rs.getInt("dnd_from"), rs.wasNull());
                    Integer to = (Integer) nullable(rs.getInt("dnd_to"), rs.wasNull());
                    var dnd = from == null || to == null ? null
                            : new org.parley.protocol.Model.Dnd(hhmm(from), hhmm(to), rs.getString("time_zone"));
                    return new org.parley.protocol.Model.Settings(rs.getString("last_seen_visibility"), rs.getInt("notification_previews") != 0, dnd);
                }, userId));
    }

    private static Object nullable(int value, boolean wasNull) {
        return wasNull ? null : value;
    }

    private static String hhmm(int minutes) {
        return String.format("%02d:%02d", minutes / 60, minutes % 60);
    }

    @Override
    public boolean putSettings(String userId, org.parley.protocol.Model.Settings s) {
        var dnd = s.dnd();
        return db.write(c -> Sql.update(c, "UPDATE users SET last_seen_visibility = ?, notification_previews = ?, dnd_from = ?, dnd_to = ?,"
                + " time_zone = ? WHERE user_id = ?", s.lastSeen(), s.notificationPreviews() ? 1 : 0,
                dnd == null ? null : org.parley.protocol.Model.Dnd.minutes(dnd.from()), dnd == null ? null : org.parley.protocol.Model.Dnd.minutes(dnd.to()),
                dnd == null ? null : dnd.timeZone(), userId)) > 0;
    }

    @Override
    public Long lastSeen(String userId) {
        long at = db.read(c -> Sql.one(c, "SELECT last_seen_at FROM users WHERE user_id = ?", rs -> {
            long v = rs.getLong(1);
            return rs.wasNull() ? -1L : v;
        }, userId)).orElse(-1L);
        return at < 0 ? null : at;
    }

    @Override
    public void setLastSeen(java.util.Map<String, Long> lastSeen) {
        setLastSeen(db, "users", "user_id", lastSeen);
    }

    /**
     * Sets {@code last_seen_at} of many rows of {@code table} (by {@code idColumn}) in one
     * transaction; never backwards: a late write from a slower path must not undo a newer one.
     */
    static void setLastSeen(Database db, String table, String idColumn, java.util.Map<String, Long> lastSeen) {
        if (lastSeen.isEmpty()) return;
        db.write(c -> {
            try (var ps = c.prepareStatement("UPDATE " + table + " SET last_seen_at = ? WHERE " + idColumn + " = ?"
                    + " AND (last_seen_at IS NULL OR last_seen_at < ?)")) {
                for (var e : new java.util.TreeMap<>(lastSeen).entrySet()) { // one order for every writer: no lock cycles
                    Sql.bind(ps, e.getValue(), e.getKey(), e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}
