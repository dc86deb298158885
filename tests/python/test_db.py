"""Opening and closing databases and sessions; transactions."""

import pytest

import crm
from conftest import valid_customer


def test_memory_db_opens_with_defaults():
    db = crm.Db()
    try:
        assert not db.closed
        assert db.time_zone == "Asia/Shanghai"
        assert db.schema_version == crm.schema_version() >= 1
    finally:
        db.close()
    assert db.closed


def test_context_manager_closes_db_and_sessions():
    with crm.Db() as db:
        s = db.session()
        assert s.user_id == 1
    assert db.closed and s.closed, "leaving the with-block must close both"
    with pytest.raises(crm.StateError):
        db.time_zone
    with pytest.raises(crm.StateError):
        s.get_user(1)


def test_close_twice_is_harmless():
    db = crm.Db()
    s = db.session()
    s.close()
    s.close()
    db.close()
    db.close()


def test_time_zone_of_new_database():
    with crm.Db(time_zone="Europe/Berlin") as db:
        assert db.time_zone == "Europe/Berlin"


def test_file_database_keeps_data_and_zone(tmp_path):
    path = tmp_path / "crm.db"
    with crm.Db(path, time_zone="Asia/Shanghai") as db, db.session() as s:
        cid = s.create_customer(valid_customer(name="杭州明辉精密仪器有限公司"))
    assert path.exists()
    # An existing database keeps its zone, whatever a later open asks for.
    with crm.Db(str(path), time_zone="Europe/Berlin") as db, db.session() as s:
        assert db.time_zone == "Asia/Shanghai"
        assert s.get_customer(cid)["name"] == "杭州明辉精密仪器有限公司"


def test_readonly_database_refuses_writes(tmp_path):
    path = tmp_path / "crm.db"
    crm.Db(path).close()
    with crm.Db(path, readonly=True) as db, db.session() as s:
        assert db.readonly
        with pytest.raises(crm.ReadOnly):
            s.create_customer(valid_customer())
        assert list(s.customers()) == []


def test_nocreate_on_missing_file_is_cantopen(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(crm.CantOpen):
        crm.Db(path, create=False)
    assert not path.exists(), "create=False must not create the file"


def test_missing_directory_is_cantopen(tmp_path):
    with pytest.raises(crm.CantOpen) as info:
        crm.Db(tmp_path / "no" / "such" / "dir" / "crm.db")
    assert info.value.message and info.value.message_zh, "both messages should be filled"


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"just some text, long enough to look like a file " * 100)
    with pytest.raises(crm.NotADatabase):
        crm.Db(path)
    assert path.read_bytes().startswith(b"just some text"), "the file must be untouched"


def test_wrong_argument_types_for_open():
    with pytest.raises(TypeError):
        crm.Db(42)
    with pytest.raises(TypeError):
        crm.Db(":memory:", busy_timeout_ms="5s")
    with pytest.raises(TypeError):
        crm.Db(":memory:", time_zone=8)


def test_session_by_login_and_unknown_user(db):
    with db.session(login="admin") as s:
        assert s.user_id == 1
    with pytest.raises(crm.NotFound):
        db.session(999)
    with pytest.raises(crm.NotFound):
        db.session(login="nobody")
    with pytest.raises(TypeError):
        db.session(1, login="admin")


def test_transaction_commits(db, session):
    with db.transaction():
        a = session.create_customer(valid_customer())
        b = session.create_customer(valid_customer())
    assert [c["id"] for c in session.customers()] == [a, b]


def test_transaction_rolls_back_on_exception(db, session):
    kept = session.create_customer(valid_customer())
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction():
            session.create_customer(valid_customer())
            raise RuntimeError("boom")
    assert [c["id"] for c in session.customers()] == [kept], "the block's write must be undone"


def test_transactions_do_not_nest(db):
    with db.transaction():
        with pytest.raises(crm.StateError):
            db.begin()
    with pytest.raises(crm.StateError):
        db.commit()
    with pytest.raises(crm.StateError):
        db.rollback()


def test_db_close_rolls_back_open_transaction(tmp_path):
    path = tmp_path / "crm.db"
    db = crm.Db(path)
    s = db.session()
    db.begin()
    s.create_customer(valid_customer())
    db.close()
    with crm.Db(path) as db2, db2.session() as s2:
        assert list(s2.customers()) == [], "an uncommitted write survived close()"


def test_writer_waits_then_busy(tmp_path):
    path = tmp_path / "crm.db"
    with crm.Db(path) as a, crm.Db(path, busy_timeout_ms=100) as b:
        sa, sb = a.session(), b.session()
        with a.transaction():  # holds the write lock
            sa.create_customer(valid_customer())
            with pytest.raises(crm.Busy):
                sb.create_customer(valid_customer())
        assert len(list(sb.customers())) == 1, "b sees a's commit, and only it"


def test_file_from_newer_library_is_version_too_new(tmp_path):
    import sqlite3
    path = tmp_path / "crm.db"
    crm.Db(path).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = %d" % (crm.schema_version() + 100))
    con.commit()
    con.close()
    with pytest.raises(crm.VersionTooNew):
        crm.Db(path)


def test_foreign_sqlite_file_is_not_a_database(tmp_path):
    import sqlite3
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.commit()
    con.close()
    with pytest.raises(crm.NotADatabase):
        crm.Db(path)


def test_truncated_file_is_corrupt(tmp_path):
    path = tmp_path / "crm.db"
    with crm.Db(path) as db, db.session() as s:
        for _ in range(30):
            s.create_customer(valid_customer(key_needs="需求" * 90))
    data = path.read_bytes()
    assert len(data) > 8192, "the file should span several pages"
    path.write_bytes(data[: len(data) // 2 + 100])
    with pytest.raises((crm.Corrupt, crm.NotADatabase)) as info:
        with crm.Db(path) as db, db.session() as s:
            list(s.customers())  # a damaged page may only show when read
    assert info.value.message


def test_last_error_is_per_thread(db):
    """Errors raised at the same time in two threads keep their own details."""
    import threading
    failures = []

    def not_found(n):
        with db.session() as s:
            for i in range(200):
                try:
                    s.get_customer("C%04d" % (9000 + n * 300 + i))
                except crm.NotFound as e:
                    if str(9000 + n * 300 + i) not in e.message or e.errors:
                        failures.append(("not_found", e.message, e.errors))
                else:
                    failures.append(("not_found", "no error"))

    def invalid(_):
        with db.session() as s:
            for _ in range(200):
                try:
                    s.create_customer(valid_customer(email="a@"))
                except crm.ValidationError as e:
                    if [x.field for x in e.errors] != ["email"]:
                        failures.append(("invalid", e.errors))
                else:
                    failures.append(("invalid", "no error"))

    threads = [threading.Thread(target=f, args=(n,))
               for n, f in enumerate([not_found, invalid, not_found, invalid])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
