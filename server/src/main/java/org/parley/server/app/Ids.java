package org.parley.server.app;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

/**
 * Makes ids: 6 bytes of milliseconds then 10 random bytes, base64url without padding (22
 * characters); unguessable. Ids made close together in time share their first characters,
 * so they land near each other in an index; they are not increasing as text, though
 * (base64url's alphabet is not in byte order: '9' sorts before 'A', 'z' after '_').
 */
public final class Ids {
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public Ids(Clock clock) {
        this.clock = clock;
    }

    public String next() {
        byte[] bytes = new byte[16];
        long ms = clock.millis();
        for (int i = 5; i >= 0; i--) {
            bytes[i] = (byte) ms;
            ms >>>= 8;
        }
        byte[] tail = new byte[10];
        random.nextBytes(tail);
        System.arraycopy(tail, 0, bytes, 6, 10);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
