package org.parley.server.transport.ws;

import io.vertx.core.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.parley.server.delivery.Event;

/**
 * One socket's typing and recording indicators, per chat; touched on the socket's event
 * loop only. A state lapses to {@code paused} when not renewed within {@link #LAPSE_MS};
 * renewals are passed on at most every {@link #RENEW_FORWARD_MS} so that watchers' own
 * timers stay fed without a frame per keystroke.
 */
final class TypingStates {
    static final long LAPSE_MS = 5_000;
    static final long RENEW_FORWARD_MS = 3_000;
    /** Typing frames one socket may send per second before they are refused. */
    static final int MAX_PER_SECOND = 10;

    private record Active(String state, List<String> memberIds, long timerId, long forwardedAt) {}

    private final Map<String, Active> byChat = new HashMap<>();
    private final Context context;
    private final String userId;
    private final Consumer<Event.Typing> publish;
    private long windowStart;
    private int inWindow;

    TypingStates(Context context, String userId, Consumer<Event.Typing> publish) {
        this.context = context;
        this.userId = userId;
        this.publish = publish;
    }

    /** False when the socket sends typing frames faster than allowed. */
    boolean admit(long now) {
        if (now - windowStart >= 1_000) {
            windowStart = now;
            inWindow = 0;
        }
        return ++inWindow <= MAX_PER_SECOND;
    }

    /** Applies a typing frame whose chat membership was checked ({@code memberIds}). */
    void update(String chatId, String state, List<String> memberIds, long now) {
        Active active = byChat.remove(chatId);
        if (active != null) context.owner().cancelTimer(active.timerId());
        if (state.equals("paused")) {
            if (active != null) publish.accept(new Event.Typing(chatId, userId, "paused", memberIds));
            return;
        }
        boolean forward = active == null || !active.state().equals(state) || now - active.forwardedAt() >= RENEW_FORWARD_MS;
        if (forward) publish.accept(new Event.Typing(chatId, userId, state, memberIds));
        long timer = context.owner().setTimer(LAPSE_MS, id -> context.runOnContext(v -> lapse(chatId, id)));
        byChat.put(chatId, new Active(state, memberIds, timer, forward ? now : active.forwardedAt()));
    }

    private void lapse(String chatId, long timerId) {
        Active active = byChat.get(chatId);
        if (active == null || active.timerId() != timerId) return;
        byChat.remove(chatId);
        publish.accept(new Event.Typing(chatId, userId, "paused", active.memberIds()));
    }

    /** A message was sent in the chat: watchers stop showing typing when it arrives, so no frame. */
    void sent(String chatId) {
        Active active = byChat.remove(chatId);
        if (active != null) context.owner().cancelTimer(active.timerId());
    }

    /** The socket closed: whatever it was doing stops. */
    void closed() {
        for (var e : byChat.entrySet()) {
            context.owner().cancelTimer(e.getValue().timerId());
            publish.accept(new Event.Typing(e.getKey(), userId, "paused", e.getValue().memberIds()));
        }
        byChat.clear();
    }
}
