-- Receipt marks, kept in one tree ordered by chat and position: the look-ups by range
-- (which marks cover messages n..m of a chat) read it directly, the index that served
-- them goes, and the unique key is the same four columns. On SQLite the rows live in the
-- key's tree itself (WITHOUT ROWID): a mark is one page written instead of three (the
-- table, its key, the range index), which counts, as a 1:1 message brings about one
-- mark (benchmarks.md, 17).
CREATE TABLE cursor_marks_by_chat (
    chat_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    up_to_seq     BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (chat_id, up_to_seq, user_id, kind)
) ${clustered};
INSERT INTO cursor_marks_by_chat (chat_id, user_id, kind, up_to_seq, at)
    SELECT chat_id, user_id, kind, up_to_seq, at FROM cursor_marks;
DROP TABLE cursor_marks;
ALTER TABLE cursor_marks_by_chat RENAME TO cursor_marks;
