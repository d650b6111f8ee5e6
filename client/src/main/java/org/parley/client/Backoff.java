package org.parley.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2^n)]. */
public final class Backoff {
    private final Duration base;
    private final Duration cap;
    private final RandomGenerator random;
    private int attempt;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) throw new IllegalArgumentException("0 < base <= cap");
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    public Duration next() {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(attempt, 20));
        attempt++;
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }

    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
