"""Conversion between Python dicts and ``crm_record`` handles, and small
argument helpers shared by the classes."""

import ctypes
from ctypes import byref, c_char_p, c_double, c_int32, c_int64
from datetime import datetime, timedelta, timezone

from ._lib import RecordP, lib
from .errors import InternalError, Status, check

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_TYPE_NULL, _TYPE_INT, _TYPE_REAL, _TYPE_TEXT = 0, 1, 2, 3

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_datetime(ms):
    """An instant in UTC milliseconds (how libcrm stores ``created_at``,
    ``updated_at`` and history ``at``) as an aware ``datetime`` in UTC.
    ``None`` stays ``None``."""
    if ms is None:
        return None
    if isinstance(ms, bool) or not isinstance(ms, int):
        raise TypeError("to_datetime() needs an int of milliseconds, not %s"
                        % type(ms).__name__)
    # timedelta arithmetic keeps the milliseconds exact (no float rounding).
    return _EPOCH + timedelta(milliseconds=ms)


def to_ms(value, what="time"):
    """An aware ``datetime`` (or an int of milliseconds) as UTC milliseconds.
    A naive datetime is refused: its zone would be a guess."""
    if isinstance(value, bool):
        raise TypeError("%s must be a datetime or int milliseconds, not bool" % what)
    if isinstance(value, int):
        return int_arg(value, what)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("%s is a naive datetime; give it a tzinfo "
                             "(e.g. datetime.timezone.utc)" % what)
        delta = value - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    raise TypeError("%s must be a datetime or int milliseconds, not %s"
                    % (what, type(value).__name__))


def int_arg(value, what):
    """Check an integer argument (bool refused) that must fit int64."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (what, type(value).__name__))
    if not INT64_MIN <= value <= INT64_MAX:
        raise OverflowError("%s=%d does not fit in 64 bits" % (what, value))
    return value


def text_arg(value, what, optional=False):
    """Encode a str argument as NUL-terminated UTF-8 bytes (``None`` allowed
    when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError("%s must be a str%s, not %s"
                        % (what, " or None" if optional else "", type(value).__name__))
    if "\0" in value:
        raise ValueError("%s contains a NUL character" % what)
    return value.encode("utf-8")


def _field_name(name):
    if not isinstance(name, str):
        raise TypeError("field names must be str, not %s (%r)" % (type(name).__name__, name))
    if "\0" in name or not name:
        raise ValueError("invalid field name %r" % name)
    return name.encode("utf-8")


class Record:
    """Owns a ``crm_record`` handle for the length of a ``with`` block."""

    __slots__ = ("ptr",)

    def __init__(self, ptr=None):
        if ptr is None:
            ptr = RecordP()
            check(lib.crm_record_new(byref(ptr)))
        self.ptr = ptr

    def __enter__(self):
        return self.ptr

    def __exit__(self, *exc):
        self.free()

    def free(self):
        if self.ptr:
            lib.crm_record_free(self.ptr)
        self.ptr = None

    def __del__(self):
        try:
            self.free()
        except Exception:  # interpreter shutdown
            pass


def record_from_dict(fields):
    """A new :class:`Record` holding ``fields`` (a mapping of field name to
    int, float, str or None).  bool and every other type -> TypeError naming
    the field."""
    if fields is None:
        fields = {}
    if not hasattr(fields, "items"):
        raise TypeError("fields must be a dict, not %s" % type(fields).__name__)
    # Check everything before creating the handle, so a bad value leaks nothing.
    prepared = []
    for name, value in fields.items():
        key = _field_name(name)
        if value is None:
            prepared.append((lib.crm_record_set_null, key, ()))
        elif isinstance(value, bool):
            raise TypeError("field %r: bool is not accepted; use an int (0/1) or a "
                            "str" % name)
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                raise OverflowError("field %r: %d does not fit in 64 bits" % (name, value))
            prepared.append((lib.crm_record_set_int, key, (value,)))
        elif isinstance(value, float):
            prepared.append((lib.crm_record_set_real, key, (value,)))
        elif isinstance(value, str):
            data = value.encode("utf-8")
            prepared.append((lib.crm_record_set_textn, key, (data, len(data))))
        else:
            raise TypeError("field %r: values must be int, float, str or None, not %s"
                            % (name, type(value).__name__))
    rec = Record()
    try:
        for setter, key, args in prepared:
            check(setter(rec.ptr, key, *args))
    except BaseException:
        rec.free()
        raise
    return rec


def record_to_dict(ptr):
    """Read every field of a ``crm_record`` (borrowed or owned) into a dict,
    in the record's order."""
    n = c_int32()
    check(lib.crm_record_count(ptr, byref(n)))
    out = {}
    name_p = c_char_p()
    typ = c_int32()
    for i in range(n.value):
        check(lib.crm_record_name(ptr, i, byref(name_p)))
        key = name_p.value  # bytes copy: safe after later calls
        check(lib.crm_record_type(ptr, key, byref(typ)))
        t = typ.value
        if t == _TYPE_NULL:
            value = None
        elif t == _TYPE_INT:
            v = c_int64()
            check(lib.crm_record_get_int(ptr, key, byref(v)))
            value = v.value
        elif t == _TYPE_REAL:
            v = c_double()
            check(lib.crm_record_get_real(ptr, key, byref(v)))
            value = v.value
        elif t == _TYPE_TEXT:
            v = c_char_p()
            check(lib.crm_record_get_text(ptr, key, byref(v)))
            value = None if v.value is None else v.value.decode("utf-8")
        else:
            raise InternalError(Status.INTERNAL, "field %r has unknown type %d"
                                % (key.decode("utf-8", "replace"), t), "未知的字段类型")
        out[key.decode("utf-8")] = value
    return out


def take_owned_string(vp):
    """Copy an OWNED ``char *`` (held in a c_void_p) into a str and free it
    with crm_free.  ``None`` for a NULL pointer."""
    if not vp.value:
        return None
    try:
        return ctypes.string_at(vp.value).decode("utf-8")
    finally:
        lib.crm_free(vp)
        vp.value = None


def record_json(fields):
    """The JSON text that libcrm makes of a record holding ``fields`` (via
    ``crm_record_to_json``)."""
    with record_from_dict(fields) as ptr:
        return record_ptr_json(ptr)


def record_ptr_json(ptr):
    """The JSON text of a ``crm_record`` handle."""
    out = ctypes.c_void_p()
    check(lib.crm_record_to_json(ptr, byref(out)))
    return take_owned_string(out)
