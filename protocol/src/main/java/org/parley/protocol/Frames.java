package org.parley.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.Map;

/** WebSocket frames: JSON text frames told apart by their {@code "type"}. */
public final class Frames {
    private Frames() {}

    /** Frames a device sends. {@code id} is optional; the answer (ack or error) repeats it. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(Send.class),
        @JsonSubTypes.Type(Sync.class),
        @JsonSubTypes.Type(Delivered.class),
        @JsonSubTypes.Type(Read.class),
        @JsonSubTypes.Type(Ping.class),
        @JsonSubTypes.Type(SubscribePresence.class),
        @JsonSubTypes.Type(Typing.class)
    })
    public sealed interface ClientFrame permits Send, Sync, Delivered, Read, Ping, SubscribePresence, Typing {
        String id();
    }

    @JsonTypeName("send")
    public record Send(String id, String chatId, String clientMsgId, String text, String replyTo, String mediaId, String caption)
            implements ClientFrame {
        public Send {
            Validate.id("chatId", chatId);
            new Requests.SendMessageRequest(clientMsgId, text, replyTo, mediaId, caption);
        }

        public Send(String id, String chatId, String clientMsgId, String text, String replyTo) {
            this(id, chatId, clientMsgId, text, replyTo, null, null);
        }

        public Requests.SendMessageRequest request() {
            return new Requests.SendMessageRequest(clientMsgId, text, replyTo, mediaId, caption);
        }
    }

    /**
     * Asks for everything after the given per-chat cursors (chatId → highest seq the device
     * has). Chats the device does not list start from 0. Answered by message frames, then
     * {@code synced}; when {@code more} is true the device sends another sync with its new
     * cursors.
     */
    @JsonTypeName("sync")
    public record Sync(String id, Map<String, Long> cursors) implements ClientFrame {
        public Sync {
            cursors = cursors == null ? Map.of() : Map.copyOf(cursors);
            if (cursors.size() > 10_000) throw ApiException.invalid("at most 10000 cursors");
            cursors.forEach((chat, seq) -> {
                Validate.id("cursors key", chat);
                if (seq == null || seq < 0) throw ApiException.invalid("cursor values must be >= 0");
            });
        }
    }

    @JsonTypeName("delivered")
    public record Delivered(String id, String chatId, long upToSeq) implements ClientFrame {

        public Delivered {
            Validate.id("chatId", chatId);
            if (upToSeq < 0) throw ApiException.invalid("upToSeq must be >= 0");
        }
    }

    @JsonTypeName("read")
    public record Read(String id, String chatId, long upToSeq) implements ClientFrame {

        public Read {
            Validate.id("chatId", chatId);
            if (upToSeq < 0) throw ApiException.invalid("upToSeq must be >= 0");
        }
    }

    @JsonTypeName("ping")
    public record Ping(String id) implements ClientFrame {}

    /**
     * The chats the device shows: it gets a {@code presence} frame for each of their other
     * members now and whenever one changes. Replaces the previous subscription; an empty
     * list ends it.
     */
    @JsonTypeName("subscribePresence")
    public record SubscribePresence(String id, java.util.List<String> chatIds) implements ClientFrame {
        public static final int MAX_CHATS = 200;

        public SubscribePresence {
            chatIds = chatIds == null ? java.util.List.of() : java.util.List.copyOf(chatIds);
            if (chatIds.size() > MAX_CHATS) throw ApiException.invalid("at most " + MAX_CHATS + " chatIds");
            for (String c : chatIds) Validate.id("chatIds", c);
        }
    }

    /** I am typing or recording a voice note in the chat, or stopped ({@code paused}); renew within 5 s or it lapses. */
    @JsonTypeName("typing")
    public record Typing(String id, String chatId, String state) implements ClientFrame {
        public static final java.util.List<String> STATES = java.util.List.of("typing", "recording", "paused");

        public Typing {
            Validate.id("chatId", chatId);
            if (state == null || !STATES.contains(state)) throw ApiException.invalid("state must be one of " + STATES);
        }
    }

    /** Frames the node sends. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = Model.Message.class, name = "message"),
        @JsonSubTypes.Type(Ack.class),
        @JsonSubTypes.Type(Error.class),
        @JsonSubTypes.Type(Receipt.class),
        @JsonSubTypes.Type(Synced.class),
        @JsonSubTypes.Type(Pong.class),
        @JsonSubTypes.Type(Ready.class),
        @JsonSubTypes.Type(SignedOut.class),
        @JsonSubTypes.Type(Membership.class),
        @JsonSubTypes.Type(value = Model.Presence.class, name = "presence"),
        @JsonSubTypes.Type(TypingState.class)
    })
    public sealed interface ServerFrame permits Model.Message, Ack, Error, Receipt, Synced, Pong, Ready, SignedOut, Membership, Model.Presence,
            TypingState {}

    /** A member of one of your chats is typing, recording, or stopped ({@code paused}: also sent when 5 s pass without renewal). */
    @JsonTypeName("typing")
    public record TypingState(String chatId, String userId, String state) implements ServerFrame {}

    /**
     * Your membership in a group changed: {@code change} is added, removed, left or role
     * (then {@code role} is the new one). After removed/left the chat answers 404 and sends
     * you nothing more. With added, {@code joinedSeq} is the last seq before you joined: your
     * history starts after it, so a device sets its cursor for the chat to at least this.
     */
    @JsonTypeName("membership")
    public record Membership(String chatId, String userId, String change, String role, String by, Long joinedSeq) implements ServerFrame {}

    /** Answer to a send: the message is durable. {@code duplicate} is true for a repeated clientMsgId. */
    @JsonTypeName("ack")
    public record Ack(String id, String chatId, String clientMsgId, String msgId, Long seq, Long sentAt, Boolean duplicate)
            implements ServerFrame {
        public static Ack of(String id) {
            return new Ack(id, null, null, null, null, null, null);
        }
    }

    @JsonTypeName("error")
    public record Error(String id, String code, String message) implements ServerFrame {}

    /** A member's delivered or read cursor moved in a chat you are in. */
    @JsonTypeName("receipt")
    public record Receipt(String chatId, String userId, String kind, long upToSeq, long at) implements ServerFrame {}

    @JsonTypeName("synced")
    public record Synced(String id, boolean more) implements ServerFrame {}

    @JsonTypeName("pong")
    public record Pong(String id) implements ServerFrame {}

    /** First frame on every socket: who you are and the node's limits. */
    @JsonTypeName("ready")
    public record Ready(String userId, String deviceId, int maxFrameBytes, int pingIntervalSeconds) implements ServerFrame {}

    /** This device was signed out; the socket closes right after. */
    @JsonTypeName("signedOut")
    public record SignedOut(String deviceId) implements ServerFrame {}
}
