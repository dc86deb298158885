"""The handle classes: :class:`Db` (a database), :class:`Session` (a user
acting on it) and the cursors behind the customer iterators."""

import builtins
import codecs
import contextlib
import csv
import ctypes
import enum
import io
import json
import math
import operator
import os
import threading
import time
import weakref
from ctypes import byref, c_char_p, c_int32, c_int64, c_void_p
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, Optional

from ._lib import (CLOCK_FN, OPEN_NOCREATE, OPEN_READONLY, PROGRESS_FN, WRITE_FN, CursorP,
                   DbP, FieldFilter, RecordP, SessionP, agenda_query_init, audit_query_init,
                   csv_options_init, custom_field_init, customer_query_init,
                   history_query_init, import_options_init, lead_query_init, lib,
                   open_options_init, roster_query_init, search_query_init,
                   tick_report_init)
from ._records import (Record, int_arg, record_from_dict, record_ptr_json, record_to_dict,
                       take_owned_string, text_arg, to_datetime, to_ms)
from .errors import CrmError, Pending, Status, check, state_error

__all__ = ["Db", "Session", "TickReport", "LeadCapture", "LeadOutcome", "open",
           "verify_backup", "match_key"]

_CLOSED_DB = ("the database is closed", "数据库已关闭")
_CLOSED_SESSION = ("the session is closed", "会话已关闭")
_CLOSED_CURSOR = ("the cursor is closed (its session or database was closed)",
                  "游标已关闭（其会话或数据库已关闭）")


def _merge(fields, kw, what):
    """``fields`` (a dict or None) updated with the keyword arguments, which
    win, as in ``dict(fields, **kw)``."""
    if fields is None:
        return dict(kw)
    if not hasattr(fields, "items"):
        raise TypeError("%s: fields must be a dict, not %s" % (what, type(fields).__name__))
    merged = dict(fields)
    merged.update(kw)
    return merged


def _contact_fields(fields, kw, what):
    """The merged fields of a contact, with ``decision_maker`` given as a
    bool turned into the 0/1 the library stores (any other value is passed
    on unchanged, for the library to validate)."""
    merged = _merge(fields, kw, what)
    if isinstance(merged.get("decision_maker"), bool):
        merged["decision_maker"] = int(merged["decision_maker"])
    return merged


_CUSTOM_PREFIX = "custom."


def _custom_values(fields):
    """Custom field values (``"custom.<name>"`` keys) made passable: a
    ``Decimal`` becomes its digits as text ("12.5"), a bool the 0/1 the
    library stores.  Other values, and every built-in field, are passed on
    unchanged (so a bool or Decimal for a built-in field is still a
    TypeError naming it).  Returns a new dict when something changed."""
    out = None
    for name, value in fields.items():
        if not isinstance(name, str) or not name.startswith(_CUSTOM_PREFIX):
            continue
        if isinstance(value, bool):
            converted = int(value)
        elif isinstance(value, Decimal):
            converted = _decimal_text(value)
        else:
            continue
        if out is None:
            out = dict(fields)
        out[name] = converted
    return fields if out is None else out


def _decimal_text(value):
    """A Decimal in plain digits, never in exponent form: Decimal("1E+2") ->
    "100", Decimal("12.50") -> "12.50".  NaN and infinities are passed as
    their names, for the library to refuse."""
    if not value.is_finite():
        return str(value)
    return format(value, "f")


def _int32_arg(value, what):
    """Check an integer argument that must fit int32_t."""
    value = int_arg(value, what)
    if not -(1 << 31) <= value < (1 << 31):
        raise OverflowError("%s=%d does not fit in 32 bits" % (what, value))
    return value


def _date_arg(value, what):
    """A calendar date (a ``datetime.date`` or "YYYY-MM-DD") as UTF-8 bytes.
    A ``datetime`` is refused: which date it falls on depends on a zone."""
    if isinstance(value, datetime):
        raise TypeError("%s must be a date or \"YYYY-MM-DD\", not a datetime (its date "
                        "depends on the time zone; pass .date() of a local time)" % what)
    if isinstance(value, date):
        value = value.isoformat()
    elif not isinstance(value, str):
        raise TypeError("%s must be a date or \"YYYY-MM-DD\", not %s"
                        % (what, type(value).__name__))
    return text_arg(value, what)


def _duration_ms(value, what):
    """A duration (a ``timedelta`` or int milliseconds) as int milliseconds;
    a timedelta is counted in whole milliseconds, rounded toward minus
    infinity."""
    if isinstance(value, timedelta):
        value = (value.days * 86400 + value.seconds) * 1000 + value.microseconds // 1000
    elif isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be a timedelta or int milliseconds, not %s"
                        % (what, type(value).__name__))
    return int_arg(value, what)


def _lease_ms(value, what):
    """A lease (a ``timedelta`` or a number of seconds, int or float) as int
    milliseconds, rounded toward minus infinity."""
    if isinstance(value, timedelta):
        return _duration_ms(value, what)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a timedelta or a number of seconds, not %s"
                        % (what, type(value).__name__))
    if not math.isfinite(value):
        raise ValueError("%s must be a finite number of seconds, not %r" % (what, value))
    return int_arg(math.floor(value * 1000), what)


# The instants of follow-up plans and records: written as aware datetimes or
# UTC ms, read back as UTC ms (like every instant of a record).
_FOLLOWUP_INSTANTS = ("planned_at", "remind_at", "contacted_at", "next_plan_at")


def _followup_fields(fields, kw, what):
    """The merged fields of a follow-up plan or record, with the instants
    given as aware datetimes turned into UTC milliseconds (a naive datetime
    is refused; other values are passed on for the library to validate)."""
    merged = _merge(fields, kw, what)
    for name in _FOLLOWUP_INSTANTS:
        value = merged.get(name)
        if isinstance(value, datetime):
            merged[name] = to_ms(value, name)
    return merged


def _maintenance_fields(fields, kw, what):
    """The merged fields of a maintenance plan: a ``Decimal`` cost passed as
    its digits ("12000.50"), ``datetime.date`` periods as "YYYY-MM-DD" (a
    ``datetime`` is refused: its date depends on a zone).  Other values are
    passed on for the library to validate."""
    merged = _merge(fields, kw, what)
    if isinstance(merged.get("cost"), Decimal):
        merged["cost"] = _decimal_text(merged["cost"])
    for name in ("period_start", "period_end"):
        value = merged.get(name)
        if isinstance(value, date):
            merged[name] = _date_arg(value, name).decode("utf-8")
    return merged


def _grade_values(values, kw):
    """Grading values by criterion name, with a ``Decimal`` passed as its
    digits (the library reads numeric text)."""
    merged = _merge(values, kw, "grade_customer")
    return {name: _decimal_text(v) if isinstance(v, Decimal) else v
            for name, v in merged.items()}


_RULE_MINUTES = ("delay_minutes", "escalate_after")


def _rule_changes(changes, kw):
    """The changes of a reminder rule: ``enabled`` as a bool becomes 1/0,
    ``delay_minutes`` / ``escalate_after`` as a ``timedelta`` whole minutes."""
    merged = _merge(changes, kw, "set_reminder_rule")
    if isinstance(merged.get("enabled"), bool):
        merged["enabled"] = int(merged["enabled"])
    for name in _RULE_MINUTES:
        value = merged.get(name)
        if isinstance(value, timedelta):
            minutes, rest = divmod(_duration_ms(value, name), 60000)
            if rest:
                raise ValueError("%s must be a whole number of minutes, not %r"
                                 % (name, value))
            merged[name] = minutes
    return merged


class _Unchanged:
    """The default of :meth:`Session.update_department`'s arguments: leave
    the value as it is."""

    __slots__ = ()

    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = _Unchanged()


@dataclass(frozen=True)
class TickReport:
    """What :meth:`Session.tick` did (the scheduler's report).

    ``now``: the instant ticked to and ``last_tick``: the latest instant
    ticked to before this call (None if never), both aware ``datetime`` in
    UTC; ``fired``: reminders written (each to one or more channels);
    ``messages``: outbox messages written; ``escalated``: escalations among
    ``fired``; ``skipped``: due reminders whose reason no longer held, or
    whose rule is disabled; ``rearmed``: reminders found not yet due after a
    rule change; ``pending``: reminders waiting for a later time."""

    now: datetime
    fired: int
    messages: int
    escalated: int
    skipped: int
    rearmed: int
    pending: int
    last_tick: Optional[datetime]


class LeadOutcome(enum.IntEnum):
    """What :meth:`Session.capture_lead` did (``CRM_LEAD_*``)."""

    CREATED = 0    # a new lead
    REPEATED = 1   # the same external_id again: that lead, unchanged
    DUPLICATE = 2  # an open lead has this phone or e-mail: that lead
    LINKED = 3     # a new lead linked to the customer with this phone or e-mail


class LeadCapture(NamedTuple):
    """The result of :meth:`Session.capture_lead`: ``id`` (the lead's int
    id) and ``outcome`` (a :class:`LeadOutcome`); unpacks as a pair."""

    id: int
    outcome: LeadOutcome


_VALUELESS_OPS = ("null", "not_null")


def _filter_value(value, what):
    """The text of a filter value, as the library reads it: str as is, bool as
    "1"/"0", int and Decimal as digits, float as its shortest digits (no
    exponent), an aware datetime as UTC milliseconds, a date as
    "YYYY-MM-DD"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("%s: %r is not a number a field can hold" % (what, value))
        return _decimal_text(Decimal(repr(value)))
    if isinstance(value, datetime):
        return str(to_ms(value, what))
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError("%s: a filter value is a str, int, float, Decimal, bool, date or "
                    "datetime, not %s" % (what, type(value).__name__))


def _field_filters(filters):
    """``[(field, op[, value]), …]`` as a ctypes ``crm_field_filter[]`` (None
    when there are none).  The array keeps the UTF-8 bytes it points to
    alive (ctypes holds them in its ``_objects``)."""
    if filters is None:
        return None
    if isinstance(filters, tuple) and filters and isinstance(filters[0], str):
        raise TypeError("filters must be a list of (field, op[, value]) tuples; wrap a "
                        "single condition in a list: [%r]" % (filters,))
    if isinstance(filters, (str, bytes)) or hasattr(filters, "items"):
        raise TypeError("filters must be a list of (field, op[, value]) tuples, not %s"
                        % type(filters).__name__)
    try:
        items = list(filters)
    except TypeError:
        raise TypeError("filters must be a list of (field, op[, value]) tuples, not %s"
                        % type(filters).__name__) from None
    if not items:
        return None
    prepared = []
    for i, item in enumerate(items):
        what = "filters[%d]" % i
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise TypeError("%s must be a (field, op) or (field, op, value) tuple, not %r"
                            % (what, item))
        field = text_arg(item[0], what + " field")
        op = text_arg(item[1], what + " operator")
        if len(item) == 2:
            if item[1] not in _VALUELESS_OPS:
                raise ValueError("%s: the operator %r needs a value: (%r, %r, value)"
                                 % (what, item[1], item[0], item[1]))
            value = None
        elif item[2] is None:
            if item[1] not in _VALUELESS_OPS:
                raise TypeError("%s: the value is None; to find customers without a "
                                "value use (%r, \"null\")" % (what, item[0]))
            value = None
        else:
            value = text_arg(_filter_value(item[2], what), what + " value")
        prepared.append(FieldFilter(field, op, value))
    return (FieldFilter * len(prepared))(*prepared)


class _ListQuery:
    """The arguments of a customer list, checked and converted once: every
    page's ``crm_customer_query`` is made from them, so that each page token
    is used with the same filters and order.  Owns the arrays the struct
    points to; keep it alive for the duration of a call."""

    __slots__ = ("owner", "type", "include_archived", "tags_all", "tags_any", "view",
                 "filters", "sort")

    def __init__(self, owner, type, include_archived, tags_all, tags_any,  # noqa: A002
                 view, filters, sort):
        self.owner = 0 if owner is None else int_arg(owner, "owner")
        self.type = text_arg(type, "type", optional=True)
        self.include_archived = 1 if include_archived else 0
        self.tags_all = _id_array(tags_all)
        self.tags_any = _id_array(tags_any)
        self.view = view
        self.filters = _field_filters(filters)
        self.sort = text_arg(sort, "sort", optional=True)

    def struct(self, page_size=0, after=None):
        """A ``crm_customer_query`` for one page (``after``: a token, str or
        None)."""
        q = customer_query_init()
        q.owner = self.owner
        q.type = self.type
        q.page_size = _int32_arg(page_size, "page_size")
        q.include_archived = self.include_archived
        q.after = text_arg(after, "after", optional=True)
        if self.tags_all is not None:
            q.tags_all = self.tags_all
            q.tags_all_count = len(self.tags_all)
        if self.tags_any is not None:
            q.tags_any = self.tags_any
            q.tags_any_count = len(self.tags_any)
        for name, value in self.view.items():
            setattr(q, name, value)
        if self.filters is not None:
            q.filters = self.filters
            q.filter_count = len(self.filters)
        q.sort = self.sort
        return q


class _Closing:
    """Context-manager and finaliser behaviour shared by the handle classes:
    ``with`` closes on exit, and garbage collection closes what was left
    open (never raising from ``__del__``)."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Db(_Closing):
    """An open libcrm database (数据库): a file, or ``":memory:"`` for a private
    in-memory one.

    ``Db(path=":memory:", *, readonly=False, create=True, busy_timeout_ms=5000,
    time_zone=None)`` opens it, creating the file and schema when needed
    (unless ``create=False``).  ``time_zone`` is the IANA zone of a NEW
    database (default ``"Asia/Shanghai"``); an existing one keeps its own.
    Use it as a context manager, or call :meth:`close`.

    Everything you do goes through a :meth:`session` acting as a user; a new
    database has the administrator, user 1 (login ``"admin"``).  The clock the
    business rules read can be frozen (:meth:`set_clock`) or supplied by a
    callable (:meth:`set_clock_callback`).

    A Db may be shared by threads (the library serialises calls on it).
    """

    def __init__(self, path=":memory:", *, readonly=False, create=True,
                 busy_timeout_ms=5000, time_zone=None):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("path must be a str or path-like, not %s" % type(path).__name__)
        self._ptr = None
        self._sessions = weakref.WeakSet()
        self._clock_cb = None
        self._clock_error = None
        # .active is True on a thread inside a call that runs Python
        # callbacks (export, backup): the handle's mutex is held then, so a
        # callback calling back into this Db would deadlock; it gets a
        # StateError instead.
        self._calling_back = threading.local()
        self.path = os.fsdecode(path)
        raw_path = os.fsencode(path)
        if b"\0" in raw_path:
            raise ValueError("path contains a NUL character")
        opts = open_options_init()
        if readonly:
            opts.flags |= OPEN_READONLY
        if not create:
            opts.flags |= OPEN_NOCREATE
        opts.busy_timeout_ms = int_arg(busy_timeout_ms, "busy_timeout_ms")
        if not -(1 << 31) <= opts.busy_timeout_ms < (1 << 31):
            raise OverflowError("busy_timeout_ms does not fit in 32 bits")
        opts.time_zone = text_arg(time_zone, "time_zone", optional=True)
        self.readonly = bool(readonly)
        ptr = DbP()
        check(lib.crm_db_open(raw_path, byref(opts), byref(ptr)))
        self._ptr = ptr

    @classmethod
    def open(cls, path=":memory:", **options):
        """Same as ``Db(path, **options)``."""
        return cls(path, **options)

    # -- lifetime ---------------------------------------------------------

    @property
    def closed(self):
        """True once :meth:`close` has been called."""
        return self._ptr is None

    def close(self):
        """Close the database.  Its open sessions and cursors are closed first
        and an open transaction is rolled back.  Closing twice does nothing."""
        if self._ptr is None:
            return
        self._check_reentry()
        for s in list(self._sessions):
            s.close()
        check(lib.crm_db_close(self._ptr))
        self._ptr = None
        self._clock_cb = None

    def __repr__(self):
        return "<crm.Db %r%s>" % (self.path, " closed" if self._ptr is None else "")

    def _handle(self):
        if self._ptr is None:
            raise state_error(*_CLOSED_DB)
        return self._ptr

    def _check_reentry(self):
        if getattr(self._calling_back, "active", False):
            raise state_error("a callback may not use the database that called it (its "
                              "handle is locked for the call in progress)",
                              "回调函数不能使用调用它的数据库（该句柄正被当前调用占用）")

    def _call(self, fn, *args):
        """Call ``fn(*args)`` and raise its error; also re-raise an exception
        that a clock callback threw during the call."""
        self._check_reentry()
        status = fn(*args)
        return self._status(status)

    def _call_with_callbacks(self, fn, *args):
        """:meth:`_call` for a function that calls Python back while it holds
        the handle's lock: a callback that uses this Db again gets a
        StateError (raised in the callback) instead of a deadlock."""
        self._check_reentry()
        self._calling_back.active = True
        try:
            status = fn(*args)
        finally:
            self._calling_back.active = False
        return self._status(status)

    def _status(self, status):
        if self._clock_error is not None:
            err, self._clock_error = self._clock_error, None
            raise err
        return check(status)

    # -- facts --------------------------------------------------------------

    @property
    def schema_version(self):
        """The schema version of this database file (``PRAGMA user_version``)."""
        out = c_int32()
        self._call(lib.crm_db_schema_version, self._handle(), byref(out))
        return out.value

    @property
    def time_zone(self):
        """The database's IANA time zone (时区), e.g. ``"Asia/Shanghai"``: the
        zone of calendar dates such as ``entry_date``."""
        out = c_char_p()
        self._call(lib.crm_db_time_zone, self._handle(), byref(out))
        return out.value.decode("utf-8")

    # -- clock ---------------------------------------------------------------

    def set_clock(self, when):
        """Freeze the clock the rules read at ``when``: an aware ``datetime``
        or UTC milliseconds (int).  For tests and simulations."""
        ms = to_ms(when, "when")
        self._call(lib.crm_db_clock_fixed, self._handle(), ms)
        self._clock_cb = None

    def use_system_clock(self):
        """Go back to the system clock (the default)."""
        self._call(lib.crm_db_clock_system, self._handle())
        self._clock_cb = None

    def set_clock_callback(self, func):
        """Read the time from ``func()``, which returns an aware ``datetime`` or
        UTC milliseconds.  It is called while the library holds the handle's
        lock, so it must not use this Db.  If it raises (or returns something
        else), the library is given the system time for that reading and the
        exception is raised from the call that asked for the time."""
        if not callable(func):
            raise TypeError("set_clock_callback() needs a callable")

        def trampoline(_ctx):
            try:
                return to_ms(func(), "the clock callback's result")
            except BaseException as e:  # must not unwind through C
                self._clock_error = e
                return time.time_ns() // 1_000_000

        cb = CLOCK_FN(trampoline)
        self._call(lib.crm_db_clock_callback, self._handle(), cb, None)
        self._clock_cb = cb  # the C side keeps only the raw pointer

    def now(self):
        """The current time as the database's clock sees it: an aware
        ``datetime`` in UTC."""
        out = c_int64()
        self._call(lib.crm_db_now, self._handle(), byref(out))
        return to_datetime(out.value)

    # -- transactions -----------------------------------------------------

    def begin(self):
        """Begin an explicit transaction (事务); prefer :meth:`transaction`."""
        self._call(lib.crm_db_begin, self._handle())

    def commit(self):
        """Commit the explicit transaction."""
        self._call(lib.crm_db_commit, self._handle())

    def rollback(self):
        """Roll back the explicit transaction."""
        self._call(lib.crm_db_rollback, self._handle())

    @contextlib.contextmanager
    def transaction(self):
        """``with db.transaction():`` — the writes inside (of every session of
        this Db) commit together when the block ends normally, or are rolled
        back if it raises.  Transactions do not nest (StateError)."""
        self.begin()
        try:
            yield self
        except BaseException:
            if self._ptr is not None:
                self.rollback()
            raise
        else:
            self.commit()

    # -- sessions -------------------------------------------------------------

    def session(self, user_id=None, *, login=None):
        """Open a :class:`Session` acting as a user, by id (default 1, the
        administrator) or by ``login``.  NotFound if no such active user."""
        return Session(self, user_id=user_id, login=login)


def _id_array(ids):
    """A ctypes ``int64_t[]`` of ``ids``, or None when empty."""
    if not ids:
        return None
    return (c_int64 * len(ids))(*ids)


def open(path=":memory:", **options):  # noqa: A001 - mirrors sqlite3.connect
    """Open a database: the same as ``Db(path, **options)``."""
    return Db(path, **options)


class _Cursor:
    """A ``crm_cursor`` owned by a session; closed by its session or database
    if they close first."""

    __slots__ = ("_ptr", "_session", "__weakref__")

    def __init__(self, session, ptr):
        self._ptr = ptr
        self._session = session
        session._cursors.add(self)

    def rows(self):
        """Yield each row of this page as a dict."""
        row = RecordP()
        while True:
            if self._ptr is None:
                raise state_error(*_CLOSED_CURSOR)
            status = self._session._db._call(lib.crm_cursor_next, self._ptr, byref(row))
            if status == Status.DONE:
                return
            yield record_to_dict(row)

    def next_page(self):
        """The token of the next page (str) or None on the last page."""
        if self._ptr is None:
            raise state_error(*_CLOSED_CURSOR)
        tok = c_char_p()
        self._session._db._call(lib.crm_cursor_next_page, self._ptr, byref(tok))
        return None if tok.value is None else tok.value.decode("utf-8")

    def close(self):
        if self._ptr is not None:
            lib.crm_cursor_close(self._ptr)
            self._ptr = None
            self._session._cursors.discard(self)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Session(_Closing):
    """A user acting on a database (会话).  Made by :meth:`Db.session`.

    Every operation runs as this user: permissions are checked and history
    records who did what.  Customers (客户), their contacts (联系人) and tags
    (标签), users (用户), dictionaries (字典), custom fields (自定义字段),
    settings (设置), history (变更历史), working calendars (工作日历), tiers
    and grading (客户分层与分级), follow-up plans and records (跟进计划与记录),
    agendas and daily reports, reminders and the outbox (提醒与发件箱),
    departments, roles and the permission matrix (部门、角色与权限), and the
    audit log (审计日志), leads (线索) and automation rules (自动化规则) are
    reached from here.

    What the user sees follows their role and department (R3): a customer
    they may not read does not exist for them (NotFound; lists and counts
    leave it out), one they read but may not change raises
    PermissionDenied, and phones and e-mails read masked ("138****5678")
    unless unmasked with a reason (:meth:`unmask_customer`).
    Records are dicts keyed by field name (see :func:`crm.fields`; custom
    fields as ``"custom.<name>"``); values are int, float, str or None.
    Instants in records (``created_at``, a plan's ``planned_at`` …) are
    UTC milliseconds (:func:`crm.to_datetime` makes an aware datetime of
    one); wherever a method takes an instant, an aware datetime works too.
    Use it as a
    context manager or call :meth:`close`; using a closed session raises
    :class:`~crm.StateError`.
    """

    def __init__(self, db, user_id=None, login=None):
        if not isinstance(db, Db):
            raise TypeError("Session needs a Db; use db.session()")
        self._ptr = None
        self._db = db
        self._cursors = weakref.WeakSet()
        ptr = SessionP()
        if login is not None:
            if user_id is not None:
                raise TypeError("give user_id or login, not both")
            db._call(lib.crm_session_open_login, db._handle(),
                     text_arg(login, "login"), byref(ptr))
        else:
            uid = 1 if user_id is None else int_arg(user_id, "user_id")
            db._call(lib.crm_session_open, db._handle(), uid, byref(ptr))
        self._ptr = ptr
        db._sessions.add(self)  # so that db.close() closes it first

    # -- lifetime ---------------------------------------------------------

    @property
    def db(self):
        """The :class:`Db` this session belongs to."""
        return self._db

    @property
    def closed(self):
        """True once the session (or its database) has been closed."""
        return self._ptr is None

    def close(self):
        """Close the session and any cursor still open on it.  Closing twice
        does nothing."""
        if self._ptr is None:
            return
        for c in list(self._cursors):
            c.close()
        lib.crm_session_close(self._ptr)
        self._ptr = None
        self._db._sessions.discard(self)

    def __repr__(self):
        if self._ptr is None:
            return "<crm.Session closed>"
        return "<crm.Session user_id=%d>" % self.user_id

    def _handle(self):
        if self._ptr is None:
            raise state_error(*_CLOSED_SESSION)
        return self._ptr

    def _call(self, fn, *args):
        return self._db._call(fn, self._handle(), *args)

    def _get_record(self, fn, *args):
        """Call ``fn(session, *args, &out)`` and return the record it made as
        a dict (freeing it)."""
        out = RecordP()
        self._call(fn, *args, byref(out))
        rec = Record(out)
        try:
            return record_to_dict(rec.ptr)
        finally:
            rec.free()

    def _paged(self, open_page):
        """Iterate over the rows of every page: ``open_page(after)`` opens the
        page after the token ``after`` (UTF-8 bytes, None for the first) and
        returns its ``CursorP``."""
        after = None
        while True:
            cur = _Cursor(self, open_page(after))
            try:
                yield from cur.rows()
                token = cur.next_page()
            finally:
                cur.close()
            if token is None:
                return
            after = token.encode("utf-8")

    def _paged_query(self, init, function, **fields):
        """:meth:`_paged` over a function that takes a query struct: each
        page's struct is ``init()`` with ``fields`` set and its ``after``
        token."""
        def open_page(after):
            q = init()
            for name, value in fields.items():
                setattr(q, name, value)
            q.after = after
            ptr = CursorP()
            self._call(function, byref(q), byref(ptr))
            return ptr
        return self._paged(open_page)

    @property
    def user_id(self):
        """The id of the session's user."""
        out = c_int64()
        self._call(lib.crm_session_user, byref(out))
        return out.value

    # -- users ----------------------------------------------------------------

    def create_user(self, login, name, department=None, role=None, **fields):
        """Create a user (用户) and return the new id.  ``role`` is one of sales,
        sales_manager, service, marketing, admin or a role of
        :meth:`define_role` (Chinese labels such as 销售 are accepted too).
        ``department`` must exist already (:meth:`define_department`): an
        unknown one is a ValidationError with code "unknown_value" on
        "department".  Administrators only (user.manage; PermissionDenied
        otherwise)."""
        rec_fields = {"login": login, "name": name}
        if department is not None:
            rec_fields["department"] = department
        if role is not None:
            rec_fields["role"] = role
        rec_fields.update(fields)
        out = c_int64()
        with record_from_dict(rec_fields) as rec:
            self._call(lib.crm_user_create, rec, byref(out))
        return out.value

    def get_user(self, user_id):
        """A user as a dict: id, login, name, department, role and active
        (0/1).  Every built-in role may read users."""
        return self._get_record(lib.crm_user_get, int_arg(user_id, "user_id"))

    # -- dictionaries ---------------------------------------------------------

    def add_dict_entry(self, dict, code, label_zh, label_en):  # noqa: A002
        """Add an entry to a dictionary (字典) such as "industry" or "source".
        Administrators only; Conflict if the code or a label is taken;
        "customer_type" and "role" are fixed."""
        self._call(lib.crm_dict_add, text_arg(dict, "dict"), text_arg(code, "code"),
                   text_arg(label_zh, "label_zh"), text_arg(label_en, "label_en"))

    def dict_label(self, dict, code):  # noqa: A002
        """The Chinese label of a dictionary code, e.g.
        ``dict_label("priority", "high")`` -> ``"高"``."""
        out = c_char_p()
        self._call(lib.crm_dict_label, text_arg(dict, "dict"), text_arg(code, "code"),
                   byref(out))
        return out.value.decode("utf-8")

    def dictionary(self, dict):  # noqa: A002
        """The entries of a dictionary (字典) in order, e.g. to fill a
        drop-down: dicts with "code", "label_zh", "label_en" and
        "department" (the department responsible for a source channel, R1.4;
        None elsewhere).  NotFound for an unknown dictionary."""
        ptr = CursorP()
        self._call(lib.crm_dict_list, text_arg(dict, "dict"), byref(ptr))
        return self._drain(ptr)

    def set_channel_department(self, channel, department):
        """Set the department responsible for a source channel (采集渠道, R1.4:
        市场部 for trade shows, 销售部 for referrals …).  Administrators only;
        ``department`` None or "" clears it."""
        self._call(lib.crm_channel_set_department, text_arg(channel, "channel"),
                   text_arg(department, "department", optional=True))

    def history(self, *, actor=None, since=None, until=None, customer=None, page_size=100):
        """Iterate over recorded changes (变更记录) across customers, in time
        order, as dicts with "seq", "customer", "at", "actor", "kind",
        "field", "before", "after", "reason" and "major" (R1.10: who changed
        what, since when; "major" is 1 for a major change such as adding or
        removing a decision maker).  ``since`` (inclusive) and ``until`` (exclusive) are aware
        datetimes or UTC milliseconds; ``customer`` is an id like "C0001".
        Creations are not changes and are not listed.  Only customers the
        session's user may see are included, and before/after values of
        phones, e-mails and personal custom fields are masked
        ("138****5678").  Pages of ``page_size`` rows are fetched as the
        iterator advances."""
        actor_arg = 0 if actor is None else int_arg(actor, "actor")
        since_ms = 0 if since is None else to_ms(since, "since")
        until_ms = 0 if until is None else to_ms(until, "until")
        customer_arg = text_arg(customer, "customer", optional=True)
        size = _int32_arg(page_size, "page_size")
        self._handle()

        return self._paged_query(history_query_init, lib.crm_history_list, actor=actor_arg,
                                 since_ms=since_ms, until_ms=until_ms, customer=customer_arg,
                                 page_size=size)

    # -- customers --------------------------------------------------------------

    def create_customer(self, fields=None, /, **kw):
        """Create a customer (客户) from a dict and/or keyword fields (keywords
        win over the dict); return its human-readable id, e.g. ``"C0001"``.

        Fields are normalised and validated; if any fails, ValidationError
        lists every failing field and nothing is written.  ``owner`` defaults
        to this session's user, ``type`` to "prospect" (潜在), ``entry_date``
        to today in the database's time zone.

        Custom fields (:meth:`define_custom_field`) are set by their
        ``"custom.<name>"`` key; for them a ``Decimal`` is passed as its
        digits ("12.5") and a bool as 1/0.  An undefined ``"custom."`` name
        fails with code "unknown_field", a retired field with
        "retired_field".

        When new customers wait for review (setting "review.create", 审核,
        R1.6) and this user is not a reviewer of the owner, nothing is
        created: :class:`crm.Pending` is raised, with ``change_id`` ("R12")
        and ``kind`` "create".  It is not a :class:`crm.CrmError` (the call
        did not fail); a reviewer approves it with :meth:`decide_change`."""
        merged = _custom_values(_merge(fields, kw, "create_customer"))
        out = c_void_p()
        with record_from_dict(merged) as rec:
            try:
                self._call(lib.crm_customer_create, rec, byref(out))
            except Pending as p:
                # *out_id is the pending change's id: the documented source.
                p.change_id = take_owned_string(out) or p.change_id
                p.kind = "create"
                raise
            finally:
                new_id = take_owned_string(out)
        return new_id

    def get_customer(self, id):  # noqa: A002
        """A customer as a dict of every field the session's user may see,
        by human id (``"C0001"``, str) or internal key (int); instants
        (``created_at`` …) are UTC ms ints.

        Contact details are masked (脱敏, R3.6): ``phone`` and
        ``phone_display`` read like "138****5678", ``email`` like
        "w***@example.com", a personal custom field like "王**".
        :meth:`unmask_customer` reads them in clear (E.164 phone), with a
        reason.  Writing a masked value back (:meth:`update_customer`)
        leaves the stored one unchanged.  A customer the user may not see
        raises NotFound, exactly like one that does not exist.

        Custom fields (自定义字段) with a value appear as ``"custom.<name>"``
        keys, as the library stores them: text, date ("YYYY-MM-DD") and enum
        values as str, integers as int, booleans as int 1/0, and decimals as
        str with the field's number of decimals ("12.50"; make a
        ``decimal.Decimal`` of it for arithmetic)."""
        if isinstance(id, str):
            return self._get_record(lib.crm_customer_get, text_arg(id, "id"))
        if isinstance(id, int) and not isinstance(id, bool):
            return self._get_record(lib.crm_customer_get_by_key, int_arg(id, "key"))
        raise TypeError("get_customer() needs a str id or an int key, not %s"
                        % type(id).__name__)

    def get_customer_json(self, id):  # noqa: A002
        """A customer as the library's JSON text (``crm_record_to_json``)."""
        out = RecordP()
        self._call(lib.crm_customer_get, text_arg(id, "id"), byref(out))
        rec = Record(out)
        try:
            return record_ptr_json(rec.ptr)
        finally:
            rec.free()

    def update_customer(self, id, fields=None, /, **kw):  # noqa: A002
        """Change the given fields of customer ``id`` (a dict and/or keywords;
        keywords win; fields not given stay as they are, a value of None
        clears an optional field); return the new version.

        Pass ``version=`` (from :meth:`get_customer`) for optimistic
        concurrency: if someone changed the customer since, Conflict.  A
        change of ``type`` must be an allowed lifecycle step.  Custom fields
        as in :meth:`create_customer`; each changed one is a history row of
        kind "update" with field ``"custom.<name>"``.

        A masked value read back from :meth:`get_customer` ("138****5678")
        counts as unchanged, so a record read, edited and written back
        whole changes only what was edited.  A new ``owner`` is a transfer
        (see :meth:`transfer_customer`).  PermissionDenied if the user sees
        the customer but may not edit it (a sales manager and a rep's
        customer); NotFound if they may not see it.

        An update touching a field under review (setting "review.fields",
        e.g. "owner,industry"; 审核, R1.6) by a user who is not a reviewer
        changes nothing yet, not even the fields outside review: it raises
        :class:`crm.Pending` with ``change_id`` ("R12"), ``kind`` "update"
        and ``customer`` ``id``.  It is not a :class:`crm.CrmError`."""
        merged = _custom_values(_merge(fields, kw, "update_customer"))
        key = text_arg(id, "id")
        out = c_int64()
        with record_from_dict(merged) as rec:
            try:
                self._call(lib.crm_customer_update, key, rec, byref(out))
            except Pending as p:
                p.kind = "update"
                p.customer = id
                raise
        return out.value

    def set_customer_type(self, id, type, reason=None):  # noqa: A002
        """Move a customer along its lifecycle (客户类型): prospect 潜在 ->
        intent 意向 -> won 成交 -> churned 流失 (and churned -> intent to win
        back).  A forbidden step raises Conflict."""
        self._call(lib.crm_customer_set_type, text_arg(id, "id"), text_arg(type, "type"),
                   text_arg(reason, "reason", optional=True))

    def review_customer(self, id, note=None):  # noqa: A002
        """Record the owner's monthly review (复核, R1.10) of a customer, with an
        optional note: sets "reviewed_at" and "reviewed_by" and adds a
        history row of kind "review".  The data and its version do not
        change; corrections are ordinary updates."""
        self._call(lib.crm_customer_review, text_arg(id, "id"),
                   text_arg(note, "note", optional=True))

    def archive_customer(self, id, reason=None):  # noqa: A002
        """Archive (归档, soft-delete) a customer: it leaves the lists and its id
        is never reused.  Archiving twice raises StateError."""
        self._call(lib.crm_customer_archive, text_arg(id, "id"),
                   text_arg(reason, "reason", optional=True))

    @staticmethod
    def _list_filters(industry=None, source=None, created_from=None, created_to=None,
                      updated_from=None, updated_to=None, name_contains=None):
        """The list view's filters (R1.12), checked and converted for the C
        query: texts as UTF-8, times (aware datetimes or UTC ms) as ms."""
        def ms(value, what):
            return 0 if value is None else to_ms(value, what)
        return {
            "industry": text_arg(industry, "industry", optional=True),
            "source": text_arg(source, "source", optional=True),
            "created_from_ms": ms(created_from, "created_from"),
            "created_to_ms": ms(created_to, "created_to"),
            "updated_from_ms": ms(updated_from, "updated_from"),
            "updated_to_ms": ms(updated_to, "updated_to"),
            "name_contains": text_arg(name_contains, "name_contains", optional=True),
        }

    def _list_query(self, owner, type, include_archived, tags_all, tags_any,  # noqa: A002
                    filters, sort, view):
        """Check and convert a list's arguments once (a :class:`_ListQuery`):
        tags are resolved, filters and times converted, so that a mistake is
        raised by the call that made it, not by a later page."""
        self._handle()
        all_ids = self._tag_ids(tags_all, "tags_all")
        any_ids = self._tag_ids(tags_any, "tags_any")
        return _ListQuery(owner, type, include_archived, all_ids, any_ids,
                          self._list_filters(**view), filters, sort)

    def count_customers(self, owner=None, type=None, include_archived=False, *,  # noqa: A002
                        tags_all=(), tags_any=(), filters=None, sort=None, **view_filters):
        """How many customers match the filters of :meth:`customers` (客户数),
        e.g. for "第 1 页，共 44 个客户".  Takes the same filters (``owner``,
        ``type``, ``include_archived``, tags, ``filters`` and the list-view
        keywords); ``sort`` is accepted (and checked) so that one set of
        arguments serves both a list and its count; it does not change the
        number."""
        spec = self._list_query(owner, type, include_archived, tags_all, tags_any,
                                filters, sort, view_filters)
        q = spec.struct()
        out = c_int64()
        self._call(lib.crm_customer_count, byref(q), byref(out))
        del spec
        return out.value

    def _open_list(self, spec, page_size, after):
        """Open one page of the list ``spec`` (a :class:`_ListQuery`) after the
        token ``after`` (None: the first page)."""
        q = spec.struct(page_size, after)
        ptr = CursorP()
        self._call(lib.crm_customer_list, byref(q), byref(ptr))
        return _Cursor(self, ptr)

    def customer_page(self, owner=None, type=None, page_size=50,  # noqa: A002
                      include_archived=False, after=None, *, tags_all=(), tags_any=(),
                      filters=None, sort=None, **view_filters):
        """One page of customers: ``(rows, next_token)``.  Pass ``next_token``
        as ``after`` for the next page, with the same filters (tags and
        ``filters`` in the same order), ``sort`` and ``page_size``; it is None
        on the last page.  A token used with another query raises
        InvalidArgument.  The filters and ``sort`` are those of
        :meth:`customers`."""
        spec = self._list_query(owner, type, include_archived, tags_all, tags_any,
                                filters, sort, view_filters)
        cur = self._open_list(spec, page_size, after)
        try:
            rows = list(cur.rows())
            return rows, cur.next_page()
        finally:
            cur.close()

    def customers(self, owner=None, type=None, page_size=50,  # noqa: A002
                  include_archived=False, *, tags_all=(), tags_any=(), filters=None,
                  sort=None, **view_filters):
        """Iterate over customers (客户列表) as dicts, fetching ``page_size``
        rows at a time and following page tokens (with the same filters and
        order) until the end.  Rows are full records like
        :meth:`get_customer`'s, custom fields included.  ``owner``: a user
        id; ``type``: a code or label ("won", "成交").

        Tag filters (标签筛选): a customer must carry every tag of
        ``tags_all`` and at least one of ``tags_any`` (at most 32 each,
        InvalidArgument otherwise).  Each tag is an int id, a str label or a
        ``(category, label)`` tuple; labels are resolved with
        :meth:`find_tag` when the iterator is made.  An unknown tag raises
        NotFound.

        List-view filters (R1.12), keyword only: ``industry`` and ``source``
        (code or label), ``created_from`` / ``created_to`` and
        ``updated_from`` / ``updated_to`` (aware datetimes or UTC ms; from
        inclusive, to exclusive), ``name_contains`` (part of the name, ASCII
        letters in either case).

        Field filters (字段筛选), ``filters``: a list of at most 16
        conditions, all of which must hold, on built-in fields or custom
        ones (``"custom.<name>"``)::

            filters=[("custom.budget_range", "=", "10-50万"),
                     ("industry", "=", "制造业"),
                     ("email", "null")]

        A condition is ``(field, op, value)`` with ``op`` one of ``"="``,
        ``"!="`` (which also matches customers without a value), ``"<"``,
        ``"<="``, ``">"``, ``">="`` and ``"contains"`` (text fields), or
        ``(field, "null")`` / ``(field, "not_null")``.  Enumerations take
        only ``"="`` and ``"!="``.  The value is read as a write of the field
        reads it (a label of a list value, a phone in any usual format);
        values that are not str are converted: int and ``Decimal`` to their
        digits, float likewise, bool to "1"/"0", an aware datetime to UTC
        milliseconds, a date to "YYYY-MM-DD".

        Order (排序), ``sort``: None or "id" (the default), "name",
        "name_pinyin" (Chinese pinyin order, 拼音排序), "entry_date",
        "created_at", "updated_at" or "custom.<name>"; a
        leading "-" sorts descending ("-updated_at": most recently changed
        first).  Ties are broken by id; customers without a value of a
        custom sort field come last.  Paging stays stable under concurrent
        inserts.

        Unknown fields or operators, a value the field could never hold and
        a sort on a field that cannot be sorted raise InvalidArgument, with a
        message naming the field (when the first page is fetched).
        :meth:`count_customers` counts the same filters."""
        # Check the arguments now, not at the first next().
        _int32_arg(page_size, "page_size")
        spec = self._list_query(owner, type, include_archived, tags_all, tags_any,
                                filters, sort, view_filters)
        return self._iter_customers(spec, page_size)

    def _iter_customers(self, spec, page_size):
        after = None
        while True:
            cur = self._open_list(spec, page_size, after)
            try:
                yield from cur.rows()
                after = cur.next_page()
            finally:
                cur.close()
            if after is None:
                return

    # -- contacts ---------------------------------------------------------------

    def add_contact(self, customer_id, fields=None, /, **kw):
        """Add a contact (联系人) to customer ``customer_id`` from a dict and/or
        keyword fields (keywords win); return the new contact's int id.

        Fields: ``name`` (联系人姓名, required), ``title`` (职位, e.g. 采购总监),
        ``phone``, ``email`` (phone or e-mail is required), ``decision_maker``
        (决策人: 0/1, or a bool).  The new contact is not primary: use
        :meth:`make_primary_contact` (a "primary" field raises
        ValidationError, code "read_only").  The customer's version goes up
        and its history gets a row of kind "contact" (field "contacts", after
        ``"<id>:<name>"``; "major" is 1 for a decision maker).  StateError
        for an archived customer; ValidationError lists every failing field
        and nothing is written."""
        merged = _contact_fields(fields, kw, "add_contact")
        key = text_arg(customer_id, "customer_id")
        out = c_int64()
        with record_from_dict(merged) as rec:
            self._call(lib.crm_contact_add, key, rec, byref(out))
        return out.value

    def get_contact(self, id):  # noqa: A002
        """A contact (联系人) as a dict: id, customer ("C0001"), name, title,
        phone and phone_display (masked: "138****5678"), email (masked:
        "w***@example.com"), decision_maker (0/1), primary (0/1), removed,
        created_at, updated_at.  :meth:`unmask_contact` reads them in
        clear.  NotFound for an unknown or removed contact, or one of a
        customer the user may not see."""
        return self._get_record(lib.crm_contact_get, int_arg(id, "id"))

    def update_contact(self, id, fields=None, /, **kw):  # noqa: A002
        """Change the given fields of contact (联系人) ``id`` (a dict and/or
        keywords; keywords win; fields not given stay as they are, None
        clears an optional one).  ``decision_maker`` may be a bool.

        Changing the primary contact changes the customer's contact_name /
        phone / email too.  Clearing the last contact method (phone and
        e-mail) raises ValidationError (code "contact_required"); "primary"
        raises ValidationError (read_only): use :meth:`make_primary_contact`.
        Each changed field is a history row of kind "contact", field
        ``"contact.<id>.<field>"``, and the customer's version goes up."""
        merged = _contact_fields(fields, kw, "update_contact")
        key = int_arg(id, "id")
        with record_from_dict(merged) as rec:
            self._call(lib.crm_contact_update, key, rec)

    def remove_contact(self, id, reason=None):  # noqa: A002
        """Remove contact (移除联系人) ``id``: it leaves :meth:`contacts` and
        :meth:`get_contact` raises NotFound for it, but it is kept in the
        history (field "contacts", before ``"<id>:<name>"``, with
        ``reason``).  The primary contact cannot be removed (Conflict): make
        another contact primary first."""
        self._call(lib.crm_contact_remove, int_arg(id, "id"),
                   text_arg(reason, "reason", optional=True))

    def make_primary_contact(self, id):  # noqa: A002
        """Make contact ``id`` its customer's primary contact (主要联系人): the
        customer's contact_name, contact_title, phone and email become its
        own; the previous primary stays as an ordinary contact.  Already
        primary: nothing changes.  History: kind "contact", field
        "primary_contact"."""
        self._call(lib.crm_contact_make_primary, int_arg(id, "id"))

    def contacts(self, customer_id):
        """The contacts (联系人) of customer ``customer_id``, primary first, then
        in the order they were added, as dicts like :meth:`get_contact`'s.
        Removed contacts are not listed."""
        ptr = CursorP()
        self._call(lib.crm_customer_contacts, text_arg(customer_id, "customer_id"),
                   byref(ptr))
        return self._drain(ptr)

    # -- tags -----------------------------------------------------------------

    def define_tag(self, category, label):
        """Define a tag (标签) in a category (标签类别: code or label, e.g.
        "value" or "价值"); return its id.  Administrators only
        (PermissionDenied); NotFound for an unknown category; Conflict if the
        label exists in that category already.  New categories are entries of
        the "tag_category" dictionary (:meth:`add_dict_entry`)."""
        out = c_int64()
        self._call(lib.crm_tag_define, text_arg(category, "category"),
                   text_arg(label, "label"), byref(out))
        return out.value

    def find_tag(self, label, category=None):
        """The id of the tag (标签) ``label``.  ``category`` (code or label)
        may be left out when the label is used in one category only;
        Conflict when it is ambiguous, NotFound when there is no such tag."""
        out = c_int64()
        self._call(lib.crm_tag_find, text_arg(category, "category", optional=True),
                   text_arg(label, "label"), byref(out))
        return out.value

    def tags(self, category=None):
        """The tags (标签) of a category (code or label; None = every
        category), ordered by category then id: a list of dicts with "id",
        "category" (code), "category_label" (中文) and "label"."""
        ptr = CursorP()
        self._call(lib.crm_tag_list, text_arg(category, "category", optional=True),
                   byref(ptr))
        return self._drain(ptr)

    def customer_tags(self, id):  # noqa: A002
        """The tags (标签) customer ``id`` carries, as dicts like those of
        :meth:`tags`."""
        ptr = CursorP()
        self._call(lib.crm_customer_tags, text_arg(id, "id"), byref(ptr))
        return self._drain(ptr)

    def tag_customer(self, id, *tags):  # noqa: A002
        """Attach tags (打标签) to customer ``id``.  Each tag is an int id, a
        str label (resolved with :meth:`find_tag`) or a ``(category, label)``
        tuple; every label is resolved before anything changes.  A tag the
        customer already has is left alone (no new version, no history); each
        real change raises the customer's version and adds a history row of
        kind "tag".  StateError for an archived customer, NotFound for an
        unknown tag."""
        self._change_tags(lib.crm_customer_tag_add, id, tags)

    def untag_customer(self, id, *tags):  # noqa: A002
        """Detach tags (移除标签) from customer ``id``; tags as for
        :meth:`tag_customer`.  Detaching a tag the customer does not carry
        does nothing."""
        self._change_tags(lib.crm_customer_tag_remove, id, tags)

    def tag_customer_by_label(self, id, label, category=None):  # noqa: A002
        """Attach the tag (标签) ``label`` to customer ``id`` in one call and
        return the tag's int id.  ``category`` (code or label) may be left
        out when the label is used in one category only (Conflict when it is
        ambiguous).

        An unknown label raises NotFound — unless the setting
        ``"tags.create_on_attach"`` is "1" (:meth:`set_setting`) and a
        ``category`` is given: then the tag is created in that category and
        attached, in one transaction, by any user (the host opted in).  A tag
        the customer already has is left alone; a real change raises the
        customer's version and adds a history row of kind "tag".  StateError
        for an archived customer."""
        out = c_int64()
        self._call(lib.crm_customer_tag_add_label, text_arg(id, "id"),
                   text_arg(category, "category", optional=True),
                   text_arg(label, "label"), byref(out))
        return out.value

    def untag_customer_by_label(self, id, label, category=None):  # noqa: A002
        """Detach the tag (标签) ``label`` (``category`` as in
        :meth:`tag_customer_by_label`) from customer ``id``.  Never creates a
        tag: an unknown label raises NotFound whatever the settings.
        Detaching a tag the customer does not carry does nothing."""
        self._call(lib.crm_customer_tag_remove_label, text_arg(id, "id"),
                   text_arg(category, "category", optional=True),
                   text_arg(label, "label"))

    def _change_tags(self, fn, id, tags):  # noqa: A002
        key = text_arg(id, "id")
        self._handle()
        ids = [self._tag_id(t, "tag") for t in tags]
        for tag_id in ids:
            self._call(fn, key, tag_id)

    def _tag_id(self, tag, what):
        """Resolve one tag: an int id, a str label or a (category, label)
        tuple."""
        if isinstance(tag, int) and not isinstance(tag, bool):
            return int_arg(tag, what)
        if isinstance(tag, str):
            return self.find_tag(tag)
        if isinstance(tag, tuple):
            if len(tag) != 2:
                raise ValueError("%s: a tuple must be (category, label), not %r" % (what, tag))
            category, label = tag
            if not isinstance(category, str) or not isinstance(label, str):
                raise TypeError("%s: a (category, label) tuple holds two str, not %r"
                                % (what, tag))
            return self.find_tag(label, category)
        raise TypeError("%s: a tag is an int id, a str label or a (category, label) "
                        "tuple, not %s" % (what, type(tag).__name__))

    def _tag_ids(self, tags, what):
        """Resolve a tag filter to a list of ids.  A single int or str counts
        as one tag."""
        if tags is None:
            return []
        if isinstance(tags, (str, int)) and not isinstance(tags, bool):
            tags = [tags]
        try:
            items = list(tags)
        except TypeError:
            raise TypeError("%s must be a list of tags (int ids, str labels or "
                            "(category, label) tuples), not %s"
                            % (what, type(tags).__name__)) from None
        return [self._tag_id(t, what) for t in items]

    # -- custom fields ------------------------------------------------------------

    def define_custom_field(self, name, type, label_zh, label_en=None, *,  # noqa: A002
                            values=None, required=False, max_chars=0, decimals=None,
                            personal=False):
        """Define a custom field (自定义字段, R1.8) of customers, e.g. 客户预算范围,
        and return its record key, ``"custom.<name>"``.  Administrators only
        (PermissionDenied).  No schema change is involved: once defined, the
        key is a field like any other — set it in :meth:`create_customer` /
        :meth:`update_customer`, read it from :meth:`get_customer` and list
        rows, filter and sort on it in :meth:`customers`, see its changes in
        the history.

        ``name``: a-z first, then a-z, 0-9 and _, at most 40 characters (the
        "custom." prefix may be included).  ``type`` and what its values are:

        - ``"text"``: text of at most ``max_chars`` characters (1..2000;
          0 = 200)
        - ``"integer"``: an int (or its digits as text)
        - ``"decimal"``: exact, with ``decimals`` digits after the point (0..6;
          None = 2); written as a ``Decimal``, str, int or float (a float
          must be the nearest double to such a number), read back as str
          ("35.50")
        - ``"date"``: "YYYY-MM-DD"
        - ``"enum"``: one of ``values`` (a list of 1..200 str, in display
          order); they form the dictionary ``"custom.<name>"``
          (:meth:`dictionary`), extended with :meth:`add_dict_entry`
        - ``"boolean"``: read back as int 1/0; written as a bool, 1/0,
          "true"/"false", "yes"/"no" or "是"/"否"

        ``label_zh`` (1..50 characters) and ``label_en`` (None = the name)
        label the field in forms and in error messages.  ``required=True``:
        customers created from now on must have a value, and no value can be
        cleared (older customers stay valid).  ``personal=True`` marks
        personal information (个人信息, PIPL): its values are masked in
        every read ("王**"), like phones, and shown in clear only by
        :meth:`unmask_customer`.  Options for another type
        (``values`` for a text field …), a bad name, type or label raise
        InvalidArgument; a name that was ever used, retired ones included,
        or a label that is already a field's label raises Conflict."""
        if isinstance(values, (str, bytes)):
            raise TypeError("values must be a list of str, not a single %s"
                            % type(values).__name__)
        if not isinstance(required, (bool, int)):
            raise TypeError("required must be a bool, not %s" % type(required).__name__)
        if not isinstance(personal, (bool, int)):
            raise TypeError("personal must be a bool, not %s" % type(personal).__name__)
        d = custom_field_init()
        d.name = text_arg(name, "name")
        d.type = text_arg(type, "type")
        d.label_zh = text_arg(label_zh, "label_zh")
        d.label_en = text_arg(label_en, "label_en", optional=True)
        d.required = 1 if required else 0
        d.personal = 1 if personal else 0
        d.max_chars = _int32_arg(max_chars, "max_chars")
        d.decimals = -1 if decimals is None else _int32_arg(decimals, "decimals")
        keep = None
        if values is not None:
            try:
                items = list(values)
            except TypeError:
                raise TypeError("values must be a list of str, not %s"
                                % type(values).__name__) from None
            encoded = [text_arg(v, "values[%d]" % i) for i, v in enumerate(items)]
            if encoded:
                keep = (c_char_p * len(encoded))(*encoded)
                d.values = keep
                d.value_count = len(encoded)
        self._call(lib.crm_custom_field_define, byref(d))
        del keep
        return name if name.startswith(_CUSTOM_PREFIX) else _CUSTOM_PREFIX + name

    def retire_custom_field(self, name):
        """Retire a custom field (停用; administrators only).  Its values are
        kept: still read for the customers that have one, filtered and
        sorted on; setting a new value is a ValidationError with code
        "retired_field" (writing back a record with the value unchanged is
        accepted).  The name is never reused.  Retiring twice does nothing;
        an unknown name raises NotFound.  ``name`` with or without
        "custom."."""
        self._call(lib.crm_custom_field_retire, text_arg(name, "name"))

    def custom_fields(self, include_retired=False):
        """The custom field definitions (自定义字段), in the order they were
        defined, as dicts with "name" (``"custom.budget_range"``), "type",
        "label_zh", "label_en", "required" (0/1), "max_chars" (text fields),
        "decimals" (decimal fields), "dict" (enum fields: the dictionary of
        their values, for :meth:`dictionary`), "retired" (0/1), "personal"
        (0/1: masked in reads) and "created_at" (UTC ms).  Retired fields only with
        ``include_retired=True``."""
        ptr = CursorP()
        self._call(lib.crm_custom_field_list, 1 if include_retired else 0, byref(ptr))
        return self._drain(ptr)

    # -- working calendars ---------------------------------------------------------

    def define_calendar(self, name, time_zone=None, work_hours=None, workdays=None):
        """Define a working calendar (工作日历), e.g. one per region ("华南区").
        Administrators only (PermissionDenied).  ``time_zone``: an IANA zone
        (None = the database's); ``work_hours``: ascending, non-overlapping
        ranges such as ``"08:30-12:00,13:00-17:30"`` (None =
        ``"09:00-12:00,13:30-18:00"``); ``workdays``: seven 0/1 digits, Monday
        first (None = ``"1111100"``).  A new calendar has no holiday data
        (:meth:`load_holidays`).  InvalidArgument for a bad name, zone, hours
        or workdays; Conflict if the name exists.

        Every database has the calendar ``"default"``: the database's zone,
        the default hours and days, and China's 2026 public holidays and
        make-up working days (调休).  In every calendar method,
        ``calendar=None`` (or "") means "default"; an unknown name raises
        NotFound."""
        self._call(lib.crm_calendar_define, text_arg(name, "name"),
                   text_arg(time_zone, "time_zone", optional=True),
                   text_arg(work_hours, "work_hours", optional=True),
                   text_arg(workdays, "workdays", optional=True))

    def load_holidays(self, text, calendar=None):
        """Load one year of holidays and make-up working days (节假日与调休)
        into a calendar and return the year (int).  Administrators only
        (PermissionDenied).  ``text`` has one entry per line::

            year 2027                              (required, before any entry)
            2027-02-06..2027-02-14 holiday 春节     (inclusive range, label optional)
            2027-02-20 workday 春节调休             (a rest day that is worked)
            # comments and blank lines are ignored

        All or nothing: a bad line (a date that does not exist, an end before
        its start, an unknown kind, a day listed twice, a make-up workday on a
        normal working day) or a year already loaded raises InvalidArgument,
        whose message names the line, and nothing is stored."""
        out = c_int32()
        self._call(lib.crm_calendar_load_holidays,
                   text_arg(calendar, "calendar", optional=True),
                   text_arg(text, "text"), byref(out))
        return out.value

    def calendars(self):
        """The working calendars (工作日历), as dicts with "name",
        "time_zone", "work_hours" ("09:00-12:00,13:30-18:00"), "workdays"
        ("1111100", Monday first) and "years" ("2026,2027": the years with
        holiday data)."""
        ptr = CursorP()
        self._call(lib.crm_calendar_list, byref(ptr))
        return self._drain(ptr)

    def calendar_days(self, year, calendar=None):
        """A year's holidays and make-up working days (调休) of a calendar,
        in date order: dicts with "date" ("YYYY-MM-DD"), "kind" ("holiday"
        or "workday") and "label" (e.g. "国庆节"; may be None).  An empty
        list for a year without data."""
        ptr = CursorP()
        self._call(lib.crm_calendar_days, text_arg(calendar, "calendar", optional=True),
                   _int32_arg(year, "year"), byref(ptr))
        return self._drain(ptr)

    def is_working_day(self, day, calendar=None):
        """True if ``day`` (a ``datetime.date`` or "YYYY-MM-DD") is a working
        day (工作日) of the calendar: a make-up workday (调休), or a normal
        working weekday that is not a holiday.  A ``datetime`` is refused
        (TypeError): its date depends on a zone; use :meth:`is_working_time`
        for instants.  InvalidArgument for a date that does not exist."""
        out = c_int32()
        self._call(lib.crm_calendar_is_working_day,
                   text_arg(calendar, "calendar", optional=True),
                   _date_arg(day, "day"), byref(out))
        return bool(out.value)

    def is_working_time(self, at, calendar=None):
        """True if the instant ``at`` (an aware ``datetime`` or UTC
        milliseconds) lies in the working hours of a working day, in the
        calendar's time zone.  A range includes its start, not its end: 09:00
        is working time, 12:00 is not."""
        out = c_int32()
        self._call(lib.crm_calendar_is_working_time,
                   text_arg(calendar, "calendar", optional=True),
                   to_ms(at, "at"), byref(out))
        return bool(out.value)

    def next_working_time(self, at, calendar=None):
        """``at`` (an aware ``datetime`` or UTC milliseconds) if it is working
        time, else the start of the next working period (Saturday 10:00 ->
        Monday 09:00; 12:30 -> 13:30), as an aware ``datetime`` in UTC (like
        :meth:`Db.now`; ``.astimezone(zone)`` shows it in local time).
        StateError if the calendar has no working time in the next 90
        days."""
        out = c_int64()
        self._call(lib.crm_calendar_next_working_time,
                   text_arg(calendar, "calendar", optional=True),
                   to_ms(at, "at"), byref(out))
        return to_datetime(out.value)

    def add_working_days(self, at, days, calendar=None):
        """The instant ``days`` working days (工作日, 0..3660) after ``at`` (an
        aware ``datetime`` or UTC milliseconds), at the same local time of
        day, as an aware ``datetime`` in UTC.  A start outside working time
        first moves to the next working time: Friday 17:00 + 1 = Monday
        17:00, Friday 18:00 + 1 = Tuesday 09:00; holidays are skipped and
        make-up workdays count (2026-02-13 17:00 + 1 = 02-14 17:00, a 调休
        Saturday).  InvalidArgument for ``days`` out of range."""
        out = c_int64()
        self._call(lib.crm_calendar_add_working_days,
                   text_arg(calendar, "calendar", optional=True),
                   to_ms(at, "at"), _int32_arg(days, "days"), byref(out))
        return to_datetime(out.value)

    def add_working_hours(self, at, duration, calendar=None):
        """The instant by which ``duration`` of working time (工作时长) has
        passed since ``at`` (an aware ``datetime`` or UTC milliseconds), as
        an aware ``datetime`` in UTC: the deadline of "within 24 working
        hours".  ``duration`` is a ``datetime.timedelta`` or int milliseconds,
        0 to 3660 days (InvalidArgument otherwise; a timedelta is counted in
        whole milliseconds).  Nights, lunch breaks, rest days and holidays do
        not count: Friday 17:00 + 2 h = Monday 10:00, and a duration that
        ends exactly at a period's end gives that end (Friday 17:00 + 1 h =
        Friday 18:00)."""
        out = c_int64()
        self._call(lib.crm_calendar_add_working_hours,
                   text_arg(calendar, "calendar", optional=True),
                   to_ms(at, "at"), _duration_ms(duration, "duration"), byref(out))
        return to_datetime(out.value)

    # -- tiers and grading ---------------------------------------------------------

    def tiers(self):
        """The customer tiers (客户分层, R2.1), best first: dicts with "code"
        ("A"), "label_zh" (A类客户), "label_en", "cadence" ("1w"),
        "cadence_zh" (每周一次), "cadence_en" ("every week") and "position".
        A new database has A (every week), B (every two weeks) and C (every
        month)."""
        ptr = CursorP()
        self._call(lib.crm_tier_list, byref(ptr))
        return self._drain(ptr)

    def define_tier(self, code, cadence, label_zh=None, label_en=None):
        """Define a tier (客户等级) or change a tier's cadence (跟进频次);
        administrators only (PermissionDenied).

        A new ``code`` (1 to 8 of A-Z, 0-9 and _) is ranked below the
        existing tiers and needs both labels.  For an existing tier, leave
        the labels out: only its cadence changes (labels cannot change,
        InvalidArgument), and every customer of the tier gets its next due
        date recomputed from its last contact.  ``cadence`` is "<n>d",
        "<n>w" or "<n>m" (1-366 days, 1-52 weeks, 1-12 months; also "2
        weeks", "2周", "1个月").  The change is kept in the configuration
        history (:meth:`config_history`, subject ``"tier.<code>"``).
        InvalidArgument for a bad code, cadence or label; Conflict for a
        label another tier has."""
        self._call(lib.crm_tier_define, text_arg(code, "code"),
                   text_arg(label_zh, "label_zh", optional=True),
                   text_arg(label_en, "label_en", optional=True),
                   text_arg(cadence, "cadence"))

    def grading_criteria(self, include_retired=False):
        """The grading criteria (客户分级评估标准, R2.2) in order: dicts with
        "name", "label_zh", "label_en", "unit", "thresholds" (e.g.
        "A>=100,B>=30": best tier first) and "retired" (0/1).  Seeded:
        "annual_potential" (年采购潜力, 万元, "A>=100,B>=30") and
        "cooperation_likelihood" (合作可能性, %, "A>=70,B>=40").  Retired
        criteria only with ``include_retired=True``."""
        ptr = CursorP()
        self._call(lib.crm_grading_criteria_list, 1 if include_retired else 0, byref(ptr))
        return self._drain(ptr)

    def define_criterion(self, name, label_zh, label_en, thresholds, unit=None, *,
                         retired=False):
        """Define or change a grading criterion (评估标准); administrators only
        (PermissionDenied).  ``name``: [a-z][a-z0-9_]{0,31}; both labels are
        required; ``unit`` (e.g. "万元", "%") may be None; ``thresholds``
        lists "TIER>=MIN" best tier first with falling minimums, e.g.
        ``"A>=100,B>=30"`` (a value below every minimum gives the last
        tier).  ``retired=True`` retires it: it is no longer asked for by
        :meth:`grade_customer`.  Kept in the configuration history
        (``"criterion.<name>"``).  InvalidArgument for a bad name, label,
        unit or threshold list."""
        self._call(lib.crm_grading_criterion_define, text_arg(name, "name"),
                   text_arg(label_zh, "label_zh"), text_arg(label_en, "label_en"),
                   text_arg(unit, "unit", optional=True), text_arg(thresholds, "thresholds"),
                   1 if retired else 0)

    def grade_customer(self, id, values=None, /, **kw):  # noqa: A002
        """Grade a customer (客户分级, R2.2) and return the result as a dict:
        "tier" ("B"), "reason" (分级依据, Chinese: each criterion's value and
        tier), "reason_en" and "next_due_date" ("YYYY-MM-DD").

        ``values`` (a dict and/or keywords; keywords win) holds a number
        for every active criterion (:meth:`grading_criteria`) by name: an
        int, float, ``Decimal`` or numeric str.  Each criterion gives the
        best tier whose minimum the value reaches; the customer gets the
        worst of them (a high tier needs high value AND high intent)::

            s.grade_customer("C0001", annual_potential=120,
                             cooperation_likelihood=55)      # -> tier "B"

        The tier, its reason and "graded_at" are written to the customer
        and its history (kind "tier"), and its next due date is recomputed
        from its tier's cadence.  ValidationError names every missing,
        unknown or non-numeric criterion (codes "required",
        "unknown_field", "wrong_type"); StateError for an archived
        customer."""
        merged = _grade_values(values, kw)
        key = text_arg(id, "id")
        with record_from_dict(merged) as rec:
            return self._get_record(lib.crm_customer_grade, key, rec)

    def set_tier(self, id, tier, reason=None):  # noqa: A002
        """Set a customer's tier by hand (code or label: "A" or "A类客户"),
        with an optional ``reason`` kept as its "tier_reason" and in its
        history; its next due date is recomputed.  Setting the tier it has
        does nothing.  NotFound for an unknown tier; StateError for an
        archived customer."""
        self._call(lib.crm_customer_set_tier, text_arg(id, "id"), text_arg(tier, "tier"),
                   text_arg(reason, "reason", optional=True))

    def verify_customer(self, id, method, note=None):  # noqa: A002
        """Record that the owner confirmed the customer's information and
        need (信息核实, R1.5) by ``method`` "phone" or "email" (电话 / 邮件),
        with an optional note: sets "verified_at" and "verified_by", adds a
        history row and ends the "unverified" reminder.  InvalidArgument for
        another method; Conflict if the customer is verified already."""
        self._call(lib.crm_customer_verify, text_arg(id, "id"), text_arg(method, "method"),
                   text_arg(note, "note", optional=True))

    def roster(self, tier=None, owner=0, page_size=50):
        """Iterate over the graded roster (客户分级名册): graded, unarchived
        customers by tier (best first), then next due date (earliest
        first), then id, as dicts with "id", "name", "owner", "tier",
        "tier_reason", "graded_at" and "last_followup_at" (UTC ms or None)
        and "next_due_date" ("YYYY-MM-DD").  ``tier``: one tier (code or
        label), None for all; ``owner``: one owner's customers, 0 (or None)
        for everyone's.  Pages of ``page_size`` rows (1 to 1000) are fetched
        as the iterator advances; an unknown tier raises NotFound when the
        first page is fetched."""
        tier_arg = text_arg(tier, "tier", optional=True)
        owner_arg = 0 if owner is None else int_arg(owner, "owner")
        size = _int32_arg(page_size, "page_size")
        self._handle()

        return self._paged_query(roster_query_init, lib.crm_roster_list, tier=tier_arg,
                                 owner=owner_arg, page_size=size)

    def config_history(self, prefix=None, page_size=100):
        """Iterate over configuration changes (配置变更记录): tiers, grading
        criteria, reminder rules and settings, oldest first, as dicts with
        "seq", "at" (UTC ms), "actor" (user id), "subject" (e.g. "tier.A",
        "criterion.annual_potential", "rule.plan_overdue"), "before" (None
        for a new item) and "after" (text).  ``prefix`` keeps the subjects
        that start with it (None or "" = all; "tier.", "rule.plan_overdue"
        …).  Pages of ``page_size`` rows are fetched as the iterator
        advances."""
        prefix_arg = text_arg(prefix, "prefix", optional=True)
        size = _int32_arg(page_size, "page_size")
        self._handle()

        def open_page(after):
            ptr = CursorP()
            self._call(lib.crm_config_history, prefix_arg, size, after, byref(ptr))
            return ptr

        return self._paged(open_page)

    # -- follow-up plans and records ----------------------------------------------

    def plan_followup(self, customer_id, fields=None, /, **kw):
        """Plan a contact (跟进计划, R2.3) with customer ``customer_id`` and
        return the stored plan as a dict.

        Fields (a dict and/or keywords; keywords win; see
        ``crm.fields("followup_plan")``): ``goal`` (跟进目标) and ``method``
        (phone 电话 / visit 拜访 / email 邮件 / online_meeting 线上会议) and
        ``planned_at`` are required; ``talking_points`` (沟通要点),
        ``materials`` (所需资料), ``remind_at`` and ``owner`` (default: the
        customer's owner) are optional.  Instants (``planned_at``,
        ``remind_at``) are written as aware datetimes or UTC ms and read
        back, like every instant of a record, as UTC ms (``crm.to_datetime``
        makes a datetime of them).  Without ``remind_at`` the reminder is
        the setting followup.remind_before_minutes (default 30) before the
        plan, but not before now.

        The plan dict has "id", "customer", "owner", "goal", "method",
        "talking_points", "materials", "planned_at", "remind_at", "state"
        ("planned"; later done / missed / cancelled / rescheduled),
        "state_reason", "rescheduled_to", "record_id", "created_at",
        "created_by" and "updated_at".  The over-contact guard (避免过度打扰,
        R2.5): when another contact or open plan of the customer is closer
        than the setting followup.min_gap_hours (default 24), the plan is
        still made and the dict also has "warning" = "too_soon",
        "warning_message" and "warning_message_zh"; when the setting
        followup.min_gap_action is "refuse", ValidationError (code
        "too_soon") instead.

        ValidationError: ``planned_at`` in the past ("in_past"),
        ``remind_at`` after the plan ("after_plan") or in the past
        ("in_past"), a missing field ("required"), an unknown method.
        StateError for an archived customer."""
        merged = _followup_fields(fields, kw, "plan_followup")
        key = text_arg(customer_id, "customer_id")
        with record_from_dict(merged) as rec:
            return self._get_record(lib.crm_followup_plan_create, key, rec)

    def followup_plan(self, plan_id):
        """A follow-up plan (跟进计划) by its int id, as the dict
        :meth:`plan_followup` returns (without a warning).  NotFound for an
        unknown id."""
        return self._get_record(lib.crm_followup_plan_get, int_arg(plan_id, "plan_id"))

    def complete_plan(self, plan_id, fields=None, /, **kw):
        """Record the contact of an open plan and mark the plan "done", in one
        transaction; return the follow-up record as a dict (like
        :meth:`add_followup`'s, with "plan_id" set).  Fields as for
        :meth:`add_followup`; ``method`` defaults to the plan's.  StateError
        if the plan is not open (done, missed, cancelled or rescheduled);
        NotFound for an unknown plan."""
        merged = _followup_fields(fields, kw, "complete_plan")
        key = int_arg(plan_id, "plan_id")
        with record_from_dict(merged) as rec:
            return self._get_record(lib.crm_followup_plan_complete, key, rec)

    def close_plan(self, plan_id, state, reason=None):
        """Close an open plan as "missed" (未执行) or "cancelled" (已取消), with
        an optional reason (kept as its "state_reason"); its reminders end.
        InvalidArgument for another state, StateError if the plan is not
        open."""
        self._call(lib.crm_followup_plan_close, int_arg(plan_id, "plan_id"),
                   text_arg(state, "state"), text_arg(reason, "reason", optional=True))

    def reschedule_plan(self, plan_id, planned_at, remind_at=None, reason=None):
        """Move an open plan to ``planned_at`` (改期; an aware datetime or UTC
        ms), with its reminder at ``remind_at`` (None = the default
        reminder): the plan becomes "rescheduled" (its "rescheduled_to" is
        the new plan's id) and the new plan, with the same goal, method,
        owner, talking points and materials, is returned as a dict (with a
        "warning" as in :meth:`plan_followup`).  ValidationError as for
        :meth:`plan_followup`; StateError if the plan is not open."""
        at = to_ms(planned_at, "planned_at")
        remind = 0 if remind_at is None else to_ms(remind_at, "remind_at")
        return self._get_record(lib.crm_followup_plan_reschedule, int_arg(plan_id, "plan_id"),
                                at, remind, text_arg(reason, "reason", optional=True))

    def add_followup(self, customer_id, fields=None, /, **kw):
        """Record a contact (客户跟进记录, R2.4) with customer ``customer_id``
        and return the stored record as a dict.

        Fields (a dict and/or keywords; keywords win; see
        ``crm.fields("followup_record")``): ``method`` and ``summary``
        (沟通内容) are required; ``contacted_at`` (default now; an aware
        datetime or UTC ms, not in the future: "in_future"), ``feedback``
        (客户反馈), ``intent_change`` (意向变化), ``major_change`` (重大变更,
        e.g. 决策人更换), ``next_step`` (下一步计划), ``next_plan_at`` and
        ``owner`` (default: this session's user) are optional.  A late
        entry is fine: records are kept in contact-time order, and the
        customer's "last_followup_at", "next_step" and next due date follow
        its latest record.

        ``next_plan_at`` (with ``next_step``, which then is required, as
        its goal) also plans the next contact: the record's "next_plan_id".
        ``major_change`` expects a major change in the customer's history
        within 24 hours (R1.10), or the "major_change" reminder fires.

        The record dict has "id", "customer", "plan_id", "owner", "method",
        "contacted_at" (UTC ms), "summary", "feedback", "intent_change",
        "major_change", "next_step", "next_plan_id", "created_at" and
        "created_by", plus "warning" keys as in :meth:`plan_followup` when
        the contact is closer than followup.min_gap_hours to another."""
        merged = _followup_fields(fields, kw, "add_followup")
        key = text_arg(customer_id, "customer_id")
        with record_from_dict(merged) as rec:
            return self._get_record(lib.crm_followup_add, key, rec)

    def plans(self, customer_id):
        """A customer's follow-up plans (跟进计划), every state, by planned
        time: dicts as :meth:`followup_plan` returns."""
        ptr = CursorP()
        self._call(lib.crm_customer_plans, text_arg(customer_id, "customer_id"), byref(ptr))
        return self._drain(ptr)

    def followups(self, customer_id):
        """A customer's follow-up records (客户互动日志) by contact time, oldest
        first: dicts as :meth:`add_followup` returns (without a warning)."""
        ptr = CursorP()
        self._call(lib.crm_customer_followups, text_arg(customer_id, "customer_id"),
                   byref(ptr))
        return self._drain(ptr)

    def agenda(self, owner=0, page_size=50):
        """Iterate over an owner's agenda (待办) at the database clock's now,
        most urgent first: open plans of today and earlier, and customers
        whose tier cadence has lapsed.  ``owner``: a user id; 0 (or None) =
        this session's user.  Rows are dicts with "kind" ("overdue_plan": a
        plan of an earlier day; "plan": one of today; "lapsed": a customer
        not contacted by its due date), "due_at" (UTC ms: the plan's time,
        or the end of the lapsed customer's due date), "customer",
        "customer_name", "plan_id", "goal" and "method" (plans; None for a
        lapsed customer), "tier" and "next_due_date" (lapsed customers;
        None for plans).  Pages of ``page_size`` rows (1 to 1000) are
        fetched as the iterator advances."""
        owner_arg = 0 if owner is None else int_arg(owner, "owner")
        size = _int32_arg(page_size, "page_size")
        self._handle()

        return self._paged_query(agenda_query_init, lib.crm_agenda, owner=owner_arg,
                                 page_size=size)

    def daily_report(self, date, owner=0):  # noqa: A002
        """A rep's daily report (拜访日报) for a local ``date`` (a
        ``datetime.date`` or "YYYY-MM-DD" in the database's time zone): the
        day's follow-up records and the day's plans still open, by time, as
        dicts with "kind" ("record" or "open_plan"), "at" (UTC ms),
        "customer", "customer_name", "method", "summary", "feedback" and
        "next_step" (records) and "goal" (open plans).  ``owner``: a user
        id; 0 (or None) = this session's user; NotFound for an unknown user."""
        owner_arg = 0 if owner is None else int_arg(owner, "owner")
        day = _date_arg(date, "date")
        ptr = CursorP()
        self._call(lib.crm_daily_report, owner_arg, day, byref(ptr))
        return self._drain(ptr)

    # -- maintenance plans for key customers ------------------------------------

    def submit_maintenance_plan(self, customer_id, fields=None, /, **kw):
        """Submit a maintenance plan (客户维护方案, R2.6) for a key customer and
        return it as a dict, in state "submitted" (待审批).

        Fields (a dict and/or keywords; keywords win; see
        ``crm.fields("maintenance_plan")``), all required: ``method`` (维护方式,
        e.g. "定期拜访+专属客服"), ``measures`` (维护措施), ``responsible``
        (负责人员: the people, by name), ``cost`` (维护费用: yuan exact to the
        fen, as a str "12000.50", an int, or a ``Decimal``; read back as text
        with two decimals) and ``period_start`` / ``period_end`` (a
        ``datetime.date`` or "YYYY-MM-DD").

        The plan dict has "id", "customer", the fields above, "state",
        "decision_note", "decided_by", "decided_at", "carried_out_at",
        "evaluation", "satisfaction", "evaluated_at", "created_at" and
        "created_by".  StateError unless the customer is graded in the best
        tier (A, 重点客户) and not archived.  ValidationError lists every
        failing field: "required", "too_long", "invalid_number" (a cost that
        is not yuan with at most two decimals), "negative", "invalid_date",
        "before_start" (``period_end`` before ``period_start``)."""
        merged = _maintenance_fields(fields, kw, "submit_maintenance_plan")
        key = text_arg(customer_id, "customer_id")
        with record_from_dict(merged) as rec:
            return self._get_record(lib.crm_maintenance_plan_submit, key, rec)

    def maintenance_plan(self, plan_id):
        """A maintenance plan by its int id, as the dict
        :meth:`submit_maintenance_plan` returns.  NotFound for an unknown
        id."""
        return self._get_record(lib.crm_maintenance_plan_get, int_arg(plan_id, "plan_id"))

    def decide_maintenance_plan(self, plan_id, approve, note=None):
        """Approve (``approve`` true: "approved", 已批准) or reject ("rejected",
        已驳回) a submitted plan, with an optional note (审批意见, at most 500
        characters: InvalidArgument otherwise).  PermissionDenied unless this
        session's user is an administrator or a sales manager (销售经理) of the
        department of the customer's owner, and did not submit the plan;
        StateError if the plan is not "submitted"."""
        if not isinstance(approve, bool):
            raise TypeError("approve must be a bool, not %s" % type(approve).__name__)
        self._call(lib.crm_maintenance_plan_decide, int_arg(plan_id, "plan_id"),
                   1 if approve else 0, text_arg(note, "note", optional=True))

    def carry_out_maintenance_plan(self, plan_id):
        """Record that an approved plan was carried out ("carried_out",
        已执行).  StateError if the plan is not "approved"."""
        self._call(lib.crm_maintenance_plan_carry_out, int_arg(plan_id, "plan_id"))

    def evaluate_maintenance_plan(self, plan_id, evaluation, satisfaction=None):
        """Evaluate a carried-out plan (客户维护总结): ``evaluation`` is the
        summary (required, at most 2000 characters), ``satisfaction`` the
        customer's satisfaction, an int 1 to 5, or None.  The plan becomes
        "evaluated" (已评估).  ValidationError ("required", "too_long",
        "out_of_range"); StateError if the plan is not "carried_out"."""
        score = 0 if satisfaction is None else _int32_arg(satisfaction, "satisfaction")
        if satisfaction is not None and score == 0:
            # 0 means "none" to the C ABI; -1 gets the library's own
            # "out_of_range" error, as 0 deserves.
            score = -1
        self._call(lib.crm_maintenance_plan_evaluate, int_arg(plan_id, "plan_id"),
                   text_arg(evaluation, "evaluation"), score)

    def maintenance_plans(self, customer_id):
        """A customer's maintenance plans in the order they were submitted:
        dicts as :meth:`maintenance_plan` returns."""
        ptr = CursorP()
        self._call(lib.crm_customer_maintenance_plans, text_arg(customer_id, "customer_id"),
                   byref(ptr))
        return self._drain(ptr)

    # -- reminders and the outbox ------------------------------------------------

    def tick(self, now=None):
        """Run the reminder scheduler (提醒调度) up to ``now`` (an aware
        datetime or UTC ms; None = the database clock) and return a
        :class:`TickReport`.  Administrators only (PermissionDenied): the
        host calls it periodically, e.g. every minute.

        Every reminder due by then whose reason still holds becomes outbox
        messages, one per channel of its rule (:meth:`reminder_rules`);
        the library sends nothing itself (:meth:`fetch_outbox`).  Kinds:
        plan_reminder (a plan's reminder time), plan_overdue (a plan still
        open when its day has ended), cadence_lapsed (a graded customer not
        contacted by its due date), unverified (not verified 24 hours after
        entry, R1.5), review_due (a month after the last review, R1.10),
        major_change (a reported major change not in the history 24 hours
        later, R1.10), access_pending (an access request waiting for the
        owner's decision, R3.2), lead_unassigned (a lead still in the pool
        24 hours after capture, to the sales managers) and escalation (to
        the owner's supervisor).  The lead messages lead_welcome,
        lead_assigned and lead_high_value are written at once, by the calls
        that cause them.

        Idempotent: a reminder has a stable key, so calling again, after a
        crash, or with an earlier time (which fires only what was due by
        then) never writes a message twice."""
        at = 0 if now is None else to_ms(now, "now")
        rep = tick_report_init()
        self._call(lib.crm_tick, at, byref(rep))
        return TickReport(now=to_datetime(rep.now_ms), fired=rep.fired,
                          messages=rep.messages, escalated=rep.escalated,
                          skipped=rep.skipped, rearmed=rep.rearmed, pending=rep.pending,
                          last_tick=to_datetime(rep.last_tick_ms) if rep.last_tick_ms else None)

    def reminder_rules(self):
        """The reminder rules (提醒规则), one per kind (see :meth:`tick`):
        dicts with "kind", "enabled" (0/1), "delay_minutes" (after the
        event), "counting" ("calendar" or "working": working time of the
        calendar "calendar"), "calendar", "channels" ("app", "email", "sms",
        comma-separated: one message each), "escalate_after" (minutes; 0 =
        never) and the message templates "template_zh" / "template_en"."""
        ptr = CursorP()
        self._call(lib.crm_reminder_rule_list, byref(ptr))
        return self._drain(ptr)

    def set_reminder_rule(self, kind, changes=None, /, **kw):
        """Change the given fields of the reminder rule ``kind`` (a dict
        and/or keywords; keywords win); administrators only
        (PermissionDenied).  Fields as in :meth:`reminder_rules`:
        ``enabled`` (a bool or 0/1), ``delay_minutes`` and
        ``escalate_after`` (int minutes or a ``timedelta`` of whole
        minutes), ``counting``, ``calendar``, ``channels`` (e.g.
        "app,email"), and templates with the placeholders {customer},
        {customer_id}, {owner}, {tier}, {goal}, {method}, {time},
        {requester} (who asked for access) and, for escalations,
        {original}.  Pending reminders follow the new timing;
        the change is kept in the configuration history (``"rule.<kind>"``).
        InvalidArgument for an unknown field, a bad value or template;
        NotFound for an unknown kind or calendar."""
        merged = _rule_changes(changes, kw)
        key = text_arg(kind, "kind")
        with record_from_dict(merged) as rec:
            self._call(lib.crm_reminder_rule_set, key, rec)

    def fetch_outbox(self, limit=100, lease=timedelta(minutes=5), channel=None):
        """Lease up to ``limit`` (1 to 1000) undelivered outbox messages
        (发件箱) for delivery, of ``channel`` ("app", "email", "sms"; None =
        any), for ``lease`` (a ``timedelta`` or a number of seconds; 1
        second to 1 day).  Administrators only: this is the host's delivery
        worker.  Returns dicts with "id", "key" (stable: deliver
        idempotently by it), "kind", "customer", "recipient_user",
        "recipient_role" (when there is no user, e.g. "sales_manager"),
        "lead" (the lead's id for a lead message, else None), "address"
        (where to send it when the recipient is no user: the lead's phone
        or e-mail for its welcome message), "channel", "message"
        (Chinese), "message_en", "due_at" and "created_at" (UTC ms),
        "attempts", "escalation_of" and "acked_at".

        Acknowledge each delivered message with :meth:`ack_outbox`; one not
        acknowledged before its lease ends is fetched again
        (at-least-once)."""
        ms = _lease_ms(lease, "lease")
        ptr = CursorP()
        self._call(lib.crm_outbox_fetch, _int32_arg(limit, "limit"), ms,
                   text_arg(channel, "channel", optional=True), byref(ptr))
        return self._drain(ptr)

    def ack_outbox(self, id):  # noqa: A002
        """Acknowledge the delivery of outbox message ``id`` (int): it is
        never fetched again.  NotFound for an unknown id; Conflict if it was
        acknowledged before."""
        self._call(lib.crm_outbox_ack, int_arg(id, "id"))

    def outbox(self, after=0, limit=100, pending_only=False):
        """Outbox messages with an id greater than ``after``, at most
        ``limit`` (1 to 1000), in id order, without leasing them: every
        message, or only the unacknowledged ones (``pending_only=True``).
        Dicts as :meth:`fetch_outbox` returns; "acked_at" is the UTC ms of
        the acknowledgement or None.  Pass the last id as ``after`` for the
        next batch."""
        ptr = CursorP()
        self._call(lib.crm_outbox_list, int_arg(after, "after"), _int32_arg(limit, "limit"),
                   1 if pending_only else 0, byref(ptr))
        return self._drain(ptr)

    # -- settings ----------------------------------------------------------------

    def setting(self, name):
        """The value (str) of a setting (设置) stored in the database and
        shared by every handle, e.g. ``setting("tags.create_on_attach")`` ->
        "0".  NotFound for an unknown setting.

        Settings:

        - ``"tags.create_on_attach"`` — "1": :meth:`tag_customer_by_label`
          creates an unknown tag in the given category; "0" (the default):
          it raises NotFound.
        - ``"followup.min_gap_hours"`` — the over-contact guard (避免过度打扰,
          R2.5): the least time between two contacts of a customer
          (default "24"; "0" = off).
        - ``"followup.min_gap_action"`` — what a closer contact gets:
          "warn" (the default: a "warning" in the result, see
          :meth:`plan_followup`) or "refuse" (ValidationError, code
          "too_soon").
        - ``"followup.remind_before_minutes"`` — a plan's default reminder,
          this long before it (default "30").
        - ``"review.create"`` — "1": new customers by users who are not
          reviewers wait for review (:class:`crm.Pending`, R1.6); "0" (the
          default).
        - ``"review.fields"`` — customer fields whose change waits for
          review, comma-separated ("owner,industry"); "" (the default):
          none.
        - ``"alert.unmask_per_hour"`` (default "30"),
          ``"alert.denied_per_hour"`` ("10") and
          ``"alert.export_rows_per_hour"`` ("500") — more than that within
          an hour by one user alerts the administrators (outbox kind
          "security_alert", R3.5); "0" turns the alert off.
        - ``"retention.months"`` — how long an archived customer is kept
          before :meth:`retention_due` proposes erasing it (default "36";
          "0" lists nothing).
        - ``"access.max_hours"`` — the longest access a request may ask for
          (:meth:`request_access`; default "720").
        - ``"lead.high_value_score"`` — the score at which a lead is marked
          高价值线索 (:meth:`lead_event`; default "8").
        - ``"lead.score_half_life_days"`` — the half-life of a lead's
          behaviour points (default "0": no decay).
        - ``"lead.max_open_per_user"`` — the most open leads a user may
          hold before assignment skips them (default "50"; "0" = no cap).
        - ``"lead.auto_assign"`` — when a lead is routed by the assignment
          rules: "captured", "screened" (the default) or "off"."""
        out = c_void_p()
        try:
            self._call(lib.crm_setting_get, text_arg(name, "name"), byref(out))
        finally:
            value = take_owned_string(out)
        return value

    def set_setting(self, name, value):
        """Change a setting (设置; administrators only, PermissionDenied
        otherwise).  ``value`` is a str ("1"/"0" for a switch, digits for a
        number such as "followup.min_gap_hours") or a bool (True -> "1",
        False -> "0").  InvalidArgument for a value the setting does not
        take, NotFound for an unknown setting.  The change is kept in the
        configuration history (:meth:`config_history`, subject
        ``"setting.<name>"``)."""
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif not isinstance(value, str):
            raise TypeError("value must be a str or a bool, not %s" % type(value).__name__)
        self._call(lib.crm_setting_set, text_arg(name, "name"), text_arg(value, "value"))

    def _drain(self, ptr):
        """Every row of a one-page cursor, as a list of dicts; closes it."""
        cur = _Cursor(self, ptr)
        try:
            return list(cur.rows())
        finally:
            cur.close()

    def customer_history(self, id):  # noqa: A002
        """A customer's change history (变更历史), oldest first: a list of dicts
        with "at" (UTC ms), "actor" (user id), "kind" (create, update, type,
        tag, contact, review, maintenance, transfer, erase, archive), "field",
        "before", "after", "reason" and "major" (0/1).  Values are text: a custom field's change has field
        ``"custom.<name>"`` and values as text ("12.50", "1").  A monthly
        review (复核, :meth:`review_customer`) is a row of kind "review" with
        its note as the reason.  A tag (标签) change has field "tags" and
        "category:label" as after (attached) or before (detached).  Before
        and after values of phones, e-mails and personal custom fields are
        masked ("138****5678").  A transfer (客户转移) is a row of kind
        "transfer", field "owner"; an erasure (:meth:`erase_customer`) a
        row of kind "erase" with its reason.  A contact
        (联系人) change has field "contacts" (added or removed; "<id>:<name>"
        as after or before), "contact.<id>.<field>" (a changed field) or
        "primary_contact" (before and after "<id>:<name>"); "major" is 1 when
        a decision maker (决策人) is added or removed or its decision_maker
        changes (R1.10).  A maintenance plan's step (客户维护方案) has field
        "maintenance.<id>", its states as before and after, and a decision's
        note as the reason."""
        ptr = CursorP()
        self._call(lib.crm_customer_history, text_arg(id, "id"), byref(ptr))
        return self._drain(ptr)

    # -- permissions, privacy and audit (权限、隐私与审计, R3) -------------------

    def define_department(self, name, parent=None, supervisor=None):
        """Define a department (部门) and return its int id.  ``parent``: the
        name of the department it sits under (None or "" = at the top);
        ``supervisor``: the user id of its supervisor (部门主管; None or 0 =
        none yet).  Users name their department when they are created
        (:meth:`create_user`), so define it first.

        A supervisor may read, approve and transfer the customers of the
        department and of every department below it, whatever their role.
        Administrators only (user.manage; PermissionDenied otherwise).
        Conflict if the name exists; NotFound for an unknown parent, or a
        supervisor who is not an active user.  Kept in the configuration
        history (``"department.<name>"``) and the audit log."""
        out = c_int64()
        sup = 0 if supervisor is None else int_arg(supervisor, "supervisor")
        self._call(lib.crm_department_define, text_arg(name, "name"),
                   text_arg(parent, "parent", optional=True), sup, byref(out))
        return out.value

    def update_department(self, name, *, parent=UNCHANGED, supervisor=UNCHANGED):
        """Move department ``name`` and/or change its supervisor (部门主管).
        An argument left out stays as it is; ``parent=None`` (or "") moves
        it to the top, ``supervisor=None`` (or 0) leaves it without a
        supervisor.  A department cannot move below itself
        (InvalidArgument).  Administrators only (PermissionDenied); NotFound
        for an unknown department, parent or supervisor.  The change
        applies to every open session at its next call."""
        if parent is UNCHANGED:
            parent_arg = None
        else:
            parent_arg = text_arg("" if parent is None else parent, "parent")
        if supervisor is UNCHANGED:
            sup = -1
        elif supervisor is None:
            sup = 0
        else:
            sup = int_arg(supervisor, "supervisor")
            if sup < 0:
                raise ValueError("supervisor must be a user id (or None for none), not %d"
                                 % sup)
        self._call(lib.crm_department_update, text_arg(name, "name"), parent_arg, sup)

    def departments(self):
        """Every department (部门), parents before children, as dicts with
        "id", "name", "parent" (its name, or None at the top),
        "supervisor" (user id or None), "supervisor_name" and "members"
        (how many active users belong to it)."""
        ptr = CursorP()
        self._call(lib.crm_department_list, byref(ptr))
        return self._drain(ptr)

    def update_user(self, user_id, fields=None, /, **kw):
        """Change user ``user_id`` (a dict and/or keywords; keywords win):
        ``name``, ``department`` (an existing department, or None),
        ``role`` (code or label), ``active`` (a bool or 1/0) and ``absent``
        (a bool or 1/0: away, so lead assignment skips them,
        :meth:`assign_lead`).  The login cannot change.

        ``active=False`` deactivates the user (离职/停用): no new session
        opens for them, and a session they still hold raises
        PermissionDenied from its next call (their customers stay theirs:
        move them with :meth:`transfer_customers`).  Administrators only
        (PermissionDenied); ValidationError for an unknown department or
        role; Conflict when the last active administrator would lose the
        role or be deactivated.  Changes apply to every open session at its
        next call."""
        merged = _merge(fields, kw, "update_user")
        for flag in ("active", "absent"):
            if isinstance(merged.get(flag), bool):
                merged[flag] = int(merged[flag])
        key = int_arg(user_id, "user_id")
        with record_from_dict(merged) as rec:
            self._call(lib.crm_user_update, key, rec)

    def users(self, department=None, include_inactive=False):
        """Users in id order, as dicts like :meth:`get_user`'s.
        ``department``: only that department and those below it (None =
        everyone; NotFound for an unknown one); deactivated users only with
        ``include_inactive=True``."""
        ptr = CursorP()
        self._call(lib.crm_user_list, text_arg(department, "department", optional=True),
                   1 if include_inactive else 0, byref(ptr))
        return self._drain(ptr)

    def define_role(self, code, label_zh, label_en):
        """Define a role (角色): ``code`` is [a-z][a-z0-9_]{0,31}, the labels
        1 to 50 characters (e.g. ``define_role("auditor", "审计员",
        "Auditor")``).  A new role may do nothing (最小必要原则) until
        :meth:`set_permission` grants it something.  Administrators only
        (PermissionDenied); InvalidArgument for a bad code or label;
        Conflict if the code or a label is taken."""
        self._call(lib.crm_role_define, text_arg(code, "code"),
                   text_arg(label_zh, "label_zh"), text_arg(label_en, "label_en"))

    def set_permission(self, role, object, action, scope):  # noqa: A002
        """Set one cell of the permission matrix (权限矩阵): what ``role`` (code
        or label) may do for ``object`` / ``action`` (e.g. "customer",
        "read"; see :meth:`permissions` for every pair).  ``scope`` is
        "none", "own" (records the user owns), "department" (records owned
        by anyone in the user's department or below) or "all"; a pair that
        does not concern one customer (user.manage, audit.read …) takes
        "none" or "all" only.

        Administrators only (PermissionDenied).  NotFound for an unknown
        role; InvalidArgument for an unknown pair or scope, or for the role
        "admin" (it may always do everything).  Kept in the configuration
        history (``"permission.<role>.<object>.<action>"``) and audited;
        applies to every open session at its next call."""
        self._call(lib.crm_permission_set, text_arg(role, "role"), text_arg(object, "object"),
                   text_arg(action, "action"), text_arg(scope, "scope"))

    def permissions(self, role=None):
        """The permission matrix (权限矩阵) of every role (``role`` None) or of
        one (code or label), as dicts with "role", "object", "action",
        "scope" ("none", "own", "department" or "all"), "scoped" (1 if the
        pair concerns one customer), "label_zh" (e.g. 查看客户) and
        "label_en".  NotFound for an unknown role."""
        ptr = CursorP()
        self._call(lib.crm_permission_list, text_arg(role, "role", optional=True), byref(ptr))
        return self._drain(ptr)

    def may(self, object, action, customer=None):  # noqa: A002
        """True if this session's user may do ``object`` / ``action``
        (e.g. "customer", "update"), on customer ``customer`` (an id such
        as "C0001") when given.  Without a customer: whether the role has
        the permission at all (for one's own customers, for scoped pairs).
        Meant to enable or hide buttons: nothing is audited, and a customer
        the user may not see gives False, never NotFound.  InvalidArgument
        for an unknown pair."""
        out = c_int32()
        self._call(lib.crm_permission_check, text_arg(object, "object"),
                   text_arg(action, "action"), text_arg(customer, "customer", optional=True),
                   byref(out))
        return bool(out.value)

    def transfer_customer(self, id, new_owner, reason=None):  # noqa: A002
        """Transfer customer ``id`` (客户转移) to the active user ``new_owner``
        (a user id), with its open follow-up plans; an optional ``reason``
        is kept in its history (kind "transfer", field "owner") and the
        audit log.  Needs customer.transfer on the customer (the owner's
        sales manager or department supervisor, an administrator) and a
        scope that reaches the new owner (PermissionDenied otherwise).
        NotFound for a customer the user may not see, or an unknown or
        inactive new owner; StateError for an archived customer.
        Transferring to the current owner does nothing."""
        self._call(lib.crm_customer_transfer, text_arg(id, "id"),
                   int_arg(new_owner, "new_owner"), text_arg(reason, "reason", optional=True))

    def transfer_customers(self, from_user, to_user, reason=None):
        """Transfer every active customer of user ``from_user`` (e.g. who has
        left) to the active user ``to_user``, in one transaction, and return
        how many moved.  Each move is a transfer as in
        :meth:`transfer_customer`; the session's user needs
        customer.transfer reaching both users (PermissionDenied
        otherwise)."""
        out = c_int64()
        self._call(lib.crm_customer_transfer_all, int_arg(from_user, "from_user"),
                   int_arg(to_user, "to_user"), text_arg(reason, "reason", optional=True),
                   byref(out))
        return out.value

    def unmask_customer(self, id, reason):  # noqa: A002
        """Customer ``id`` as :meth:`get_customer` returns it, but with its
        contact details in clear (查看完整联系方式, R3.6): "phone" in E.164
        ("+8613812345678"), "phone_display", "email" and personal custom
        fields.  ``reason`` (1 to 500 characters) is required
        (InvalidArgument when None or empty) and kept with the audit row
        ("customer.unmask").  Needs customer.unmask: sales for their own
        customers, sales managers for the department's, administrators for
        all (PermissionDenied otherwise; NotFound for a customer the user
        may not see).  More than the setting "alert.unmask_per_hour"
        unmaskings within an hour alert the administrators (outbox kind
        "security_alert")."""
        return self._get_record(lib.crm_customer_unmask, text_arg(id, "id"),
                                text_arg(reason, "reason", optional=True))

    def unmask_contact(self, contact_id, reason):
        """Contact ``contact_id`` as :meth:`get_contact` returns it, with its
        phone and e-mail in clear, under the rule of
        :meth:`unmask_customer` for its customer (audited as
        "contact.unmask"; ``reason`` required)."""
        return self._get_record(lib.crm_contact_unmask, int_arg(contact_id, "contact_id"),
                                text_arg(reason, "reason", optional=True))

    def audit(self, *, actor=None, action=None, object=None,  # noqa: A002
              outcome=None, since=None, until=None, page_size=100):
        """Iterate over the audit log (审计日志, R3.8), oldest first, as dicts
        with "seq", "at" (UTC ms), "actor" (user id), "action" (e.g.
        "customer.update", "customer.unmask", "permission.set"), "object"
        ("C0001", "user:5", "department:华东销售部" …), "outcome" ("ok" or
        "denied"), "detail" (changed field names or a reason, never a
        personal value) and "hash".

        Every write, every unmask and every permission denial is a row.
        Filters: ``actor`` (a user id), ``action`` (exact, or a prefix when
        it ends in ".": "customer."), ``object``, ``outcome``, ``since``
        (inclusive) and ``until`` (exclusive) as aware datetimes or UTC ms.
        Pages of ``page_size`` rows (1 to 1000) are fetched as the iterator
        advances.  Administrators only (audit.read; PermissionDenied when
        the first page is fetched)."""
        actor_arg = 0 if actor is None else int_arg(actor, "actor")
        action_arg = text_arg(action, "action", optional=True)
        object_arg = text_arg(object, "object", optional=True)
        outcome_arg = text_arg(outcome, "outcome", optional=True)
        since_ms = 0 if since is None else to_ms(since, "since")
        until_ms = 0 if until is None else to_ms(until, "until")
        size = _int32_arg(page_size, "page_size")
        self._handle()

        return self._paged_query(audit_query_init, lib.crm_audit_list, actor=actor_arg,
                                 action=action_arg, object=object_arg, outcome=outcome_arg,
                                 since_ms=since_ms, until_ms=until_ms, page_size=size)

    def audit_head(self):
        """The audit log's head: ``(seq, hash)`` of its last row (``(0,
        "000…0")``, 64 zeros, for an empty log).  Keep it outside the
        database from time to time and pass it to :meth:`verify_audit`
        later: that also catches rows cut off the end or a rebuilt chain.
        Administrators only."""
        seq = c_int64()
        out = c_void_p()
        try:
            self._call(lib.crm_audit_head, byref(seq), byref(out))
        finally:
            digest = take_owned_string(out)
        return seq.value, digest

    def verify_audit(self, expected=None):
        """Check the audit log's hash chain (审计日志校验) and return a dict:
        "ok" (1 if intact, else 0), "seq" (the first row that does not fit;
        0 when ok), "problem" ("altered", "removed", "chain broken",
        "rewritten" or None), "checked" (rows read), "head_seq" and
        "head_hash".  ``expected``: a head kept earlier from
        :meth:`audit_head`, ``(seq, hash)``.  Tampering is reported in the
        dict, not raised.  Administrators only."""
        if expected is None:
            seq, digest = 0, None
        else:
            try:
                seq, digest = expected
            except (TypeError, ValueError):
                raise TypeError("expected must be a (seq, hash) pair from audit_head(), not %r"
                                % (expected,)) from None
            seq = int_arg(seq, "expected seq")
            digest = text_arg(digest, "expected hash")
        return self._get_record(lib.crm_audit_verify, seq, digest)

    # -- access requests (跨部门协作申请, R3.2) ------------------------------------

    def request_access(self, id, reason, hours, *, level="view", groups=None):  # noqa: A002
        """Ask for access to customer ``id`` (跨部门协作申请, R3.2) — one the
        user may not see, or only see — and return the request's int id.

        ``reason`` (1 to 500 characters) is required; ``hours`` is how long
        the access lasts once approved: an int, or a ``timedelta`` of whole
        hours, from 1 to the setting "access.max_hours" (default 720).
        ``level`` is "view" or "edit"; ``groups`` the field groups wanted,
        a str ("basic,contact") or a list of them: "basic" (name, industry,
        type, owner, dates …; always included), "contact" (contact person,
        phones, e-mails, contacts), "needs" (key needs, priority, custom
        fields, tags) and "followup" (plans and records); None = basic.

        The owner is told through the outbox at the next :meth:`tick`
        (reminder rule "access_pending"), and the owner's manager if no one
        decides within the rule's escalate_after.  NotFound for no such
        customer; Conflict for one's own customer or when this user's
        earlier request for it is still pending; InvalidArgument for a bad
        level, group, duration or a missing reason."""
        out = c_int64()
        self._call(lib.crm_access_request, text_arg(id, "id"),
                   text_arg(level, "level", optional=True), _groups_arg(groups),
                   text_arg(reason, "reason", optional=True), _hours_arg(hours), byref(out))
        return out.value

    def decide_access(self, request_id, approve, note=None):
        """Approve (``approve`` True) or reject (False) a pending access
        request, with an optional note.  Only the customer's owner, a user
        with customer.approve over it (its supervisors, the department's
        sales managers) or an administrator may, never the requester
        (PermissionDenied).  An approval grants from now for the requested
        hours; the grant then ends by itself.  The requester is told through
        the outbox at once (kind "access_decision").  StateError when the
        request is no longer pending; NotFound for an unknown request or one
        of a customer the user may not see."""
        if not isinstance(approve, bool):
            raise TypeError("approve must be a bool, not %s" % type(approve).__name__)
        self._call(lib.crm_access_decide, int_arg(request_id, "request_id"),
                   1 if approve else 0, text_arg(note, "note", optional=True))

    def revoke_access(self, request_id, reason=None):
        """End an access grant in force now, before it expires (the owner or
        an approver; ``reason`` optional, kept in the audit log).  StateError
        for a request that is not an active grant (pending, rejected,
        expired, revoked …)."""
        self._call(lib.crm_access_revoke, int_arg(request_id, "request_id"),
                   text_arg(reason, "reason", optional=True))

    def withdraw_access(self, request_id):
        """Take back one's own access request while it is still pending.
        NotFound for someone else's request; StateError once decided."""
        self._call(lib.crm_access_withdraw, int_arg(request_id, "request_id"))

    def access_requests(self, view=None, customer=None, pending_only=False):
        """Access requests, oldest first, as dicts with "id" (int),
        "customer", "requester", "requester_name", "level", "field_groups"
        ("basic,contact"), "reason", "hours", "state" (pending, approved,
        expired, rejected, revoked, withdrawn), "requested_at",
        "decided_by", "decided_at", "note", "expires_at", "revoked_by" and
        "revoked_at" (instants in UTC ms).

        ``view``: "mine" (the user's own requests; the default), "to_decide"
        (pending requests this user may decide) or "customer" (the requests
        for ``customer``, for its owner and approvers; implied when
        ``customer`` is given).  ``pending_only=True`` keeps the pending
        ones."""
        view = _view_arg(view, customer)
        ptr = CursorP()
        self._call(lib.crm_access_list, text_arg(view, "view"),
                   text_arg(customer, "customer", optional=True), 1 if pending_only else 0,
                   byref(ptr))
        return self._drain(ptr)

    # -- review before it takes effect (审核机制, R1.6) ----------------------------

    def pending_changes(self, view=None, customer=None, pending_only=False):
        """Changes waiting for review (待审核变更, R1.6) and decided ones,
        oldest first, as dicts with "id" ("R12"), "kind" ("create" or
        "update"), "customer" (None for a create), "author",
        "author_name", "owner", "fields" (a dict of the submitted values,
        parsed from the library's JSON; phones, e-mails and personal custom
        fields masked), "state" (pending, approved, rejected, withdrawn),
        "submitted_at", "decided_by", "decided_at", "reason" and "result"
        (the customer an approved create made).

        ``view``: "mine" (this user's submissions; the default),
        "to_review" (changes this user may review) or "customer" (the
        changes of ``customer``; implied when ``customer`` is given).
        ``pending_only=True`` keeps the pending ones."""
        view = _view_arg(view, customer)
        ptr = CursorP()
        self._call(lib.crm_pending_list, text_arg(view, "view"),
                   text_arg(customer, "customer", optional=True), 1 if pending_only else 0,
                   byref(ptr))
        rows = self._drain(ptr)
        for row in rows:
            if isinstance(row.get("fields"), str):
                row["fields"] = json.loads(row["fields"])
        return rows

    def decide_change(self, change_id, approve, reason=None):
        """Approve (``approve`` True: it takes effect now, validated again)
        or reject (False; ``reason`` required, InvalidArgument without one)
        the pending change ``change_id`` ("R12", from :class:`crm.Pending`
        or :meth:`pending_changes`).  Returns the id of the customer an
        approval created or changed ("C0007"), None for a rejection.

        Reviewers are users with customer.approve over the owner (the
        department's sales managers and supervisors, administrators), never
        the change's author (PermissionDenied).  Conflict when a field of an
        update changed since it was submitted (it stays pending, to be
        rejected); ValidationError when it is no longer valid; StateError
        when it is no longer pending.  The author is told through the outbox
        (kind "review_decision")."""
        if not isinstance(approve, bool):
            raise TypeError("approve must be a bool, not %s" % type(approve).__name__)
        out = c_void_p()
        try:
            self._call(lib.crm_pending_decide, text_arg(change_id, "change_id"),
                       1 if approve else 0, text_arg(reason, "reason", optional=True),
                       byref(out))
        finally:
            result = take_owned_string(out)
        return result

    def withdraw_change(self, change_id):
        """Take back one's own change while it is still pending (NotFound for
        someone else's; StateError once decided)."""
        self._call(lib.crm_pending_withdraw, text_arg(change_id, "change_id"))

    # -- erasure, retention, export and backup (R3.6, R3.7) ------------------------

    def erase_customer(self, id, reason):  # noqa: A002
        """Erase a data subject's personal information (删除个人信息, PIPL):
        the contact persons' names (replaced by "已删除"), titles, phones and
        e-mails of customer ``id`` and of all its contacts, its personal
        custom fields, and those values in its history, which keeps one row
        of kind "erase" saying who erased and why.  The customer is archived
        and gets no more reminders.  ``reason`` is required
        (InvalidArgument when None or empty).  Needs customer.erase
        (administrators by default; PermissionDenied otherwise).  Free text
        elsewhere (follow-up summaries) is not searched."""
        self._call(lib.crm_customer_erase, text_arg(id, "id"),
                   text_arg(reason, "reason", optional=True))

    def retention_due(self, page_size=100):
        """Iterate over the retention policy's list of what to erase:
        archived customers not yet erased whose last change is older than
        the setting "retention.months" (default 36; "0" lists nothing), as
        dicts with "id", "name", "owner" and "archived_at" (UTC ms).  Pages
        of ``page_size`` rows (1 to 1000) are fetched as the iterator
        advances.  Needs customer.erase (PermissionDenied when the first
        page is fetched)."""
        size = _int32_arg(page_size, "page_size")
        self._handle()

        def open_page(after):
            ptr = CursorP()
            self._call(lib.crm_retention_list, size, after, byref(ptr))
            return ptr

        return self._paged(open_page)

    def export_customers(self, file=None, *, in_clear=False, owner=None,
                         type=None, include_archived=False, tags_all=(),  # noqa: A002
                         tags_any=(), filters=None, sort=None, **view_filters):
        """Export the customers a list with these filters shows (导出, R3.6):
        every page, as JSON Lines — one customer object per line.

        - ``file=None``: returns a list of dicts, one per customer (the
          parsed lines; keys as in :meth:`get_customer`).
        - ``file`` a file-like object: writes the JSON Lines to it as they
          come (str to a text file, UTF-8 bytes to a binary one such as
          ``open(path, "wb")`` or ``io.BytesIO``) and returns how many
          lines were written.

        Only customers the user may export are included (customer.export:
        own for sales, the department for managers).  Phones, e-mails and
        personal custom fields are masked unless ``in_clear=True`` and the
        user may unmask the customer (then "phone" is E.164).  Each export
        is audited ("customer.export", with its row count; in clear also as
        "customer.unmask"); more than the setting
        "alert.export_rows_per_hour" rows within an hour alert the
        administrators (outbox kind "security_alert").

        The filters are those of :meth:`customers` (``page_size`` does not
        apply).  An exception raised while writing (a full disk, a closed
        file …) stops the export and is raised from this call, unchanged.
        The file's ``write`` is called while the library holds this
        database's lock: it must not use this Db (StateError)."""
        spec = self._list_query(owner, type, include_archived, tags_all, tags_any,
                                filters, sort, view_filters)
        rows = []
        if file is None:
            def sink(data):
                for line in data.split(b"\n"):
                    if line:
                        rows.append(json.loads(line))
        else:
            if isinstance(file, (str, bytes, os.PathLike)) or not callable(
                    getattr(file, "write", None)):
                raise TypeError("file must be a file-like object with a write() method "
                                "(open the path first), not %s" % file.__class__.__name__)
            mode = getattr(file, "mode", "")
            if isinstance(file, (io.RawIOBase, io.BufferedIOBase)) or \
                    (isinstance(mode, str) and "b" in mode):
                sink = file.write
            else:
                def sink(data):
                    file.write(data.decode("utf-8"))
        q = spec.struct()
        written = self._export_to(lib.crm_customer_export, sink, byref(q),
                                  1 if in_clear else 0)
        return rows if file is None else written

    def backup(self, path, *, progress=None, pages_per_step=0):
        """Back the database up to the file ``path`` (created or
        overwritten; 备份) with SQLite's online backup, while other handles
        and processes go on reading and writing: the copy is always one
        consistent state.  Returns the number of pages copied.
        Administrators only (backup.run; PermissionDenied); audited.

        ``progress`` (optional) is called as ``progress(done, total)`` (in
        pages) after each step of ``pages_per_step`` pages (0 = 256);
        returning False stops the backup (any other value, None included,
        goes on), and then StateError is raised.  An exception it raises
        stops the backup too and is raised from this call.  A stopped
        backup leaves ``path`` as it was before the call (a file the call
        created is removed).  ``progress`` is called while the
        library holds this database's lock: it must not use this Db.

        Check a backup with :func:`crm.verify_backup`."""
        raw = _path_arg(path, "path")
        step = _int32_arg(pages_per_step, "pages_per_step")
        callback, errors = _progress_callback(progress)   # referenced until the call returns
        pages = c_int64()
        try:
            self._db._call_with_callbacks(lib.crm_db_backup, self._handle(), raw, step, callback,
                                          None, byref(pages))
        except CrmError:
            if not errors:
                raise
        if errors:
            raise errors[0]
        return pages.value

    # -- leads (线索, R4) ----------------------------------------------------------

    def capture_lead(self, fields=None, /, **kw):
        """Capture a lead (线索获取, R4.1) from a dict and/or keyword fields
        (keywords win) and return a :class:`LeadCapture` ``(id, outcome)``,
        which unpacks as a pair: ``lead_id, outcome = s.capture_lead(...)``.

        Fields (see ``crm.fields("lead")``): ``channel`` (a code or label of
        the source dictionary: "website", "trade_show", "phone_inquiry",
        "customer_referral", "partner_referral" …), ``company``,
        ``person``, ``phone`` / ``email`` (one of them required),
        ``region`` ("广东省深圳市"), ``industry``, ``scale``, ``key_needs``,
        ``note``, ``external_id`` (the host's id) and ``owner`` (a user
        id).  ValidationError lists every failing field; nothing is
        written.

        ``outcome`` is a :class:`LeadOutcome`: CREATED (a new lead),
        REPEATED (the same ``external_id`` again: that lead, unchanged),
        DUPLICATE (an open lead has this phone or e-mail: that lead, the
        capture recorded on it) or LINKED (a new lead linked to the
        customer with this phone or e-mail).  The same ``external_id`` with
        other details raises Conflict.

        The welcome message (reminder rule "lead_welcome") goes to the
        outbox.  The lead is assigned at once when ``owner`` is given or the
        user only reaches their own leads (a salesperson's capture is
        theirs); otherwise it is routed by the assignment rules
        (:meth:`add_lead_route`) when the setting "lead.auto_assign" is
        "captured", else it waits in the pool (线索池)."""
        merged = _merge(fields, kw, "capture_lead")
        out_id = c_int64()
        out_outcome = c_int32()
        with record_from_dict(merged) as rec:
            self._call(lib.crm_lead_capture, rec, byref(out_id), byref(out_outcome))
        return LeadCapture(out_id.value, LeadOutcome(out_outcome.value))

    def lead(self, id):  # noqa: A002
        """A lead (线索) by its int id, as a dict: its fields, "stage"
        (captured 线索获取, screened 初步筛选, assigned 分配销售, following 跟进,
        converted 转化, disqualified 无效线索), "owner" (None in the pool),
        "score" (float: behaviour points, decayed when a half-life is set),
        "high_value" (1 once marked 高价值线索) and "high_value_at",
        "customer" (the linked or converted customer's id, or None),
        "disqualify_reason", "route_note" (which rule assigned it, or why it
        is in the pool), the stage times ("screened_at" …), "version",
        "created_by" and "updated_at".  Phone and e-mail are masked
        (:meth:`unmask_lead`).  NotFound for an unknown lead or one this
        user may not read."""
        return self._get_record(lib.crm_lead_get, int_arg(id, "id"))

    def unmask_lead(self, id, reason):  # noqa: A002
        """The lead as :meth:`lead` returns it, with phone and e-mail in
        clear.  Needs lead.write on the lead (PermissionDenied) and a
        ``reason`` of 1 to 500 characters (InvalidArgument); audited
        (alert kind "unmask", R3.5)."""
        return self._get_record(lib.crm_lead_unmask, int_arg(id, "id"),
                                text_arg(reason, "reason", optional=True))

    def leads(self, stage=None, channel=None, owner=None, pool=False, high_value_only=False,
              after_id=0, limit=None):
        """The leads this user may read, in id order, as dicts like
        :meth:`lead`'s (masked).

        Filters: ``stage`` and ``channel`` (codes or labels), ``owner`` (a
        user id: that user's leads), ``pool=True`` (only leads without an
        owner, 线索池; not with ``owner``), ``high_value_only=True`` (only
        leads marked 高价值线索).  Keyset paging: ``after_id`` is the last id
        of the previous page and ``limit`` (1 to 1000) the page size; with
        ``limit=None`` every lead after ``after_id`` is returned."""
        if pool and owner is not None:
            raise TypeError("give owner or pool=True, not both")
        who = -1 if pool else (0 if owner is None else int_arg(owner, "owner"))
        if owner is not None and who <= 0:
            raise ValueError("owner must be a user id (> 0); use pool=True for the pool")
        after = int_arg(after_id, "after_id")
        stage_b = text_arg(stage, "stage", optional=True)
        channel_b = text_arg(channel, "channel", optional=True)
        page = 1000 if limit is None else _int32_arg(limit, "limit")
        if limit is not None and page == 0:
            # 0 means "the default page" to the C ABI; let the library refuse it.
            page = -1
        rows = []
        while True:
            q = lead_query_init()
            q.stage = stage_b
            q.channel = channel_b
            q.owner = who
            q.high_value_only = 1 if high_value_only else 0
            q.limit = page
            q.after_id = after
            ptr = CursorP()
            self._call(lib.crm_lead_list, byref(q), byref(ptr))
            got = self._drain(ptr)
            rows.extend(got)
            if limit is not None or len(got) < page:
                return rows
            after = got[-1]["id"]

    def lead_event(self, id, kind, at=0, note=None):  # noqa: A002
        """Record a behaviour event (行为事件, R4.3) of lead ``id`` and return
        a dict {"event" (its id), "score" (float, as of now), "high_value"
        (0/1), "marked_now" (1 when this event marked the lead)}.

        ``kind`` is a scoring rule's kind (:meth:`lead_score_rules`;
        by default "product_view" +2, "inquiry" +3, "download" +2, "visit"
        +5); ``at`` the instant (an aware datetime or UTC ms; 0 or None =
        now; not in the future: InvalidArgument); ``note`` optional.  A lead
        whose score reaches the setting "lead.high_value_score" (8) is
        marked 高价值线索 once and its owner (the sales managers for a lead
        in the pool) is told through the outbox (rule "lead_high_value").
        NotFound for an unknown lead; InvalidArgument for an unknown kind;
        StateError for a converted or disqualified lead."""
        when = 0 if at is None else to_ms(at, "at")
        return self._get_record(lib.crm_lead_event, int_arg(id, "id"), text_arg(kind, "kind"),
                                when, text_arg(note, "note", optional=True))

    def explain_lead_score(self, id):  # noqa: A002
        """Why the lead has its score: one dict per scoring event, oldest
        first, with "event", "kind", "label" (浏览产品页), "label_en", "at"
        (UTC ms), "points", "weight" (1, or 0.5 ** (age / half-life)),
        "effective" (points × weight) and "note".  The "effective" values
        add up to the lead's "score"."""
        ptr = CursorP()
        self._call(lib.crm_lead_score_explain, int_arg(id, "id"), byref(ptr))
        return self._drain(ptr)

    def advance_lead(self, id, stage, reason=None):  # noqa: A002
        """Move a lead along the funnel (R4.4) to "screened" (初步筛选),
        "following" (跟进; it needs an owner) or "disqualified" (无效线索;
        ``reason`` required, InvalidArgument without); codes or labels.
        Skipped steps get the same time.  Going back, or leaving converted
        or disqualified, is StateError.  Screening routes the lead by the
        assignment rules when the setting "lead.auto_assign" is "screened"
        (the default)."""
        self._call(lib.crm_lead_advance, int_arg(id, "id"), text_arg(stage, "stage"),
                   text_arg(reason, "reason", optional=True))

    def assign_lead(self, id, user=0):  # noqa: A002
        """Assign the lead to ``user`` (a user id), or (``user`` 0 or None)
        by the assignment rules (线索分配规则, R4.2).  Returns the owner's id,
        or None when no rule found anyone available: the lead stays in the
        pool and its "route_note" says why.  The assignee is told through
        the outbox (rule "lead_assigned").  Handing a lead to a user needs
        lead.write over the lead and the user (PermissionDenied); a user who
        is absent (``update_user(id, absent=True)``), inactive or already has
        "lead.max_open_per_user" open leads is StateError."""
        who = 0 if user is None else int_arg(user, "user")
        out = c_int64()
        self._call(lib.crm_lead_assign, int_arg(id, "id"), who, byref(out))
        return out.value or None

    def convert_lead(self, id, /, type=None, fields=None, **kw):  # noqa: A002
        """Convert an assigned lead into a customer (转化, R4.4) and return
        the customer's id ("C0007").

        ``type`` is "prospect" (潜在; None = this) or "intent" (意向).  The
        customer is owned by the lead's owner and made from the lead's
        company, person, phone, e-mail, industry, scale, key needs and
        channel (as source); ``fields`` (a dict) and keywords add or
        override customer fields ("priority" defaults to high for a
        high-value lead, else medium), and ValidationError names the
        customer fields still missing.  A lead linked to a customer, or
        ``customer="C0005"``, is linked to that customer instead.  The
        lead's events go into the customer's history with their times (kind
        "lead").  StateError for a lead without an owner or already
        converted or disqualified.  With "review.create" on, :class:`crm.Pending`
        is raised and the lead is left as it was: convert it once the
        customer is approved, with ``customer=<id>``."""
        merged = _custom_values(_merge(fields, kw, "convert_lead"))
        out = c_void_p()
        key = int_arg(id, "id")
        type_b = text_arg(type, "type", optional=True)
        if merged:
            with record_from_dict(merged) as rec:
                try:
                    self._call(lib.crm_lead_convert, key, type_b, rec, byref(out))
                finally:
                    customer = take_owned_string(out)
        else:
            try:
                self._call(lib.crm_lead_convert, key, type_b, None, byref(out))
            finally:
                customer = take_owned_string(out)
        return customer

    def lead_funnel(self, start, end=None, period="month"):
        """Funnel counts (线索转化漏斗, R4.4) of the leads this user may read
        captured from ``start`` to before ``end`` (aware datetimes or UTC ms;
        ``end`` None or 0 = now), by ``period`` ("day", "week" (ISO,
        "2026-W49"), "month" or "all", in the database's time zone) and
        channel: dicts with "period", "channel" (None on the row for every
        channel, which comes first in each period), "channel_label",
        "captured", "screened", "assigned", "following", "converted",
        "disqualified" and "conversion_rate" (converted / captured, a
        float).  A lead counts at every stage it reached."""
        lo = to_ms(start, "start")
        hi = 0 if end is None else to_ms(end, "end")
        ptr = CursorP()
        self._call(lib.crm_lead_funnel, lo, hi, text_arg(period, "period"), byref(ptr))
        return self._drain(ptr)

    def set_lead_score_rule(self, kind, points, label_zh, label_en):
        """Set the points (1 to 100; InvalidArgument otherwise) and labels of
        a scoring event kind (a-z, 0-9, _; a new kind is added).  Needs
        config.manage (administrators; PermissionDenied); kept in the
        configuration history as "lead_score.<kind>".  Events already
        recorded keep their points."""
        self._call(lib.crm_lead_score_rule_set, text_arg(kind, "kind"),
                   _int32_arg(points, "points"), text_arg(label_zh, "label_zh"),
                   text_arg(label_en, "label_en"))

    def lead_score_rules(self):
        """The scoring rules (线索评分规则): dicts with "kind", "points",
        "label", "label_en", "updated_at" and "updated_by".  Needs
        config.read."""
        ptr = CursorP()
        self._call(lib.crm_lead_score_rule_list, byref(ptr))
        return self._drain(ptr)

    def add_lead_route(self, rule=None, /, **kw):
        """Add an assignment rule (线索分配规则: 按地域、行业自动匹配) from a dict
        and/or keywords and return its int id.  ``region`` (optional:
        contained in the lead's region, 深圳 matches 广东省深圳市; a suffix 省/市
        is ignored), ``industry`` (optional: a code or label) and either
        ``user`` (a salesperson's id) or ``department`` (a team: round robin
        over its salespeople, skipping the absent and those at the cap
        "lead.max_open_per_user"); ``position`` (optional: rules are tried
        by position, then id; default after the last).  A rule that could
        match nobody (an inactive user, a department without salespeople)
        is InvalidArgument.  Needs config.manage (PermissionDenied)."""
        merged = _merge(rule, kw, "add_lead_route")
        out = c_int64()
        with record_from_dict(merged) as rec:
            self._call(lib.crm_lead_route_add, rec, byref(out))
        return out.value

    def remove_lead_route(self, id):  # noqa: A002
        """Remove an assignment rule; NotFound if there is none.  Needs
        config.manage."""
        self._call(lib.crm_lead_route_remove, int_arg(id, "id"))

    def lead_routes(self):
        """The assignment rules in the order they are tried: dicts with "id",
        "position", "region", "industry", "user", "department" and
        "last_user" (the team's round-robin cursor).  Needs config.read."""
        ptr = CursorP()
        self._call(lib.crm_lead_route_list, byref(ptr))
        return self._drain(ptr)

    # -- automation rules --------------------------------------------------------

    def save_automation_rule(self, rule, rule_id=0):
        """Save an automation rule (自动化规则, R8) and return ``(id,
        version)``: a new rule (``rule_id`` 0; it starts disabled, see
        :meth:`enable_automation_rule`) or a new version of rule
        ``rule_id`` (which keeps its enabled state and applies at once).

        ``rule`` is a dict (sent as JSON) or the JSON text itself: a
        trigger, optional conditions and 1 to 10 actions, e.g.::

            {"name": "高潜力客户提醒销售经理",
             "trigger": {"event": "tag_added", "tag": "高潜力"},
             "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
                                    {"not": {"owner_department": "华南销售部"}}]},
             "actions": [{"type": "notify", "to": "role:sales_manager",
                          "channels": "app,email",
                          "template_zh": "客户{customer}被标记为高潜力",
                          "template_en": "{customer} was tagged high potential"}]}

        Events: "created", "field_changed" ("field", optional "to"),
        "tag_added" / "tag_removed" ("tag"), "stage_entered" ("stage"),
        "no_change" (optional "field"; "hours" or "days": fired by
        :meth:`tick` when nothing changed for that long).  Conditions:
        {"all": [...]}, {"any": [...]}, {"not": {...}}, {"field", "op" (=
        != < <= > >= contains null not_null), "value"}, {"tag": ...},
        {"owner_department": ...} (that department or below).  Actions:
        "notify" ("to": "owner", "supervisor", "role:<code>" or
        "user:<id>"; "channels"; "template_zh" / "template_en" with
        {customer} {customer_id} {owner} {tier} {rule} {field} {before}
        {after} {tag} {time}), "escalate", "create_plan" ("after_hours",
        "goal", "method"), "add_tag" / "remove_tag" ("tag"), "set_field"
        ("field", "value") and "assign_owner" ("user").

        Rules run inside the change that triggers them, as the user who
        last saved them; messages go to the outbox with kind "automation"
        (:meth:`outbox`), and what they did to :meth:`automation_runs`.
        A rule that could never be valid is InvalidArgument whose message
        starts with the path of the mistake ("conditions.all[1].field: no
        customer field ...") and nothing is saved; NotFound for an unknown
        ``rule_id``.  Needs config.manage (PermissionDenied)."""
        text = _json_text(rule, "rule", (dict,))
        out_id, out_version = c_int64(), c_int64()
        self._call(lib.crm_automation_rule_save, int_arg(rule_id, "rule_id"), text,
                   byref(out_id), byref(out_version))
        return out_id.value, out_version.value

    def enable_automation_rule(self, id, enabled=True):  # noqa: A002
        """Enable (``enabled=True``) or disable an automation rule.  NotFound
        for an unknown rule; InvalidArgument, saying why, when enabling a
        rule whose definition no longer compiles (a tag, user or
        department it names is gone).  Needs config.manage
        (PermissionDenied)."""
        if not isinstance(enabled, (bool, int)):
            raise TypeError("enabled must be a bool, not %s" % type(enabled).__name__)
        self._call(lib.crm_automation_rule_enable, int_arg(id, "id"), 1 if enabled else 0)

    def automation_rule(self, id):  # noqa: A002
        """An automation rule as a dict: "id", "name", "enabled" (0/1),
        "version", "event", "definition" (the JSON text as saved;
        ``json.loads`` it), "template" (the code of a shipped template such
        as "high_potential_tag", else None), "updated_at" (UTC ms),
        "updated_by" and "problem" (None, or why the saved definition no
        longer compiles; such a rule does not run until saved again).
        NotFound for an unknown rule.  Needs config.read."""
        return self._get_record(lib.crm_automation_rule_get, int_arg(id, "id"))

    def automation_rules(self):
        """Every automation rule, by id, as :meth:`automation_rule` returns
        them.  A new database holds the shipped templates, disabled until
        enabled: "high_potential_tag" (tag 高潜力 → remind the sales
        managers), "status_stale_3d" (the customer type unchanged for 3
        days → overdue alert to the owner), "intent_stale_24h" (an intent
        customer not updated for 24 hours → remind the owner) and
        "intent_stale_48h" (48 hours → copy the department supervisor).
        Needs config.read."""
        ptr = CursorP()
        self._call(lib.crm_automation_rule_list, byref(ptr))
        return self._drain(ptr)

    def automation_rule_versions(self, id):  # noqa: A002
        """The versions of an automation rule, oldest first: dicts with
        "version", "definition" (JSON text), "created_at" (UTC ms) and
        "created_by".  Needs config.read."""
        ptr = CursorP()
        self._call(lib.crm_automation_rule_versions, int_arg(id, "id"), byref(ptr))
        return self._drain(ptr)

    def automation_runs(self, rule_id=0, after_id=0, limit=100):
        """The run log of automation rules (执行日志), oldest first: runs
        with an id greater than ``after_id``, of rule ``rule_id`` (0 = every
        rule), at most ``limit`` (1 to 1000).  Dicts with "id", "rule",
        "version", "event", "customer", "at" (UTC ms), "depth", "outcome"
        ("fired"; "action_failed": an action failed, was logged in
        "detail", and the triggering change stood; "loop_stopped": rules
        triggering each other reached the setting "automation.max_depth")
        and "detail".  Pass the last id as ``after_id`` for the next batch.
        Needs config.read."""
        ptr = CursorP()
        self._call(lib.crm_automation_run_list, int_arg(rule_id, "rule_id"),
                   int_arg(after_id, "after_id"), _int32_arg(limit, "limit"), byref(ptr))
        return self._drain(ptr)

    def simulate_automation(self, script, rules=None):
        """Simulate automation rules (模拟测试, R8.3) against a scripted
        customer life, on a scratch copy of the database: the database,
        its customers and its outbox are left untouched.  Returns the
        timeline, a list of dicts in the order things happened, each with
        "at" (UTC ms) and "kind": "step" (with "step", its index, and
        "detail"), "run" ("rule", "rule_name", "event", "outcome",
        "detail") or "message" ("rule", "rule_name", "channel",
        "recipient" — "user:<id>" or "role:<code>" — and "message").

        ``script`` is a dict (or its JSON text) ``{"start": ..., "steps":
        [...]}``: "start" an instant (UTC ms or an aware datetime; default
        now) and 1 to 1000 steps, each ``{"do": ..., "at": ...}`` or
        ``{"do": ..., "after_hours": n}`` (from the previous step; a
        float or a ``timedelta``), where "do" is "create" ("fields": a
        customer), "update" ("fields"), "tag" / "untag" ("tag": a label),
        "stage" ("stage": a customer type) or "tick".  Between steps the
        scheduler ticks at each due time, so "no_change" rules fire when
        they would have.

        ``rules``: None (the saved, enabled rules), or rules replacing them
        in the copy — a list of rule dicts (or JSON texts), one rule dict,
        or the JSON text of an array.  A bad rule or step is
        InvalidArgument naming "rules[i]" or "steps[i]".  Needs
        config.manage (PermissionDenied)."""
        if rules is None:
            rules_text = None
        elif isinstance(rules, str):
            rules_text = text_arg(rules, "rules")
        elif isinstance(rules, dict):
            rules_text = _json_text([rules], "rules", (list,))
        elif isinstance(rules, (list, tuple)):
            parts = []
            for i, r in enumerate(rules):
                if isinstance(r, str):
                    parts.append(r)
                elif isinstance(r, dict):
                    parts.append(json.dumps(r, ensure_ascii=False))
                else:
                    raise TypeError("rules[%d] must be a dict or a str, not %s"
                                    % (i, type(r).__name__))
            rules_text = text_arg("[" + ",".join(parts) + "]", "rules")
        else:
            raise TypeError("rules must be a list, a dict, a str or None, not %s"
                            % type(rules).__name__)
        if isinstance(script, dict):
            script = _script_ms(script)
        script_text = _json_text(script, "script", (dict,))
        ptr = CursorP()
        self._call(lib.crm_automation_simulate, rules_text, script_text, byref(ptr))
        return self._drain(ptr)

    # -- search and completeness (客户检索与信息完整度) ---------------------------

    def search_page(self, text, page_size=20, after=None, include_archived=False):
        """One page of a customer-name search: ``(rows, next_token)``; see
        :meth:`search_customers`.  Pass ``next_token`` as ``after``, with the
        same ``text``, ``page_size`` and ``include_archived``; it is None on
        the last page."""
        q = search_query_init()
        q.text = text_arg(text, "text")
        q.page_size = _int32_arg(page_size, "page_size")
        q.after = text_arg(after, "after", optional=True)
        q.include_archived = 1 if include_archived else 0
        ptr = CursorP()
        self._call(lib.crm_customer_search, byref(q), byref(ptr))
        cur = _Cursor(self, ptr)
        try:
            rows = list(cur.rows())
            return rows, cur.next_page()
        finally:
            cur.close()

    def search_customers(self, text, page_size=20, include_archived=False):
        """Search customers by name (客户检索) the way Chinese users do, and
        iterate over the hits, best first, following page tokens.

        ``text`` (1 to 100 characters) is found as part of the name in
        simplified or traditional characters alike ("華為" finds 华为技术,
        "华为" finds 華為技術); when it is only Latin letters, digits and
        spaces it is also matched against the name's full pinyin
        ("huawei", "Hua Wei") and pinyin initials ("hwjs").  Case does not
        matter; one- and two-character queries work too.

        Rows are the customer dicts of :meth:`customers` (masked; only
        customers this user may read; archived ones when
        ``include_archived``), plus "match" ("name", "pinyin" or
        "initials") and "match_rank" (0 exact name, 1 name prefix, 2 name
        substring, 3-5 pinyin exact/prefix/substring, 6-8 initials
        exact/prefix/substring).  An empty or over-long text raises
        InvalidArgument."""
        text_b = text_arg(text, "text")
        _int32_arg(page_size, "page_size")

        def open_page(after):
            q = search_query_init()
            q.text = text_b
            q.page_size = page_size
            q.after = after
            q.include_archived = 1 if include_archived else 0
            ptr = CursorP()
            self._call(lib.crm_customer_search, byref(q), byref(ptr))
            return ptr
        return self._paged(open_page)

    def completeness_fields(self):
        """The definition of customer information completeness (客户信息完整度,
        R10.1): the counted fields in order, dicts with "field",
        "label_zh", "label_en", "weight" and "share" (float: percent of the
        total weight).  Needs config.read."""
        ptr = CursorP()
        self._call(lib.crm_completeness_field_list, byref(ptr))
        return self._drain(ptr)

    def set_completeness_field(self, field, weight):
        """Set the weight (1 to 100) of a customer field in the completeness
        metric, adding it when new; 0 takes it out (the last field cannot
        be: StateError).  ``field`` is a built-in field a customer may
        lack ("contact_title", "email", ...) or "custom.<name>".  Needs
        config.manage; kept in :meth:`config_history` as
        "completeness.<field>"."""
        self._call(lib.crm_completeness_field_set, text_arg(field, "field"),
                   int_arg(weight, "weight"))

    def customer_completeness(self, id):  # noqa: A002
        """One customer's completeness as a dict: "customer", "percent"
        (float), "filled_weight", "total_weight", "missing" (a list of the
        empty counted fields), "goal_percent" (setting
        "completeness.goal_percent", 95) and "goal_met" (bool)."""
        r = self._get_record(lib.crm_customer_completeness, text_arg(id, "id"))
        r["missing"] = [m for m in r["missing"].split(",") if m]
        r["goal_met"] = bool(r["goal_met"])
        return r

    def completeness_report(self, group_by="all", include_archived=False):
        """Completeness over the customers this user may read, grouped by
        "all" (one row), "owner" (group = owner id) or "department": dicts
        with "group", "label", "customers", "percent" (float, the mean of
        the customers'), "complete", "meeting_goal", "goal_percent" and
        "goal_met" (bool: percent >= goal, decided exactly)."""
        ptr = CursorP()
        self._call(lib.crm_completeness_report, text_arg(group_by, "group_by"),
                   1 if include_archived else 0, byref(ptr))
        rows = self._drain(ptr)
        for r in rows:
            r["goal_met"] = bool(r["goal_met"])
        return rows

    # -- Merging duplicate customers (客户合并, R9.3; docs/merge.md) --------

    def merge_customers(self, survivor, merged, choices=None, reason=None):
        """Merge customer ``merged`` into customer ``survivor`` (ids such as
        "C0001") in one transaction and return a dict {"merge" (the merge's
        id, for :meth:`unmerge_customers`), "moved" (child rows moved),
        "from_merged" (comma-separated fields that took the merged
        customer's value)}.

        ``choices`` maps fields to "survivor" or "merged": name, industry,
        scale, type, source, key_needs, priority, owner, entry_date,
        "primary_contact" (contact_name, phone, email and contact_title
        follow it) and "custom.<name>".  Unnamed fields keep the survivor's
        value, or take the merged customer's where the survivor has none.
        The merged customer's contacts, follow-up plans and records,
        maintenance plans and linked leads move to the survivor and its tags
        are added; the merged customer stays archived and read-only with
        "merged_into", in no list.

        Needs customer.update on the survivor and customer.archive on the
        merged customer (PermissionDenied / NotFound).  InvalidArgument for
        a customer merged with itself or a bad choice (the error's fields
        name it); StateError for an archived or already merged customer;
        Conflict when the merged customer has changes waiting for review.
        Nothing is written when it fails."""
        if choices is not None and not hasattr(choices, "items"):
            raise TypeError("choices must be a dict, not %s" % type(choices).__name__)
        out = RecordP()
        with record_from_dict(dict(choices or {})) as rec:
            self._call(lib.crm_customer_merge, text_arg(survivor, "survivor"),
                       text_arg(merged, "merged"), rec,
                       text_arg(reason, "reason", optional=True), None, byref(out))
        r = Record(out)
        try:
            return record_to_dict(r.ptr)
        finally:
            r.free()

    def unmerge_customers(self, merge, force=False, reason=None):
        """Undo merge ``merge``: both customers as they were before it, the
        moved rows back, in one transaction; returns {"merge", "restored"
        (rows moved back), "overwritten" (comma-separated changes made since
        the merge and overwritten; "" when none)}.

        If either customer or a moved row changed after the merge, Conflict
        with one field error per change ("C0001.key_needs", "contacts 12",
        code "changed_since_merge"), unless ``force=True``.  NotFound for an
        unknown merge; StateError when it was undone already or the survivor
        was merged again later.  Rights as for a merge."""
        if not isinstance(force, bool):
            raise TypeError("force must be a bool, not %s" % type(force).__name__)
        return self._get_record(lib.crm_customer_unmerge, int_arg(merge, "merge"),
                                1 if force else 0, text_arg(reason, "reason", optional=True))

    def merges(self, customer=None, after_id=0, limit=0):
        """The merges (合并记录) in id order after ``after_id``, at most
        ``limit`` (1 to 1000; 0 = 100), of one customer (as survivor or
        merged; None = all) whose survivor or merged customer this user may
        read: dicts {"id", "survivor", "merged", "merged_at" (UTC ms),
        "merged_by", "choices", "reason", "moved", "undone" (0/1),
        "undone_at", "undone_by", "undo_note"}."""
        ptr = CursorP()
        self._call(lib.crm_merge_list, text_arg(customer, "customer", optional=True),
                   int_arg(after_id, "after_id"), _int32_arg(limit, "limit"), byref(ptr))
        return self._drain(ptr)

    # -- duplicates and the cleansing report (查重与数据清洗, R9.3) ----------------

    def find_duplicates(self, *, threshold=0, progress=None):
        """Every likely duplicate pair of customers (查重) that this user may
        read both of, archived customers left out: a list of dicts with
        "group" (pairs sharing a customer are one group, numbered 1, 2 …),
        "a", "a_name", "b", "b_name" (human ids, a < b), "score" and
        "name_similarity" (floats, 0..1) and "reasons" (e.g.
        "same_name,same_phone").  ``threshold`` (0 = the default 0.6; else
        in (0, 1]) is the lowest score listed.  See docs/duplicates.md.

        ``progress`` (optional) is called as ``progress(done, total)``;
        returning False stops the search and raises StateError, like
        :meth:`backup`'s."""
        ptr = CursorP()
        self._with_progress(lib.crm_duplicates_find, progress, _threshold_arg(threshold),
                            tail=(byref(ptr),))
        return self._drain(ptr)

    def duplicates_of(self, fields=None, /, *, threshold=0, **kw):
        """Who might this row duplicate?  ``fields`` (a dict and/or keywords):
        "name", "phone", "email", "contact_name" (str, each optional) and
        optionally "exclude" (a customer id to leave out).  A list of dicts
        with "customer", "name", "score", "name_similarity" and "reasons",
        best first."""
        merged = _merge(fields, kw, "duplicates_of")
        ptr = CursorP()
        with record_from_dict(merged) as rec:
            self._call(lib.crm_duplicates_of, rec, _threshold_arg(threshold), byref(ptr))
        return self._drain(ptr)

    def cleansing_report(self, *, stale_days=0, threshold=0, progress=None):
        """The quarterly cleansing report (数据清洗) over the customers this
        user may read that are not archived: a list of dicts with "check",
        "field", "group", "count", "customers" (comma-separated human ids),
        "reasons" and "days".  Checks: "examined", "duplicate_group" (one
        per group), "duplicates", "unreachable", "invalid_phone",
        "invalid_email", "missing_required" and "missing_recommended" (one
        per field), "stale" (neither updated nor followed up for
        ``stale_days`` days; 0 = the setting "cleansing.stale_days",
        default 90).  Audited.  ``progress`` as in :meth:`find_duplicates`."""
        ptr = CursorP()
        self._with_progress(lib.crm_cleansing_report, progress,
                            _int32_arg(stale_days, "stale_days"), _threshold_arg(threshold),
                            tail=(byref(ptr),))
        return self._drain(ptr)

    def _with_progress(self, fn, progress, *args, tail=()):
        """Calls ``fn(session, *args, callback, NULL, *tail)`` with
        ``progress`` as a crm_progress_fn (False stops; an exception stops
        and is re-raised)."""
        callback, errors = _progress_callback(progress)
        try:
            self._db._call_with_callbacks(fn, self._handle(), *args, callback, None, *tail)
        except CrmError:
            if not errors:
                raise
        if errors:
            raise errors[0]


    # -- bringing data in (导入数据, R9.1, R9.2) ---------------------------------

    def import_customers(self, path, *, mode="insert", key="auto", encoding=None,
                         error_path=None, mapping=None, batch_rows=0, progress=None,
                         allow_duplicates=False):
        """Import customers from the CSV file ``path`` (导入客户; see
        docs/import.md) and return the report, a dict:

        "rows" (data rows read), "inserted", "updated", "unchanged",
        "rejected", "duplicates" (not written because the customer is there:
        in insert mode the key matched one with other data, or a new row
        looks like one — same name key, phone or e-mail; see
        :meth:`duplicates_of`), "pending" (waiting for review),
        "error_rows" (rows written to the error file), "cancelled" (bool),
        "encoding" ("utf-8" or "gb18030"), "key" (the key used) and
        "errors": a list of the first 100 rows not written, each a dict
        {"row" (the record number in the file, the header being 1),
        "message_en", "message_zh"}.

        - ``mode``: "insert" (new customers only), "update" (existing ones,
          found by the key), "upsert", or "dry_run" (validate, write nothing).
        - ``key``: "auto" (the first of external_id, phone, email, name that
          is a column), "external_id", "id", "phone", "email" or "name".
        - ``encoding``: None / "auto" (detected), "utf-8", "gbk", "gb18030".
        - ``error_path``: where rejected rows go, as they were plus a reason
          column; the file, corrected, imports as it is.  It is created
          before the first row is read (CantOpen if it cannot be) and
          removed at the end when no row went into it; it may not be the
          file being imported (InvalidArgument).
        - ``mapping``: {header: field} (or pairs) for headers that are not a
          field name or label; a field of "" skips the column.
        - ``batch_rows``: rows per transaction (0 = 1000; up to 100000).
        - ``allow_duplicates``: insert new rows that look like a customer
          already there instead of holding them back.
        - ``progress(done, total)``: called after each batch; returning
          False stops the import after that batch — the call returns the
          report with "cancelled" True, the batches before committed.

        Refused before any row (InvalidArgument, nothing written): a bad
        option, an empty file, an unknown, read-only or repeated column, a
        key that is not a column, a header not valid in the encoding;
        CantOpen when the file cannot be read.  Rows are authorised like
        :meth:`create_customer` and :meth:`update_customer`."""
        raw = _path_arg(path, "path")
        return self._import(lib.crm_customer_import, (raw,), _import_report, mode, key,
                            encoding, error_path, mapping, batch_rows, progress,
                            allow_duplicates)

    def import_customers_buffer(self, data, *, mode="insert", key="auto", encoding=None,
                                error_path=None, mapping=None, batch_rows=0, progress=None,
                                allow_duplicates=False):
        """:meth:`import_customers` from CSV bytes in memory (``data``:
        bytes, bytearray or memoryview in any supported encoding, or a str,
        sent as UTF-8)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise TypeError("data must be bytes or str, not %s" % type(data).__name__)
        return self._import(lib.crm_customer_import_buffer, (data, len(data)), _import_report,
                            mode, key, encoding, error_path, mapping, batch_rows, progress,
                            allow_duplicates)

    def import_rows(self, rows, *, mode="insert", key="auto", error_path=None, mapping=None,
                    batch_rows=0, progress=None, allow_duplicates=False):
        """Import customers from dicts (the bulk path): ``rows`` is a list or
        any iterable of dicts whose keys are field names ("name",
        "custom.budget", "tags", "owner" …) or labels ("客户全称").  They are
        written with the ``csv`` module into one UTF-8 buffer — the columns
        being every key met, in order of first appearance; a missing key or
        None is an empty cell — and imported in one call, as
        :meth:`import_customers` (same options and report).  Row numbers in
        the report count the header: ``rows[i]`` is row ``i + 2``."""
        if isinstance(rows, (str, bytes)) or hasattr(rows, "items"):
            raise TypeError("rows must be a list or iterable of dicts, not %s"
                            % type(rows).__name__)
        if not isinstance(rows, list):
            rows = list(rows)
        return self.import_customers_buffer(_rows_csv(rows), mode=mode, key=key,
                                            encoding="utf-8", error_path=error_path,
                                            mapping=mapping, batch_rows=batch_rows,
                                            progress=progress,
                                            allow_duplicates=allow_duplicates)

    def export_csv(self, file_or_path, *, in_clear=False, encoding="utf-8",
                   english_headers=False, bom=False, owner=None, type=None,  # noqa: A002
                   include_archived=False, tags_all=(), tags_any=(), filters=None, sort=None,
                   **view_filters):
        """Export the customers a list with these filters shows as CSV
        (导出为 CSV) and return how many were written: a header row, then one
        row per customer with its id first and the columns an import reads,
        so that an export in clear imports back unchanged (key "id" or
        "external_id").  Who and what is exported, masking and the audit are
        as in :meth:`export_customers`.

        ``file_or_path``: a path (the file is created or overwritten), a
        binary file (the bytes as encoded) or a text file (the text).
        ``encoding``: "utf-8" or "gbk"/"gb18030" (what Excel on Chinese
        Windows opens by double-click); ``bom=True`` puts a UTF-8
        byte-order mark first (what Excel needs to see UTF-8);
        ``english_headers=True`` writes field names instead of Chinese
        labels."""
        enc = text_arg(encoding, "encoding")
        spec = self._list_query(owner, type, include_archived, tags_all, tags_any,
                                filters, sort, view_filters)
        opts = csv_options_init()
        opts.encoding = enc
        opts.english_headers = 1 if english_headers else 0
        opts.bom = 1 if bom else 0
        if isinstance(file_or_path, (str, bytes, os.PathLike)):
            raw = _path_arg(file_or_path, "file_or_path")
            with _open_file(raw, "wb") as f:
                return self._export_csv(f.write, spec, in_clear, opts)
        write = getattr(file_or_path, "write", None)
        if not callable(write):
            raise TypeError("file_or_path must be a path or a file-like object, not %s"
                            % type(file_or_path).__name__)
        mode = getattr(file_or_path, "mode", "")
        if isinstance(file_or_path, (io.RawIOBase, io.BufferedIOBase)) or \
                (isinstance(mode, str) and "b" in mode):
            return self._export_csv(write, spec, in_clear, opts)
        codec = "utf-8" if encoding.lower().replace("-", "") == "utf8" else "gb18030"
        decoder = _incremental_decoder(codec)
        return self._export_csv(lambda data: write(decoder.decode(data)), spec, in_clear, opts)

    def _export_csv(self, sink, spec, in_clear, opts):
        q = spec.struct()
        return self._export_to(lib.crm_customer_export_csv, sink, byref(q),
                               1 if in_clear else 0, byref(opts))

    def _export_to(self, fn, sink, *args):
        """Calls ``fn(session, *args, callback, NULL, &written)`` with a
        crm_write_fn that hands each chunk to ``sink(bytes)`` and returns
        ``written``.  An exception ``sink`` raises stops the export and is
        raised from here, unchanged."""
        callback, errors = _write_callback(sink)
        written = c_int64()
        try:
            self._db._call_with_callbacks(fn, self._handle(), *args, callback, None,
                                          byref(written))
        except CrmError:
            if not errors:
                raise
        if errors:
            raise errors[0]     # outside the except block: its own traceback, no context
        return written.value

    def migrate_followups(self, path, *, mode="insert", key="auto", encoding=None,
                          error_path=None, mapping=None, batch_rows=0, progress=None):
        """Migrate follow-up history (跟进记录迁移, R9.2) from the CSV file
        ``path`` of the system being replaced into the follow-up records of
        customers already imported: in time order, with their original
        times and authors; migrating the same file again adds nothing.

        Columns: a customer key (客户编号 id, 外部编号 external_id, 客户全称
        name, 联系电话 phone or 电子邮箱 email), 跟进时间 ("YYYY-MM-DD
        HH:MM[:SS]" in the database's zone), 跟进人 (login, name or id;
        users who have left count), 跟进方式, 沟通内容, and optionally
        客户反馈, 意向变化, 重大变更, 下一步计划 and 记录编号 (the record's id
        in the old system).  Options as :meth:`import_customers` (mode
        "dry_run" checks only).  Returns a dict: "rows", "migrated",
        "unchanged" (migrated before), "rejected", "error_rows",
        "cancelled" (bool), "encoding", "key", "errors" (a list as in
        :meth:`import_customers`)."""
        raw = _path_arg(path, "path")
        return self._import(lib.crm_followup_migrate, (raw,), _import_report, mode, key,
                            encoding, error_path, mapping, batch_rows, progress)

    def verify_migration(self, path, *, sample=100, seed=0, key="auto", encoding=None,
                         mapping=None, progress=None):
        """Check a follow-up migration against its source ``path``:
        ``sample`` data rows (1..100000), picked at random with ``seed``
        (the same seed picks the same rows), are compared field by field
        with the records migrated from them.  Returns a dict: "rows" (data
        rows in the file), "sampled", "matched" (rows whose every field
        agreed) and "mismatches", a list of dicts {"row" (the record number
        in the file), "field" ("record" when nothing was stored for the
        row), "expected", "stored"} and "cancelled".  ``progress(done,
        total)`` (optional) is called every 1 000 rows read and after the
        last; returning False stops the check there, with nothing compared
        and "cancelled" True; an exception it raises stops it too and is
        raised from this call.  Reads only."""
        raw = _path_arg(path, "path")
        n = _int32_arg(sample, "sample")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError("seed must be an int, not %s" % type(seed).__name__)
        if not 0 <= seed < 2 ** 64:
            raise ValueError("seed must be between 0 and 2**64 - 1, not %d" % seed)
        opts, keep = _import_options("insert", key, encoding, None, mapping, 0)
        errors = _set_progress(opts, keep, progress)
        out = RecordP()
        cur = CursorP()
        self._call_reraising(errors, (out, cur), lib.crm_followup_migrate_verify, raw,
                             byref(opts), n, seed, byref(out), byref(cur))
        del keep
        rec = Record(out)
        try:
            result = record_to_dict(rec.ptr)
        finally:
            rec.free()
        result["cancelled"] = bool(result.get("cancelled"))
        result["mismatches"] = self._drain(cur)
        return result

    def _import(self, fn, head, report, mode, key, encoding, error_path, mapping, batch_rows,
                progress, allow_duplicates=False):
        """Calls ``fn(session, *head, options, &report)`` with the options
        made from the arguments and ``progress`` as a crm_progress_fn (False
        stops; an exception stops and is re-raised)."""
        opts, keep = _import_options(mode, key, encoding, error_path, mapping, batch_rows)
        opts.insert_duplicates = 1 if allow_duplicates else 0
        errors = _set_progress(opts, keep, progress)
        out = RecordP()
        self._call_reraising(errors, (out,), fn, *head, byref(opts), byref(out))
        del keep
        rec = Record(out)
        try:
            return report(record_to_dict(rec.ptr))
        finally:
            rec.free()

    def _call_reraising(self, errors, outputs, fn, *args):
        """Calls ``fn(session, *args)`` whose callbacks collect what they
        raise in ``errors``: the first one is raised after the call (its
        CrmError, the callback's stop, ignored) and the call's ``outputs``
        (RecordP / CursorP) are freed first."""
        try:
            self._db._call_with_callbacks(fn, self._handle(), *args)
        except CrmError:
            if not errors:
                raise
        if errors:
            for o in outputs:
                if isinstance(o, CursorP):
                    lib.crm_cursor_close(o)
                else:
                    lib.crm_record_free(o)
            raise errors[0]     # outside the except block: its own traceback


def _open_file(path, mode):
    """The built-in open (this module's ``open`` opens databases)."""
    return builtins.open(path, mode)


def _incremental_decoder(codec):
    return codecs.getincrementaldecoder(codec)()


def _progress_callback(progress):
    """A crm_progress_fn calling ``progress(done, total)`` (False stops; a
    NULL callback when ``progress`` is None), and the list that collects
    what it raises: an exception must not unwind through C, so it stops
    the call and the caller raises the first one after it.  Keep the
    callback referenced until the call returns."""
    if progress is not None and not callable(progress):
        raise TypeError("progress must be a callable or None, not %s" % type(progress).__name__)
    errors = []
    if progress is None:
        return PROGRESS_FN(), errors

    def trampoline(_ctx, done, total):
        try:
            return 1 if progress(done, total) is False else 0
        except BaseException as e:  # must not unwind through C
            errors.append(e)
            return 1
    return PROGRESS_FN(trampoline), errors


def _set_progress(opts, keep, progress):
    """Points ``opts.progress`` at ``progress`` (see _progress_callback)
    and returns the list that collects what it raises."""
    callback, errors = _progress_callback(progress)
    if progress is not None:
        opts.progress = callback
        keep.append(callback)
    return errors


def _write_callback(sink):
    """A crm_write_fn that passes each chunk to ``sink(bytes)``, and the
    list that collects what ``sink`` raised.  An exception must not unwind
    through C: the callback returns 1 (stop) instead, and the caller raises
    the first one after the call.  Keep the callback referenced until the
    call returns."""
    errors = []

    def write(_ctx, data, size):
        try:
            sink(ctypes.string_at(data, size))
            return 0
        except BaseException as e:  # must not unwind through C: stop, re-raise after
            errors.append(e)
            return 1

    return WRITE_FN(write), errors


def _import_options(mode, key, encoding, error_path, mapping, batch_rows):
    """A ``crm_import_options`` and the objects it points to (keep them
    alive for the call)."""
    opts = import_options_init()
    keep = []
    opts.mode = text_arg(mode, "mode", optional=True)
    opts.key = text_arg(key, "key", optional=True)
    opts.encoding = text_arg(encoding, "encoding", optional=True)
    opts.error_path = None if error_path is None else _path_arg(error_path, "error_path")
    if mapping is not None:
        pairs = list(mapping.items()) if hasattr(mapping, "items") else list(mapping)
        flat = []
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError("mapping must be a dict {header: field} or (header, field) "
                                "pairs, not %r" % (pair,))
            header, field = pair
            flat.append(text_arg(header, "mapping header"))
            flat.append(text_arg("" if field is None else field, "mapping field"))
        arr = (c_char_p * max(len(flat), 1))(*flat)
        keep.append(arr)
        opts.mapping = ctypes.cast(arr, ctypes.POINTER(c_char_p))
        opts.mapping_count = len(pairs)
    opts.batch_rows = _int32_arg(batch_rows, "batch_rows")
    return opts, keep


def _import_report(d):
    """A report record as the dict the methods return: "cancelled" a bool,
    "errors" parsed from JSON into a list."""
    d["cancelled"] = bool(d.get("cancelled"))
    d["errors"] = json.loads(d.get("errors") or "[]")
    return d


def _rows_csv(rows):
    """Dicts as one UTF-8 CSV buffer: the header is every key met, in order
    of first appearance."""
    for i, r in enumerate(rows):
        if not hasattr(r, "keys"):
            raise TypeError("rows[%d] must be a dict, not %s" % (i, type(r).__name__))
    fieldnames = list(dict.fromkeys(k for r in rows for k in r))
    for k in fieldnames:
        if not isinstance(k, str):
            raise TypeError("row keys must be str (field names or labels), not %s (%r)"
                            % (type(k).__name__, k))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(fieldnames)
    if fieldnames:
        try:
            if len(fieldnames) == 1:
                only = fieldnames[0]
                w.writerows((r[only],) for r in rows)
            else:
                w.writerows(map(operator.itemgetter(*fieldnames), rows))
        except KeyError:  # some rows lack some keys: slower, complete
            out = io.StringIO()
            w = csv.writer(out, lineterminator="\r\n")
            w.writerow(fieldnames)
            w.writerows([r.get(k) for k in fieldnames] for r in rows)
    return out.getvalue().encode("utf-8")

def _threshold_arg(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("threshold must be a number, not %s" % type(value).__name__)
    return float(value)


def match_key(kind, text):
    """The match key (查重键) of ``kind`` ("name", "phone", "email" or
    "contact") for ``text``: ``match_key("name", "深圳市华为技术有限公司")`` is
    "华为技术"; "" when the text gives none.  For importers comparing rows
    among themselves; see docs/duplicates.md."""
    out = c_void_p()
    check(lib.crm_match_key(text_arg(kind, "kind"), text_arg(text, "text"), byref(out)))
    return take_owned_string(out)


def _json_text(value, what, kinds):
    """A JSON document argument: a str as is, or one of ``kinds`` (dict,
    list) dumped as UTF-8 JSON (Chinese kept as written)."""
    if isinstance(value, str):
        return text_arg(value, what)
    if not isinstance(value, kinds):
        raise TypeError("%s must be a %s or a str (JSON), not %s" % (
            what, " or ".join(k.__name__ for k in kinds), type(value).__name__))
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise TypeError("%s cannot be written as JSON: %s" % (what, e)) from None
    return text_arg(text, what)


def _script_ms(script):
    """A copy of a simulation script with instants ("start", a step's
    "at") as UTC ms and a ``timedelta`` "after_hours" as hours."""
    out = dict(script)
    if isinstance(out.get("start"), datetime):
        out["start"] = to_ms(out["start"], "script start")
    steps = out.get("steps")
    if isinstance(steps, (list, tuple)):
        fixed = []
        for i, step in enumerate(steps):
            if isinstance(step, dict):
                step = dict(step)
                if isinstance(step.get("at"), datetime):
                    step["at"] = to_ms(step["at"], "steps[%d].at" % i)
                if isinstance(step.get("after_hours"), timedelta):
                    step["after_hours"] = step["after_hours"].total_seconds() / 3600
            fixed.append(step)
        out["steps"] = fixed
    return out


def _view_arg(view, customer):
    """A listing's view: "customer" when only ``customer`` is given, "mine"
    when neither is; ``customer`` goes with the view "customer" only."""
    if view is None:
        view = "mine" if customer is None else "customer"
    if (view == "customer") != (customer is not None):
        raise ValueError("customer= goes with view=\"customer\" (and it needs one); "
                         "got view=%r, customer=%r" % (view, customer))
    return view


def _hours_arg(value):
    """An access request's duration: int hours, or a ``timedelta`` of whole
    hours."""
    if isinstance(value, timedelta):
        hours, rest = divmod(_duration_ms(value, "hours"), 3600 * 1000)
        if rest:
            raise ValueError("hours must be a whole number of hours, not %r" % (value,))
        value = hours
    return _int32_arg(value, "hours")


def _groups_arg(groups):
    """Field groups as the library's comma-separated text: a str as is, or
    an iterable of str joined with ","; None stays None (basic)."""
    if groups is None or isinstance(groups, str):
        return text_arg(groups, "groups", optional=True)
    if isinstance(groups, bytes) or hasattr(groups, "items"):
        raise TypeError("groups must be a str or a list of str, not %s" % type(groups).__name__)
    try:
        items = list(groups)
    except TypeError:
        raise TypeError("groups must be a str or a list of str, not %s"
                        % type(groups).__name__) from None
    for g in items:
        if not isinstance(g, str):
            raise TypeError("groups must hold str, not %s (%r)" % (type(g).__name__, g))
    return text_arg(",".join(items), "groups")


def _path_arg(path, what):
    """A file path (str, bytes or path-like) as the bytes the C side opens."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("%s must be a str or path-like, not %s" % (what, type(path).__name__))
    raw = os.fsencode(path)
    if b"\0" in raw:
        raise ValueError("%s contains a NUL character" % what)
    return raw


def verify_backup(path):
    """The checks of a recovery drill (恢复演练) on a database file — a backup
    (:meth:`Session.backup`), or a database restored from one — opened
    read-only and left unchanged.  No session is needed: whoever can read
    the file may check it.

    Returns a dict: "ok" (1 when it is a libcrm database whose integrity
    check and audit chain both pass, else 0), "integrity" ("ok" or SQLite's
    first complaint), "application" ("CRM1" or None), "schema_version",
    "audit_ok", "audit_seq", "audit_problem", "audit_rows", "audit_head"
    (None when the file is not a sound libcrm database), and the row counts
    "customers", "contacts", "users", "departments", "followup_records",
    "followup_plans" and "outbox" — compare them with the live database.
    A damaged file is reported in the dict, not raised; CantOpen if the file
    cannot be opened at all."""
    raw = _path_arg(path, "path")
    out = RecordP()
    check(lib.crm_backup_verify(raw, byref(out)))
    rec = Record(out)
    try:
        return record_to_dict(rec.ptr)
    finally:
        rec.free()
