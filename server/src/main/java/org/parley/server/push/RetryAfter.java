package org.parley.server.push;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** The Retry-After header (RFC 9110 §10.2.3) push providers send with 429 and 503. */
final class RetryAfter {
    private RetryAfter() {}

    /**
     * How long the provider asked us to wait: delta-seconds ({@code 120}) or an HTTP date
     * ({@code Wed, 21 Oct 2015 07:28:00 GMT}, zero when already past). Null when the header is
     * absent or unreadable, so the caller falls back to its own backoff instead of trusting garbage.
     */
    static Duration parse(String header, Clock clock) {
        if (header == null) return null;
        String value = header.trim();
        if (value.isEmpty()) return null;
        if (isDigits(value)) {
            try {
                return Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException tooLarge) {
                return null;
            }
        }
        try {
            Duration untilThen = Duration.between(clock.instant(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return untilThen.isNegative() ? Duration.ZERO : untilThen;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        }
        return true;
    }
}
