package org.parley.server.account;

import java.util.List;
import java.util.Optional;

/** A user's signed-in devices. Tokens are kept only as SHA-256 hashes. */
public interface DeviceStore {

    record DeviceRecord(String deviceId, String userId, String name, long createdAt, Long lastSeenAt, Long revokedAt) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    void create(DeviceRecord device, String tokenHash);

    /** The active device holding this token hash. */
    Optional<DeviceRecord> byTokenHash(String tokenHash);

    /** Active devices of the user, oldest first. */
    List<DeviceRecord> ofUser(String userId);

    boolean rename(String userId, String deviceId, String name);

    /** Signs the device out; false when it is not an active device of this user. */
    boolean revoke(String userId, String deviceId, long now);

    /** Records when each device was last seen (device id → epoch ms), all in one transaction; a later time never goes back. */
    void touch(java.util.Map<String, Long> lastSeen);
}
