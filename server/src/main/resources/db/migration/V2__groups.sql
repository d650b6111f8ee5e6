-- Groups: chats of type 'group' with a title, description, settings, an invite code and
-- roles per member. System messages (membership changes) live in the chat's own log.

ALTER TABLE chats ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN only_admins_send INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN only_admins_edit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN invite_code TEXT;
ALTER TABLE chats ADD COLUMN invite_expires_at BIGINT;
ALTER TABLE chats ADD COLUMN closed_at BIGINT;
-- Bumped by every membership change: the row lock it takes serialises concurrent changes
-- of one group (PostgreSQL), so two admins adding at once cannot pass the size limit.
ALTER TABLE chats ADD COLUMN member_version BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX chats_by_invite ON chats (invite_code);

ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE messages ADD COLUMN meta TEXT;
