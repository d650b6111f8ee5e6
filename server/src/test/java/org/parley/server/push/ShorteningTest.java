package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShorteningTest {
    @Test
    void shortTextIsKeptWhole() {
        assertThat(Shortening.utf8Prefix("chat-42", 64)).isEqualTo("chat-42");
    }

    @Test
    void theCutNeverSplitsACharacter() {
        assertThat(Shortening.utf8Prefix("aé", 2)).isEqualTo("a"); // é is two bytes
        assertThat(Shortening.utf8Prefix("a€b", 4)).isEqualTo("a€");
        assertThat(Shortening.utf8Prefix("😀😀", 7)).isEqualTo("😀"); // a surrogate pair, four bytes
        assertThat(Shortening.utf8Prefix("abc", 0)).isEmpty();
    }
}
