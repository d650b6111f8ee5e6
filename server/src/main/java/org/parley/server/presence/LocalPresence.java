package org.parley.server.presence;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.server.account.AccountStore;
import org.parley.server.account.LastSeenWriter;
import org.parley.server.delivery.SerialExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence of the sockets this node holds (the whole system on a single node). Last seen is
 * written to the store when a user goes offline, many users per transaction, so it survives
 * restarts.
 */
public final class LocalPresence implements Presence {
    private static final Logger log = LoggerFactory.getLogger(LocalPresence.class);
    private static final int STRIPES = 64;

    private record Online(Set<String> sockets, long version) {}

    private record Seen(long at, long version) {}

    private final Map<String, Online> online = new ConcurrentHashMap<>();
    /** Users who just went offline, until the store has their last seen. */
    private final Map<String, Seen> leaving = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final List<BiConsumer<String, State>> listeners = new CopyOnWriteArrayList<>();
    /** One user's changes are told in order: each user maps to one serial stripe. */
    private final SerialExecutor[] stripes = new SerialExecutor[STRIPES];
    private final AccountStore accounts;
    private final LastSeenWriter lastSeen;

    /** @param lastSeen stores users' last seen in batches (closed by the caller, after the sockets) */
    public LocalPresence(AccountStore accounts, LastSeenWriter lastSeen, Executor blocking) {
        this.accounts = accounts;
        this.lastSeen = lastSeen;
        for (int i = 0; i < STRIPES; i++) stripes[i] = new SerialExecutor(blocking);
    }

    @Override
    public void connected(String userId, String socketId) {
        online.compute(userId, (u, entry) -> {
            if (entry != null) {
                entry.sockets().add(socketId);
                return entry;
            }
            Set<String> sockets = ConcurrentHashMap.newKeySet();
            sockets.add(socketId);
            Online now = new Online(sockets, versions.incrementAndGet());
            tell(userId, new State(true, null, now.version())); // inside compute: changes of a user are queued in order
            return now;
        });
    }

    @Override
    public void disconnected(String userId, String socketId, long at) {
        online.computeIfPresent(userId, (u, entry) -> {
            if (!entry.sockets().remove(socketId) || !entry.sockets().isEmpty()) return entry;
            Seen seen = leaving.merge(userId, new Seen(at, versions.incrementAndGet()),
                    (old, fresh) -> new Seen(Math.max(old.at(), fresh.at()), fresh.version()));
            store(userId, seen);
            tell(userId, new State(false, seen.at(), seen.version()));
            return null;
        });
    }

    private void store(String userId, Seen seen) {
        lastSeen.record(userId, seen.at()).whenComplete((stored, failure) -> {
            if (Boolean.TRUE.equals(stored)) {
                leaving.remove(userId, seen); // the store has it now; keeps the map to users in flight
            } else if (failure instanceof ApiException a && a.code() == ErrorCode.SHUTTING_DOWN) {
                log.debug("last seen of {} not stored: shutting down", userId); // the store keeps the previous one
            } else if (failure != null) { // the queue is full: the store keeps the previous last seen, this node answers with the newer
                log.warn("could not store last seen of {}: {}", userId, failure.toString());
            } // else the store failed, logged by the writer; this node answers with the newer meanwhile
        });
    }

    @Override
    public State state(String userId) {
        Online entry = online.get(userId);
        if (entry != null) return new State(true, null, entry.version());
        Seen seen = leaving.get(userId);
        if (seen != null) return new State(false, seen.at(), seen.version());
        return new State(false, accounts.lastSeen(userId), 0);
    }

    @Override
    public boolean online(String userId) {
        return online.containsKey(userId);
    }

    @Override
    public void onChange(BiConsumer<String, State> listener) {
        listeners.add(listener);
    }

    private SerialExecutor stripe(String userId) {
        return stripes[Math.floorMod(userId.hashCode(), STRIPES)];
    }

    private void tell(String userId, State state) {
        try {
            stripe(userId).execute(() -> {
                for (var l : listeners) {
                    try {
                        l.accept(userId, state);
                    } catch (RuntimeException e) {
                        log.error("presence listener failed", e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: no one is left to tell
        }
    }
}
