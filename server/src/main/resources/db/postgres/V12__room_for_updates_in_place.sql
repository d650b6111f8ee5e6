-- Room on each page for the rows updated in place all day (PostgreSQL): a device's last seen
-- at every connect, a user's at every last disconnect, a chat's log head at every message,
-- a member's cursor at every receipt. None of these updates changes an indexed column, so
-- PostgreSQL can write the new version on the same page (a heap-only tuple) without touching
-- any index, but only when the page has room; at the default fill of 100 % it has none, and
-- each update then writes the row to another page and a new entry into every index of the
-- table (devices has three). With a fifth of each page left free and vacuum keeping up,
-- 50,000 last-seen updates took 0.3 s of the database's CPU instead of 0.6 s, all of them
-- heap-only instead of one in eight (benchmarks.md, 35).
-- PostgreSQL only (SQLite updates rows in place anyway); versions are shared with db/migration,
-- so the next migration there is 13.
-- Pages written from now on keep the room; pages already full gain it as vacuum frees them
-- (or at once with VACUUM FULL, which locks the table while it rewrites it). Setting it takes
-- a lock that lets reads and writes go on.
ALTER TABLE devices SET (fillfactor = 80);
ALTER TABLE users SET (fillfactor = 80);
ALTER TABLE chat_log SET (fillfactor = 80);
ALTER TABLE cursors SET (fillfactor = 80);
