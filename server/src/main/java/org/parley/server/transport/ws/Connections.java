package org.parley.server.transport.ws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.protocol.Frames;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;
import org.parley.protocol.WireJson;
import org.parley.server.delivery.Event;
import org.parley.server.presence.Presence;
import org.parley.server.presence.PresenceService;

/**
 * The sockets this node holds, by user; turns bus events into frames for them. Each frame
 * is encoded once per event, whatever the number of recipients.
 */
public final class Connections {
    private final Map<String, Set<DeviceSocket>> byUser = new ConcurrentHashMap<>();
    private final Mailbox mailbox = new Mailbox();
    private final AtomicInteger count = new AtomicInteger();
    private final Counter framesOut;
    private final Counter messagesOut;
    private final Counter slowConsumers;
    private final Presence presence;
    private final PresenceService presenceService;
    /** Sockets watching each user's presence. */
    private final Map<String, Set<DeviceSocket>> watchers = new ConcurrentHashMap<>();

    public Connections(MeterRegistry metrics, Presence presence, PresenceService presenceService) {
        this.presence = presence;
        this.presenceService = presenceService;
        metrics.gauge("parley.ws.connections", count);
        this.framesOut = Counter.builder("parley.ws.frames.out").description("frames written to sockets").register(metrics);
        this.messagesOut = Counter.builder("parley.messages.out").description("message frames written to devices (live and catch-up)").register(metrics);
        this.slowConsumers = Counter.builder("parley.ws.slow.consumers").description("sockets closed because their reader stalled").register(metrics);
    }

    // Both run inside compute() so an add cannot land in a set that a remove is discarding.
    void add(DeviceSocket socket) {
        byUser.compute(socket.principal().userId(), (u, set) -> {
            Set<DeviceSocket> s = set != null ? set : ConcurrentHashMap.newKeySet();
            if (s.add(socket)) count.incrementAndGet();
            return s;
        });
        presence.connected(socket.principal().userId(), socket.id());
    }

    void remove(DeviceSocket socket, long lastHeardAt) {
        boolean[] removed = {false};
        byUser.computeIfPresent(socket.principal().userId(), (u, set) -> {
            if (set.remove(socket)) {
                count.decrementAndGet();
                removed[0] = true;
            }
            return set.isEmpty() ? null : set;
        });
        if (!removed[0]) return;
        watch(socket, Map.of());
        presence.disconnected(socket.principal().userId(), socket.id(), lastHeardAt);
    }

    /**
     * Replaces what the socket watches with {@code users} (user id → whether a contact of the
     * socket's user). Called on the socket's context only, so changes of one socket never race.
     */
    void watch(DeviceSocket socket, Map<String, Boolean> users) {
        Map<String, Boolean> before = socket.watching();
        socket.watching(users);
        for (String u : before.keySet()) {
            if (users.containsKey(u)) continue;
            watchers.computeIfPresent(u, (k, set) -> {
                set.remove(socket);
                return set.isEmpty() ? null : set;
            });
        }
        for (String u : users.keySet()) {
            watchers.compute(u, (k, set) -> {
                Set<DeviceSocket> s = set != null ? set : ConcurrentHashMap.newKeySet();
                s.add(socket);
                return s;
            });
        }
    }

    void framesSent(int n) {
        framesOut.increment(n);
    }

    void messageSent() {
        messagesOut.increment();
    }

    /** Runs {@code task} on {@code context}, coalescing wake-ups with other posts. */
    void post(io.vertx.core.Context context, Runnable task) {
        mailbox.post(context, task);
    }

    void slowConsumerClosed() {
        slowConsumers.increment();
    }

    public int size() {
        return count.get();
    }

    /** Bus subscriber: delivers an event to the local sockets of its recipients. */
    public void deliver(Event event) {
        switch (event) {
            case Event.NewMessage e -> deliverMessage(e);
            case Event.CursorMoved e -> {
                byte[] json = WireJson.encodeBytes(e.receipt());
                for (String user : e.memberIds()) forEachSocket(user, s -> s.offerFrame(json));
            }
            case Event.MembershipChanged e -> {
                byte[] json = WireJson.encodeBytes(e.frame());
                for (String user : e.recipients()) forEachSocket(user, s -> s.offerFrame(json));
            }
            case Event.PresenceChanged e -> deliverPresence(e);
            case Event.Typing e -> {
                byte[] json = WireJson.encodeBytes(new Frames.TypingState(e.chatId(), e.userId(), e.state()));
                for (String user : e.memberIds()) if (!user.equals(e.userId())) forEachSocket(user, s -> s.offerFrame(json));
            }
            case Event.DeviceSignedOut e -> forEachSocket(e.userId(), s -> {
                if (s.principal().deviceId().equals(e.deviceId())) {
                    s.write(new Frames.SignedOut(e.deviceId()));
                    s.close(CloseCodes.SIGNED_OUT, "signed out");
                }
            });
        }
    }

    private void deliverMessage(Event.NewMessage e) {
        Message m = e.message();
        byte[] toOthers = null;
        byte[] toSender = null;
        for (String user : e.memberIds()) {
            Set<DeviceSocket> sockets = byUser.get(user);
            if (sockets == null) continue;
            boolean sender = user.equals(m.senderId()) && !m.bySystem();
            for (DeviceSocket s : sockets) {
                if (s.id().equals(e.originSocketId())) continue;
                byte[] json;
                if (sender) {
                    if (toSender == null) toSender = WireJson.encodeBytes(m.withStatus(Status.sent, null, null));
                    json = toSender;
                } else {
                    if (toOthers == null) toOthers = WireJson.encodeBytes(m);
                    json = toOthers;
                }
                byte[] frame = json;
                mailbox.post(s.context(), () -> s.offerMessage(m, frame));
            }
        }
    }

    /** Each watcher gets the change as its user may see it; a hidden user's changes reach no one. */
    private void deliverPresence(Event.PresenceChanged e) {
        Set<DeviceSocket> sockets = watchers.get(e.userId());
        if (sockets == null) return;
        Presence.State state = new Presence.State(e.online(), e.lastSeen(), e.version());
        byte[] hidden = null;
        for (DeviceSocket s : sockets) {
            Boolean contact = s.watching().get(e.userId());
            if (contact == null) continue;
            var frame = presenceService.asSeenBy(s.principal().userId(), e.userId(), contact, state);
            boolean shown = frame.online() || frame.lastSeen() != null;
            if (!shown && !e.settingsChanged()) continue; // hidden: nothing changes on the watcher's screen
            byte[] json;
            if (shown) {
                json = WireJson.encodeBytes(frame);
            } else {
                if (hidden == null) hidden = WireJson.encodeBytes(frame);
                json = hidden;
            }
            mailbox.post(s.context(), () -> s.offerPresence(e.userId(), e.version(), json));
        }
    }

    private void forEachSocket(String userId, java.util.function.Consumer<DeviceSocket> action) {
        Set<DeviceSocket> sockets = byUser.get(userId);
        if (sockets == null) return;
        for (DeviceSocket s : sockets) mailbox.post(s.context(), () -> action.accept(s));
    }

    /**
     * Closes sockets silent for longer than {@code idleTimeoutMs} (their user may go offline)
     * and, with {@code ping}, pings the others.
     */
    public void heartbeat(long idleTimeoutMs, boolean ping) {
        long now = System.currentTimeMillis();
        for (Set<DeviceSocket> sockets : byUser.values()) {
            for (DeviceSocket s : sockets) {
                if (now - s.lastHeardAt() > idleTimeoutMs) {
                    mailbox.post(s.context(), () -> { // heard from since the check? then it stays
                        if (System.currentTimeMillis() - s.lastHeardAt() > idleTimeoutMs) s.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
                    });
                } else if (ping) {
                    mailbox.post(s.context(), s::ping);
                }
            }
        }
    }

    /** Closes every socket with 1001 going away (shutdown). */
    public void closeAll() {
        for (Set<DeviceSocket> sockets : byUser.values()) {
            for (DeviceSocket s : List.copyOf(sockets)) s.context().runOnContext(v -> s.close(CloseCodes.GOING_AWAY, "node shutting down"));
        }
    }
}
