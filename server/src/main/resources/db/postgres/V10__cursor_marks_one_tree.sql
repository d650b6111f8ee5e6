-- Receipt marks keyed in the order of the range look-ups (PostgreSQL): the primary key
-- becomes (chat_id, up_to_seq, user_id, kind), the same four columns, and serves the
-- look-ups of which marks cover messages n..m of a chat, so the index that served them
-- goes: one index fewer to write per mark (benchmarks.md, 17). The key is changed in
-- place, under the table's lock: other nodes sharing the database wait for receipts while
-- it is rebuilt, and no mark they write meanwhile is lost.
ALTER TABLE cursor_marks
    DROP CONSTRAINT cursor_marks_pkey,
    ADD CONSTRAINT cursor_marks_pkey PRIMARY KEY (chat_id, up_to_seq, user_id, kind);
DROP INDEX cursor_marks_by_seq;
