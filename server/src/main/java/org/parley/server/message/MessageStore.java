package org.parley.server.message;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.parley.protocol.Model.Message;

/**
 * Each chat's log of messages. {@code append} is the only write: it numbers new messages
 * with the chat's next seqs and makes them durable in one transaction.
 */
public interface MessageStore {

    /**
     * A message to append; {@code kind} is "text" or "system" (then {@code system} says what
     * happened). Its msgId, once stored, is {@link MessageIds#of}(chatId, senderId, clientMsgId).
     */
    record NewMessage(String chatId, String senderId, String clientMsgId, String kind, String text,
            org.parley.protocol.Model.SystemEvent system, String replyTo, long sentAt, org.parley.protocol.Model.Media media) {}

    /** The stored message; {@code duplicate} when (chat, sender, clientMsgId) was already there. */
    record Appended(Message message, boolean duplicate) {}

    /** Appends a batch in one durable transaction; results are in the order of the batch. */
    List<Appended> append(List<NewMessage> batch);

    /** Up to {@code limit} messages with seq > afterSeq, ascending. */
    List<Message> after(String chatId, long afterSeq, int limit);

    /** Up to {@code limit} messages with floorSeq < seq < beforeSeq, the newest of them, ascending. */
    List<Message> before(String chatId, long beforeSeq, long floorSeq, int limit);

    Optional<Message> byId(String chatId, String msgId);

    /** Who sent the messages with fromSeq < seq <= toSeq (each once). */
    java.util.Set<String> senders(String chatId, long fromSeq, long toSeq);

    /** The last message of each given chat that has one. */
    Map<String, Message> lastMessages(Collection<String> chatIds);

    /** A chat of a member's, with its last seq and the seq after which the member sees its messages. */
    record Head(String chatId, long lastSeq, long joinedSeq) {}

    /** The heads of the open chats {@code userId} is a member of that have messages; one statement. */
    List<Head> headsOf(String userId);
}
