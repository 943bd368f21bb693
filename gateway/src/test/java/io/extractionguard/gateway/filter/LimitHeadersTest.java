package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.request.ApiFormat;

/** Anthropic reset headers: RFC 3339, rounded up to the second, right for every second (formatted text is reused). */
class LimitHeadersTest {

    @Test
    void aResetIsTheNextWholeSecondAtOrAfterTheWindowIsFull() {
        assertThat(reset(Instant.parse("2026-12-07T18:00:00.250Z"), 59)).isEqualTo("2026-12-07T18:01:00Z");
        assertThat(reset(Instant.parse("2026-12-07T18:00:00Z"), 59)).isEqualTo("2026-12-07T18:00:59Z");
    }

    @Test
    void secondsSharingASlotOfTheTextCacheEachGetTheirOwnText() {
        for (long second = 1_796_000_000L; second < 1_796_000_000L + 64 * 5; second += 13) {
            assertThat(LimitHeaders.instant(second)).isEqualTo(Instant.ofEpochSecond(second).toString());
            assertThat(LimitHeaders.instant(second + 64)).isEqualTo(Instant.ofEpochSecond(second + 64).toString());
            assertThat(LimitHeaders.instant(second)).isEqualTo(Instant.ofEpochSecond(second).toString());
        }
    }

    private static String reset(Instant now, long resetSeconds) {
        HttpHeaders headers = new HttpHeaders();
        LimitHeaders.write(headers, ApiFormat.ANTHROPIC_MESSAGES, decision(new LimitOutcome(true, 100, 60, 7, resetSeconds, 0)), now);
        return headers.getFirst("anthropic-ratelimit-requests-reset");
    }

    private static Decision decision(LimitOutcome limit) {
        return Decision.allow(new Decision.Basis("acct", 0, List.of(), null, "p"), List.of(), limit, null);
    }
}
