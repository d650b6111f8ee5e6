package org.parley.server.message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A message's id, derived from what makes a send one message: its chat, its sender and the
 * sender's clientMsgId. A send repeated, on any node, gets the same id, so the unique index
 * of ids (chat, msgId) is also what finds repeats, and no index of client ids is written
 * for new messages (migration 11).
 *
 * <p>The id is the first 16 bytes of SHA-256 over the three values (each preceded by its
 * length, so no two triples read alike), base64url without padding: 22 characters, like every
 * id the node makes. Its first bit is set, so it never starts with 'A'; ids made from the
 * clock ({@link org.parley.server.app.Ids}), which messages had before migration 11, always
 * do (their first six bits stay zero until the year 2109). That tells old and new apart in SQL
 * ({@link #madeFromTheClock}).
 */
public final class MessageIds {
    private MessageIds() {}

    /** True of a message whose id ({@code msgIdColumn}) came from the clock, before migration 11; its partial index's predicate. */
    static String madeFromTheClock(String msgIdColumn) {
        return "substr(" + msgIdColumn + ", 1, 1) = 'A'";
    }

    public static String of(String chatId, String senderId, String clientMsgId) {
        byte[] chat = chatId.getBytes(StandardCharsets.UTF_8);
        byte[] sender = senderId.getBytes(StandardCharsets.UTF_8);
        byte[] client = clientMsgId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer in = ByteBuffer.allocate(12 + chat.length + sender.length + client.length);
        in.putInt(chat.length).put(chat).putInt(sender.length).put(sender).putInt(client.length).put(client);
        byte[] id;
        try {
            id = java.util.Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(in.array()), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        id[0] |= (byte) 0x80;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }
}
