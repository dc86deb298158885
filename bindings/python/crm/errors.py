"""Exceptions: every negative status of libcrm becomes a :class:`CrmError`.

The subclass says which status (``NotFound`` for ``CRM_ERR_NOT_FOUND`` …); the
exception carries the library's message in English (``message``) and Chinese
(``message_zh``), and for a validation failure the list of every failing field
(``errors``, a list of :class:`FieldError`).

Some subclasses are also the natural Python builtin, so that generic code can
catch them: ``InvalidArgument`` and ``ValidationError`` are ``ValueError``,
``NotFound`` is a ``LookupError``, ``TypeMismatch`` is a ``TypeError`` and
``OutOfMemory`` is a ``MemoryError``.  The others derive from ``CrmError``
only.

One outcome is not a failure and is not a ``CrmError``: :class:`Pending`
(``CRM_PENDING``), raised when a create or update was accepted but waits for
review before it takes effect (审核, R1.6).
"""

import re

import enum
from collections import namedtuple

from ._lib import lib

__all__ = [
    "Status", "FieldError", "CrmError", "InvalidArgument", "NotFound", "ValidationError",
    "PermissionDenied", "Conflict", "Busy", "Corrupt", "CantOpen", "ReadOnly",
    "VersionTooNew", "NotADatabase", "StateError", "TypeMismatch", "OutOfMemory",
    "InternalError", "Pending", "status_name",
]


class Status(enum.IntEnum):
    """The status codes of crm.h (``CRM_OK``, ``CRM_ERR_*``)."""
    OK = 0
    DONE = 1
    PENDING = 2
    INVALID_ARG = -1
    NOT_FOUND = -2
    VALIDATION = -3
    PERMISSION = -4
    CONFLICT = -5
    BUSY = -6
    CORRUPT = -7
    CANTOPEN = -8
    READONLY = -9
    VERSION = -10
    NOTADB = -11
    STATE = -12
    TYPE = -13
    NOMEM = -14
    INTERNAL = -15


FieldError = namedtuple("FieldError", "field code message message_zh label_zh")
FieldError.__doc__ = """One failing field of a validation error (字段校验错误).

``field`` is the field name (``"phone"``), ``code`` a stable machine-readable
code (``"invalid_phone"``, ``"required"``, ``"vague_name"`` …), ``message`` and
``message_zh`` the explanation in English and Chinese, ``label_zh`` the
field's Chinese label (``"联系电话"``, or a custom field's ``"客户预算范围"``;
``""`` for an unknown field) — what a form shows next to the input."""


def status_name(code):
    """The constant name of a status code, e.g. ``status_name(-3)`` ->
    ``"CRM_ERR_VALIDATION"``."""
    return lib.crm_status_name(int(code)).decode("utf-8", "replace")


class CrmError(Exception):
    """Base class of every libcrm error.

    Attributes: ``code`` (the negative status, a :class:`Status` when known),
    ``message`` (English), ``message_zh`` (中文), ``errors`` (list of
    :class:`FieldError`; empty unless the library reported field errors).
    """

    def __init__(self, code, message, message_zh="", errors=()):
        try:
            code = Status(code)
        except ValueError:
            pass
        self.code = code
        self.message = message
        self.message_zh = message_zh
        self.errors = list(errors)
        super().__init__(code, message, message_zh)

    @property
    def name(self):
        """The status constant's name, e.g. ``"CRM_ERR_NOT_FOUND"``."""
        return status_name(self.code)

    def __str__(self):
        text = self.message or self.message_zh or self.name
        if self.message_zh and self.message_zh != self.message:
            text += " (%s)" % self.message_zh
        for e in self.errors:
            text += "\n  %s [%s]: %s" % (e.field, e.code, e.message or e.message_zh)
        return text

    def __repr__(self):
        return "%s(%r, %r, %r)" % (type(self).__name__, int(self.code), self.message,
                                   self.message_zh)


class InvalidArgument(CrmError, ValueError):
    """A NULL or malformed argument (``CRM_ERR_INVALID_ARG``)."""


class NotFound(CrmError, LookupError):
    """No such record, user, field, dictionary entry or page
    (``CRM_ERR_NOT_FOUND``)."""


class ValidationError(CrmError, ValueError):
    """Field validation failed (``CRM_ERR_VALIDATION``, 校验失败).

    ``errors`` lists EVERY failing field as :class:`FieldError` tuples; nothing
    was written.  ``fields`` is the list of their names."""

    @property
    def fields(self):
        """The names of the failing fields, in the library's order."""
        return [e.field for e in self.errors]


class PermissionDenied(CrmError):
    """The session's user may not do this (``CRM_ERR_PERMISSION``, 无权限)."""


class Conflict(CrmError):
    """A stale version (optimistic concurrency) or a forbidden state change,
    e.g. an illegal customer type step (``CRM_ERR_CONFLICT``)."""


class Busy(CrmError):
    """The database stayed locked past the busy timeout (``CRM_ERR_BUSY``)."""


class Corrupt(CrmError):
    """The database file is damaged or truncated (``CRM_ERR_CORRUPT``)."""


class CantOpen(CrmError):
    """The file or its directory cannot be opened (``CRM_ERR_CANTOPEN``)."""


class ReadOnly(CrmError):
    """The database cannot be written (``CRM_ERR_READONLY``)."""


class VersionTooNew(CrmError):
    """The file was made by a newer libcrm (``CRM_ERR_VERSION``)."""


class NotADatabase(CrmError):
    """The file is not a libcrm database (``CRM_ERR_NOTADB``)."""


class StateError(CrmError):
    """Wrong state: a closed database or session, no open transaction, an
    archived customer archived again (``CRM_ERR_STATE``)."""


class TypeMismatch(CrmError, TypeError):
    """A value of the wrong type for a field (``CRM_ERR_TYPE``)."""


class OutOfMemory(CrmError, MemoryError):
    """The library ran out of memory (``CRM_ERR_NOMEM``)."""


class InternalError(CrmError):
    """A bug in libcrm (``CRM_ERR_INTERNAL``); please report it."""


class Pending(Exception):
    """A create or update was accepted but waits for review (待审核,
    ``CRM_PENDING``, R1.6): nothing has changed yet; a reviewer approves or
    rejects it later (:meth:`Session.decide_change`).

    Raised by :meth:`Session.create_customer` and
    :meth:`Session.update_customer` when the settings "review.create" /
    "review.fields" send the change to review and the user is not a
    reviewer.  It is deliberately NOT a :class:`CrmError`: the call did not
    fail, so the ``except crm.CrmError`` that a host writes around its calls
    to show "保存失败" must not catch it; and it is an exception rather than
    a return value so that code unaware of review cannot take a change id
    for a customer id (or a version) and go on as if the change were made.
    Catch it by name::

        try:
            cid = s.create_customer(fields)
        except crm.Pending as p:
            notify("已提交审核（%s）" % p.change_id)

    Attributes: ``change_id`` (the pending change, e.g. ``"R12"``, as
    :meth:`Session.pending_changes` lists it), ``kind`` ("create" or
    "update"), ``customer`` (the customer an update is for; None for a
    create), ``message`` and ``message_zh`` (the library's per-thread
    message, "submitted for review as R12: it takes effect once approved" /
    "已提交审核（R12），审核通过后生效") and ``code`` (``Status.PENDING``).
    """

    code = Status.PENDING

    def __init__(self, change_id, message="", message_zh="", kind=None, customer=None):
        self.change_id = change_id
        self.message = message
        self.message_zh = message_zh
        self.kind = kind
        self.customer = customer
        super().__init__(change_id, message, message_zh)

    @property
    def name(self):
        """The status constant's name, ``"CRM_PENDING"``."""
        return status_name(self.code)

    def __str__(self):
        text = self.message or self.message_zh or "submitted for review as %s" % self.change_id
        if self.message_zh and self.message_zh != self.message:
            text += " (%s)" % self.message_zh
        return text

    def __repr__(self):
        return "Pending(%r, kind=%r, customer=%r)" % (self.change_id, self.kind, self.customer)


_CHANGE_ID = re.compile(r"\bR[0-9]+\b")


def last_pending():
    """Build the :class:`Pending` for a ``CRM_PENDING`` status from this
    thread's last error, whose message names the change ("… as R12 …").
    The caller fills in ``kind`` and ``customer`` (and a ``change_id`` it got
    from an out-parameter, which is authoritative)."""
    message = _text(lib.crm_errmsg())
    message_zh = _text(lib.crm_errmsg_zh())
    m = _CHANGE_ID.search(message) or _CHANGE_ID.search(message_zh)
    return Pending(m.group(0) if m else None, message, message_zh)


_BY_CODE = {
    Status.INVALID_ARG: InvalidArgument,
    Status.NOT_FOUND: NotFound,
    Status.VALIDATION: ValidationError,
    Status.PERMISSION: PermissionDenied,
    Status.CONFLICT: Conflict,
    Status.BUSY: Busy,
    Status.CORRUPT: Corrupt,
    Status.CANTOPEN: CantOpen,
    Status.READONLY: ReadOnly,
    Status.VERSION: VersionTooNew,
    Status.NOTADB: NotADatabase,
    Status.STATE: StateError,
    Status.TYPE: TypeMismatch,
    Status.NOMEM: OutOfMemory,
    Status.INTERNAL: InternalError,
}


def _text(b):
    return b.decode("utf-8", "replace") if b else ""


def last_error(status):
    """Build the exception for ``status`` from this thread's last error.

    Must be called right after the failing call, before any other libcrm call
    on this thread (the error accessors themselves do not reset it)."""
    n = lib.crm_error_field_count()
    errors = [FieldError(_text(lib.crm_error_field_name(i)),
                         _text(lib.crm_error_field_code(i)),
                         _text(lib.crm_error_field_message(i)),
                         _text(lib.crm_error_field_message_zh(i)),
                         _text(lib.crm_error_field_label_zh(i)))
              for i in range(max(n, 0))]
    message = _text(lib.crm_errmsg())
    message_zh = _text(lib.crm_errmsg_zh())
    cls = _BY_CODE.get(status, CrmError)
    return cls(status, message, message_zh, errors)


def check(status):
    """Return ``status`` if it is CRM_OK or CRM_DONE; raise :class:`Pending`
    for CRM_PENDING, else the error of a negative status."""
    if status == Status.PENDING:
        raise last_pending()
    if status >= 0:
        return status
    raise last_error(status)


def state_error(message, message_zh):
    """A :class:`StateError` raised by the binding itself (e.g. a closed
    handle, which must never reach the C side)."""
    return StateError(Status.STATE, message, message_zh)
