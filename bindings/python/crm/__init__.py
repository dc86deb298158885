"""crm — Python binding of libcrm, an embeddable CRM library for Chinese B2B
sales and service (客户关系管理).

It loads ``libcrm.so`` through ctypes (no build step) and turns its C ABI into
Python: dicts for records, exceptions for status codes, iterators for lists,
aware ``datetime`` at the clock boundary.

    import crm

    with crm.Db("crm.db") as db, db.session() as s:      # user 1 = admin
        cid = s.create_customer(
            name="北京星河智能制造有限公司",               # 客户全称
            contact_name="王伟",                          # 联系人
            phone="010-12345678", industry="manufacturing",
            scale="50-100人", source="trade_show",
            key_needs="采购自动化产线设备", priority="高")
        print(s.get_customer(cid)["type"])             # "prospect" (潜在)
        for c in s.customers(type="prospect"):
            print(c["id"], c["name"])

Main pieces:

- :class:`Db` — open/close a database file (or ``":memory:"``), its clock,
  transactions, and :meth:`Db.session`.
- :class:`Session` — act as a user: customers (客户), their contacts
  (联系人), tags (标签), users (用户), dictionaries (字典), custom fields
  (自定义字段), settings (设置), history (变更历史), working calendars
  (工作日历), tiers and grading (客户分层与分级), follow-up plans and records
  (跟进计划与记录), reminders and the outbox (提醒与发件箱), departments,
  roles and permissions (部门、角色与权限), masking and unmasking of contact
  details (脱敏), transfers (客户转移), the audit log (审计日志), access
  requests (跨部门协作申请), review before a change takes effect (审核),
  erasure and retention (删除个人信息), export (导出), online backup (备份),
  leads (线索): capture, behaviour scoring, assignment rules, the
  funnel and conversion into customers, and automation rules (自动化规则):
  trigger → conditions → actions as JSON, their versions, run log and
  simulation.
- :class:`TickReport` — what the reminder scheduler (:meth:`Session.tick`)
  did.
- :class:`LeadCapture` / :class:`LeadOutcome` — what
  :meth:`Session.capture_lead` did (``LEAD_CREATED``, ``LEAD_REPEATED``,
  ``LEAD_DUPLICATE``, ``LEAD_LINKED``).
- :func:`fields` / :func:`resolve_field` — the field registry, with Chinese
  and English labels (``"客户全称"`` -> ``"name"``).
- :class:`CrmError` and its subclasses — one per status code;
  :class:`ValidationError` lists every failing field (:class:`FieldError`).
- :class:`Pending` — not an error: a create or update waits for review
  (``CRM_PENDING``); it carries the change's id, ``change_id`` ("R12").
- :func:`verify_backup` — a recovery drill's checks on a backup file.
- :func:`match_key` — the match key of a name, phone, e-mail or contact
  person (查重, docs/duplicates.md).
- :func:`to_datetime` — UTC milliseconds (``created_at`` …) to ``datetime``.

The library is found through ``$CRM_LIBRARY``, then next to this package,
then in the source tree's ``build/src``, then by the system loader;
``crm.LIBRARY_PATH`` says which was used.
"""

from ._lib import LIBRARY_PATH, LibraryNotFoundError
from ._lib import lib as _cdll
from ._records import record_json, to_datetime, to_ms
from ._fields import fields, resolve_field
from ._db import (Db, LeadCapture, LeadOutcome, Session, TickReport, match_key, open,
                  verify_backup)
from .errors import (Busy, CantOpen, Conflict, Corrupt, CrmError, FieldError, InternalError,
                     InvalidArgument, NotADatabase, NotFound, OutOfMemory, Pending,
                     PermissionDenied, ReadOnly, StateError, Status, TypeMismatch,
                     ValidationError, VersionTooNew, status_name)

# The outcomes of Session.capture_lead, as in crm.h (CRM_LEAD_*).
LEAD_CREATED = LeadOutcome.CREATED
LEAD_REPEATED = LeadOutcome.REPEATED
LEAD_DUPLICATE = LeadOutcome.DUPLICATE
LEAD_LINKED = LeadOutcome.LINKED

__version__ = _cdll.crm_version().decode("ascii")
"""The version of the loaded libcrm, e.g. "0.1.0" (from ``crm_version()``)."""


def schema_version():
    """The database schema version this libcrm writes (a file with a higher
    one raises VersionTooNew)."""
    return _cdll.crm_schema_version()


# Show the public classes as crm.X (help(), repr(), tracebacks), not as the
# private module that defines them.
for _cls in (Db, Session, TickReport, LeadCapture, LeadOutcome, Status, FieldError, CrmError,
             InvalidArgument, NotFound, ValidationError, PermissionDenied, Conflict, Busy,
             Corrupt, CantOpen, ReadOnly, VersionTooNew, NotADatabase, StateError, TypeMismatch,
             OutOfMemory, InternalError, Pending):
    _cls.__module__ = "crm"
del _cls

__all__ = [
    "Db", "Session", "TickReport", "LeadCapture", "LeadOutcome", "LEAD_CREATED",
    "LEAD_REPEATED", "LEAD_DUPLICATE", "LEAD_LINKED", "open", "verify_backup", "fields",
    "resolve_field", "match_key",
    "to_datetime", "to_ms", "record_json", "schema_version", "status_name", "LIBRARY_PATH",
    "LibraryNotFoundError", "Status", "FieldError", "CrmError", "Pending", "InvalidArgument",
    "NotFound", "ValidationError", "PermissionDenied", "Conflict", "Busy", "Corrupt",
    "CantOpen", "ReadOnly", "VersionTooNew", "NotADatabase", "StateError", "TypeMismatch",
    "OutOfMemory", "InternalError",
]
