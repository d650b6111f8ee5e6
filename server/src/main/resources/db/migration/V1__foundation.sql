-- Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Tables that grow with traffic (messages, cursors, cursor_marks, chat_log) lead with
-- chat_id so they can be distributed by chat (Citus) without changing a query.

CREATE TABLE users (
    user_id       TEXT PRIMARY KEY,
    phone         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    about         TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (user_id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE auth_codes (
    phone         TEXT PRIMARY KEY,
    code_hash     TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts      INTEGER NOT NULL
);

CREATE TABLE chats (
    chat_id       TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    title         TEXT,
    direct_key    TEXT UNIQUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE chat_members (
    chat_id       TEXT NOT NULL REFERENCES chats (chat_id),
    user_id       TEXT NOT NULL REFERENCES users (user_id),
    role          TEXT NOT NULL,
    joined_at     BIGINT NOT NULL,
    joined_seq    BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_members_by_user ON chat_members (user_id);

-- The head of each chat's log: the last seq handed out, bumped in the same transaction
-- as the messages it numbers, which keeps seq gap-free across writers and nodes.
CREATE TABLE chat_log (
    chat_id       TEXT PRIMARY KEY,
    last_seq      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL
);

CREATE TABLE messages (
    chat_id       TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    msg_id        TEXT NOT NULL,
    sender_id     TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    body          TEXT NOT NULL,
    reply_to      TEXT,
    sent_at       BIGINT NOT NULL,
    PRIMARY KEY (chat_id, seq)
);
CREATE UNIQUE INDEX messages_by_msg_id ON messages (chat_id, msg_id);
CREATE UNIQUE INDEX messages_by_client_id ON messages (chat_id, client_msg_id, sender_id);

-- Per-user, per-chat delivery state: one row per member, whatever the message count.
CREATE TABLE cursors (
    chat_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    delivered_seq BIGINT NOT NULL,
    delivered_at  BIGINT NOT NULL,
    read_seq      BIGINT NOT NULL,
    read_at       BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX cursors_by_user ON cursors (user_id);

-- Each time a cursor moves: (up_to_seq, at). The time message n was delivered to a user
-- is the first mark with up_to_seq >= n, so receipts keep their times without a row per
-- message per member.
CREATE TABLE cursor_marks (
    chat_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    up_to_seq     BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id, kind, up_to_seq)
);
CREATE INDEX cursor_marks_by_seq ON cursor_marks (chat_id, up_to_seq);
