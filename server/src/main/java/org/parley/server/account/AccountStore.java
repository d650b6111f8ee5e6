package org.parley.server.account;

import java.util.Optional;
import org.parley.protocol.Model.User;

/** Users and their profiles. */
public interface AccountStore {

    /** The user with this phone, created with {@code newUserId} when there is none. */
    User createOrGet(String phone, String newUserId, long now);

    Optional<User> byId(String userId);

    Optional<User> byPhone(String phone);

    /** Sets the given fields (null = unchanged); empty when the user does not exist. */
    Optional<User> updateProfile(String userId, String displayName, String about);

    /** Privacy and notification settings; empty when the user does not exist. */
    Optional<org.parley.protocol.Model.Settings> settings(String userId);

    /** Replaces the settings; false when the user does not exist. */
    boolean putSettings(String userId, org.parley.protocol.Model.Settings settings);

    /** When the user's last device went away (null: never seen, or unknown user). */
    Long lastSeen(String userId);

    /** Sets each user's last seen (user id to time), in one transaction; never moves one backwards. */
    void setLastSeen(java.util.Map<String, Long> lastSeen);
}
