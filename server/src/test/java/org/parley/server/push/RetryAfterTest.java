package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private final Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:28:00Z"), ZoneOffset.UTC);

    @Test
    void deltaSecondsAreTakenAsIs() {
        assertThat(RetryAfter.parse("120", clock)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 5 ", clock)).isEqualTo(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("0", clock)).isEqualTo(Duration.ZERO);
    }

    @Test
    void anHttpDateBecomesTheTimeLeftUntilIt() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:30:30 GMT", clock)).isEqualTo(Duration.ofSeconds(150));
    }

    @Test
    void aDateAlreadyPastMeansRetryNow() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
    }

    @Test
    void absentOrUnreadableHeadersLeaveTheBackoffToTheCaller() {
        assertThat(RetryAfter.parse(null, clock)).isNull();
        assertThat(RetryAfter.parse("", clock)).isNull();
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse("-5", clock)).isNull();
        assertThat(RetryAfter.parse("1.5", clock)).isNull();
        assertThat(RetryAfter.parse("99999999999999999999999", clock)).isNull();
        assertThat(RetryAfter.parse("2015-10-21T07:30:30Z", clock)).isNull();
    }
}
