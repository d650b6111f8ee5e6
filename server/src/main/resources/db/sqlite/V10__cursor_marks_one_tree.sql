-- Receipt marks in one tree ordered by chat and position (SQLite). The range look-ups
-- (which marks cover messages n..m of a chat) search the key directly, so the index that
-- served them goes; the unique key is the same four columns. WITHOUT ROWID keeps the rows
-- in the key's tree itself: a mark is one tree written instead of three (the table, its
-- key, the range index), and a 1:1 message brings about one mark (benchmarks.md, 17).
-- SQLite cannot change a table's key in place: the table is copied. One node uses the
-- file, and it runs this before it starts.
CREATE TABLE cursor_marks_by_chat (
    chat_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    up_to_seq     BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (chat_id, up_to_seq, user_id, kind)
) WITHOUT ROWID;
INSERT INTO cursor_marks_by_chat (chat_id, user_id, kind, up_to_seq, at)
    SELECT chat_id, user_id, kind, up_to_seq, at FROM cursor_marks;
DROP TABLE cursor_marks;
ALTER TABLE cursor_marks_by_chat RENAME TO cursor_marks;
