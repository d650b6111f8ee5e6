package org.parley.server.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlDeviceStore implements DeviceStore {
    private static final String COLUMNS = "device_id, user_id, name, created_at, last_seen_at, revoked_at";
    private final Database db;

    public SqlDeviceStore(Database db) {
        this.db = db;
    }

    private static DeviceRecord device(ResultSet rs) throws SQLException {
        return new DeviceRecord(rs.getString("device_id"), rs.getString("user_id"), rs.getString("name"),
                rs.getLong("created_at"), Sql.nullableLong(rs, "last_seen_at"), Sql.nullableLong(rs, "revoked_at"));
    }

    @Override
    public void create(DeviceRecord d, String tokenHash) {
        db.write(c -> Sql.update(c, "INSERT INTO devices (device_id, user_id, name, token_hash, created_at, last_seen_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)", d.deviceId(), d.userId(), d.name(), tokenHash, d.createdAt(), d.lastSeenAt()));
    }

    @Override
    public Optional<DeviceRecord> byTokenHash(String tokenHash) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM devices WHERE token_hash = ? AND revoked_at IS NULL",
                SqlDeviceStore::device, tokenHash));
    }

    @Override
    public List<DeviceRecord> ofUser(String userId) {
        return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM devices WHERE user_id = ? AND revoked_at IS NULL"
                + " ORDER BY created_at, device_id", SqlDeviceStore::device, userId));
    }

    @Override
    public boolean rename(String userId, String deviceId, String name) {
        return db.write(c -> Sql.update(c, "UPDATE devices SET name = ? WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL",
                name, userId, deviceId)) == 1;
    }

    @Override
    public boolean revoke(String userId, String deviceId, long now) {
        return db.write(c -> {
            int revoked = Sql.update(c, "UPDATE devices SET revoked_at = ? WHERE user_id = ? AND device_id = ? AND revoked_at IS NULL",
                    now, userId, deviceId);
            if (revoked == 1) { // a signed-out device is woken no more
                Sql.update(c, "DELETE FROM push_jobs WHERE device_id = ?", deviceId);
                Sql.update(c, "DELETE FROM push_endpoints WHERE device_id = ?", deviceId);
            }
            return revoked;
        }) == 1;
    }

    @Override
    public void touch(java.util.Map<String, Long> lastSeen) {
        SqlAccountStore.setLastSeen(db, "devices", "device_id", lastSeen);
    }
}
