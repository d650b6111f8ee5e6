#!/usr/bin/env python3
# Which tables and indexes the pages in a SQLite write-ahead log belong to.
# Usage: scripts/wal-pages.py COPY_OF_parley.db COPY_OF_parley.db-wal
# Copy both files while the node runs (cp is enough: the counts need not be exact), then
# run this on the copies, never on a live database. It reads the frames of the log's
# current generation (those whose salts match its header) and maps each page number to
# its tree with SQLite's dbstat table. Used in docs/benchmarks.md, 17.
import collections
import sqlite3
import struct
import sys

if len(sys.argv) != 3:
    sys.exit("usage: wal-pages.py DB WAL")
db, wal = sys.argv[1], sys.argv[2]
data = open(wal, "rb").read()
if len(data) < 32:
    sys.exit(f"{wal}: not a write-ahead log (shorter than its header)")
magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", data[:24])
if magic not in (0x377F0682, 0x377F0683):
    sys.exit(f"{wal}: not a write-ahead log (magic {magic:#x})")
frames, commits, offset = [], 0, 32
while offset + 24 + page_size <= len(data):
    page, commit_size, s1, s2 = struct.unpack(">IIII", data[offset:offset + 16])
    if (s1, s2) != (salt1, salt2):
        break  # a frame of an earlier generation: the log restarted before it
    frames.append(page)
    commits += commit_size != 0
    offset += 24 + page_size

owner = {page: name for name, page in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT name, pageno FROM dbstat")}
counts = collections.Counter(owner.get(p, "(a page the database copy does not have yet)") for p in frames)
print(f"{len(frames)} frames, {commits} commits, {len(set(frames))} distinct pages")
for name, n in counts.most_common():
    print(f"{n:8d} {100 * n / max(1, len(frames)):5.1f} %  {name}")
