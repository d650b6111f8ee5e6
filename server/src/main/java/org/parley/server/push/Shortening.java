package org.parley.server.push;

import java.util.function.Function;

/** Cutting text to what a provider takes, never splitting a character. */
final class Shortening {
    static final String ELLIPSIS = "\u2026";

    private Shortening() {}

    /** The longest prefix of {@code s} that fits {@code maxBytes} of UTF-8 (APNs collapse ids: 64). */
    static String utf8Prefix(String s, int maxBytes) {
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

    /**
     * The encoding of the longest prefix of {@code text} (by code points, with an ellipsis) whose
     * encoding fits {@code maxBytes}; null if none does. A binary search: escaping makes the size
     * of a prefix unpredictable, but it only grows with the prefix.
     */
    static byte[] longestFitting(String text, int maxBytes, Function<String, byte[]> encode) {
        int[] codePoints = text.codePoints().toArray();
        byte[] best = null;
        int low = 0;
        int high = codePoints.length - 1; // the whole text is known not to fit
        while (low <= high) {
            int mid = (low + high) >>> 1;
            byte[] candidate = encode.apply(new String(codePoints, 0, mid) + ELLIPSIS);
            if (candidate.length <= maxBytes) {
                best = candidate;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return best;
    }
}
