package org.parley.server.push;

import java.util.Map;

/**
 * What one push says. {@code collapseKey} (the chat id) lets the provider replace an earlier,
 * still undelivered notification of the same chat; {@code data} travels to the app as
 * string pairs (chatId, seq, msgId, count); {@code ttlSeconds} is how long the provider
 * keeps it for an unreachable device.
 */
public record Notification(String collapseKey, String title, String body, Map<String, String> data, int ttlSeconds) {
    public Notification {
        data = Map.copyOf(data);
    }
}
