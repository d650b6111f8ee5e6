package org.parley.loadgen;

/**
 * Reads the few fields the driver needs straight from the node's JSON text: fast enough to
 * keep up with the node on the same machine, where a full parse per frame would not be.
 */
final class Frames {
    private Frames() {}

    static boolean is(String frame, String type) {
        return frame.startsWith("{\"type\":\"" + type + "\"");
    }

    static String string(String frame, String field) {
        String key = "\"" + field + "\":\"";
        int at = frame.indexOf(key);
        if (at < 0) return null;
        int from = at + key.length();
        int to = frame.indexOf('"', from);
        return frame.substring(from, to);
    }

    static long number(String frame, String field) {
        String key = "\"" + field + "\":";
        int at = frame.indexOf(key);
        if (at < 0) return -1;
        int i = at + key.length();
        long v = 0;
        for (; i < frame.length(); i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') break;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** How many times {@code field} occurs as a key (e.g. messages in a page). */
    static int count(String json, String field) {
        String key = "\"" + field + "\":";
        int n = 0;
        for (int at = json.indexOf(key); at >= 0; at = json.indexOf(key, at + key.length())) n++;
        return n;
    }
}
