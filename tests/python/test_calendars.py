"""Working calendars (工作日历): the default calendar's 2026 data, working days
and hours, loading holiday data, more calendars, permissions and bounds."""

from datetime import date, datetime, timedelta, timezone

import pytest

import crm
from conftest import UTC, add_user, utc

SHANGHAI = timezone(timedelta(hours=8))

YEAR_2027 = """# 2027 (example data)
year 2027
2027-01-01..2027-01-03 holiday 元旦
2027-02-06..2027-02-14 holiday 春节
2027-02-20 workday 春节调休
"""


def sh(*args):
    """An aware datetime in Shanghai time (UTC+8)."""
    return datetime(*args, tzinfo=SHANGHAI)


def ms(dt):
    return crm.to_ms(dt)


def local(dt):
    """An instant shown in Shanghai time, for readable failure messages."""
    return dt.astimezone(SHANGHAI).isoformat()


@pytest.fixture
def rep(db, session):
    """A session of a sales rep (销售), not an administrator."""
    uid = add_user(session, "lisi", "李四", "销售", department="华东销售部")
    with db.session(uid) as s:
        yield s


def test_default_calendar_is_listed_with_2026(session):
    cals = session.calendars()
    assert [c["name"] for c in cals] == ["default"], cals
    c = cals[0]
    assert (c["time_zone"], c["work_hours"], c["workdays"], c["years"]) == (
        "Asia/Shanghai", "09:00-12:00,13:30-18:00", "1111100", "2026"), c


def test_default_2026_data(session):
    days = {d["date"]: d for d in session.calendar_days(2026)}
    for workday in ("2026-02-14", "2026-02-28", "2026-10-10"):
        assert days.get(workday, {}).get("kind") == "workday", \
            "%s should be a make-up workday (调休), got %r" % (workday, days.get(workday))
    for n in range(1, 8):
        d = "2026-10-%02d" % n
        assert days.get(d, {}).get("kind") == "holiday", \
            "%s should be a 国庆 holiday, got %r" % (d, days.get(d))
    assert days["2026-10-01"]["label"] == "国庆节"
    dates = [d["date"] for d in session.calendar_days(2026)]
    assert dates == sorted(dates), "days come in date order"
    assert session.calendar_days(2027) == [], "no 2027 data by default"


def test_is_working_day(session):
    cases = {
        "2026-02-13": True,            # Friday before 春节
        "2026-02-14": True,            # Saturday, 春节调休
        "2026-02-16": False,           # 春节 (Monday)
        "2026-02-28": True,            # Saturday, 春节调休
        "2026-03-14": False,           # an ordinary Saturday
        "2026-10-01": False,           # 国庆
        "2026-10-07": False,
        "2026-10-08": True,
        "2026-10-10": True,            # Saturday, 国庆节调休
    }
    got = {d: session.is_working_day(d) for d in cases}
    assert got == cases
    assert session.is_working_day(date(2026, 10, 10)) is True, "a date works like its text"
    assert session.is_working_day(date(2026, 10, 3)) is False


def test_is_working_day_argument_types(session):
    with pytest.raises(TypeError, match="datetime"):
        session.is_working_day(sh(2026, 3, 16, 10))
    with pytest.raises(TypeError):
        session.is_working_day(20260316)
    with pytest.raises(crm.InvalidArgument):
        session.is_working_day("2026-02-30")


def test_is_working_time_ranges_include_start_not_end(session):
    assert session.is_working_time(sh(2026, 3, 16, 9, 0)) is True, "09:00 is working time"
    assert session.is_working_time(sh(2026, 3, 16, 8, 59, 59)) is False
    assert session.is_working_time(sh(2026, 3, 16, 12, 0)) is False, "12:00 is not"
    assert session.is_working_time(sh(2026, 3, 16, 11, 59, 59)) is True
    assert session.is_working_time(sh(2026, 3, 16, 13, 30)) is True
    assert session.is_working_time(sh(2026, 3, 16, 18, 0)) is False
    assert session.is_working_time(sh(2026, 3, 14, 10, 0)) is False, "Saturday"
    assert session.is_working_time(sh(2026, 10, 2, 10, 0)) is False, "国庆"
    # Int milliseconds and other zones name the same instant.
    assert session.is_working_time(ms(sh(2026, 3, 16, 9, 0))) is True
    assert session.is_working_time(utc(2026, 3, 16, 4, 0)) is False, "12:00 in Shanghai"


def test_next_working_time(session):
    sat = sh(2026, 3, 14, 10, 0)
    got = session.next_working_time(sat)
    assert got == sh(2026, 3, 16, 9, 0), "Saturday 10:00 -> Monday 09:00, got " + local(got)
    assert got.tzinfo == UTC, "instants come back as aware UTC datetimes"
    lunch = session.next_working_time(sh(2026, 3, 16, 12, 30))
    assert lunch == sh(2026, 3, 16, 13, 30), "12:30 -> 13:30, got " + local(lunch)
    at = sh(2026, 3, 16, 10, 15)
    assert session.next_working_time(at) == at, "working time is returned unchanged"
    assert session.next_working_time(ms(sat)) == sh(2026, 3, 16, 9, 0), "int ms accepted"
    holiday = session.next_working_time(sh(2026, 9, 30, 18, 0))
    assert holiday == sh(2026, 10, 8, 9, 0), "after 国庆, got " + local(holiday)


def test_add_working_days_across_spring_festival(session):
    start = sh(2026, 2, 13, 17, 0)
    one = session.add_working_days(start, 1)
    assert one == sh(2026, 2, 14, 17, 0), "+1 is the 调休 Saturday, got " + local(one)
    two = session.add_working_days(start, 2)
    assert two == sh(2026, 2, 24, 17, 0), "+2 is after 春节, got " + local(two)
    assert session.add_working_days(ms(start), 1) == one, "int ms accepted"
    assert session.add_working_days(start, 0) == start


def test_add_working_days_from_outside_working_time(session):
    fri5 = session.add_working_days(sh(2026, 3, 13, 17, 0), 1)
    assert fri5 == sh(2026, 3, 16, 17, 0), "Friday 17:00 + 1 -> " + local(fri5)
    fri6 = session.add_working_days(sh(2026, 3, 13, 18, 0), 1)
    assert fri6 == sh(2026, 3, 17, 9, 0), "Friday 18:00 + 1 -> " + local(fri6)


def test_add_working_hours(session):
    fri = sh(2026, 3, 13, 17, 0)
    two = session.add_working_hours(fri, timedelta(hours=2))
    assert two == sh(2026, 3, 16, 10, 0), "Friday 17:00 + 2 h -> " + local(two)
    one = session.add_working_hours(fri, timedelta(hours=1))
    assert one == sh(2026, 3, 13, 18, 0), "ends exactly at 18:00, got " + local(one)
    assert session.add_working_hours(fri, 2 * 3600 * 1000) == two, "int ms accepted"
    assert session.add_working_hours(ms(fri), timedelta(hours=2)) == two
    lunch = session.add_working_hours(sh(2026, 3, 16, 11, 0), timedelta(hours=2))
    assert lunch == sh(2026, 3, 16, 14, 30), "the lunch break does not count, got " + local(lunch)
    assert session.add_working_hours(fri, 0) == fri


def test_naive_and_wrong_types_are_refused(session):
    with pytest.raises(ValueError, match="naive"):
        session.is_working_time(datetime(2026, 3, 16, 9, 0))
    with pytest.raises(TypeError):
        session.next_working_time("2026-03-16 09:00")
    with pytest.raises(TypeError):
        session.add_working_hours(sh(2026, 3, 16, 9), 2.5)
    with pytest.raises(TypeError):
        session.add_working_days(sh(2026, 3, 16, 9), True)


def test_load_next_year(session):
    year = session.load_holidays(YEAR_2027)
    assert year == 2027
    assert session.calendars()[0]["years"] == "2026,2027"
    days = session.calendar_days(2027)
    assert [(d["date"], d["kind"]) for d in days][:3] == [
        ("2027-01-01", "holiday"), ("2027-01-02", "holiday"), ("2027-01-03", "holiday")], days
    assert len(days) == 3 + 9 + 1, "every day of a range is listed: %r" % days
    assert days[-1] == {"date": "2027-02-20", "kind": "workday", "label": "春节调休"}, days[-1]
    assert session.is_working_day("2027-02-20") is True
    assert session.is_working_day("2027-02-08") is False
    # 2026-12-31 16:00 + 1 working day skips 元旦 and the weekend.
    got = session.add_working_days(sh(2026, 12, 31, 16, 0), 1)
    assert got == sh(2027, 1, 4, 16, 0), "over 元旦 2027, got " + local(got)


def test_bad_line_is_refused_with_its_number_and_nothing_loaded(session):
    text = ("year 2027\n"
            "2027-01-01..2027-01-03 holiday 元旦\n"
            "# a comment\n"
            "2027-02-30 holiday 不存在的日子\n")
    with pytest.raises(crm.InvalidArgument) as info:
        session.load_holidays(text)
    e = info.value
    assert "line 4" in e.message, "the message names the bad line: %r" % e.message
    assert "第 4 行" in e.message_zh, e.message_zh
    assert [c["years"] for c in session.calendars()] == ["2026"], "nothing may be stored"
    assert session.calendar_days(2027) == []
    assert session.is_working_day("2027-01-01") is True, "元旦 2027 was not loaded"


@pytest.mark.parametrize("text, line", [
    ("year 2027\n2027-03-01..2027-02-01 holiday 倒序\n", 2),
    ("year 2027\n\n2027-05-01 vacation 劳动节\n", 3),
    ("year 2027\n2027-05-01 holiday\n2027-05-01 holiday 重复\n", 3),
    ("year 2027\n2027-03-03 workday 本来就是工作日\n", 2),
])
def test_other_bad_lines(session, text, line):
    with pytest.raises(crm.InvalidArgument, match="line %d" % line):
        session.load_holidays(text)
    assert session.calendars()[0]["years"] == "2026", "nothing may be stored"


def test_loading_a_year_twice_is_refused(session):
    before = session.calendar_days(2026)
    with pytest.raises(crm.InvalidArgument, match="2026 is already loaded"):
        session.load_holidays("year 2026\n2026-12-31 holiday 多加一天\n")
    assert session.is_working_day("2026-12-31") is True, "2026 must be unchanged"
    assert session.calendar_days(2026) == before, "2026 must be unchanged"
    assert len(before) == 39, "2026 has 39 listed days, got %d" % len(before)
    session.load_holidays(YEAR_2027)
    with pytest.raises(crm.InvalidArgument, match="2027 is already loaded"):
        session.load_holidays(YEAR_2027)
    assert session.calendars()[0]["years"] == "2026,2027"


def test_text_without_a_year_is_refused(session):
    with pytest.raises(crm.InvalidArgument, match="declare its year"):
        session.load_holidays("2027-01-01 holiday 元旦\n")
    with pytest.raises(crm.InvalidArgument, match="declare its year"):
        session.load_holidays("# nothing here\n\n")
    with pytest.raises(crm.InvalidArgument, match="line 2"):
        session.load_holidays("2027-01-01 holiday 元旦\nyear 2027\n")
    assert session.calendars()[0]["years"] == "2026"


def test_a_second_calendar_is_independent(session):
    session.define_calendar("华南区", work_hours="08:30-12:00,14:00-17:30")
    by_name = {c["name"]: c for c in session.calendars()}
    assert set(by_name) == {"default", "华南区"}, by_name
    south = by_name["华南区"]
    assert (south["time_zone"], south["work_hours"], south["workdays"], south["years"]) == (
        "Asia/Shanghai", "08:30-12:00,14:00-17:30", "1111100", ""), south
    # Its own hours.
    assert session.is_working_time(sh(2026, 3, 16, 8, 45), "华南区") is True
    assert session.is_working_time(sh(2026, 3, 16, 8, 45)) is False, "default starts at 09:00"
    assert session.is_working_time(sh(2026, 3, 16, 13, 45), "华南区") is False
    assert session.is_working_time(sh(2026, 3, 16, 13, 45)) is True
    got = session.add_working_hours(sh(2026, 3, 13, 17, 0), timedelta(hours=2), "华南区")
    assert got == sh(2026, 3, 16, 10, 0), "0.5 h Friday + 1.5 h Monday, got " + local(got)
    # No holiday data of its own: 国庆 2026 is an ordinary week there.
    assert session.is_working_day("2026-10-01", "华南区") is True
    assert session.is_working_day("2026-10-10", "华南区") is False
    assert session.calendar_days(2026, "华南区") == []
    # Loading data into it leaves the default calendar alone, and back.
    assert session.load_holidays(YEAR_2027, calendar="华南区") == 2027
    assert session.is_working_day("2027-01-01", "华南区") is False
    assert session.is_working_day("2027-01-01") is True
    assert session.calendar_days(2027) == []
    session.load_holidays(YEAR_2027)    # the default may still load 2027
    assert {c["name"]: c["years"] for c in session.calendars()} == {
        "default": "2026,2027", "华南区": "2027"}


def test_define_options_and_conflicts(session):
    session.define_calendar("西部", time_zone="Asia/Urumqi", workdays="1111110")
    c = {c["name"]: c for c in session.calendars()}["西部"]
    assert (c["time_zone"], c["workdays"]) == ("Asia/Urumqi", "1111110"), c
    assert session.is_working_day("2026-03-14", "西部") is True, "Saturdays are worked"
    # 09:00 in Urumqi (UTC+6) is 11:00 in Shanghai.
    assert session.next_working_time(sh(2026, 3, 16, 10, 0), "西部") == sh(2026, 3, 16, 11, 0)
    with pytest.raises(crm.Conflict):
        session.define_calendar("西部")
    with pytest.raises(crm.Conflict):
        session.define_calendar("default")
    for bad in (dict(time_zone="Mars/Olympus"), dict(work_hours="12:00-09:00"),
                dict(work_hours="09:00-12:00,11:00-13:00"), dict(workdays="11111"),
                dict(workdays="0000000x")):
        with pytest.raises(crm.InvalidArgument):
            session.define_calendar("坏的", **bad)
    with pytest.raises(crm.InvalidArgument):
        session.define_calendar("")
    assert [c["name"] for c in session.calendars()] == ["default", "西部"]


def test_only_an_administrator_defines_or_loads(session, rep):
    with pytest.raises(crm.PermissionDenied):
        rep.define_calendar("华南区")
    with pytest.raises(crm.PermissionDenied):
        rep.load_holidays(YEAR_2027)
    assert [(c["name"], c["years"]) for c in session.calendars()] == [("default", "2026")]
    # Everyone may read and compute.
    assert rep.is_working_day("2026-02-14") is True
    assert rep.add_working_days(sh(2026, 2, 13, 17, 0), 2) == sh(2026, 2, 24, 17, 0)
    assert len(rep.calendars()) == 1


def test_unknown_calendar_is_not_found(session):
    at = sh(2026, 3, 16, 10, 0)
    calls = [
        lambda: session.load_holidays(YEAR_2027, calendar="火星"),
        lambda: session.calendar_days(2026, "火星"),
        lambda: session.is_working_day("2026-03-16", "火星"),
        lambda: session.is_working_time(at, "火星"),
        lambda: session.next_working_time(at, "火星"),
        lambda: session.add_working_days(at, 1, "火星"),
        lambda: session.add_working_hours(at, timedelta(hours=1), "火星"),
    ]
    for i, call in enumerate(calls):
        with pytest.raises(crm.NotFound):
            call()
            pytest.fail("call %d did not raise NotFound" % i)
    assert session.is_working_day("2026-03-16", "") is True, '"" means default'


def test_bounds(session):
    at = sh(2026, 3, 16, 10, 0)
    assert session.add_working_days(at, 3660) > at, "3660 days is allowed"
    with pytest.raises(crm.InvalidArgument):
        session.add_working_days(at, 3661)
    with pytest.raises(crm.InvalidArgument):
        session.add_working_days(at, -1)
    with pytest.raises(crm.InvalidArgument):
        session.add_working_hours(at, timedelta(milliseconds=-1))
    with pytest.raises(crm.InvalidArgument):
        session.add_working_hours(at, -3600 * 1000)
    with pytest.raises(crm.InvalidArgument):
        session.add_working_hours(at, timedelta(days=3660, milliseconds=1))
    with pytest.raises(OverflowError):
        session.add_working_days(at, 1 << 40)


def test_no_working_time_is_a_state_error(session):
    with pytest.raises(crm.InvalidArgument):
        session.define_calendar("停工", workdays="0000000")
    session.define_calendar("停工", workdays="1000000")          # Mondays only
    session.load_holidays("year 2027\n2027-01-01..2027-06-30 holiday 停工\n", "停工")
    with pytest.raises(crm.StateError):
        session.next_working_time(sh(2027, 1, 1, 10, 0), "停工")
    with pytest.raises(crm.StateError):
        session.add_working_hours(sh(2027, 1, 1, 10, 0), timedelta(hours=1), "停工")
    got = session.next_working_time(sh(2027, 6, 1, 10, 0), "停工")
    assert got == sh(2027, 7, 5, 9, 0), "the first Monday after, got " + local(got)
