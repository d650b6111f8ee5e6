package org.parley.protocol;

/**
 * The one error vocabulary of Parley. Every code maps to an HTTP status and appears in
 * {@code docs/errors.md}; WebSocket error frames carry the same names.
 */
public enum ErrorCode {
    MALFORMED_JSON(400, "The body or frame is not well-formed JSON."),
    INVALID_UTF8(400, "The body or frame is not valid UTF-8."),
    INVALID_FIELD(400, "A field is missing, has the wrong type or an invalid value."),
    INVALID_PHONE(400, "The phone number is not a valid E.164 number (+ and 8 to 15 digits)."),
    TEXT_TOO_LONG(400, "Message text is longer than 65,536 bytes of UTF-8."),
    UNKNOWN_FRAME_TYPE(400, "The WebSocket frame's \"type\" is not one this node understands."),
    UNSUPPORTED_MEDIA_TYPE(415, "The request body must be application/json."),
    BODY_TOO_LARGE(413, "The request body is larger than the node accepts."),
    FRAME_TOO_LARGE(413, "The WebSocket message is larger than the node accepts."),
    UNAUTHENTICATED(401, "The bearer token is missing, malformed, unknown or signed out."),
    CODE_INVALID(401, "The sign-in code is wrong."),
    CODE_EXPIRED(401, "No sign-in code is pending for this phone, or it expired; request a new one."),
    CODE_ATTEMPTS_EXCEEDED(429, "Too many wrong codes; request a new one."),
    RATE_LIMITED(429, "Too many requests; retry after the time given in Retry-After."),
    NOT_FOUND(404, "No such route."),
    METHOD_NOT_ALLOWED(405, "The route exists but not with this method."),
    USER_NOT_FOUND(404, "No user has this id or phone number."),
    CHAT_NOT_FOUND(404, "No such chat, or you are not a member of it."),
    DEVICE_NOT_FOUND(404, "No such device among your devices."),
    REPLY_NOT_FOUND(400, "The message being replied to is not in this chat."),
    MESSAGE_NOT_FOUND(404, "No such message in this chat."),
    NOT_SENDER(403, "Only the sender of a message can see its receipts."),
    GROUP_FULL(409, "The group would have more members than allowed; nothing was changed."),
    NOT_ADMIN(403, "Only the group's admins may do this."),
    INVITE_NOT_FOUND(404, "The invite code is wrong, revoked or expired."),
    MEDIA_TYPE_REJECTED(415, "The uploaded bytes are not of the declared kind, or of a kind the node does not accept (programs, scripts)."),
    MEDIA_TOO_LARGE(413, "The upload is larger than the limit for its kind; nothing was kept."),
    MEDIA_NOT_FOUND(404, "No such media, or you are not allowed to see it."),
    MEDIA_UNREADABLE(422, "The video or audio cannot be read (ffmpeg could not decode it); nothing was kept."),
    MEDIA_BUSY(503, "Too many videos and voice notes are being processed; retry later."),
    RANGE_NOT_SATISFIABLE(416, "The Range header asks for bytes outside the media."),
    URL_EXPIRED(403, "The signed media URL has expired; ask GET /v1/media/{mediaId} for a new one."),
    URL_INVALID(403, "The signed media URL was altered or is not for this media."),
    PUSH_ENDPOINT_REJECTED(422, "The Web Push endpoint is not an https URL on a push service this node allows (push.webPush.allowedHosts)."),
    PUSH_PROVIDER_OFF(422, "This node has no credentials for that push provider (FCM or APNs); register another kind."),
    STORE_UNAVAILABLE(503, "The store does not answer; retry later."),
    SHUTTING_DOWN(503, "The node is shutting down; retry on another node or later."),
    INTERNAL(500, "An unexpected error; it has been logged with the request id.");

    private final int httpStatus;
    private final String description;

    ErrorCode(int httpStatus, String description) {
        this.httpStatus = httpStatus;
        this.description = description;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String description() {
        return description;
    }
}
