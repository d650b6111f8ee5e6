-- Message ids are now derived from the send (MessageIds: a hash of chat, sender and
-- clientMsgId), so the unique index messages_by_msg_id also finds a repeated send, and new
-- messages no longer write an index of client ids. The messages stored before keep their ids,
-- made from the clock: those always start with 'A', derived ones never do. A partial index
-- keeps finding their repeats; it gets no new rows. It is built before the old index is
-- dropped: on PostgreSQL the build lets reads of messages go on (sends wait), where a DROP
-- INDEX first would hold the table's exclusive lock through the whole build.
CREATE UNIQUE INDEX messages_by_client_id_before_v11 ON messages (chat_id, client_msg_id, sender_id) WHERE substr(msg_id, 1, 1) = 'A';
DROP INDEX messages_by_client_id;
