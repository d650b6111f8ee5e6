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
}
