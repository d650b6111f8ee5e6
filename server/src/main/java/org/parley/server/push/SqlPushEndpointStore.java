package org.parley.server.push;

import java.util.Optional;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlPushEndpointStore implements PushEndpointStore {
    private static final String COLUMNS = "device_id, user_id, kind, endpoint, p256dh, auth, token, topic";
    private final Database db;

    public SqlPushEndpointStore(Database db) {
        this.db = db;
    }

    @Override
    public void put(PushEndpoint e, long now) {
        // from devices: a device signed out meanwhile registers nothing
        db.write(c -> Sql.update(c, "INSERT INTO push_endpoints (" + COLUMNS + ", created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? FROM devices"
                + " WHERE device_id = ? AND revoked_at IS NULL ON CONFLICT (device_id) DO UPDATE SET kind = excluded.kind, endpoint = excluded.endpoint, p256dh = excluded.p256dh,"
                + " auth = excluded.auth, token = excluded.token, topic = excluded.topic, created_at = excluded.created_at",
                e.deviceId(), e.userId(), e.kind().name(), e.endpoint(), e.p256dh(), e.auth(), e.token(), e.topic(), now, e.deviceId()));
    }

    @Override
    public boolean delete(String deviceId) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM push_jobs WHERE device_id = ?", deviceId);
            return Sql.update(c, "DELETE FROM push_endpoints WHERE device_id = ?", deviceId) > 0;
        });
    }

    @Override
    public boolean deleteIf(PushEndpoint sent) {
        String address = sent.kind() == PushEndpoint.Kind.webPush ? sent.endpoint() : sent.token();
        return db.write(c -> {
            if (Sql.update(c, "DELETE FROM push_endpoints WHERE device_id = ? AND kind = ? AND COALESCE(endpoint, token) = ?", sent.deviceId(),
                    sent.kind().name(), address) == 0) return false;
            Sql.update(c, "DELETE FROM push_jobs WHERE device_id = ?", sent.deviceId());
            return true;
        });
    }

    @Override
    public Optional<PushEndpoint> of(String deviceId) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM push_endpoints WHERE device_id = ?",
                rs -> new PushEndpoint(rs.getString("device_id"), rs.getString("user_id"), PushEndpoint.Kind.valueOf(rs.getString("kind")),
                        rs.getString("endpoint"), rs.getString("p256dh"), rs.getString("auth"), rs.getString("token"), rs.getString("topic")),
                deviceId));
    }
}
