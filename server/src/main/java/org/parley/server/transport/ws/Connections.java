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

    public Connections(MeterRegistry metrics) {
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
    }

    void remove(DeviceSocket socket) {
        byUser.computeIfPresent(socket.principal().userId(), (u, set) -> {
            if (set.remove(socket)) count.decrementAndGet();
            return set.isEmpty() ? null : set;
        });
    }

    void frameSent() {
        framesOut.increment();
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
                String json = WireJson.encode(e.receipt());
                for (String user : e.memberIds()) forEachSocket(user, s -> s.offerFrame(json));
            }
            case Event.MembershipChanged e -> {
                String json = WireJson.encode(e.frame());
                for (String user : e.recipients()) forEachSocket(user, s -> s.offerFrame(json));
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
        String toOthers = null;
        String toSender = null;
        for (String user : e.memberIds()) {
            Set<DeviceSocket> sockets = byUser.get(user);
            if (sockets == null) continue;
            boolean sender = user.equals(m.senderId()) && !m.bySystem();
            for (DeviceSocket s : sockets) {
                if (s.id().equals(e.originSocketId())) continue;
                String json;
                if (sender) {
                    if (toSender == null) toSender = WireJson.encode(m.withStatus(Status.sent, null, null));
                    json = toSender;
                } else {
                    if (toOthers == null) toOthers = WireJson.encode(m);
                    json = toOthers;
                }
                String frame = json;
                mailbox.post(s.context(), () -> s.offerMessage(m, frame));
            }
        }
    }

    private void forEachSocket(String userId, java.util.function.Consumer<DeviceSocket> action) {
        Set<DeviceSocket> sockets = byUser.get(userId);
        if (sockets == null) return;
        for (DeviceSocket s : sockets) mailbox.post(s.context(), () -> action.accept(s));
    }

    /** Pings every socket and closes those silent for longer than {@code idleTimeoutMs}. */
    public void heartbeat(long idleTimeoutMs) {
        long now = System.currentTimeMillis();
        for (Set<DeviceSocket> sockets : byUser.values()) {
            for (DeviceSocket s : sockets) {
                mailbox.post(s.context(), () -> {
                    if (now - s.lastHeardAt() > idleTimeoutMs) s.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
                    else s.ping();
                });
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
