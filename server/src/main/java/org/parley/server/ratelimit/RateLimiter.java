package org.parley.server.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.protocol.ErrorCode;

/**
 * Named token-bucket policies, one bucket per (policy, key). Buckets live in this node's
 * memory: behind a load balancer with sticky routing by client that is what a user sees.
 */
public final class RateLimiter {

    /** {@code capacity} requests per {@code period}, refilled gradually. */
    public record Policy(String name, long capacity, Duration period) {
        public Policy {
            if (capacity < 1) throw new IllegalArgumentException(name + ": capacity must be >= 1");
        }
    }

    /** Refused: retry after {@code retryAfterSeconds}. */
    public static final class Limited extends org.parley.protocol.ApiException {
        private final long retryAfterSeconds;

        Limited(String policy, long retryAfterSeconds) {
            super(ErrorCode.RATE_LIMITED, "too many requests (" + policy + "); retry in " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private static final int MAX_BUCKETS = 200_000;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes one token for {@code key} or throws {@link Limited}. */
    public void check(Policy policy, String key) {
        if (buckets.size() > MAX_BUCKETS) buckets.clear(); // a flood of keys must not exhaust memory
        Bucket bucket = buckets.computeIfAbsent(policy.name() + '|' + key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(policy.capacity()).refillGreedy(policy.capacity(), policy.period()).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
            throw new Limited(policy.name(), seconds);
        }
    }
}
