package org.parley.protocol;

import java.util.List;

/** Objects the node returns. Times are Unix epoch milliseconds. */
public final class Model {
    private Model() {}

    public record CodeSent(boolean sent, String devCode) {}

    public record TokenIssued(String token, String userId, String deviceId) {}

    public record User(String userId, String phone, String displayName, String about, long createdAt) {}

    public record UserSummary(String userId, String displayName) {}

    public record Device(String deviceId, String name, long createdAt, Long lastSeenAt, boolean current) {}

    public record Devices(List<Device> devices) {}

    /** Delivery state of a message, present only for its sender. */
    public enum Status {
        sent, delivered, read
    }

    /**
     * One message. {@code status}, {@code deliveredAt} and {@code readAt} are filled only for
     * the sender; they describe the other members' cursors.
     */
    public record Message(
            String msgId,
            String chatId,
            long seq,
            String senderId,
            String clientMsgId,
            String kind,
            String text,
            SystemEvent system,
            String replyTo,
            long sentAt,
            Status status,
            Long deliveredAt,
            Long readAt,
            Media media) implements Frames.ServerFrame {

        public static final String TEXT = "text";
        public static final String SYSTEM = "system";

        public Message withStatus(Status status, Long deliveredAt, Long readAt) {
            return new Message(msgId, chatId, seq, senderId, clientMsgId, kind, text, system, replyTo, sentAt, status, deliveredAt, readAt,
                    media);
        }

        public boolean bySystem() {
            return SYSTEM.equals(kind);
        }
    }

    /**
     * What a system message records: {@code event} is one of created, added, removed, left,
     * joined, promoted, demoted, ownerChanged, title, description, settings; {@code actorId}
     * did it to {@code userIds}.
     */
    public record SystemEvent(String event, String actorId, List<String> userIds, String title, String description,
            Boolean onlyAdminsSend, Boolean onlyAdminsEdit) {}

    /** A group member as GET /v1/chats/{chatId}/members lists them. */
    public record Member(String userId, String displayName, String role, long joinedAt) {}

    public record Members(List<Member> members) {}

    public record Invite(String inviteCode, Long expiresAt) {}

    /** One member's receipt for a message: null times mean not yet. */
    public record MemberReceipt(String userId, Long deliveredAt, Long readAt) {}

    public record Receipts(String msgId, List<MemberReceipt> receipts) {}

    public record MessagePage(List<Message> messages, boolean hasMore) {}

    public record SendResult(String msgId, long seq, long sentAt) {}

    /**
     * An uploaded photo, video, voice note or file. {@code kind} is image, video, voice or file;
     * {@code contentType} is what the node found in the bytes; {@code sha256} is hex.
     * {@code width}/{@code height} (images) and {@code durationMs} are null when unknown.
     */
    public record Media(String mediaId, String kind, String contentType, long size, String sha256, String fileName,
            Integer width, Integer height, Long durationMs, Thumbnail thumbnail, String preview, long createdAt) {}

    /** A smaller picture of a photo (JPEG, at most 320 px on its longer side), fetched like the media with variant=thumbnail. */
    public record Thumbnail(int width, int height, long size, String sha256) {}

    /**
     * A chat as one member sees it. Group fields ({@code description}, {@code role},
     * {@code memberCount}, settings) are null for direct chats.
     */
    public record Chat(
            String chatId,
            String type,
            String title,
            String peerUserId,
            Message lastMessage,
            long unread,
            long lastSeq,
            long readSeq,
            long lastActivityAt,
            long createdAt,
            String description,
            String role,
            Integer memberCount,
            Boolean onlyAdminsSend,
            Boolean onlyAdminsEdit,
            Long mutedUntil) {}

    public record Chats(List<Chat> chats) {}

    public record ErrorBody(ErrorDetail error) {}

    public record ErrorDetail(String code, String message, String requestId) {}

    public record Health(String status, String store, String node, long uptimeMs) {}

    /**
     * A user's online state as the asker may see it: when the user hides it (or the asker
     * hides theirs: it is reciprocal) {@code online} is false and {@code lastSeen} null.
     */
    public record Presence(String userId, boolean online, Long lastSeen) implements Frames.ServerFrame {}

    /** Daily do-not-disturb window: from and to are "HH:mm" in {@code timeZone} (IANA); from > to spans midnight. */
    public record Dnd(String from, String to, String timeZone) {
        private static final java.util.regex.Pattern HHMM = java.util.regex.Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");

        public void validate() {
            if (from == null || !HHMM.matcher(from).matches()) throw ApiException.invalid("dnd.from must be HH:mm");
            if (to == null || !HHMM.matcher(to).matches()) throw ApiException.invalid("dnd.to must be HH:mm");
            if (from.equals(to)) throw ApiException.invalid("dnd.from and dnd.to must differ");
            Validate.required("dnd.timeZone", timeZone);
            try {
                java.time.ZoneId.of(timeZone);
            } catch (java.time.DateTimeException e) {
                throw ApiException.invalid("dnd.timeZone is not an IANA time zone (like Europe/Berlin)");
            }
        }

        public static int minutes(String hhmm) {
            return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3));
        }
    }

    /** Privacy and notification settings (GET/PUT /v1/me/settings). */
    public record Settings(String lastSeen, boolean notificationPreviews, Dnd dnd) {
        public static final List<String> VISIBILITIES = List.of("everyone", "contacts", "nobody");
    }

    /** The key a browser passes to PushManager.subscribe as applicationServerKey (base64url, uncompressed P-256 point). */
    public record VapidKey(String publicKey) {}

}
