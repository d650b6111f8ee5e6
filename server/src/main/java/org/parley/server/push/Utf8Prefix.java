package org.parley.server.push;

/** Providers limit some fields in UTF-8 bytes (APNs collapse id: 64), and a cut must not split a character. */
final class Utf8Prefix {
    private Utf8Prefix() {}

    /** The longest prefix of {@code s} that fits {@code maxBytes} of UTF-8. */
    static String of(String s, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < s.length()) {
            int codePoint = s.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) break;
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return s.substring(0, end);
    }
}
