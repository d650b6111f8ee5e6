package org.parley.server.presence;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.parley.server.account.AccountStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence of the sockets this node holds (the whole system on a single node). Last seen is
 * written to the store when a user goes offline, so it survives restarts.
 */
public final class LocalPresence implements Presence {
    private static final Logger log = LoggerFactory.getLogger(LocalPresence.class);

    private final Map<String, Set<String>> socketsByUser = new ConcurrentHashMap<>();
    /** Last seen of users who just went offline, until the store has it. */
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, State>> listeners = new CopyOnWriteArrayList<>();
    private final AccountStore accounts;
    private final Executor blocking;

    public LocalPresence(AccountStore accounts, Executor blocking) {
        this.accounts = accounts;
        this.blocking = blocking;
    }

    @Override
    public void connected(String userId, String socketId) {
        boolean[] cameOnline = {false};
        socketsByUser.compute(userId, (u, set) -> {
            Set<String> s = set != null ? set : ConcurrentHashMap.newKeySet();
            cameOnline[0] = s.isEmpty();
            s.add(socketId);
            return s;
        });
        if (cameOnline[0]) tell(userId, new State(true, null));
    }

    @Override
    public void disconnected(String userId, String socketId, long at) {
        boolean[] wentOffline = {false};
        socketsByUser.computeIfPresent(userId, (u, set) -> {
            if (set.remove(socketId) && set.isEmpty()) {
                wentOffline[0] = true;
                lastSeen.merge(userId, at, Math::max);
                return null;
            }
            return set.isEmpty() ? null : set;
        });
        if (!wentOffline[0]) return;
        long seen = lastSeen.get(userId);
        try {
            blocking.execute(() -> {
                try {
                    accounts.setLastSeen(userId, seen);
                    lastSeen.remove(userId, seen); // the store has it now; keeps the map to users in flight
                } catch (RuntimeException e) {
                    log.warn("could not store last seen of {}: {}", userId, e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            accounts.setLastSeen(userId, seen); // shutting down: write it on the way out
        }
        tell(userId, new State(false, seen));
    }

    @Override
    public State state(String userId) {
        Set<String> sockets = socketsByUser.get(userId);
        if (sockets != null && !sockets.isEmpty()) return new State(true, null);
        Long seen = lastSeen.get(userId);
        return new State(false, seen != null ? seen : accounts.lastSeen(userId));
    }

    @Override
    public void onChange(BiConsumer<String, State> listener) {
        listeners.add(listener);
    }

    private void tell(String userId, State state) {
        for (var l : listeners) {
            try {
                l.accept(userId, state);
            } catch (RuntimeException e) {
                log.error("presence listener failed", e);
            }
        }
    }
}
