package org.parley.server.presence;

import java.util.function.BiConsumer;

/**
 * Who is online: a user is online while any of their devices holds a socket that answers
 * heartbeats. Kept in this process by {@link LocalPresence}; a cluster keeps it in Redis.
 */
public interface Presence {

    /**
     * {@code lastSeen}: when the user's last device went away (null while online, or never
     * seen). {@code version} grows with each change of the user, so a reader holding two
     * states keeps the later one (0: nothing known since start).
     */
    record State(boolean online, Long lastSeen, long version) {}

    /** A socket of one of the user's devices is up. */
    void connected(String userId, String socketId);

    /** That socket is gone; {@code at} is when it was last heard from. */
    void disconnected(String userId, String socketId, long at);

    State state(String userId);

    /** Whether any of the user's devices is connected (what {@link #state} says, without reading last seen). */
    boolean online(String userId);

    /**
     * Called with (userId, new state) each time a user comes online or goes offline, off the
     * caller's thread and, for each user, in the order the changes happened.
     */
    void onChange(BiConsumer<String, State> listener);
}
