#!/usr/bin/env python3
"""What a savepoint per row costs an FTS5 table (docs/performance.md, "Where the
import time goes").

    python3 benchmarks/fts_savepoint.py [rows]     (default 20000)

libcrm's customer_search table (FTS5, trigram) filled with `rows` rows,
1,000 per BEGIN IMMEDIATE ... COMMIT, WAL, synchronous=NORMAL, once without
and once with SAVEPOINT/RELEASE around every insert (as every create inside
a batch does), twice each, in fresh files in the current directory.  FTS5
flushes its pending terms to a new segment at every savepoint boundary.
"""
import sqlite3, time, os, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
rows = [(f"杭州{i:07d}瑞达精密制造有限公司", f"hangzhou{i}ruidajingmizhizao", f"hz{i}rdjmzz") for i in range(N)]
def run(sp):
    p = f"fts_savepoint_{int(sp)}.db"
    for e in ("", "-wal", "-shm"):
        try: os.unlink(p + e)
        except FileNotFoundError: pass
    c = sqlite3.connect(p, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL"); c.execute("PRAGMA temp_store=MEMORY")
    c.execute("CREATE VIRTUAL TABLE customer_search USING fts5(name, pinyin, initials, tokenize = 'trigram')")
    t = time.perf_counter()
    for b in range(0, N, 1000):
        c.execute("BEGIN IMMEDIATE")
        for i in range(b, min(N, b + 1000)):
            if sp: c.execute("SAVEPOINT s")
            c.execute("INSERT INTO customer_search(rowid, name, pinyin, initials) VALUES (?,?,?,?)", (i + 1,) + rows[i])
            if sp: c.execute("RELEASE s")
        c.execute("COMMIT")
    dt = time.perf_counter() - t
    segs = c.execute("SELECT count(*) FROM customer_search_data").fetchone()[0]
    size = os.path.getsize(p) + os.path.getsize(p + "-wal")
    print(f"{'savepoint per row' if sp else 'no savepoint      '}: {N} rows {dt:.2f} s = {N/dt:8.0f} rows/s, %_data rows {segs}, file+wal {size/1e6:.1f} MB")
    c.close()
run(False); run(True); run(False); run(True)
for sp in (0, 1):
    for e in ("", "-wal", "-shm"):
        try: os.unlink(f"fts_savepoint_{sp}.db" + e)
        except FileNotFoundError: pass
