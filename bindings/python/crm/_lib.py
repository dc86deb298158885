"""Finding and loading libcrm, and the one table of its C prototypes.

Everything here mirrors ``capi/crm.h``.  Nothing else in the package declares a
C function: the table ``PROTOTYPES`` below lists every function of the header
with its return type and argument types, and :func:`load_library` applies it
to the shared library it loads.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p)

# The SONAME major version this binding speaks (libcrm.so.0).
ABI_MAJOR = 0

# --------------------------------------------------------------------------
# Opaque handles.  Distinct pointer types, so that ctypes refuses a session
# where a record is expected.
# --------------------------------------------------------------------------


class _crm_db(Structure):
    """Opaque ``crm_db``."""


class _crm_session(Structure):
    """Opaque ``crm_session``."""


class _crm_record(Structure):
    """Opaque ``crm_record``."""


class _crm_cursor(Structure):
    """Opaque ``crm_cursor``."""


DbP = POINTER(_crm_db)
SessionP = POINTER(_crm_session)
RecordP = POINTER(_crm_record)
CursorP = POINTER(_crm_cursor)

# int64_t (*crm_clock_fn)(void *ctx)
CLOCK_FN = CFUNCTYPE(c_int64, c_void_p)

# int (*crm_write_fn)(void *ctx, const char *data, size_t len): ``data`` is
# received as a plain pointer (not c_char_p, which would stop at a NUL and
# ignore ``len``) and read with ctypes.string_at(data, len).
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)

# int (*crm_progress_fn)(void *ctx, int64_t done, int64_t total)
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_int64, c_int64)

# --------------------------------------------------------------------------
# Option structs (always built through the helpers, the Python twin of the
# _INIT macros, so that ``size`` is right).
# --------------------------------------------------------------------------

OPEN_READWRITE = 0
OPEN_READONLY = 1
OPEN_NOCREATE = 2


class OpenOptions(Structure):
    """``crm_open_options``."""
    _fields_ = [
        ("size", c_size_t),
        ("flags", c_uint32),
        ("busy_timeout_ms", c_int32),
        ("time_zone", c_char_p),
    ]


def open_options_init():
    """The equivalent of ``CRM_OPEN_OPTIONS_INIT``."""
    return OpenOptions(ctypes.sizeof(OpenOptions), 0, 5000, None)


class FieldFilter(Structure):
    """``crm_field_filter``: one condition on a field (since 0.3)."""
    _fields_ = [
        ("field", c_char_p),
        ("op", c_char_p),
        ("value", c_char_p),
    ]


class CustomerQuery(Structure):
    """``crm_customer_query``."""
    _fields_ = [
        ("size", c_size_t),
        ("owner", c_int64),
        ("type", c_char_p),
        ("page_size", c_int32),
        ("after", c_char_p),
        ("include_archived", c_int32),
        # Since 0.2: tag filters (arrays of tag ids, at most 32 each).
        ("tags_all", POINTER(c_int64)),
        ("tags_all_count", c_int32),
        ("tags_any", POINTER(c_int64)),
        ("tags_any_count", c_int32),
        # Since 0.2: the list view's filters (R1.12).
        ("industry", c_char_p),
        ("source", c_char_p),
        ("created_from_ms", c_int64),
        ("created_to_ms", c_int64),
        ("updated_from_ms", c_int64),
        ("updated_to_ms", c_int64),
        ("name_contains", c_char_p),
        # Since 0.3: conditions on any field, and the order.
        ("filters", POINTER(FieldFilter)),
        ("filter_count", c_int32),
        ("sort", c_char_p),
    ]


def customer_query_init():
    """The equivalent of ``CRM_CUSTOMER_QUERY_INIT``."""
    return CustomerQuery(ctypes.sizeof(CustomerQuery), 0, None, 0, None, 0, None, 0, None, 0,
                         None, None, 0, 0, 0, 0, None, None, 0, None)


class CustomFieldDef(Structure):
    """``crm_custom_field``: a custom field definition (since 0.3)."""
    _fields_ = [
        ("size", c_size_t),
        ("name", c_char_p),
        ("type", c_char_p),
        ("label_zh", c_char_p),
        ("label_en", c_char_p),
        ("required", c_int32),
        ("values", POINTER(c_char_p)),
        ("value_count", c_int32),
        ("max_chars", c_int32),
        ("decimals", c_int32),
        # Since 0.5: personal information (PIPL), masked in reads.
        ("personal", c_int32),
    ]


def custom_field_init():
    """The equivalent of ``CRM_CUSTOM_FIELD_INIT``."""
    return CustomFieldDef(ctypes.sizeof(CustomFieldDef), None, None, None, None, 0, None, 0, 0,
                          -1, 0)


class HistoryQuery(Structure):
    """``crm_history_query``."""
    _fields_ = [
        ("size", c_size_t),
        ("actor", c_int64),
        ("since_ms", c_int64),
        ("until_ms", c_int64),
        ("customer", c_char_p),
        ("page_size", c_int32),
        ("after", c_char_p),
    ]


def history_query_init():
    """The equivalent of ``CRM_HISTORY_QUERY_INIT``."""
    return HistoryQuery(ctypes.sizeof(HistoryQuery), 0, 0, 0, None, 0, None)


class RosterQuery(Structure):
    """``crm_roster_query``: filters of the graded roster."""
    _fields_ = [
        ("size", c_size_t),
        ("tier", c_char_p),
        ("owner", c_int64),
        ("page_size", c_int32),
        ("after", c_char_p),
    ]


def roster_query_init():
    """The equivalent of ``CRM_ROSTER_QUERY_INIT``."""
    return RosterQuery(ctypes.sizeof(RosterQuery), None, 0, 0, None)


class AgendaQuery(Structure):
    """``crm_agenda_query``: whose agenda, one page at a time."""
    _fields_ = [
        ("size", c_size_t),
        ("owner", c_int64),
        ("page_size", c_int32),
        ("after", c_char_p),
    ]


def agenda_query_init():
    """The equivalent of ``CRM_AGENDA_QUERY_INIT``."""
    return AgendaQuery(ctypes.sizeof(AgendaQuery), 0, 0, None)


class TickReportStruct(Structure):
    """``crm_tick_report``: what ``crm_tick`` did (an out-parameter)."""
    _fields_ = [
        ("size", c_size_t),
        ("now_ms", c_int64),
        ("fired", c_int64),
        ("messages", c_int64),
        ("escalated", c_int64),
        ("skipped", c_int64),
        ("rearmed", c_int64),
        ("pending", c_int64),
        ("last_tick_ms", c_int64),
    ]


def tick_report_init():
    """The equivalent of ``CRM_TICK_REPORT_INIT``."""
    return TickReportStruct(ctypes.sizeof(TickReportStruct), 0, 0, 0, 0, 0, 0, 0, 0)


class AuditQuery(Structure):
    """``crm_audit_query``: filters of the audit log, one page at a time
    (since 0.5)."""
    _fields_ = [
        ("size", c_size_t),
        ("actor", c_int64),
        ("action", c_char_p),
        ("object", c_char_p),
        ("outcome", c_char_p),
        ("since_ms", c_int64),
        ("until_ms", c_int64),
        ("page_size", c_int32),
        ("after", c_char_p),
    ]


def audit_query_init():
    """The equivalent of ``CRM_AUDIT_QUERY_INIT``."""
    return AuditQuery(ctypes.sizeof(AuditQuery), 0, None, None, None, 0, 0, 0, None)


class LeadQuery(Structure):
    """``crm_lead_query``: filters of the lead list, one page at a time
    (since 0.6)."""
    _fields_ = [
        ("size", c_size_t),
        ("stage", c_char_p),
        ("channel", c_char_p),
        ("owner", c_int64),
        ("high_value_only", c_int32),
        ("limit", c_int32),
        ("after_id", c_int64),
    ]


def lead_query_init():
    """The equivalent of ``CRM_LEAD_QUERY_INIT``."""
    return LeadQuery(ctypes.sizeof(LeadQuery), None, None, 0, 0, 0, 0)


class SearchQuery(Structure):
    """``crm_search_query``: a customer-name search, one page at a time."""
    _fields_ = [
        ("size", c_size_t),
        ("text", c_char_p),
        ("page_size", c_int32),
        ("after", c_char_p),
        ("include_archived", c_int32),
    ]


def search_query_init():
    """The equivalent of ``CRM_SEARCH_QUERY_INIT``."""
    return SearchQuery(ctypes.sizeof(SearchQuery), None, 0, None, 0)


class ImportOptions(Structure):
    """``crm_import_options``: how an import or a migration reads its file."""
    _fields_ = [
        ("size", c_size_t),
        ("mode", c_char_p),
        ("key", c_char_p),
        ("encoding", c_char_p),
        ("error_path", c_char_p),
        ("mapping", POINTER(c_char_p)),
        ("mapping_count", c_int32),
        ("batch_rows", c_int32),
        ("progress", PROGRESS_FN),
        ("progress_ctx", c_void_p),
        ("insert_duplicates", c_int32),
    ]


def import_options_init():
    """The equivalent of ``CRM_IMPORT_OPTIONS_INIT``."""
    return ImportOptions(ctypes.sizeof(ImportOptions), None, None, None, None, None, 0, 0,
                         PROGRESS_FN(), None)


class CsvOptions(Structure):
    """``crm_csv_options``: how crm_customer_export_csv writes."""
    _fields_ = [
        ("size", c_size_t),
        ("encoding", c_char_p),
        ("english_headers", c_int32),
        ("bom", c_int32),
    ]


def csv_options_init():
    """The equivalent of ``CRM_CSV_OPTIONS_INIT``."""
    return CsvOptions(ctypes.sizeof(CsvOptions), None, 0, 0)


# --------------------------------------------------------------------------
# THE table: every function of crm.h, in header order.
#   name: (restype, [argtypes])
# Owned strings (freed with crm_free) are received as c_void_p so that the
# pointer survives for crm_free; borrowed strings are c_char_p (copied into
# Python bytes at once).
# --------------------------------------------------------------------------

_pcharp = POINTER(c_char_p)      # const char **out (borrowed)
_pvoidp = POINTER(c_void_p)      # char **out (owned: crm_free)
_pi32 = POINTER(c_int32)
_pi64 = POINTER(c_int64)

PROTOTYPES = {
    # Version
    "crm_version": (c_char_p, []),
    "crm_version_number": (c_int32, []),
    # Status codes and the per-thread last error
    "crm_errcode": (c_int, []),
    "crm_errmsg": (c_char_p, []),
    "crm_errmsg_zh": (c_char_p, []),
    "crm_status_name": (c_char_p, [c_int]),
    "crm_error_field_count": (c_int32, []),
    "crm_error_field_name": (c_char_p, [c_int32]),
    "crm_error_field_code": (c_char_p, [c_int32]),
    "crm_error_field_message": (c_char_p, [c_int32]),
    "crm_error_field_label_zh": (c_char_p, [c_int32]),
    "crm_error_field_message_zh": (c_char_p, [c_int32]),
    "crm_free": (None, [c_void_p]),
    # Records
    "crm_record_new": (c_int, [POINTER(RecordP)]),
    "crm_record_free": (None, [RecordP]),
    "crm_record_set_text": (c_int, [RecordP, c_char_p, c_char_p]),
    "crm_record_set_textn": (c_int, [RecordP, c_char_p, c_char_p, c_size_t]),
    "crm_record_set_int": (c_int, [RecordP, c_char_p, c_int64]),
    "crm_record_set_real": (c_int, [RecordP, c_char_p, c_double]),
    "crm_record_set_null": (c_int, [RecordP, c_char_p]),
    "crm_record_unset": (c_int, [RecordP, c_char_p]),
    "crm_record_count": (c_int, [RecordP, _pi32]),
    "crm_record_name": (c_int, [RecordP, c_int32, _pcharp]),
    "crm_record_type": (c_int, [RecordP, c_char_p, _pi32]),
    "crm_record_get_text": (c_int, [RecordP, c_char_p, _pcharp]),
    "crm_record_get_int": (c_int, [RecordP, c_char_p, _pi64]),
    "crm_record_get_real": (c_int, [RecordP, c_char_p, POINTER(c_double)]),
    "crm_record_to_json": (c_int, [RecordP, _pvoidp]),
    # Field registry
    "crm_field_count": (c_int, [c_char_p, _pi32]),
    "crm_field_info": (c_int, [c_char_p, c_int32, _pcharp, _pcharp, _pcharp, _pcharp,
                               _pi32]),
    "crm_field_resolve": (c_int, [c_char_p, c_char_p, _pcharp]),
    # Databases
    "crm_db_open": (c_int, [c_char_p, POINTER(OpenOptions), POINTER(DbP)]),
    "crm_db_close": (c_int, [DbP]),
    "crm_db_schema_version": (c_int, [DbP, _pi32]),
    "crm_schema_version": (c_int32, []),
    "crm_db_time_zone": (c_int, [DbP, _pcharp]),
    "crm_db_clock_system": (c_int, [DbP]),
    "crm_db_clock_fixed": (c_int, [DbP, c_int64]),
    "crm_db_clock_callback": (c_int, [DbP, CLOCK_FN, c_void_p]),
    "crm_db_now": (c_int, [DbP, _pi64]),
    "crm_db_begin": (c_int, [DbP]),
    "crm_db_commit": (c_int, [DbP]),
    "crm_db_rollback": (c_int, [DbP]),
    # Users and sessions
    "crm_session_open": (c_int, [DbP, c_int64, POINTER(SessionP)]),
    "crm_session_open_login": (c_int, [DbP, c_char_p, POINTER(SessionP)]),
    "crm_session_close": (None, [SessionP]),
    "crm_session_user": (c_int, [SessionP, _pi64]),
    "crm_user_create": (c_int, [SessionP, RecordP, _pi64]),
    "crm_user_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    # Dictionaries
    "crm_dict_add": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p]),
    "crm_dict_label": (c_int, [SessionP, c_char_p, c_char_p, _pcharp]),
    "crm_dict_list": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_channel_set_department": (c_int, [SessionP, c_char_p, c_char_p]),
    # Customers
    "crm_customer_create": (c_int, [SessionP, RecordP, _pvoidp]),
    "crm_customer_get": (c_int, [SessionP, c_char_p, POINTER(RecordP)]),
    "crm_customer_get_by_key": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_customer_update": (c_int, [SessionP, c_char_p, RecordP, _pi64]),
    "crm_customer_set_type": (c_int, [SessionP, c_char_p, c_char_p, c_char_p]),
    "crm_customer_archive": (c_int, [SessionP, c_char_p, c_char_p]),
    "crm_customer_review": (c_int, [SessionP, c_char_p, c_char_p]),
    # Cursors
    "crm_customer_list": (c_int, [SessionP, POINTER(CustomerQuery), POINTER(CursorP)]),
    "crm_customer_count": (c_int, [SessionP, POINTER(CustomerQuery), POINTER(c_int64)]),
    "crm_cursor_next": (c_int, [CursorP, POINTER(RecordP)]),
    "crm_cursor_next_page": (c_int, [CursorP, _pcharp]),
    "crm_cursor_close": (None, [CursorP]),
    # Contacts (R1.9)
    "crm_contact_add": (c_int, [SessionP, c_char_p, RecordP, _pi64]),
    "crm_contact_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_contact_update": (c_int, [SessionP, c_int64, RecordP]),
    "crm_contact_remove": (c_int, [SessionP, c_int64, c_char_p]),
    "crm_contact_make_primary": (c_int, [SessionP, c_int64]),
    "crm_customer_contacts": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    # Tags
    "crm_tag_define": (c_int, [SessionP, c_char_p, c_char_p, _pi64]),
    "crm_tag_find": (c_int, [SessionP, c_char_p, c_char_p, _pi64]),
    "crm_tag_list": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_customer_tag_add": (c_int, [SessionP, c_char_p, c_int64]),
    "crm_customer_tag_remove": (c_int, [SessionP, c_char_p, c_int64]),
    "crm_customer_tag_add_label": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, _pi64]),
    "crm_customer_tag_remove_label": (c_int, [SessionP, c_char_p, c_char_p, c_char_p]),
    "crm_customer_tags": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    # Custom fields (R1.8)
    "crm_custom_field_define": (c_int, [SessionP, POINTER(CustomFieldDef)]),
    "crm_custom_field_retire": (c_int, [SessionP, c_char_p]),
    "crm_custom_field_list": (c_int, [SessionP, c_int32, POINTER(CursorP)]),
    # Working calendars
    "crm_calendar_define": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p]),
    "crm_calendar_load_holidays": (c_int, [SessionP, c_char_p, c_char_p, POINTER(c_int32)]),
    "crm_calendar_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_calendar_days": (c_int, [SessionP, c_char_p, c_int32, POINTER(CursorP)]),
    "crm_calendar_is_working_day": (c_int, [SessionP, c_char_p, c_char_p, POINTER(c_int32)]),
    "crm_calendar_is_working_time": (c_int, [SessionP, c_char_p, c_int64, POINTER(c_int32)]),
    "crm_calendar_next_working_time": (c_int, [SessionP, c_char_p, c_int64, _pi64]),
    "crm_calendar_add_working_days": (c_int, [SessionP, c_char_p, c_int64, c_int32, _pi64]),
    "crm_calendar_add_working_hours": (c_int, [SessionP, c_char_p, c_int64, c_int64, _pi64]),
    # Tiers and grading (R2.1-R2.2)
    "crm_tier_define": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p]),
    "crm_tier_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_grading_criterion_define": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p,
                                             c_char_p, c_int32]),
    "crm_grading_criteria_list": (c_int, [SessionP, c_int32, POINTER(CursorP)]),
    "crm_customer_grade": (c_int, [SessionP, c_char_p, RecordP, POINTER(RecordP)]),
    "crm_customer_set_tier": (c_int, [SessionP, c_char_p, c_char_p, c_char_p]),
    "crm_customer_verify": (c_int, [SessionP, c_char_p, c_char_p, c_char_p]),
    "crm_roster_list": (c_int, [SessionP, POINTER(RosterQuery), POINTER(CursorP)]),
    "crm_config_history": (c_int, [SessionP, c_char_p, c_int32, c_char_p, POINTER(CursorP)]),
    # Follow-up plans and records (R2.3-R2.5)
    "crm_followup_plan_create": (c_int, [SessionP, c_char_p, RecordP, POINTER(RecordP)]),
    "crm_followup_plan_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_followup_plan_complete": (c_int, [SessionP, c_int64, RecordP, POINTER(RecordP)]),
    "crm_followup_plan_close": (c_int, [SessionP, c_int64, c_char_p, c_char_p]),
    "crm_followup_plan_reschedule": (c_int, [SessionP, c_int64, c_int64, c_int64, c_char_p,
                                             POINTER(RecordP)]),
    "crm_followup_add": (c_int, [SessionP, c_char_p, RecordP, POINTER(RecordP)]),
    "crm_customer_plans": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_customer_followups": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_agenda": (c_int, [SessionP, POINTER(AgendaQuery), POINTER(CursorP)]),
    "crm_daily_report": (c_int, [SessionP, c_int64, c_char_p, POINTER(CursorP)]),
    # Maintenance plans for key customers (R2.6)
    "crm_maintenance_plan_submit": (c_int, [SessionP, c_char_p, RecordP, POINTER(RecordP)]),
    "crm_maintenance_plan_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_maintenance_plan_decide": (c_int, [SessionP, c_int64, c_int32, c_char_p]),
    "crm_maintenance_plan_carry_out": (c_int, [SessionP, c_int64]),
    "crm_maintenance_plan_evaluate": (c_int, [SessionP, c_int64, c_char_p, c_int32]),
    "crm_customer_maintenance_plans": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    # Reminders and the outbox (R2.5, R1.5, R1.10, R8.2)
    "crm_tick": (c_int, [SessionP, c_int64, POINTER(TickReportStruct)]),
    "crm_reminder_rule_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_reminder_rule_set": (c_int, [SessionP, c_char_p, RecordP]),
    "crm_outbox_fetch": (c_int, [SessionP, c_int32, c_int64, c_char_p, POINTER(CursorP)]),
    "crm_outbox_ack": (c_int, [SessionP, c_int64]),
    "crm_outbox_list": (c_int, [SessionP, c_int64, c_int32, c_int32, POINTER(CursorP)]),
    # Settings
    "crm_setting_get": (c_int, [SessionP, c_char_p, _pvoidp]),
    "crm_setting_set": (c_int, [SessionP, c_char_p, c_char_p]),
    # History
    "crm_customer_history": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_history_list": (c_int, [SessionP, POINTER(HistoryQuery), POINTER(CursorP)]),
    # Permissions, privacy and audit (R3, since 0.5)
    "crm_department_define": (c_int, [SessionP, c_char_p, c_char_p, c_int64, _pi64]),
    "crm_department_update": (c_int, [SessionP, c_char_p, c_char_p, c_int64]),
    "crm_department_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_user_update": (c_int, [SessionP, c_int64, RecordP]),
    "crm_user_list": (c_int, [SessionP, c_char_p, c_int32, POINTER(CursorP)]),
    "crm_role_define": (c_int, [SessionP, c_char_p, c_char_p, c_char_p]),
    "crm_permission_set": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p]),
    "crm_permission_list": (c_int, [SessionP, c_char_p, POINTER(CursorP)]),
    "crm_permission_check": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, _pi32]),
    "crm_customer_transfer": (c_int, [SessionP, c_char_p, c_int64, c_char_p]),
    "crm_customer_transfer_all": (c_int, [SessionP, c_int64, c_int64, c_char_p, _pi64]),
    "crm_customer_unmask": (c_int, [SessionP, c_char_p, c_char_p, POINTER(RecordP)]),
    "crm_contact_unmask": (c_int, [SessionP, c_int64, c_char_p, POINTER(RecordP)]),
    "crm_audit_list": (c_int, [SessionP, POINTER(AuditQuery), POINTER(CursorP)]),
    "crm_audit_verify": (c_int, [SessionP, c_int64, c_char_p, POINTER(RecordP)]),
    "crm_audit_head": (c_int, [SessionP, _pi64, _pvoidp]),
    # Access requests (R3.2)
    "crm_access_request": (c_int, [SessionP, c_char_p, c_char_p, c_char_p, c_char_p, c_int32,
                                   _pi64]),
    "crm_access_decide": (c_int, [SessionP, c_int64, c_int32, c_char_p]),
    "crm_access_revoke": (c_int, [SessionP, c_int64, c_char_p]),
    "crm_access_withdraw": (c_int, [SessionP, c_int64]),
    "crm_access_list": (c_int, [SessionP, c_char_p, c_char_p, c_int32, POINTER(CursorP)]),
    # Review before it takes effect (R1.6)
    "crm_pending_list": (c_int, [SessionP, c_char_p, c_char_p, c_int32, POINTER(CursorP)]),
    "crm_pending_decide": (c_int, [SessionP, c_char_p, c_int32, c_char_p, _pvoidp]),
    "crm_pending_withdraw": (c_int, [SessionP, c_char_p]),
    # Erasure, retention, export and backup (R3.6, R3.7)
    "crm_customer_erase": (c_int, [SessionP, c_char_p, c_char_p]),
    "crm_retention_list": (c_int, [SessionP, c_int32, c_char_p, POINTER(CursorP)]),
    "crm_customer_export": (c_int, [SessionP, POINTER(CustomerQuery), c_int32, WRITE_FN,
                                    c_void_p, _pi64]),
    "crm_db_backup": (c_int, [SessionP, c_char_p, c_int32, PROGRESS_FN, c_void_p, _pi64]),
    "crm_backup_verify": (c_int, [c_char_p, POINTER(RecordP)]),
    # Leads (R4, since 0.6)
    "crm_lead_capture": (c_int, [SessionP, RecordP, _pi64, _pi32]),
    "crm_lead_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_lead_unmask": (c_int, [SessionP, c_int64, c_char_p, POINTER(RecordP)]),
    "crm_lead_list": (c_int, [SessionP, POINTER(LeadQuery), POINTER(CursorP)]),
    "crm_lead_event": (c_int, [SessionP, c_int64, c_char_p, c_int64, c_char_p,
                               POINTER(RecordP)]),
    "crm_lead_score_explain": (c_int, [SessionP, c_int64, POINTER(CursorP)]),
    "crm_lead_advance": (c_int, [SessionP, c_int64, c_char_p, c_char_p]),
    "crm_lead_assign": (c_int, [SessionP, c_int64, c_int64, _pi64]),
    "crm_lead_convert": (c_int, [SessionP, c_int64, c_char_p, RecordP, _pvoidp]),
    "crm_lead_funnel": (c_int, [SessionP, c_int64, c_int64, c_char_p, POINTER(CursorP)]),
    "crm_lead_score_rule_set": (c_int, [SessionP, c_char_p, c_int32, c_char_p, c_char_p]),
    "crm_lead_score_rule_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_lead_route_add": (c_int, [SessionP, RecordP, _pi64]),
    "crm_lead_route_remove": (c_int, [SessionP, c_int64]),
    "crm_lead_route_list": (c_int, [SessionP, POINTER(CursorP)]),
    # Automation rules (R8)
    "crm_automation_rule_save": (c_int, [SessionP, c_int64, c_char_p, _pi64, _pi64]),
    "crm_automation_rule_enable": (c_int, [SessionP, c_int64, c_int32]),
    "crm_automation_rule_get": (c_int, [SessionP, c_int64, POINTER(RecordP)]),
    "crm_automation_rule_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_automation_rule_versions": (c_int, [SessionP, c_int64, POINTER(CursorP)]),
    "crm_automation_run_list": (c_int, [SessionP, c_int64, c_int64, c_int32,
                                        POINTER(CursorP)]),
    "crm_automation_simulate": (c_int, [SessionP, c_char_p, c_char_p, POINTER(CursorP)]),
    # Customer search and information completeness (R10.1)
    "crm_customer_search": (c_int, [SessionP, POINTER(SearchQuery), POINTER(CursorP)]),
    "crm_completeness_field_list": (c_int, [SessionP, POINTER(CursorP)]),
    "crm_completeness_field_set": (c_int, [SessionP, c_char_p, c_int64]),
    "crm_customer_completeness": (c_int, [SessionP, c_char_p, POINTER(RecordP)]),
    "crm_completeness_report": (c_int, [SessionP, c_char_p, c_int32, POINTER(CursorP)]),
    # Merging duplicate customers (R9.3)
    "crm_customer_merge": (c_int, [SessionP, c_char_p, c_char_p, RecordP, c_char_p, _pi64,
                                   POINTER(RecordP)]),
    "crm_customer_unmerge": (c_int, [SessionP, c_int64, c_int32, c_char_p, POINTER(RecordP)]),
    "crm_merge_list": (c_int, [SessionP, c_char_p, c_int64, c_int32, POINTER(CursorP)]),
    # Duplicates and the cleansing report (R9.3)
    "crm_match_key": (c_int, [c_char_p, c_char_p, _pvoidp]),
    "crm_duplicates_find": (c_int, [SessionP, c_double, PROGRESS_FN, c_void_p,
                                    POINTER(CursorP)]),
    "crm_duplicates_of": (c_int, [SessionP, RecordP, c_double, POINTER(CursorP)]),
    "crm_cleansing_report": (c_int, [SessionP, c_int32, c_double, PROGRESS_FN, c_void_p,
                                     POINTER(CursorP)]),
    # Bringing data in (R9.1, R9.2).  The buffer is passed as c_char_p with
    # its length, so that NUL bytes in it are read, not a stop.
    "crm_customer_import": (c_int, [SessionP, c_char_p, POINTER(ImportOptions),
                                    POINTER(RecordP)]),
    "crm_customer_import_buffer": (c_int, [SessionP, c_char_p, c_size_t, POINTER(ImportOptions),
                                           POINTER(RecordP)]),
    "crm_customer_export_csv": (c_int, [SessionP, POINTER(CustomerQuery), c_int32,
                                        POINTER(CsvOptions), WRITE_FN, c_void_p, _pi64]),
    "crm_followup_migrate": (c_int, [SessionP, c_char_p, POINTER(ImportOptions),
                                     POINTER(RecordP)]),
    "crm_followup_migrate_verify": (c_int, [SessionP, c_char_p, POINTER(ImportOptions), c_int32,
                                            c_uint64, POINTER(RecordP), POINTER(CursorP)]),
}


# --------------------------------------------------------------------------
# Finding the library
# --------------------------------------------------------------------------

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# bindings/python/crm -> ../../../build/src
BUILD_DIR = os.path.normpath(os.path.join(PACKAGE_DIR, os.pardir, os.pardir, os.pardir,
                                          "build", "src"))


class LibraryNotFoundError(ImportError):
    """libcrm could not be loaded; the message lists every place tried and why
    each one failed."""

    __module__ = "crm"


def _apply(lib):
    """Declare every prototype on ``lib``.  Returns the names it lacks."""
    missing = []
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


def _try(path, tried, label=None):
    """Load ``path`` and check it; on failure note why in ``tried``."""
    where = label or path
    if os.sep in path and not os.path.exists(path):
        tried.append((where, "no such file"))
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        tried.append((where, str(e) or "could not be loaded"))
        return None
    missing = _apply(lib)
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        tried.append((where, "loaded, but it lacks %d function(s) of crm.h: %s"
                      % (len(missing), shown)))
        return None
    major = lib.crm_version_number() // 10000
    if major != ABI_MAJOR:
        tried.append((where, "loaded, but it is libcrm %s; this binding needs %d.x"
                      % (lib.crm_version().decode("ascii", "replace"), ABI_MAJOR)))
        return None
    return lib


def load_library(environ=None, package_dir=PACKAGE_DIR, build_dir=BUILD_DIR,
                 system=True):
    """Find and load libcrm; return ``(lib, path)``.

    Order: ``$CRM_LIBRARY`` (a full path; when it is set, it is the only place
    tried, so that a wrong setting is never hidden by another copy), then the
    package directory (``libcrm.so.0``, ``libcrm.so``), then the build tree
    (``build/src`` of the source tree), then the system loader.  Raises
    :class:`LibraryNotFoundError` listing every place tried and why each
    failed.
    """
    if environ is None:
        environ = os.environ
    tried = []
    explicit = environ.get("CRM_LIBRARY")
    if explicit:
        lib = _try(explicit, tried, "$CRM_LIBRARY=" + explicit)
        if lib is not None:
            return lib, explicit
        raise LibraryNotFoundError(_report(tried, explicit=True))
    tried.append(("$CRM_LIBRARY", "not set"))

    candidates = []
    if package_dir:
        candidates += [os.path.join(package_dir, "libcrm.so.0"),
                       os.path.join(package_dir, "libcrm.so")]
    if build_dir:
        candidates += [os.path.join(build_dir, "libcrm.so.0"),
                       os.path.join(build_dir, "libcrm.so")]
    for path in candidates:
        lib = _try(path, tried)
        if lib is not None:
            return lib, path

    if system:
        lib = _try("libcrm.so.0", tried)
        if lib is not None:
            return lib, "libcrm.so.0"
        found = ctypes.util.find_library("crm")
        if found is None:
            tried.append(("ctypes.util.find_library('crm')", "found nothing"))
        elif found != "libcrm.so.0":
            lib = _try(found, tried)
            if lib is not None:
                return lib, found
    raise LibraryNotFoundError(_report(tried, explicit=False))


def _report(tried, explicit):
    lines = ["libcrm could not be loaded. Places tried, in order:"]
    for i, (where, why) in enumerate(tried, 1):
        lines.append("  %d. %s: %s" % (i, where, why))
    if explicit:
        lines.append("CRM_LIBRARY is set, so no other place was tried; fix it or unset it.")
    else:
        lines.append("Set CRM_LIBRARY to the full path of libcrm.so.0, or build it: "
                     "cmake -S . -B build && cmake --build build --target crm")
    return "\n".join(lines)


lib, LIBRARY_PATH = load_library()
