"""Clock injection: fixed clock, callback, system clock; dates in the
database's time zone."""

import time
from datetime import datetime, timedelta, timezone

import pytest

import crm
from conftest import utc, valid_customer


def ms(dt):
    return int(dt.timestamp() * 1000)


def test_fixed_clock_sets_created_at_exactly(db, session):
    at = utc(2026, 3, 1, 16, 30, 0, 123000)
    db.set_clock(at)
    assert db.now() == at
    cid = session.create_customer(valid_customer())
    c = session.get_customer(cid)
    assert c["created_at"] == ms(at) == 1772382600123
    assert crm.to_datetime(c["created_at"]) == at
    assert c["updated_at"] == ms(at)


def test_entry_date_defaults_to_local_date_in_shanghai(db, session):
    # 2026-03-01T16:30Z is 2026-03-02 00:30 in Asia/Shanghai (UTC+8).
    db.set_clock(utc(2026, 3, 1, 16, 30))
    a = session.create_customer(valid_customer())
    assert session.get_customer(a)["entry_date"] == "2026-03-02"
    # One millisecond before local midnight it is still the 1st.
    db.set_clock(utc(2026, 3, 1, 15, 59, 59, 999000))
    b = session.create_customer(valid_customer())
    assert session.get_customer(b)["entry_date"] == "2026-03-01"


def test_entry_date_follows_the_database_zone():
    with crm.Db(time_zone="America/New_York") as db, db.session() as s:
        db.set_clock(utc(2026, 3, 1, 3, 0))  # 2026-02-28 22:00 in New York
        cid = s.create_customer(valid_customer())
        assert s.get_customer(cid)["entry_date"] == "2026-02-28"


def test_set_clock_accepts_ms_and_other_zones(db):
    db.set_clock(1772382600000)
    assert db.now() == utc(2026, 3, 1, 16, 30)
    shanghai = timezone(timedelta(hours=8))
    db.set_clock(datetime(2026, 3, 2, 0, 30, tzinfo=shanghai))
    assert db.now() == utc(2026, 3, 1, 16, 30)
    assert db.now().tzinfo == timezone.utc


def test_set_clock_refuses_naive_and_wrong_types(db):
    with pytest.raises(ValueError, match="naive"):
        db.set_clock(datetime(2026, 3, 1))
    with pytest.raises(TypeError):
        db.set_clock("2026-03-01")
    with pytest.raises(TypeError):
        db.set_clock(True)


def test_clock_callback(db, session):
    ticks = iter([utc(2026, 1, 5, 1, 0), utc(2026, 1, 5, 2, 0)] + [utc(2026, 1, 5, 3, 0)] * 50)
    db.set_clock_callback(lambda: next(ticks))
    assert db.now() == utc(2026, 1, 5, 1, 0)
    assert db.now() == utc(2026, 1, 5, 2, 0)
    cid = session.create_customer(valid_customer())
    assert session.get_customer(cid)["created_at"] == ms(utc(2026, 1, 5, 3, 0))
    db.set_clock_callback(lambda: 1000)  # ints are milliseconds
    assert db.now() == utc(1970, 1, 1, 0, 0, 1)


def test_clock_callback_survives_garbage_collection(db):
    import gc

    def make():
        start = [ms(utc(2026, 6, 1))]
        return lambda: start[0]

    db.set_clock_callback(make())
    gc.collect()
    assert db.now() == utc(2026, 6, 1), "the ctypes callback object must be kept alive"


def test_clock_callback_exception_is_raised(db):
    def broken():
        raise ZeroDivisionError("clock broke")

    db.set_clock_callback(broken)
    with pytest.raises(ZeroDivisionError, match="clock broke"):
        db.now()
    db.set_clock(utc(2026, 1, 1))
    assert db.now() == utc(2026, 1, 1), "setting another clock replaces the callback"


def test_system_clock(db):
    db.set_clock(utc(2000, 1, 1))
    db.use_system_clock()
    now = db.now()
    assert abs(now.timestamp() - time.time()) < 5
    assert now.tzinfo == timezone.utc


def test_to_datetime_and_to_ms():
    assert crm.to_datetime(0) == utc(1970, 1, 1)
    assert crm.to_datetime(-1) == utc(1969, 12, 31, 23, 59, 59, 999000)
    assert crm.to_datetime(None) is None
    at = utc(2026, 3, 1, 16, 30, 0, 123000)
    assert crm.to_ms(at) == 1772382600123
    assert crm.to_datetime(crm.to_ms(at)) == at
    with pytest.raises(TypeError):
        crm.to_datetime(1.5)
