package org.parley.protocol;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Checks shared by the canonical constructors of the wire records. */
public final class Validate {
    public static final int MAX_TEXT_BYTES = 65_536;
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{7,14}");

    private Validate() {}

    public static String required(String field, String value) {
        if (value == null) throw ApiException.invalid(field + " is required");
        return value;
    }

    public static String phone(String value) {
        required("phone", value);
        if (!E164.matcher(value).matches()) {
            throw new ApiException(ErrorCode.INVALID_PHONE, "phone must be E.164, like +14155550100");
        }
        return value;
    }

    public static String id(String field, String value) {
        required(field, value);
        if (!isId(value)) {
            throw ApiException.invalid(field + " must be 1-64 characters of A-Z, a-z, 0-9, _ or -");
        }
        return value;
    }

    /**
     * 1-64 characters of A-Z, a-z, 0-9, _ or -. A loop rather than a regular expression: every
     * frame's ids pass here on the event loop, where the expression's matcher took 2 % of a busy
     * node's CPU (benchmarks.md 33).
     */
    static boolean isId(String value) {
        int n = value.length();
        if (n < 1 || n > 64) return false;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
        }
        return true;
    }

    /** Free text shown to people: no control characters other than newline and tab. */
    public static String label(String field, String value, int maxChars, boolean allowEmpty) {
        required(field, value);
        if (!allowEmpty && value.isBlank()) throw ApiException.invalid(field + " must not be blank");
        if (value.codePointCount(0, value.length()) > maxChars) {
            throw ApiException.invalid(field + " is longer than " + maxChars + " characters");
        }
        noBrokenSurrogates(field, value);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t') throw ApiException.invalid(field + " contains control characters");
        }
        return value;
    }

    public static String messageText(String value) {
        required("text", value);
        if (value.isEmpty()) throw ApiException.invalid("text must not be empty");
        noBrokenSurrogates("text", value);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // NUL is refused by PostgreSQL; other C0 controls (ESC...) would reach terminals raw.
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                throw ApiException.invalid("text contains control characters (only tab, CR and LF are allowed)");
            }
        }
        if (exceedsUtf8Bytes(value, MAX_TEXT_BYTES)) {
            throw new ApiException(ErrorCode.TEXT_TOO_LONG, "text is longer than " + MAX_TEXT_BYTES + " bytes of UTF-8");
        }
        return value;
    }

    /** A lone surrogate (from a JSON \\uD800 escape) cannot be encoded as UTF-8. */
    static void noBrokenSurrogates(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw new ApiException(ErrorCode.INVALID_UTF8, field + " contains an unpaired surrogate");
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new ApiException(ErrorCode.INVALID_UTF8, field + " contains an unpaired surrogate");
            }
        }
    }

    static boolean exceedsUtf8Bytes(String s, int max) {
        if ((long) s.length() * 3 <= max) return false; // a UTF-16 unit never takes more than 3 bytes
        return s.getBytes(StandardCharsets.UTF_8).length > max;
    }

    public static long nonNegative(String field, long value) {
        if (value < 0) throw ApiException.invalid(field + " must be >= 0");
        return value;
    }
}
