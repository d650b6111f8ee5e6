package org.parley.protocol;

import java.util.List;


/** Request bodies of the REST API. Validation lives in the canonical constructors. */
public final class Requests {
    private Requests() {}

    public record CodeRequest(String phone) {
        public CodeRequest {
            Validate.phone(phone);
        }
    }

    public record TokenRequest(String phone, String code, String deviceName) {
        public TokenRequest {
            Validate.phone(phone);
            Validate.required("code", code);
            if (!code.matches("[0-9]{6}")) throw ApiException.invalid("code must be 6 digits");
            deviceName = deviceName == null ? "device" : Validate.label("deviceName", deviceName, 64, false);
        }
    }

    /** PATCH /v1/me: absent fields stay as they are. */
    public record ProfileUpdate(String displayName, String about) {
        public ProfileUpdate {
            if (displayName != null) Validate.label("displayName", displayName, 64, false);
            if (about != null) Validate.label("about", about, 140, true);
            if (displayName == null && about == null) throw ApiException.invalid("give displayName or about");
        }
    }

    public record DeviceRename(String name) {
        public DeviceRename {
            Validate.label("name", name, 64, false);
        }
    }

    /** Opens a direct chat ({@code userId}) or creates a group ({@code title}, {@code members}). */
    public record OpenChatRequest(String type, String userId, String title, String description, List<String> members) {
        public OpenChatRequest {
            Validate.required("type", type);
            switch (type) {
                case "direct" -> {
                    Validate.id("userId", userId);
                    if (title != null || description != null || members != null) throw ApiException.invalid("a direct chat takes userId only");
                }
                case "group" -> {
                    if (userId != null) throw ApiException.invalid("a group takes members, not userId");
                    Validate.label("title", title, 100, false);
                    if (description != null) Validate.label("description", description, 512, true);
                    members = idList("members", members == null ? List.of() : members, true);
                }
                default -> throw ApiException.invalid("type must be \"direct\" or \"group\"");
            }
        }
    }

    static List<String> idList(String field, List<String> ids, boolean allowEmpty) {
        if (ids == null) throw ApiException.invalid(field + " is required");
        if (!allowEmpty && ids.isEmpty()) throw ApiException.invalid(field + " must not be empty");
        if (ids.size() > 1000) throw ApiException.invalid(field + " has too many entries");
        for (String id : ids) Validate.id(field + " entry", id);
        return List.copyOf(new java.util.LinkedHashSet<>(ids));
    }

    public record AddMembersRequest(List<String> userIds) {
        public AddMembersRequest {
            userIds = idList("userIds", userIds, false);
        }
    }

    public record RoleChange(String role) {
        public RoleChange {
            Validate.required("role", role);
            if (!role.equals("admin") && !role.equals("member")) throw ApiException.invalid("role must be \"admin\" or \"member\"");
        }
    }

    /** PATCH /v1/chats/{chatId}: absent fields stay as they are. */
    public record GroupUpdate(String title, String description, Boolean onlyAdminsSend, Boolean onlyAdminsEdit) {
        public GroupUpdate {
            if (title != null) Validate.label("title", title, 100, false);
            if (description != null) Validate.label("description", description, 512, true);
            if (title == null && description == null && onlyAdminsSend == null && onlyAdminsEdit == null) {
                throw ApiException.invalid("give title, description, onlyAdminsSend or onlyAdminsEdit");
            }
        }
    }

    /** POST /v1/chats/{chatId}/invite: an optional lifetime; none means until revoked. */
    public record InviteRequest(Long expiresInSeconds) {
        public InviteRequest {
            if (expiresInSeconds != null && (expiresInSeconds < 60 || expiresInSeconds > 365L * 24 * 3600)) {
                throw ApiException.invalid("expiresInSeconds must be 60 .. 31536000");
            }
        }
    }

    public record JoinRequest(String inviteCode) {
        public JoinRequest {
            Validate.required("inviteCode", inviteCode);
            if (!inviteCode.matches("[A-Za-z0-9_-]{16,64}")) throw new ApiException(ErrorCode.INVITE_NOT_FOUND, "no such invite");
        }
    }

    /**
     * A message: {@code text}, or a media item ({@code mediaId}, uploaded first) with an
     * optional {@code caption}.
     */
    public record SendMessageRequest(String clientMsgId, String text, String replyTo, String mediaId, String caption) {
        public SendMessageRequest {
            Validate.id("clientMsgId", clientMsgId);
            if (mediaId == null) {
                if (caption != null) throw ApiException.invalid("caption goes with mediaId; a text message has text");
                Validate.messageText(text);
            } else {
                Validate.id("mediaId", mediaId);
                if (text != null) throw ApiException.invalid("a media message has a caption, not text");
                if (caption != null) Validate.messageText(caption);
            }
            if (replyTo != null) Validate.id("replyTo", replyTo);
        }

        public SendMessageRequest(String clientMsgId, String text, String replyTo) {
            this(clientMsgId, text, replyTo, null, null);
        }

        /** What the message shows as its text: the text, or the media's caption (may be null). */
        public String body() {
            return mediaId == null ? text : caption;
        }
    }

    public record ReadRequest(long upToSeq) {

        public ReadRequest {
            if (upToSeq < 0) throw ApiException.invalid("upToSeq must be >= 0");
        }
    }

    /**
     * PUT /v1/me/settings: the whole settings object. {@code lastSeen} is who sees my online
     * state and last seen (everyone, contacts, nobody; reciprocal). {@code dnd}, when given,
     * is a daily window in which no push is sent.
     */
    public record SettingsUpdate(String lastSeen, Boolean notificationPreviews, Model.Dnd dnd) {
        public SettingsUpdate {
            Validate.required("lastSeen", lastSeen);
            if (!Model.Settings.VISIBILITIES.contains(lastSeen)) throw ApiException.invalid("lastSeen must be one of " + Model.Settings.VISIBILITIES);
            if (notificationPreviews == null) throw ApiException.invalid("notificationPreviews is required");
            if (dnd != null) dnd.validate();
        }
    }

    /**
     * PUT /v1/devices/current/push: this device's push address. {@code type} webPush needs
     * {@code endpoint}, {@code p256dh} and {@code auth} (from PushSubscription.toJSON());
     * fcm needs {@code token}; apns needs {@code token} (hex) and {@code topic} (the bundle id).
     */
    public record PushRegistration(String type, String endpoint, String p256dh, String auth, String token, String topic) {
        private static final java.util.regex.Pattern B64URL = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+={0,2}");

        public PushRegistration {
            Validate.required("type", type);
            switch (type) {
                case "webPush" -> {
                    Validate.required("endpoint", endpoint);
                    if (endpoint.length() > 2048) throw ApiException.invalid("endpoint is longer than 2048 characters");
                    requireBase64Url("p256dh", p256dh, 80, 100); // 65-byte P-256 point
                    requireBase64Url("auth", auth, 16, 32); // 16-byte secret
                    if (token != null || topic != null) throw ApiException.invalid("webPush takes endpoint, p256dh and auth only");
                }
                case "fcm" -> {
                    Validate.required("token", token);
                    if (token.length() > 4096 || !token.matches("[A-Za-z0-9_:.-]+")) throw ApiException.invalid("token is not an FCM registration token");
                    if (endpoint != null || p256dh != null || auth != null || topic != null) throw ApiException.invalid("fcm takes token only");
                }
                case "apns" -> {
                    Validate.required("token", token);
                    if (!token.matches("[0-9a-fA-F]{64,200}")) throw ApiException.invalid("token must be the APNs device token in hex");
                    Validate.required("topic", topic);
                    if (!topic.matches("[A-Za-z0-9.-]{1,255}")) throw ApiException.invalid("topic must be the app's bundle id");
                    if (endpoint != null || p256dh != null || auth != null) throw ApiException.invalid("apns takes token and topic only");
                }
                default -> throw ApiException.invalid("type must be webPush, fcm or apns");
            }
        }

        private static void requireBase64Url(String field, String value, int min, int max) {
            Validate.required(field, value);
            if (value.length() < min || value.length() > max || !B64URL.matcher(value).matches()) {
                throw ApiException.invalid(field + " must be base64url");
            }
        }
    }

    /** PUT /v1/chats/{chatId}/mute: no pushes for this chat until {@code until} (epoch ms; "always" is any far-future time). */
    public record MuteRequest(long until) {
        public MuteRequest {
            if (until <= 0 || until > 253_402_300_799_999L) throw ApiException.invalid("until must be an epoch-millisecond time before year 10000");
        }
    }
}
