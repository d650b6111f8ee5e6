package org.parley.protocol;

/** A failure with a stable {@link ErrorCode}; thrown by validation and by services. */
public class ApiException extends RuntimeException {
    private final ErrorCode code;

    public ApiException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** With the failure underneath (kept for logs and for callers that look at it, never sent). */
    protected ApiException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static ApiException invalid(String message) {
        return new ApiException(ErrorCode.INVALID_FIELD, message);
    }
}
