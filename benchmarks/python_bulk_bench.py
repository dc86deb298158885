#!/usr/bin/env python3
"""The Python binding's bulk import against sqlite3.executemany, side by side.

Both sides get the same N customer rows (unique, valid Chinese company
names, mobile numbers, dictionary values) and start from a fresh database
file in the same directory:

  crm      Session.import_rows(rows): one call; every row validated as an
           interactive create (phone, e-mail, legal name, dictionaries,
           permissions), duplicate check, history, audit, search index and
           match keys, in batches of 1000 rows per transaction;
  sqlite3  executemany of the same rows into a plain table, no validation,
           one transaction.

Prints the rows/s of each and the ratio crm / sqlite3 (target: >= 1).

A third side, the floor: executemany of the same rows straight into
libcrm's own customers table (an empty database made by crm.open, with its
indexes and libcrm's pragmas), then one INSERT ... SELECT of their primary
contacts, in one transaction: no validation, search row, match keys, timers
or audit row.  No bulk path that stores customers in libcrm's schema can be
faster than that.

  CRM_LIBRARY=build-release/src/libcrm.so PYTHONPATH=bindings/python \\
      /usr/bin/python3 benchmarks/python_bulk_bench.py [N]
"""
import os
import sqlite3
import sys
import tempfile
import time

import crm

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安"]
CHARS = "恒达华泰锐启润丰昌盛联信鑫峰汇能顺宏远博凯腾瑞祥安康嘉诚永立新科明德佳宇"
TRADES = ["精密机械", "电子科技", "网络科技", "智能装备", "物流", "纺织", "食品", "化工"]
INDUSTRY = ["制造业", "互联网", "物流", "零售", "能源"]
FIELDS = ["name", "contact_name", "phone", "industry", "scale", "source", "key_needs",
          "priority"]


def rows(n):
    out = []
    k = len(CHARS)
    for i in range(n):
        trade = CHARS[i % k] + CHARS[(i // k) % k] + CHARS[(i // (k * k)) % k]
        out.append({
            "name": "%s%s%s有限公司" % (CITIES[i % len(CITIES)], trade,
                                     TRADES[(i // (k * k * k)) % len(TRADES)]),
            "contact_name": "王建国",
            "phone": "138%08d" % i,
            "industry": INDUSTRY[i % len(INDUSTRY)],
            "scale": "100-500人",
            "source": "展会",
            "key_needs": "采购设备，希望年内完成选型",
            "priority": "中",
        })
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    data = rows(n)
    with tempfile.TemporaryDirectory() as d:
        db = crm.open(os.path.join(d, "crm.db"))
        s = db.session(1)
        t0 = time.perf_counter()
        report = s.import_rows(data)
        crm_s = time.perf_counter() - t0
        s.close()
        db.close()
        if report["inserted"] != n:
            sys.exit("crm imported %d of %d rows: %r" % (report["inserted"], n,
                                                          report["errors"][:3]))

        con = sqlite3.connect(os.path.join(d, "plain.db"))
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("CREATE TABLE customers(%s)" % ", ".join(FIELDS))
        t0 = time.perf_counter()
        with con:
            con.executemany("INSERT INTO customers VALUES (%s)" % ", ".join("?" * len(FIELDS)),
                            [tuple(r[f] for f in FIELDS) for r in data])
        plain_s = time.perf_counter() - t0
        con.close()

        floor_path = os.path.join(d, "floor.db")
        crm.open(floor_path).close()  # libcrm's schema, empty
        con = sqlite3.connect(floor_path)
        for pragma in ("foreign_keys = ON", "synchronous = NORMAL", "cache_size = -16384",
                       "temp_store = MEMORY"):
            con.execute("PRAGMA " + pragma)
        cols = ("name, contact_name, phone, industry, scale, type, source, key_needs, priority, "
                "owner_id, entry_date, created_at, created_by, updated_at, updated_by")
        t0 = time.perf_counter()
        with con:
            con.executemany(
                "INSERT INTO customers(%s) VALUES (?, ?, ?, ?, ?, 'prospect', ?, ?, ?, 1, "
                "'2026-12-06', 1796578433080, 1, 1796578433080, 1)" % cols,
                [(r["name"], r["contact_name"], r["phone"], r["industry"], r["scale"],
                  r["source"], r["key_needs"], r["priority"]) for r in data])
            con.execute("INSERT INTO contacts(customer_id, name, phone, is_primary, created_at, "
                        "created_by, updated_at, updated_by) SELECT id, contact_name, phone, 1, "
                        "created_at, 1, updated_at, 1 FROM customers")
        floor_s = time.perf_counter() - t0
        stored = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
        con.close()
        if stored != n:
            sys.exit("the floor stored %d contacts of %d" % (stored, n))

    print("rows: %d" % n)
    print("crm import_rows:       %10.0f rows/s (%.2f s)" % (n / crm_s, crm_s))
    print("sqlite3 executemany:   %10.0f rows/s (%.2f s)" % (n / plain_s, plain_s))
    print("ratio crm / sqlite3:   %10.4f (target >= 1)" % (plain_s / crm_s))
    print("The floor: executemany into libcrm's customers and contacts only:")
    print("sqlite3 floor:         %10.0f rows/s (%.2f s)" % (n / floor_s, floor_s))
    print("ratio floor / sqlite3: %10.4f" % (plain_s / floor_s))
    print("ratio crm / floor:     %10.4f (informational)" % (floor_s / crm_s))


if __name__ == "__main__":
    main()
