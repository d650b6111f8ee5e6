package org.parley.server.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;

/**
 * Named token-bucket policies, one bucket per (policy, key). Buckets live in this node's
 * memory: behind a load balancer with sticky routing by client that is what a user sees.
 * The number of buckets is bounded; past the bound, idle (full) buckets are dropped, and if
 * that is not enough new keys share one bucket per policy, so a flood of keys tightens the
 * limits instead of resetting them.
 */
public final class RateLimiter {

    /** {@code capacity} requests per {@code period}, refilled gradually. */
    public record Policy(String name, long capacity, Duration period) {
        public Policy {
            if (capacity < 1) throw new IllegalArgumentException(name + ": capacity must be >= 1");
        }
    }

    /** Refused: retry after {@code retryAfterSeconds}. */
    public static final class Limited extends ApiException {
        private final long retryAfterSeconds;

        Limited(String policy, long retryAfterSeconds) {
            super(ErrorCode.RATE_LIMITED, "too many requests (" + policy + "); retry in " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private record Entry(Bucket bucket, long capacity) {}

    private final int maxBuckets;
    private final ConcurrentHashMap<String, Entry> buckets = new ConcurrentHashMap<>();
    private volatile long lastEviction;

    public RateLimiter() {
        this(200_000);
    }

    RateLimiter(int maxBuckets) {
        this.maxBuckets = maxBuckets;
    }

    /** Takes one token for {@code key} or throws {@link Limited}. */
    public void check(Policy policy, String key) {
        String id = policy.name() + '|' + key;
        Entry entry = buckets.get(id);
        if (entry == null) {
            if (buckets.size() >= maxBuckets) evictIdle();
            if (buckets.size() >= maxBuckets) id = policy.name() + "|*overflow*";
            entry = buckets.computeIfAbsent(id, k -> new Entry(Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(policy.capacity()).refillGreedy(policy.capacity(), policy.period()).build())
                    .build(), policy.capacity()));
        }
        ConsumptionProbe probe = entry.bucket().tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
            throw new Limited(policy.name(), seconds);
        }
    }

    /** Drops buckets that have refilled completely (they hold no state); at most once a second. */
    private void evictIdle() {
        long now = System.nanoTime();
        if (now - lastEviction < 1_000_000_000L) return;
        lastEviction = now;
        buckets.entrySet().removeIf(e -> !e.getKey().endsWith("|*overflow*") && e.getValue().bucket().getAvailableTokens() >= e.getValue().capacity());
    }

    int size() {
        return buckets.size();
    }

    /** The key for per-address limits: IPv6 clients are limited by their /64, which one subscriber usually has. */
    public static String addressKey(String ip) {
        if (ip.indexOf(':') < 0) return ip;
        try {
            byte[] a = java.net.InetAddress.getByName(ip).getAddress();
            if (a.length != 16) return ip;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i += 2) sb.append(String.format("%02x%02x:", a[i], a[i + 1]));
            return sb.append(":/64").toString();
        } catch (java.net.UnknownHostException e) {
            return ip;
        }
    }
}
