package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Utf8PrefixTest {
    @Test
    void shortTextIsKeptWhole() {
        assertThat(Utf8Prefix.of("chat-42", 64)).isEqualTo("chat-42");
    }

    @Test
    void theCutNeverSplitsACharacter() {
        assertThat(Utf8Prefix.of("aé", 2)).isEqualTo("a"); // é is two bytes
        assertThat(Utf8Prefix.of("a€b", 4)).isEqualTo("a€");
        assertThat(Utf8Prefix.of("😀😀", 7)).isEqualTo("😀"); // a surrogate pair, four bytes
        assertThat(Utf8Prefix.of("abc", 0)).isEmpty();
    }
}
