package org.parley.server.push;

import java.time.Duration;

/**
 * One push provider's protocol (Web Push, FCM HTTP v1, APNs). {@link #send} blocks (callers
 * are virtual threads) and never throws for a provider's answer: every answer, and every
 * network failure, maps to an {@link Outcome}.
 */
public interface PushSender {

    PushEndpoint.Kind kind();

    Outcome send(PushEndpoint to, Notification notification) throws InterruptedException;

    /** How a send went. */
    sealed interface Outcome {
        /** The provider accepted it. */
        record Delivered() implements Outcome {}

        /** Worth trying again (5xx, 429, network): after {@code retryAfter} if the provider said so (else null). */
        record Retry(Duration retryAfter, String reason) implements Outcome {}

        /** The endpoint or token is dead (404/410, "unregistered", bad token): forget it. */
        record Gone(String reason) implements Outcome {}

        /** Refused for good for another reason (bad credentials, malformed request): dead-letter it. */
        record Failed(String reason) implements Outcome {}
    }
}
