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
            String text,
            String replyTo,
            long sentAt,
            Status status,
            Long deliveredAt,
            Long readAt) implements Frames.ServerFrame {

        public Message withStatus(Status status, Long deliveredAt, Long readAt) {
            return new Message(msgId, chatId, seq, senderId, clientMsgId, text, replyTo, sentAt, status, deliveredAt, readAt);
        }
    }

    public record MessagePage(List<Message> messages, boolean hasMore) {}

    public record SendResult(String msgId, long seq, long sentAt) {}

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
            long createdAt) {}

    public record Chats(List<Chat> chats) {}

    public record ErrorBody(ErrorDetail error) {}

    public record ErrorDetail(String code, String message, String requestId) {}

    public record Health(String status, String store, String node, long uptimeMs) {}
}
