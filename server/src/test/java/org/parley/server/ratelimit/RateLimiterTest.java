package org.parley.server.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final RateLimiter.Policy threePerHour = new RateLimiter.Policy("p", 3, Duration.ofHours(1));

    @Test
    void refusesPastCapacityPerKey() {
        RateLimiter limiter = new RateLimiter();
        for (int i = 0; i < 3; i++) limiter.check(threePerHour, "a");
        assertThatThrownBy(() -> limiter.check(threePerHour, "a"))
                .isInstanceOfSatisfying(RateLimiter.Limited.class, e -> assertThat(e.retryAfterSeconds()).isBetween(1L, 3600L));
        limiter.check(threePerHour, "b");
    }

    @Test
    void aFloodOfKeysDoesNotResetLimits() {
        RateLimiter limiter = new RateLimiter(100);
        for (int i = 0; i < 3; i++) limiter.check(threePerHour, "victim");
        for (int i = 0; i < 500; i++) {
            try {
                limiter.check(threePerHour, "flood-" + i);
            } catch (RateLimiter.Limited e) {
                // the shared overflow bucket runs dry: expected
            }
        }
        assertThat(limiter.size()).isLessThanOrEqualTo(101);
        assertThatThrownBy(() -> limiter.check(threePerHour, "victim")).as("the victim's limit still holds").isInstanceOf(RateLimiter.Limited.class);
    }

    @Test
    void ipv6ClientsAreLimitedByTheirSlash64() {
        assertThat(RateLimiter.addressKey("2001:db8:1:2:aaaa::1")).isEqualTo(RateLimiter.addressKey("2001:db8:1:2:bbbb::9"));
        assertThat(RateLimiter.addressKey("2001:db8:1:3::1")).isNotEqualTo(RateLimiter.addressKey("2001:db8:1:2::1"));
        assertThat(RateLimiter.addressKey("192.0.2.7")).isEqualTo("192.0.2.7");
    }
}
