package org.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ValidateTest {
    @Test
    void idsAreOneToSixtyFourCharactersOfTheUrlSafeAlphabet() {
        for (String ok : new String[] {"a", "Z", "0", "_", "-", "AZxMMnCg1A8BwFi7LE_NWA", "x".repeat(64), "Az09_-zA"}) {
            assertThat(Validate.id("chatId", ok)).as(ok).isEqualTo(ok);
        }
        for (String bad : new String[] {"", "x".repeat(65), "a b", "a+b", "a/b", "a.b", "a=", "é", "a\n", "\u0000", "a\u200bb", "ａ", "@", "[", "`", "{"}) {
            assertThatThrownBy(() -> Validate.id("chatId", bad)).as(bad).isInstanceOf(ApiException.class)
                    .hasMessageContaining("chatId must be 1-64 characters");
        }
        assertThatThrownBy(() -> Validate.id("chatId", null)).hasMessageContaining("chatId is required");
    }
}
