package org.parley.client;

/** An error answer from the node: its stable code (see docs/errors.md), HTTP status and message. */
public class ParleyException extends RuntimeException {
    private final String code;
    private final int status;

    public ParleyException(String code, int status, String message) {
        super(code + ": " + message);
        this.code = code;
        this.status = status;
    }

    public String code() {
        return code;
    }

    /** HTTP status, or 0 for an error frame on the socket. */
    public int status() {
        return status;
    }

    /** Worth sending again with the same clientMsgId: the node was busy, stopping or unreachable. */
    public boolean retryable() {
        return switch (code) {
            case "STORE_UNAVAILABLE", "SHUTTING_DOWN", "INTERNAL", "RATE_LIMITED", "UNREACHABLE" -> true;
            default -> false;
        };
    }
}
