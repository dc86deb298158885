/*
 * crm.h — the C interface of libcrm, an embeddable CRM domain library.
 *
 * Conventions (read these once; every function follows them):
 *
 *  - Every function returns an int status: CRM_OK (0) on success, CRM_DONE (1)
 *    when a cursor is exhausted, CRM_PENDING (2) when a change was accepted
 *    but waits for review (only where a function says so), or a negative
 *    CRM_ERR_* code.  On failure the
 *    calling thread's last error (crm_errcode, crm_errmsg, crm_error_field_*)
 *    describes what went wrong.  The last error is per thread and stays readable
 *    until the next libcrm call on that thread.  Its strings are never NULL.
 *  - Handles (crm_db, crm_session, crm_record, crm_cursor) are opaque, created
 *    through out-parameters and released with the matching _close/_free
 *    function.  Every _close/_free accepts NULL and does nothing with it.
 *    crm_db, crm_session and crm_cursor handles are checked: using one after
 *    it was closed returns CRM_ERR_STATE, and closing it again does nothing
 *    (crm_db_close returns CRM_ERR_STATE).  A crm_record is a plain value:
 *    freeing it twice is undefined behaviour, as with free().
 *  - NULL is never a crash: a NULL handle or out-parameter returns
 *    CRM_ERR_INVALID_ARG (except where a parameter is documented as optional).
 *  - Strings are UTF-8.  A string the library returns is either BORROWED (valid
 *    until the stated event, never freed by the caller) or OWNED (freed with
 *    crm_free).  Each function says which.
 *  - No C++ exception ever crosses this interface.
 *  - Instants are int64 milliseconds since 1970-01-01T00:00:00Z (UTC).
 *    Calendar dates are "YYYY-MM-DD" strings in the database's time zone.
 *  - Option structs start with a `size` field and have an _INIT macro; always
 *    initialise with the macro so that fields appended later get defaults.
 *
 * Thread safety:
 *  - A crm_db handle may be shared by several threads: every call on it (and on
 *    the sessions and cursors made from it) takes the handle's mutex, so calls
 *    are serialised.  For parallelism, open one crm_db per thread; any number of
 *    handles, in one or many processes, may use the same database file (SQLite
 *    WAL mode; writers wait up to the busy timeout, then get CRM_ERR_BUSY).
 *  - An explicit transaction (crm_db_begin) belongs to the handle: the writes of
 *    every thread using that handle join it until commit or rollback.
 *  - crm_record handles are plain values: use one from one thread at a time.
 *  - The last error is per thread, so reading it is always safe.
 */
#ifndef CRM_H
#define CRM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(__GNUC__)
#  if defined(CRM_BUILDING_LIBRARY)
#    define CRM_API __declspec(dllexport)
#  else
#    define CRM_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define CRM_API __attribute__((visibility("default")))
#else
#  define CRM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define CRM_VERSION_MAJOR 0
#define CRM_VERSION_MINOR 7
#define CRM_VERSION_PATCH 0
/** The version this header describes, as "MAJOR.MINOR.PATCH". */
#define CRM_VERSION_STRING "0.7.0"

/** The library's version string, e.g. "0.1.0" (static storage; never NULL). */
CRM_API const char *crm_version(void);

/** The library's version as MAJOR*10000 + MINOR*100 + PATCH. */
CRM_API int32_t crm_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes and the per-thread last error                               */
/* ------------------------------------------------------------------------ */

#define CRM_OK 0                 /* success */
#define CRM_DONE 1               /* a cursor has no more rows (not an error) */
#define CRM_PENDING 2            /* accepted, but waits for review before it takes
                                    effect (R1.6); the last error says which change */
#define CRM_ERR_INVALID_ARG (-1) /* NULL or malformed argument */
#define CRM_ERR_NOT_FOUND (-2)   /* no such record, user, field or page */
#define CRM_ERR_VALIDATION (-3)  /* field validation failed; see crm_error_field_* */
#define CRM_ERR_PERMISSION (-4)  /* the session's user may not do this */
#define CRM_ERR_CONFLICT (-5)    /* stale version or a forbidden state change */
#define CRM_ERR_BUSY (-6)        /* the database stayed locked past the busy timeout */
#define CRM_ERR_CORRUPT (-7)     /* the database file is damaged or truncated */
#define CRM_ERR_CANTOPEN (-8)    /* the file or its directory cannot be opened */
#define CRM_ERR_READONLY (-9)    /* the database cannot be written */
#define CRM_ERR_VERSION (-10)    /* the file was made by a newer libcrm */
#define CRM_ERR_NOTADB (-11)     /* the file is not a libcrm database */
#define CRM_ERR_STATE (-12)      /* wrong state: closed session, no open transaction */
#define CRM_ERR_TYPE (-13)       /* a value of the wrong type */
#define CRM_ERR_NOMEM (-14)      /* out of memory */
#define CRM_ERR_INTERNAL (-15)   /* a bug in libcrm; please report it */

/** The status of the last failed call on this thread (CRM_OK if none). */
CRM_API int crm_errcode(void);

/** The last error's message in English.  Borrowed, valid until the next call
 *  on this thread; never NULL ("" when there is no error). */
CRM_API const char *crm_errmsg(void);

/** The last error's message in Chinese (简体中文).  Same lifetime as crm_errmsg. */
CRM_API const char *crm_errmsg_zh(void);

/** A short constant name for a status code, e.g. "CRM_ERR_VALIDATION". */
CRM_API const char *crm_status_name(int status);

/** How many field errors the last error carries (0 unless it is a validation
 *  failure).  Every failing field is reported, not only the first. */
CRM_API int32_t crm_error_field_count(void);

/** The name of the i-th failing field, e.g. "phone".  Borrowed like
 *  crm_errmsg; "" when i is out of range. */
CRM_API const char *crm_error_field_name(int32_t i);

/** The machine-readable code of the i-th field error, e.g. "invalid_phone",
 *  "required", "vague_name".  Codes are stable; docs/fields.md lists them. */
CRM_API const char *crm_error_field_code(int32_t i);

/** The i-th field error's message in English. */
CRM_API const char *crm_error_field_message(int32_t i);

/** The i-th field error's message in Chinese. */
CRM_API const char *crm_error_field_message_zh(int32_t i);

/** The Chinese label of the i-th failing field, e.g. "联系电话" or, for a
 *  custom field, its label_zh ("客户预算范围"); "" when the field has none (an
 *  unknown field) or i is out of range.  Since 0.3. */
CRM_API const char *crm_error_field_label_zh(int32_t i);

/** Free a string that the library returned as OWNED.  Accepts NULL. */
CRM_API void crm_free(void *p);

/* ------------------------------------------------------------------------ */
/* Records: values by field name                                            */
/* ------------------------------------------------------------------------ */

/** A record is an ordered set of (field name, value) pairs: the input of
 *  create/update calls and the output of reads.  Field names are those of the
 *  field registry (crm_field_*), e.g. "name", "phone", "owner". */
typedef struct crm_record crm_record;

#define CRM_TYPE_NULL 0
#define CRM_TYPE_INT 1
#define CRM_TYPE_REAL 2
#define CRM_TYPE_TEXT 3

/** Create an empty record. */
CRM_API int crm_record_new(crm_record **out);

/** Free a record.  Accepts NULL. */
CRM_API void crm_record_free(crm_record *rec);

/** Set a text field (NUL-terminated UTF-8).  Replaces any earlier value. */
CRM_API int crm_record_set_text(crm_record *rec, const char *field, const char *value);

/** Set a text field from (pointer, length); the bytes need no terminator and
 *  may contain anything — validation happens when the record is used. */
CRM_API int crm_record_set_textn(crm_record *rec, const char *field, const char *value,
                                 size_t len);

/** Set an integer field. */
CRM_API int crm_record_set_int(crm_record *rec, const char *field, int64_t value);

/** Set a real (floating point) field. */
CRM_API int crm_record_set_real(crm_record *rec, const char *field, double value);

/** Set a field to NULL.  In an update this clears an optional field. */
CRM_API int crm_record_set_null(crm_record *rec, const char *field);

/** Remove a field from the record (an update then leaves it unchanged).
 *  Returns CRM_ERR_NOT_FOUND if the record has no such field. */
CRM_API int crm_record_unset(crm_record *rec, const char *field);

/** The number of fields in the record. */
CRM_API int crm_record_count(const crm_record *rec, int32_t *out);

/** The name of the i-th field (0-based, in insertion order).  Borrowed: valid
 *  until the record is changed or freed. */
CRM_API int crm_record_name(const crm_record *rec, int32_t i, const char **out);

/** The type (CRM_TYPE_*) of a field; CRM_ERR_NOT_FOUND if absent. */
CRM_API int crm_record_type(const crm_record *rec, const char *field, int32_t *out);

/** Read a text field.  Borrowed: valid until the record is changed or freed.
 *  CRM_ERR_NOT_FOUND if absent; CRM_ERR_TYPE if the value is not text; a NULL
 *  value yields *out == NULL and CRM_OK. */
CRM_API int crm_record_get_text(const crm_record *rec, const char *field, const char **out);

/** Read an integer field.  CRM_ERR_TYPE if the value is not an integer or is
 *  NULL. */
CRM_API int crm_record_get_int(const crm_record *rec, const char *field, int64_t *out);

/** Read a real field (an integer value converts).  CRM_ERR_TYPE otherwise. */
CRM_API int crm_record_get_real(const crm_record *rec, const char *field, double *out);

/** The record as a JSON object, e.g. {"id":"C0001","name":"…"}.  OWNED: free
 *  with crm_free.  CRM_ERR_INVALID_ARG if a text value is not valid UTF-8
 *  (records read from the library always are). */
CRM_API int crm_record_to_json(const crm_record *rec, char **out);

/* ------------------------------------------------------------------------ */
/* Field registry                                                           */
/* ------------------------------------------------------------------------ */

/** Entities with registered fields: "customer", "contact", "user",
 *  "followup_plan", "followup_record" and "maintenance_plan". */

/** The number of fields an entity has. */
CRM_API int crm_field_count(const char *entity, int32_t *out);

/** Describe the i-th field of an entity.  Every out-parameter is optional
 *  (pass NULL to skip).  Strings are static (valid for the process).
 *  type: "text", "integer", "enum", "phone", "email", "date", "user",
 *  "instant", "decimal" (a maintenance plan's cost: yuan as text with two
 *  decimals); flags: bit 0 required, bit 1 read-only, bit 2 personal data. */
CRM_API int crm_field_info(const char *entity, int32_t i, const char **name,
                           const char **type, const char **label_zh,
                           const char **label_en, int32_t *flags);

#define CRM_FIELD_REQUIRED 1
#define CRM_FIELD_READONLY 2
#define CRM_FIELD_PERSONAL 4

/** Map a column header to a field name: accepts the field name itself, its
 *  English label or its Chinese label ("客户全称" -> "name").  *out is static. */
CRM_API int crm_field_resolve(const char *entity, const char *header, const char **out);

/* ------------------------------------------------------------------------ */
/* Databases                                                                */
/* ------------------------------------------------------------------------ */

typedef struct crm_db crm_db;

#define CRM_OPEN_READWRITE 0 /* open read-write (the default) */
#define CRM_OPEN_READONLY 1  /* never write; fails if the schema needs upgrading */
#define CRM_OPEN_NOCREATE 2  /* fail with CRM_ERR_CANTOPEN if the file is missing */

typedef struct crm_open_options {
  size_t size;               /* sizeof(crm_open_options); set by CRM_OPEN_OPTIONS_INIT */
  uint32_t flags;            /* CRM_OPEN_* bits */
  int32_t busy_timeout_ms;   /* how long to wait for a locked file; default 5000 */
  const char *time_zone;     /* IANA zone for a NEW database; NULL = "Asia/Shanghai".
                                An existing database keeps the zone it was made with. */
} crm_open_options;

#define CRM_OPEN_OPTIONS_INIT {sizeof(crm_open_options), 0, 5000, NULL}

/** Open (creating if needed) a database file, or ":memory:" for a private
 *  in-memory database.  The schema is created or upgraded.  Errors: a missing
 *  directory (CRM_ERR_CANTOPEN), a file that is not a database or belongs to
 *  another application (CRM_ERR_NOTADB), a truncated or damaged file
 *  (CRM_ERR_CORRUPT), a file made by a newer libcrm (CRM_ERR_VERSION), a file
 *  that cannot be written (CRM_ERR_READONLY).  On any error the file is left
 *  exactly as it was.  `opts` may be NULL for the defaults. */
CRM_API int crm_db_open(const char *path, const crm_open_options *opts, crm_db **out);

/** Close a database handle.  Every session and cursor made from it must be
 *  closed first (CRM_ERR_STATE otherwise, and the handle stays open).  An open
 *  explicit transaction is rolled back.  Accepts NULL. */
CRM_API int crm_db_close(crm_db *db);

/** The schema version of the open database (PRAGMA user_version). */
CRM_API int crm_db_schema_version(crm_db *db, int32_t *out);

/** The schema version this library writes. */
CRM_API int32_t crm_schema_version(void);

/** The database's IANA time zone, e.g. "Asia/Shanghai".  Borrowed: valid until
 *  the handle is closed. */
CRM_API int crm_db_time_zone(crm_db *db, const char **out);

/** Use the system clock (the default). */
CRM_API int crm_db_clock_system(crm_db *db);

/** Freeze the clock at `now_ms` (UTC milliseconds): every rule reads this time
 *  until the clock is set again.  For tests and simulations. */
CRM_API int crm_db_clock_fixed(crm_db *db, int64_t now_ms);

/** A clock callback: returns UTC milliseconds.  Called with the handle's mutex
 *  held; it must not call back into libcrm on the same handle. */
typedef int64_t (*crm_clock_fn)(void *ctx);

/** Read time from a host callback.  `ctx` is passed back unchanged. */
CRM_API int crm_db_clock_callback(crm_db *db, crm_clock_fn fn, void *ctx);

/** The current time as the database's clock sees it. */
CRM_API int crm_db_now(crm_db *db, int64_t *out_ms);

/** Begin an explicit transaction: the writes that follow commit together at
 *  crm_db_commit, or not at all.  Takes the write lock at once (BEGIN
 *  IMMEDIATE).  CRM_ERR_STATE if one is already open. */
CRM_API int crm_db_begin(crm_db *db);

/** Commit the explicit transaction.  CRM_ERR_STATE if none is open. */
CRM_API int crm_db_commit(crm_db *db);

/** Roll back the explicit transaction.  CRM_ERR_STATE if none is open. */
CRM_API int crm_db_rollback(crm_db *db);

/* ------------------------------------------------------------------------ */
/* Users and sessions                                                       */
/* ------------------------------------------------------------------------ */

/** Every operation runs as a user through a session.  A new database has one
 *  user, id 1, login "admin", role "admin" (系统管理员), which creates the
 *  others. */
typedef struct crm_session crm_session;

/** A cursor over the rows a call returns (customers, history, tags,
 *  dictionary entries): read with crm_cursor_next, release with
 *  crm_cursor_close (see "Cursors" below). */
typedef struct crm_cursor crm_cursor;

/** Open a session acting as user `user_id`.  CRM_ERR_NOT_FOUND if there is no
 *  such active user. */
CRM_API int crm_session_open(crm_db *db, int64_t user_id, crm_session **out);

/** Open a session by login name. */
CRM_API int crm_session_open_login(crm_db *db, const char *login, crm_session **out);

/** Close a session.  Accepts NULL. */
CRM_API void crm_session_close(crm_session *s);

/** The id of the session's user. */
CRM_API int crm_session_user(crm_session *s, int64_t *out);

/** Create a user from a record with fields "login", "name", "department" and
 *  "role" (sales, sales_manager, service, marketing, admin or a role from
 *  crm_role_define; Chinese labels accepted).  The department must exist
 *  (crm_department_define): an unknown one is a validation error
 *  "unknown_value" on "department".  Needs user.manage (administrators by
 *  default).  *out_id (optional) receives the new id. */
CRM_API int crm_user_create(crm_session *s, const crm_record *user, int64_t *out_id);

/** Read a user by id (user.read: every built-in role).  *out is a new record
 *  {id, login, name, department, role, active} (free with crm_record_free). */
CRM_API int crm_user_get(crm_session *s, int64_t user_id, crm_record **out);

/* ------------------------------------------------------------------------ */
/* Dictionaries (enumerations)                                              */
/* ------------------------------------------------------------------------ */

/** Dictionaries: "customer_type", "priority", "industry", "scale", "source",
 *  "role", "tag_category".  Each entry has a stable English code and Chinese and English
 *  labels; inputs may use any of them.  Seeded from the process manuals.
 *  An enum custom field's values are the dictionary "custom.<name>", whose
 *  codes are the values themselves ("10-50万"). */

/** Add an entry to a dictionary (administrators only; CRM_ERR_PERMISSION
 *  otherwise).  The code uses a-z, 0-9 and _.  CRM_ERR_CONFLICT if the code or
 *  a label is taken; CRM_ERR_NOT_FOUND for an unknown dictionary;
 *  CRM_ERR_INVALID_ARG for "customer_type" and "role", which are fixed because
 *  rules depend on their codes. */
CRM_API int crm_dict_add(crm_session *s, const char *dict, const char *code,
                         const char *label_zh, const char *label_en);

/** The Chinese label of a dictionary code, e.g. ("priority", "high") -> "高".
 *  Borrowed: valid until the handle is closed. */
CRM_API int crm_dict_label(crm_session *s, const char *dict, const char *code,
                           const char **label_zh);

/** The entries of a dictionary in their order, e.g. to fill a drop-down.
 *  Rows have "code", "label_zh", "label_en" and "department" (the department
 *  responsible for a source channel, NULL elsewhere).  CRM_ERR_NOT_FOUND for
 *  an unknown dictionary. */
CRM_API int crm_dict_list(crm_session *s, const char *dict, crm_cursor **out);

/** Set the department responsible for a source channel (采集渠道责任部门, R1.4:
 *  市场部 for trade shows, 销售部 for referrals …; administrators only).
 *  `channel` is a code or label of the "source" dictionary; `department`
 *  NULL or "" clears it. */
CRM_API int crm_channel_set_department(crm_session *s, const char *channel,
                                       const char *department);

/* ------------------------------------------------------------------------ */
/* Customers (客户)                                                          */
/* ------------------------------------------------------------------------ */

/** Create a customer from a record (customer.create: by default a sales rep
 *  or manager for themselves; an "owner" other than the session's user
 *  needs the scope to reach that user, see "Permissions" below).  Every field is normalised and
 *  validated: phones, e-mails, dates and codes get full NFKC (full-width
 *  "１３８…" becomes "138…"); names and free text keep Chinese punctuation
 *  (，：（）) and fold only full-width digits and letters; white space is
 *  trimmed and collapsed; phones become E.164 and enumerations their codes.
 *  If any field fails, CRM_ERR_VALIDATION reports every failing field and
 *  nothing is written.  A value of the wrong type for a field (an integer for
 *  "name") is a field error with code "wrong_type", not CRM_ERR_TYPE.
 *  `owner` defaults to the session's user, `type` to "prospect",
 *  `entry_date` to today in the database's time zone.  *out_id (optional)
 *  receives the human-readable id, e.g. "C0001": OWNED, free with crm_free.
 *  When new customers wait for review (setting "review.create", R1.6) and
 *  the user is not a reviewer, nothing is created yet: the call returns
 *  CRM_PENDING and *out_id is the pending change's id ("R12", see
 *  crm_pending_list). */
CRM_API int crm_customer_create(crm_session *s, const crm_record *fields, char **out_id);

/** Read a customer by human-readable id ("C0001").  *out is a new record with
 *  every field the user may see (free with crm_record_free).  Contact
 *  details are MASKED (R3.6): "phone" and "phone_display" read "138****5678",
 *  "email" "w***@hengda.com", a personal custom field "王**"; see
 *  crm_customer_unmask.  A customer the user may not see is
 *  CRM_ERR_NOT_FOUND, exactly as one that does not exist.  A user who sees
 *  the customer only through a grant gets the grant's field groups. */
CRM_API int crm_customer_get(crm_session *s, const char *id, crm_record **out);

/** Read a customer by internal integer key. */
CRM_API int crm_customer_get_by_key(crm_session *s, int64_t key, crm_record **out);

/** Update the fields present in `fields`; absent fields are untouched.  An
 *  update that changes nothing writes nothing and returns the current
 *  version.  If
 *  `fields` has "version", it must equal the stored version or the call fails
 *  with CRM_ERR_CONFLICT (optimistic concurrency); read-only fields ("id",
 *  "key", "created_at", …) may be present only with their stored values.  A
 *  masked value read back ("138****5678") counts as unchanged.  A new
 *  "owner" is a transfer (customer.transfer, see crm_customer_transfer).  A
 *  change of "type" must be an allowed lifecycle step (see
 *  crm_customer_set_type).  *out_version (optional) receives the new version.
 *  An update touching a field under review (setting "review.fields") by a
 *  user who is not a reviewer returns CRM_PENDING and changes nothing yet
 *  (*out_version is not set; crm_errmsg names the pending change). */
CRM_API int crm_customer_update(crm_session *s, const char *id, const crm_record *fields,
                                int64_t *out_version);

/** Move a customer along its lifecycle (客户类型): prospect 潜在 -> intent 意向
 *  -> won 成交 -> churned 流失.  Allowed steps: prospect -> intent | won |
 *  churned; intent -> won | churned; won -> churned; churned -> intent (win
 *  back).  Any other step is CRM_ERR_CONFLICT; a type that is not in the
 *  dictionary is CRM_ERR_VALIDATION (field "type", code "unknown_value").
 *  `reason` is optional and kept in the history: UTF-8 text of at most 500
 *  characters (CRM_ERR_INVALID_ARG otherwise). */
CRM_API int crm_customer_set_type(crm_session *s, const char *id, const char *type,
                                  const char *reason);

/** Archive (soft-delete) a customer: it leaves lists and its id is never
 *  reused.  Archiving twice is CRM_ERR_STATE.  `reason` as for
 *  crm_customer_set_type. */
CRM_API int crm_customer_archive(crm_session *s, const char *id, const char *reason);

/** Record the owner's monthly review (复核, R1.10: scale, contacts and needs
 *  confirmed): sets "reviewed_at" and "reviewed_by" and adds a history row of
 *  kind "review" with the optional `note` as its reason (UTF-8, at most 500
 *  characters).  The customer's data and version do not change: corrections
 *  found in the review are ordinary updates.  Archived: CRM_ERR_STATE. */
CRM_API int crm_customer_review(crm_session *s, const char *id, const char *note);

/* Cursors ---------------------------------------------------------------- */

/** A condition on one field of a customer list (since 0.3).  `field` is a
 *  built-in field ("industry", "entry_date", "owner", "phone", "id" …) or a
 *  custom one ("custom.budget_range"); "phone_display" is not stored and
 *  cannot be filtered.  `op` is one of
 *    "=" "!=" "<" "<=" ">" ">="  compare with `value` ("!=" also matches
 *                                customers without a value; list fields —
 *                                enumerations — take only "=" and "!=")
 *    "null" "not_null"           no value / some value (`value` ignored)
 *    "contains"                  free text and e-mails (not phones, which are
 *                                stored in E.164): `value` occurs in the text
 *  `value` is written as a write of the field accepts it and normalised the
 *  same way: a label or alias of a list value, a phone in any usual format,
 *  a decimal as digits ("45" matches a stored 45.00), integers and instants
 *  in decimal digits. */
typedef struct crm_field_filter {
  const char *field;
  const char *op;
  const char *value;
} crm_field_filter;

typedef struct crm_customer_query {
  size_t size;           /* sizeof(crm_customer_query); set by the _INIT macro */
  int64_t owner;         /* only this owner's customers; 0 = any */
  const char *type;      /* only this customer type (code or label); NULL = any */
  int32_t page_size;     /* rows per page, 1..1000; 0 = 50 */
  const char *after;     /* page token from crm_cursor_next_page; NULL = first page */
  int32_t include_archived; /* non-zero to include archived customers */
  /* Since 0.2: tag filters, by tag id (crm_tag_find).  A customer must carry
   * every tag of tags_all and at least one of tags_any; at most 32 each. */
  const int64_t *tags_all;  /* NULL or an array of tags_all_count ids */
  int32_t tags_all_count;
  const int64_t *tags_any;  /* NULL or an array of tags_any_count ids */
  int32_t tags_any_count;
  /* Since 0.2: the list view's filters (R1.12). */
  const char *industry;      /* industry code or label; NULL = any */
  const char *source;        /* source channel code or label; NULL = any */
  int64_t created_from_ms;   /* created at or after this instant; 0 = no bound */
  int64_t created_to_ms;     /* created before this instant; 0 = no bound */
  int64_t updated_from_ms;   /* last changed at or after; 0 = no bound */
  int64_t updated_to_ms;     /* last changed before; 0 = no bound */
  const char *name_contains; /* part of the name (ASCII letters in either case); NULL = any */
  /* Since 0.3: conditions on any field, built-in or custom, all of which
   * must hold (at most 16), and the order. */
  const crm_field_filter *filters; /* NULL or an array of filter_count conditions */
  int32_t filter_count;
  /* NULL or "id" (the default), "name", "name_pinyin" (Chinese pinyin
   * order: ICU's zh collation, 阿里 < 百度 < 华为), "entry_date",
   * "created_at", "updated_at" or "custom.<name>"; a leading '-' sorts descending
   * ("-updated_at": most recently changed first).  Ties are broken by id.
   * Customers without a value of a custom sort field come last, in id
   * order (in both directions).  A list (enum) field sorts by the text of
   * its values, not by their display order.  Every order pages by keyset,
   * stable under concurrent inserts. */
  const char *sort;
} crm_customer_query;

#define CRM_CUSTOMER_QUERY_INIT                                                              \
  {sizeof(crm_customer_query), 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0, 0, \
   NULL, NULL, 0, NULL}

/** List one page of customers in the query's order (id by default; keyset
 *  paging: stable under concurrent inserts).  Rows are the customer records
 *  of crm_customer_get, custom fields included.  Iterate with
 *  crm_cursor_next; continue with the token from crm_cursor_next_page,
 *  passing the same filters (tag ids and field filters in the same order),
 *  order and page size: a token used with another query, or a malformed
 *  one, is CRM_ERR_INVALID_ARG.  An unknown industry or source, a negative
 *  time bound, an empty range (to <= from), a name_contains that is not
 *  UTF-8 text of at most 100 characters, a filter on an unknown field, with
 *  an unknown operator or with a value the field could never hold, and a
 *  sort on a field that is not sortable are CRM_ERR_INVALID_ARG, with a
 *  message naming the field.
 *  `q` may be NULL for the defaults. */
CRM_API int crm_customer_list(crm_session *s, const crm_customer_query *q,
                              crm_cursor **out);

/** How many customers match `q`'s filters (page_size and after are
 *  ignored), e.g. for "第 1 页，共 44 个客户".  `q` may be NULL for all. */
CRM_API int crm_customer_count(crm_session *s, const crm_customer_query *q, int64_t *out);

/** Advance to the next row: CRM_OK and *row set (borrowed: valid until the
 *  next crm_cursor_next or crm_cursor_close), or CRM_DONE at the end of the
 *  page. */
CRM_API int crm_cursor_next(crm_cursor *c, const crm_record **row);

/** The token for the next page, or NULL when this is the last page.
 *  Borrowed: valid until the cursor is closed. */
CRM_API int crm_cursor_next_page(crm_cursor *c, const char **token);

/** Close a cursor.  Accepts NULL. */
CRM_API void crm_cursor_close(crm_cursor *c);

/* Contacts (联系人, R1.9) ---------------------------------------------------- */

/** A customer has several contacts ("contact" fields: "name", "title" such as
 *  采购总监, "phone", "email", "decision_maker" 0/1 for 决策人), exactly one of
 *  them primary.  The customer's own contact_name / phone / email (R1.1) are
 *  its primary contact: a new customer gets that contact, and changing those
 *  fields on either side changes both.  The customer record also shows the
 *  primary contact's "contact_title".  Contacts are validated like customers
 *  (phone or e-mail required).  Every contact change is a new version of the
 *  customer and a history row of kind "contact" (changes made through the
 *  customer's own contact_name / phone / email are recorded as customer
 *  updates of those fields).  Adding or removing a decision maker, or
 *  changing a contact's decision_maker flag, is marked "major" (R1.10).
 *  History values are text: the flag appears as "0" / "1".  Every contact
 *  call on an archived customer is CRM_ERR_STATE.  Contact ids are
 *  integers. */

/** Add a contact to a customer; *out_id (optional) receives its id.  A
 *  record with "primary" is refused (CRM_ERR_VALIDATION, read_only): use
 *  crm_contact_make_primary.  Archived customer CRM_ERR_STATE. */
CRM_API int crm_contact_add(crm_session *s, const char *customer_id, const crm_record *fields,
                            int64_t *out_id);

/** Read a contact; *out is a new record (free with crm_record_free).
 *  Removed contacts are CRM_ERR_NOT_FOUND. */
CRM_API int crm_contact_get(crm_session *s, int64_t contact_id, crm_record **out);

/** Change the fields present in `fields`.  Read-only fields ("id",
 *  "customer", "primary", …) may be present only with their stored values,
 *  as in crm_customer_update.  Clearing the last contact method (phone and
 *  e-mail) is CRM_ERR_VALIDATION (contact_required). */
CRM_API int crm_contact_update(crm_session *s, int64_t contact_id, const crm_record *fields);

/** Remove a contact (kept, marked removed, in the history with `reason`,
 *  optional).  The primary contact cannot be removed (CRM_ERR_CONFLICT): make
 *  another one primary first, so a customer always keeps a contact. */
CRM_API int crm_contact_remove(crm_session *s, int64_t contact_id, const char *reason);

/** Make a contact its customer's primary contact; the previous primary stays
 *  as an ordinary contact.  Already primary: nothing changes. */
CRM_API int crm_contact_make_primary(crm_session *s, int64_t contact_id);

/** A customer's contacts, primary first, then in the order they were added. */
CRM_API int crm_customer_contacts(crm_session *s, const char *customer_id, crm_cursor **out);

/* Tags (标签, R1.7) ---------------------------------------------------------- */

/** Tags are labels in categories — industry 行业, need 需求, priority 优先级,
 *  value 价值 (高潜力) — seeded from the process manuals.  Categories are the
 *  "tag_category" dictionary: add one with crm_dict_add.  A label is unique
 *  within its category.  Customers carry any number of tags, and lists filter
 *  on them through an index (crm_customer_query.tags_all / tags_any).  A tag
 *  change is a change of the customer: its version goes up. */

/** Define a tag in a category (code or label of the category; administrators
 *  only).  The label is normalised like free text (trimmed, spaces collapsed)
 *  and must then have 1 to 50 characters (CRM_ERR_INVALID_ARG otherwise).
 *  *out_id (optional) receives its id.  CRM_ERR_NOT_FOUND for an unknown
 *  category, CRM_ERR_CONFLICT if the label exists there already. */
CRM_API int crm_tag_define(crm_session *s, const char *category, const char *label,
                           int64_t *out_id);

/** Find a tag by label.  `category` (code or label) may be NULL or "" when
 *  the label is used in one category only; CRM_ERR_CONFLICT when it is
 *  ambiguous, CRM_ERR_NOT_FOUND when there is no such tag. */
CRM_API int crm_tag_find(crm_session *s, const char *category, const char *label,
                         int64_t *out_id);

/** List the tags of a category (NULL or "" = all), ordered by category code
 *  then id.  Rows have "id", "category", "category_label", "label". */
CRM_API int crm_tag_list(crm_session *s, const char *category, crm_cursor **out);

/** Attach a tag to a customer by id.  Attaching a tag the customer already
 *  has does nothing (CRM_OK).  The change is kept in the history (kind
 *  "tag", field "tags", after = "category:label").  An archived customer is
 *  CRM_ERR_STATE (even when nothing would change); an unknown tag
 *  CRM_ERR_NOT_FOUND. */
CRM_API int crm_customer_tag_add(crm_session *s, const char *id, int64_t tag_id);

/** Detach a tag from a customer by id; detaching one it does not carry does
 *  nothing.  Kept in the history (before = "category:label").  Unknown tag
 *  CRM_ERR_NOT_FOUND, archived customer CRM_ERR_STATE, as for adding. */
CRM_API int crm_customer_tag_remove(crm_session *s, const char *id, int64_t tag_id);

/** Attach a tag by its label (`category` code or label; may be NULL or ""
 *  when the label is used in one category only).  An unknown label is
 *  CRM_ERR_NOT_FOUND — unless the setting "tags.create_on_attach" is "1"
 *  and a category is given: then the tag is created in that category and
 *  attached, in one transaction (any user may do this; the host opted in).
 *  *out_tag_id (optional) receives the tag's id. */
CRM_API int crm_customer_tag_add_label(crm_session *s, const char *id, const char *category,
                                       const char *label, int64_t *out_tag_id);

/** Detach a tag by its label; never creates one.  As crm_customer_tag_remove
 *  otherwise. */
CRM_API int crm_customer_tag_remove_label(crm_session *s, const char *id, const char *category,
                                          const char *label);

/** The tags a customer carries, as rows like crm_tag_list's. */
CRM_API int crm_customer_tags(crm_session *s, const char *id, crm_cursor **out);

/* Custom fields (自定义字段, R1.8) ------------------------------------------ */

/** Fields the host defines at run time, e.g. 客户预算范围 or 决策人信息.  Once
 *  defined, "custom.<name>" is a field like any other: set it with
 *  crm_record_set_*, read it from crm_customer_get and list rows, filter
 *  and sort on it (crm_customer_query), and see its changes in the history.
 *  No schema change is involved.  Values by type:
 *    text     text of at most max_chars characters (prose-normalised)
 *    integer  an integer (crm_record_set_int, or its digits as text)
 *    decimal  exact, with `decimals` digits after the point; read back as
 *             text ("35.50"); set as text, an integer or a real (a real
 *             must be the nearest double to such a number: 0.1 is, 0.125
 *             at two decimals is not)
 *    date     "YYYY-MM-DD" text
 *    enum     one of the field's values (dictionary "custom.<name>": list it
 *             with crm_dict_list, extend it with crm_dict_add, where the
 *             code is the value itself)
 *    boolean  integer 1 or 0 (set also as "true"/"false", "yes"/"no",
 *             "是"/"否")
 *  A wrong value is a validation error naming the field (invalid_number,
 *  invalid_boolean, invalid_date, unknown_value, wrong_type, too_long); an
 *  undefined "custom." name is unknown_field. */
typedef struct crm_custom_field {
  size_t size;              /* sizeof(crm_custom_field); set by the _INIT macro */
  const char *name;         /* a-z first, then a-z, 0-9, _; 1..40 ("custom." optional) */
  const char *type;         /* "text", "integer", "decimal", "date", "enum", "boolean" */
  const char *label_zh;     /* Chinese label, 1..50 characters: 客户预算范围 */
  const char *label_en;     /* English label; NULL = the name */
  int32_t required;         /* non-zero: new customers must have a value, and no
                               customer's value can be cleared */
  const char *const *values; /* enum: the allowed values, in display order */
  int32_t value_count;      /* enum: 1..200 */
  int32_t max_chars;        /* text: 1..2000; 0 = 200 */
  int32_t decimals;         /* decimal: 0..6; -1 = 2 */
  int32_t personal;         /* non-zero: personal information (PIPL), masked in
                               reads like phones (since 0.5) */
} crm_custom_field;

#define CRM_CUSTOM_FIELD_INIT \
  {sizeof(crm_custom_field), NULL, NULL, NULL, NULL, 0, NULL, 0, 0, -1, 0}

/** Define a custom field (administrators only).  CRM_ERR_INVALID_ARG for a
 *  bad name, type, label or option (an option given for the wrong type is
 *  an error too); CRM_ERR_CONFLICT if the name was ever used (retired names
 *  are not reused, so old values never change meaning) or a label is
 *  already a field's label.  A required field applies to customers created
 *  from now on; older customers are not made invalid by it. */
CRM_API int crm_custom_field_define(crm_session *s, const crm_custom_field *def);

/** Retire a custom field (administrators only).  Its values are kept: they
 *  are still read (for customers that have one), filtered and sorted on;
 *  setting a new value is a validation error "retired_field" (writing back
 *  a record with the value unchanged is accepted).  Retiring twice is
 *  CRM_OK; an unknown name CRM_ERR_NOT_FOUND. */
CRM_API int crm_custom_field_retire(crm_session *s, const char *name);

/** The custom field definitions in the order they were defined; retired ones
 *  only if `include_retired`.  Rows have "name" ("custom.budget_range"),
 *  "type", "label_zh", "label_en", "required", "max_chars" (text), "decimals"
 *  (decimal), "dict" (enum: the dictionary of its values), "retired" and
 *  "created_at". */
CRM_API int crm_custom_field_list(crm_session *s, int32_t include_retired, crm_cursor **out);

/* Settings ----------------------------------------------------------------- */

/** Settings stored in the database, shared by every handle; every change is
 *  kept in the configuration history ("setting.<name>", crm_config_history):
 *    "tags.create_on_attach"  "1": crm_customer_tag_add_label creates an
 *                             unknown tag; "0" (default): it is an error.
 *    "followup.min_gap_hours" 0..720 (default "24"): the over-contact guard's
 *                             minimum gap between two contacts of a
 *                             customer (避免过度打扰); "0" turns it off.
 *    "followup.min_gap_action" "warn" (default: the call succeeds with a
 *                             warning) or "refuse" (CRM_ERR_VALIDATION).
 *    "followup.remind_before_minutes" 0..10080 (default "30"): a plan's
 *                             reminder time when none is given.
 *    "review.create"          "1": new customers wait for review (审核, R1.6);
 *                             "0" (default).
 *    "review.fields"          customer fields whose change waits for review,
 *                             comma-separated ("owner,industry"); "" none.
 *    "alert.unmask_per_hour"  0..1000000 (default "30"), "alert.denied_per_hour"
 *                             (default "10"), "alert.export_rows_per_hour"
 *                             (default "500"): more than that within an hour
 *                             by one user alerts the administrators through
 *                             the outbox (kind "security_alert", R3.5); "0"
 *                             turns the alert off.
 *    "retention.months"       0..1200 (default "36"): how long an archived
 *                             customer is kept before crm_retention_list
 *                             proposes erasing it; "0" lists nothing.
 *    "access.max_hours"       1..8760 (default "720"): the longest access a
 *                             request may ask for.
 *    "completeness.goal_percent" 0..100 (default "95", seed 001): the
 *                             information-completeness goal (R10.1).
 *    "cleansing.stale_days"   1..3650 (default "90"): a customer neither
 *                             updated nor followed up for that long is
 *                             stale in the cleansing report (R9.3).
 *  The lead settings are in the leads section, "automation.max_depth" in
 *  the automation section. */

/** Read a setting: *out is OWNED (free with crm_free).  CRM_ERR_NOT_FOUND
 *  for an unknown setting. */
CRM_API int crm_setting_get(crm_session *s, const char *name, char **out);

/** Change a setting (administrators only).  CRM_ERR_INVALID_ARG for a value
 *  the setting does not take. */
CRM_API int crm_setting_set(crm_session *s, const char *name, const char *value);

/* Working calendars (工作日历) ------------------------------------------------- */

/** Calendars say which days and hours are working time, for deadlines and
 *  reminders that count working time (e.g. "within 24 working hours").  A
 *  database has the calendar "default" from the start: the database's time
 *  zone, 09:00-12:00 and 13:30-18:00 Monday to Friday, and China's 2026
 *  public holidays and make-up working days (调休: 2026-02-14 and 02-28, a
 *  Saturday each, are working days of 春节).  Hosts load later years
 *  themselves as text, one entry per line:
 *
 *    year 2027                                  (required, before any entry)
 *    2027-02-06..2027-02-14 holiday 春节         (inclusive range, label optional)
 *    2027-02-20 workday 春节调休                 (a rest day that is worked)
 *    # comments and blank lines are ignored
 *
 *  Every calendar call takes the calendar's name; NULL or "" means
 *  "default".  Instants are UTC milliseconds, computed in the calendar's
 *  time zone.  Durations and day counts are bounded (0..3660 days) and a
 *  calendar with no working time in 90 days is CRM_ERR_STATE, so no call
 *  loops. */

/** Define a calendar (administrators only), e.g. one per region.
 *  `time_zone` NULL = the database's; `work_hours` NULL =
 *  "09:00-12:00,13:30-18:00" (ascending, non-overlapping ranges); `workdays`
 *  NULL = "1111100" (seven 0/1 digits, Monday first).  It starts without
 *  holiday data.  CRM_ERR_INVALID_ARG for a bad name, zone, hours or
 *  workdays; CRM_ERR_CONFLICT if the name exists. */
CRM_API int crm_calendar_define(crm_session *s, const char *name, const char *time_zone,
                                const char *work_hours, const char *workdays);

/** Load one year of holiday data (the format above; administrators only).
 *  All-or-nothing: a bad line is CRM_ERR_INVALID_ARG whose message names the
 *  line and the problem (a date that does not exist, an end before its
 *  start, an unknown kind, a day listed twice, a make-up workday on a normal
 *  working day, a year already loaded, a date outside the declared year —
 *  December of the year before is allowed, for a 元旦 arrangement that starts
 *  then; crm_calendar_days lists such a day under its own year), and nothing
 *  is stored.  *out_year
 *  (optional) receives the year. */
CRM_API int crm_calendar_load_holidays(crm_session *s, const char *calendar, const char *text,
                                       int32_t *out_year);

/** The calendars, rows {"name", "time_zone", "work_hours", "workdays",
 *  "years" ("2026,2027": the years with holiday data)}. */
CRM_API int crm_calendar_list(crm_session *s, crm_cursor **out);

/** A year's holidays and make-up working days in date order, rows {"date"
 *  (YYYY-MM-DD), "kind" ("holiday" or "workday"), "label"}. */
CRM_API int crm_calendar_days(crm_session *s, const char *calendar, int32_t year,
                              crm_cursor **out);

/** *out = 1 if `date` (YYYY-MM-DD) is a working day: a make-up workday, or a
 *  normal working weekday that is not a holiday; else 0. */
CRM_API int crm_calendar_is_working_day(crm_session *s, const char *calendar, const char *date,
                                        int32_t *out);

/** *out = 1 if the instant lies in working hours of a working day (a range
 *  includes its start, not its end: 09:00 is working time, 12:00 is not). */
CRM_API int crm_calendar_is_working_time(crm_session *s, const char *calendar, int64_t at_ms,
                                         int32_t *out);

/** *out = at_ms if it is working time, else the start of the next working
 *  period (Saturday 10:00 → Monday 09:00; 12:30 → 13:30). */
CRM_API int crm_calendar_next_working_time(crm_session *s, const char *calendar, int64_t at_ms,
                                           int64_t *out);

/** *out = `days` working days after at_ms at the same local time of day
 *  (0 <= days <= 3660).  A start outside working time first moves to the
 *  next working time: Friday 17:00 + 1 = Monday 17:00, Friday 18:00 + 1 =
 *  Tuesday 09:00; across 春节 2026, 02-13 17:00 + 1 = 02-14 17:00 (调休
 *  Saturday) and + 2 = 02-24 17:00. */
CRM_API int crm_calendar_add_working_days(crm_session *s, const char *calendar, int64_t at_ms,
                                          int32_t days, int64_t *out);

/** *out = the instant by which `duration_ms` of working time has passed since
 *  at_ms (nights, lunch breaks, rest days and holidays do not count; 0 <=
 *  duration_ms <= 3660 days): Friday 17:00 + 2 h = Monday 10:00, and a
 *  duration ending exactly at a period's end gives that end (Friday 17:00
 *  + 1 h = Friday 18:00). */
CRM_API int crm_calendar_add_working_hours(crm_session *s, const char *calendar, int64_t at_ms,
                                           int64_t duration_ms, int64_t *out);

/* Tiers and grading (客户分层与分级, R2.1-R2.2) --------------------------------- */

/** Tiers say how often a customer is contacted.  Seeded (seed 000): A (A类客户,
 *  high value and intent) every week "1w", B every two weeks "2w", C every
 *  month "1m".  A graded customer's "next_due_date" (YYYY-MM-DD, database
 *  time zone) is its last follow-up's date (or its creation date) plus the
 *  cadence, months clamped to the month's end (Jan 31 + "1m" = Feb 28/29);
 *  a customer not contacted by the end of that date has "lapsed". */

/** Define a tier (ranked below the existing ones; labels required) or change
 *  an existing tier's cadence (labels NULL, or its own labels: they never
 *  change).  Administrators only.  `code` is 1-8 of A-Z, 0-9, _; `cadence`
 *  is "<n>d", "<n>w" or "<n>m" (1-366 days, 1-52 weeks, 1-12 months; also
 *  "2 weeks", "2周", "1个月").  The change is kept in the configuration
 *  history ("tier.<code>"; an unchanged cadence writes nothing), and every
 *  customer of a changed tier gets its next due date recomputed from its
 *  last contact.  CRM_ERR_INVALID_ARG for a bad code, cadence or label, or a
 *  changed label; CRM_ERR_CONFLICT for a label another tier has. */
CRM_API int crm_tier_define(crm_session *s, const char *code, const char *label_zh,
                            const char *label_en, const char *cadence);

/** The tiers best first, rows {"code", "label_zh", "label_en", "cadence",
 *  "cadence_zh" (每周一次), "cadence_en" (every week), "position"}. */
CRM_API int crm_tier_list(crm_session *s, crm_cursor **out);

/** Define or change a grading criterion (administrators only), e.g. the
 *  seeded "annual_potential" (年采购潜力, 万元, "A>=100,B>=30") and
 *  "cooperation_likelihood" (合作可能性, %, "A>=70,B>=40").  `name` is
 *  [a-z][a-z0-9_]{0,31}; labels are required (1-64 characters); `unit`
 *  (at most 16 characters) may be NULL; `thresholds` lists "TIER>=MIN" of
 *  existing tiers, best tier first with falling minimums.  A retired
 *  criterion (retired = 1) is no longer asked for.  Kept in the
 *  configuration history ("criterion.<name>").  CRM_ERR_INVALID_ARG for a
 *  bad name, label, unit or threshold. */
CRM_API int crm_grading_criterion_define(crm_session *s, const char *name, const char *label_zh,
                                         const char *label_en, const char *unit,
                                         const char *thresholds, int32_t retired);

/** The criteria in order, rows {"name", "label_zh", "label_en", "unit",
 *  "thresholds", "retired"}. */
CRM_API int crm_grading_criteria_list(crm_session *s, int32_t include_retired,
                                      crm_cursor **out);

/** Grade a customer (客户分级): `values` holds a number (int, real, or numeric
 *  text) for every active criterion, by name.  Each criterion gives the best
 *  tier whose minimum the value reaches (the last tier if none); the customer
 *  gets the worst of them (a high tier needs high value and high intent).
 *  The tier and its reasons are written to the customer ("tier",
 *  "tier_reason", "graded_at"), kept in its history, and its next due date
 *  recomputed.  *out (optional, free with crm_record_free) receives {"tier",
 *  "reason" (Chinese), "reason_en", "next_due_date"}.  CRM_ERR_VALIDATION
 *  names every missing, unknown or non-numeric criterion. */
CRM_API int crm_customer_grade(crm_session *s, const char *id, const crm_record *values,
                               crm_record **out);

/** Set a customer's tier by hand (code or label, e.g. "A" or "重点客户"), with
 *  a reason kept in the history.  CRM_ERR_NOT_FOUND for an unknown tier. */
CRM_API int crm_customer_set_tier(crm_session *s, const char *id, const char *tier,
                                  const char *reason);

/** Record that the owner confirmed the customer's information and need
 *  (R1.5) by "phone" or "email" (电话 / 邮件); sets "verified_at" and
 *  "verified_by" and ends the verification reminder.  CRM_ERR_INVALID_ARG
 *  for another method, CRM_ERR_CONFLICT if already verified. */
CRM_API int crm_customer_verify(crm_session *s, const char *id, const char *method,
                                const char *note);

/** Filters for crm_roster_list. */
typedef struct crm_roster_query {
  size_t size;       /* sizeof(crm_roster_query); set by the _INIT macro */
  const char *tier;  /* one tier (code or label); NULL = every tier */
  int64_t owner;     /* one owner's customers; 0 = everyone's */
  int32_t page_size; /* 1..1000; 0 = 50 */
  const char *after; /* page token from crm_cursor_next_page; NULL = first page */
} crm_roster_query;

#define CRM_ROSTER_QUERY_INIT {sizeof(crm_roster_query), NULL, 0, 0, NULL}

/** The graded roster (客户分级名册): graded, unarchived customers by tier
 *  (best first), then next due date (earliest first), then id.  Rows {"id",
 *  "name", "owner", "tier", "tier_reason", "graded_at", "last_followup_at",
 *  "next_due_date"}.  `q` may be NULL.  CRM_ERR_NOT_FOUND for an unknown
 *  tier. */
CRM_API int crm_roster_list(crm_session *s, const crm_roster_query *q, crm_cursor **out);

/** Configuration changes (tiers, criteria, reminder rules, settings) whose
 *  subject starts with `prefix` (NULL or "" = all; e.g. "tier.",
 *  "rule.plan_overdue", "setting."), oldest first, rows {"seq", "at",
 *  "actor", "subject", "before", "after"}; page_size 1..1000 (0 = 100). */
CRM_API int crm_config_history(crm_session *s, const char *prefix, int32_t page_size,
                               const char *after, crm_cursor **out);

/* Follow-up plans and records (跟进计划与记录, R2.3-R2.5) ----------------------- */

/** A plan (entity "followup_plan", see crm_field_info) has "goal", "method"
 *  (phone 电话 / visit 拜访 / email 邮件 / online_meeting 线上会议), "planned_at"
 *  (required), "talking_points" (沟通要点), "materials" (所需资料),
 *  "remind_at" and "owner" (default: the customer's owner).  Its "state" is
 *  planned, then done / missed / cancelled / rescheduled.  A record (entity
 *  "followup_record", 客户跟进记录) has "method" and "summary" (required),
 *  "contacted_at" (default now), "feedback", "intent_change",
 *  "major_change", "next_step" and "owner" (default: the session's user).
 *
 *  The over-contact guard (避免过度打扰): a plan or record closer than the
 *  setting followup.min_gap_hours (default 24; 0 = off) to another recorded
 *  contact or open plan of the customer succeeds with "warning" = "too_soon"
 *  and "warning_message" / "warning_message_zh" in *out, or, when the setting
 *  followup.min_gap_action is "refuse", fails with CRM_ERR_VALIDATION (code
 *  "too_soon").  In every function *out is optional; free it with
 *  crm_record_free. */

/** Plan a contact.  CRM_ERR_VALIDATION: "planned_at" in the past ("in_past"),
 *  "remind_at" after the plan ("after_plan") or in the past, an unknown
 *  method.  Without "remind_at" the reminder is followup.remind_before_minutes
 *  (default 30) before the plan, but not before now.  *out = the plan. */
CRM_API int crm_followup_plan_create(crm_session *s, const char *customer_id,
                                     const crm_record *fields, crm_record **out);

/** A plan by id. */
CRM_API int crm_followup_plan_get(crm_session *s, int64_t plan_id, crm_record **out);

/** Record the contact of an open plan and mark it done, in one transaction:
 *  `fields` as for crm_followup_add ("method" defaults to the plan's).
 *  *out = the record.  CRM_ERR_STATE if the plan is not open. */
CRM_API int crm_followup_plan_complete(crm_session *s, int64_t plan_id, const crm_record *fields,
                                       crm_record **out);

/** Close an open plan as "missed" or "cancelled", with an optional reason.
 *  CRM_ERR_INVALID_ARG for another state, CRM_ERR_STATE if the plan is not
 *  open. */
CRM_API int crm_followup_plan_close(crm_session *s, int64_t plan_id, const char *state,
                                    const char *reason);

/** Move an open plan to `planned_at_ms` (reminder at `remind_at_ms`, 0 = the
 *  default): the plan becomes "rescheduled" and *out receives its
 *  replacement, a new plan with the same goal.  The new time is checked as
 *  in crm_followup_plan_create (the plan itself does not count as too
 *  close); CRM_ERR_STATE if the plan is not open. */
CRM_API int crm_followup_plan_reschedule(crm_session *s, int64_t plan_id, int64_t planned_at_ms,
                                         int64_t remind_at_ms, const char *reason,
                                         crm_record **out);

/** Record a contact (客户跟进记录).  "contacted_at" may not be in the future
 *  ("in_future"); records are kept in contact-time order, so a late entry is
 *  fine.  The customer's "last_followup_at" and "next_step" follow its
 *  latest record, and its next due date counts from it.  "next_plan_at"
 *  (with "next_step", its goal; not in the past, "in_past") creates the
 *  next plan (*out "next_plan_id"); "major_change" (e.g. 决策人更换)
 *  expects a major change in the customer's history within 24 hours
 *  (R1.10), or the major_change reminder fires. */
CRM_API int crm_followup_add(crm_session *s, const char *customer_id, const crm_record *fields,
                             crm_record **out);

/** A customer's plans by planned time. */
CRM_API int crm_customer_plans(crm_session *s, const char *customer_id, crm_cursor **out);

/** A customer's follow-up records by contact time (客户互动日志). */
CRM_API int crm_customer_followups(crm_session *s, const char *customer_id, crm_cursor **out);

/** Filters for crm_agenda. */
typedef struct crm_agenda_query {
  size_t size;       /* sizeof(crm_agenda_query); set by the _INIT macro */
  int64_t owner;     /* whose agenda; 0 = the session's user */
  int32_t page_size; /* 1..1000; 0 = 50 */
  const char *after; /* page token from crm_cursor_next_page; NULL = first page */
} crm_agenda_query;

#define CRM_AGENDA_QUERY_INIT {sizeof(crm_agenda_query), 0, 0, NULL}

/** An owner's agenda now (the database clock): open plans of today and
 *  earlier, and customers whose tier cadence has lapsed, most urgent first
 *  (by "due_at": a plan's time, or the end of a lapsed customer's due date).
 *  Rows {"kind" ("overdue_plan", "plan" or "lapsed"), "due_at", "customer",
 *  "customer_name", "plan_id", "goal", "method", "tier", "next_due_date"}.
 *  `q` may be NULL; CRM_ERR_NOT_FOUND for an unknown owner. */
CRM_API int crm_agenda(crm_session *s, const crm_agenda_query *q, crm_cursor **out);

/** A rep's daily report (拜访日报) for a local date "YYYY-MM-DD": the
 *  follow-up records of user `owner` (0 = the session's user;
 *  CRM_ERR_NOT_FOUND for an unknown user, as in crm_agenda) that day and
 *  its plans of that day still open, by time.  Rows {"kind" ("record" or
 *  "open_plan"), "at", "customer", "customer_name", "method", "summary",
 *  "feedback", "next_step", "goal"}. */
CRM_API int crm_daily_report(crm_session *s, int64_t owner, const char *date, crm_cursor **out);

/* Maintenance plans for key customers (客户维护方案, R2.6) ---------------------- */

/** A maintenance plan (entity "maintenance_plan", see crm_field_info) says how
 *  a key customer is looked after: "method" (维护方式, e.g. 定期拜访+专属客服),
 *  "measures" (维护措施), "responsible" (负责人员: the people, by name),
 *  "cost" (维护费用: yuan exact to the fen, set as text "12000" / "12000.50"
 *  or a number, read back as text with two decimals) and its period
 *  "period_start" / "period_end" ("YYYY-MM-DD"); all are required.  Its
 *  "state" (dictionary "maintenance_state") moves
 *      submitted (待审批) -> approved (已批准) or rejected (已驳回)
 *      approved -> carried_out (已执行) -> evaluated (已评估)
 *  and a step from any other state is CRM_ERR_STATE naming the current one.
 *  Every step is a row of the customer's history (kind "maintenance", field
 *  "maintenance.<id>", before / after the states, reason the decision's
 *  note).  In every function *out is optional; free it with
 *  crm_record_free. */

/** Submit a plan for a key customer: one graded in the best tier (position
 *  1 of crm_tier_list, "A" by default) and not archived, CRM_ERR_STATE
 *  otherwise.  Submitting needs maintenance.write on the customer (its
 *  owner by default).  CRM_ERR_VALIDATION lists every failing
 *  field: a missing one ("required"), a text too long ("too_long"), a cost
 *  that is not a number of yuan with at most two decimals
 *  ("invalid_number") or is negative ("negative"), a bad date
 *  ("invalid_date"), "period_end" before "period_start" ("before_start").
 *  *out = the plan, in state "submitted". */
CRM_API int crm_maintenance_plan_submit(crm_session *s, const char *customer_id,
                                        const crm_record *fields, crm_record **out);

/** A maintenance plan by id. */
CRM_API int crm_maintenance_plan_get(crm_session *s, int64_t plan_id, crm_record **out);

/** Approve (approve != 0) or reject (0) a submitted plan, with an optional
 *  note (审批意见, at most 500 characters; CRM_ERR_INVALID_ARG if longer),
 *  kept as "decision_note" with "decided_by" and "decided_at".  Deciding
 *  needs maintenance.approve on the customer — an administrator, a sales
 *  manager (销售经理) of the owner's department or one above it, the owner's
 *  supervisors — and never the user who submitted the plan:
 *  CRM_ERR_PERMISSION otherwise (CRM_ERR_NOT_FOUND for a user who may not
 *  see the customer). */
CRM_API int crm_maintenance_plan_decide(crm_session *s, int64_t plan_id, int32_t approve,
                                        const char *note);

/** Record that an approved plan was carried out ("carried_out_at"). */
CRM_API int crm_maintenance_plan_carry_out(crm_session *s, int64_t plan_id);

/** Evaluate a carried-out plan (客户维护总结): `evaluation` is required text of
 *  at most 2000 characters, `satisfaction` the customer's satisfaction 1..5
 *  (0 = none); CRM_ERR_VALIDATION ("required", "too_long",
 *  "out_of_range") otherwise. */
CRM_API int crm_maintenance_plan_evaluate(crm_session *s, int64_t plan_id, const char *evaluation,
                                          int32_t satisfaction);

/** A customer's maintenance plans, in the order they were submitted. */
CRM_API int crm_customer_maintenance_plans(crm_session *s, const char *customer_id,
                                           crm_cursor **out);

/* Reminders and the outbox (提醒与发件箱, R2.5, R1.5, R1.10, R8.2) ---------------- */

/** Reminders are computed by crm_tick and written to an outbox; the library
 *  never sends anything.  Kinds (rules in crm_reminder_rule_list):
 *    plan_reminder   at a plan's reminder time
 *    plan_overdue    a plan still open when its day has ended
 *    cadence_lapsed  a graded customer not contacted by its due date
 *    unverified      a customer not verified 24 hours after entry (R1.5)
 *    review_due      a month after the last review (or creation; R1.10)
 *    major_change    a follow-up reported a major change, and none is in
 *                    the customer's history 24 hours later (R1.10)
 *    escalation      a reminder whose reason still holds `escalate_after`
 *                    minutes after it was written (by a tick) goes to the
 *                    owner's department supervisor (an active sales_manager
 *                    of the same department; else the role "sales_manager")
 *  Each rule has "enabled", "delay_minutes" (after the event), "counting"
 *  ("calendar" or "working": working time of "calendar", e.g. 24 working
 *  hours), "channels" ("app", "email", "sms", comma-separated: one message
 *  each), "escalate_after" (minutes, 0 = never) and templates "template_zh"
 *  / "template_en" with placeholders {customer} (the customer's name),
 *  {customer_id}, {owner}, {tier}, {goal}, {method}, {time} and, for
 *  escalations, {original}. */

/** What crm_tick did. */
typedef struct crm_tick_report {
  size_t size;         /* sizeof(crm_tick_report); set by the _INIT macro */
  int64_t now_ms;      /* the time ticked to */
  int64_t fired;       /* reminders written (each to one or more channels) */
  int64_t messages;    /* outbox messages written */
  int64_t escalated;   /* escalations among `fired` */
  int64_t skipped;     /* due reminders whose reason no longer held, or disabled */
  int64_t rearmed;     /* reminders found not yet due after a rule change */
  int64_t pending;     /* reminders waiting for a later time */
  int64_t last_tick_ms; /* the latest time ticked to before this call; 0 = never */
} crm_tick_report;

#define CRM_TICK_REPORT_INIT {sizeof(crm_tick_report), 0, 0, 0, 0, 0, 0, 0, 0}

/** Run the scheduler up to `now_ms` (0 = the database clock): every reminder
 *  due by then whose reason still holds becomes outbox messages, in batches
 *  of one transaction.  Idempotent and restartable: each reminder has a
 *  stable key ("<kind>:<subject>:<base time>:<channel>"), so a second call,
 *  a call after a crash, or a call with an earlier time than the last one
 *  (allowed; it fires only what was due by then) never writes a message
 *  twice.  Its cost grows with the number of due reminders, not with the
 *  number of customers.  Administrators only.  `out` may be NULL;
 *  CRM_ERR_INVALID_ARG for a negative time or a wrong out->size. */
CRM_API int crm_tick(crm_session *s, int64_t now_ms, crm_tick_report *out);

/** The reminder rules, rows {"kind", "enabled", "delay_minutes", "counting",
 *  "calendar", "channels", "escalate_after", "template_zh", "template_en"}. */
CRM_API int crm_reminder_rule_list(crm_session *s, crm_cursor **out);

/** Change the fields of a rule that `changes` holds (administrators only);
 *  kept in the configuration history ("rule.<kind>").  Pending reminders
 *  follow the new timing.  CRM_ERR_INVALID_ARG for an unknown field, a bad
 *  value or template (unknown placeholder); CRM_ERR_NOT_FOUND for an unknown
 *  kind or calendar. */
CRM_API int crm_reminder_rule_set(crm_session *s, const char *kind, const crm_record *changes);

/** Lease up to `limit` (1..1000) undelivered messages of `channel` (NULL =
 *  any) for `lease_ms` (1 s .. 1 day): rows {"id", "key", "kind", "customer",
 *  "recipient_user", "recipient_role", "channel", "message" (Chinese),
 *  "message_en", "due_at", "created_at", "attempts", "escalation_of",
 *  "acked_at", "lead", "address"}.  "lead" is the lead a message is about,
 *  or for: a "lead_welcome" message has no recipient user or role and goes
 *  to the lead itself, at "address" (its phone for sms, its e-mail for
 *  email, in clear; NULL on other messages); a lead without an address for
 *  the rule's channel gets it by the other one (sms ↔ email).  A message not acknowledged before its lease ends is fetched
 *  again (at-least-once: deliver idempotently by "key").  Administrators
 *  only (the host's delivery worker). */
CRM_API int crm_outbox_fetch(crm_session *s, int32_t limit, int64_t lease_ms, const char *channel,
                             crm_cursor **out);

/** Acknowledge a delivered message (administrators only).
 *  CRM_ERR_NOT_FOUND for an unknown id, CRM_ERR_CONFLICT if it was
 *  acknowledged before. */
CRM_API int crm_outbox_ack(crm_session *s, int64_t id);

/** Messages with id > after_id in id order, at most `limit` (1..1000), all
 *  or only the unacknowledged (pending_only = 1), without leasing them;
 *  rows as crm_outbox_fetch's.  Administrators only. */
CRM_API int crm_outbox_list(crm_session *s, int64_t after_id, int32_t limit,
                            int32_t pending_only, crm_cursor **out);

/* History ------------------------------------------------------------------ */

/** A customer's change history, oldest first.  Each row has "at" (ms),
 *  "actor" (user id), "kind", "field", "before", "after" and "reason".  A
 *  create is one row of kind "create" (field, before and after NULL: the
 *  record itself is the first state); every later change is one row per
 *  changed field, of kind "update", "type" (a lifecycle step), "tag" (field
 *  "tags"; before or after is "category:label"), "contact" (field "contacts"
 *  for an added or removed contact, "contact.<id>.<field>" for a change,
 *  "primary_contact"; values "<id>:<name>"), "review" (a monthly review;
 *  its note is the reason), "maintenance" (field "maintenance.<id>": a
 *  maintenance plan's state), "transfer" (field "owner": a new owner), "erase"
 *  (personal data erased; the reason says why), "verify", "tier" or
 *  "archive".  "major" is 1 for a
 *  major change (R1.10: a decision maker added, removed or changed). */
CRM_API int crm_customer_history(crm_session *s, const char *id, crm_cursor **out);

/** Filters for crm_history_list. */
typedef struct crm_history_query {
  size_t size;          /* sizeof(crm_history_query); set by the _INIT macro */
  int64_t actor;        /* only changes made by this user; 0 = anyone */
  int64_t since_ms;     /* only changes at or after this instant; 0 = no lower bound */
  int64_t until_ms;     /* only changes before this instant; 0 = no upper bound */
  const char *customer; /* only this customer ("C0001"); NULL = every customer */
  int32_t page_size;    /* rows per page, 1..1000; 0 = 100 */
  const char *after;    /* page token from crm_cursor_next_page; NULL = first page */
} crm_history_query;

#define CRM_HISTORY_QUERY_INIT {sizeof(crm_history_query), 0, 0, 0, NULL, 0, NULL}

/** Recorded changes across customers (R1.10: "who changed what, since when"),
 *  in time order (then in the order they were written), one page at a time.
 *  Rows have "seq" (the change's number), "customer" ("C0001"), "at",
 *  "actor", "kind", "field", "before", "after", "reason" and "major".  Creations are
 *  not changes and do not appear here (crm_customer_history shows a
 *  customer's creation first).  `q` may be NULL for everything. */
CRM_API int crm_history_list(crm_session *s, const crm_history_query *q, crm_cursor **out);


/* ------------------------------------------------------------------------ */
/* Permissions, privacy and audit (权限、隐私与审计, R3)                          */
/* ------------------------------------------------------------------------ */

/* Every call is checked against the session's user at one point, with the
 * permission matrix: role × (object, action) → scope.  Scopes:
 *   "none"        not allowed (the default for anything not granted: 最小必要)
 *   "own"         records the user owns
 *   "department"  records owned by anyone in the user's department or below
 *   "all"         every record
 * Objects and actions: customer.{read, create, update, archive, transfer,
 * unmask, export, erase, approve}, followup.{read, write},
 * maintenance.{read, write, approve}, lead.{read, write},
 * campaign.{read, write}, ticket.{read, write}, user.{read, manage},
 * config.{read, manage}, audit.read, schedule.run, backup.run.  The built-in
 * roles (seeds 001, 004):
 *   sales          customers, follow-ups and maintenance plans: own
 *   sales_manager  customers and follow-ups: read, approve, transfer, unmask
 *                  and export in the department; edit their own
 *   service        every customer and follow-up read-only; tickets
 *   marketing      leads and campaigns
 *   admin          everything, always (its row cannot change)
 * and every role reads users and configuration.  Fixed rules come on top:
 * a department's supervisor (部门主管) may read, approve and transfer the
 * customers of the department and of every department below it; an
 * approved access request grants one customer for a time (R3.2).
 *
 * A customer the user may not read does not exist for them: a get is
 * CRM_ERR_NOT_FOUND, a list leaves it out, a count does not count it.  A
 * customer they read but may not change gives CRM_ERR_PERMISSION.  Every
 * denial is written to the audit log.  Changes to users, departments, roles
 * and the matrix take effect for every session and handle at their next
 * call. */

/** Define a department (部门) under `parent` (NULL or "" = at the top) with
 *  a supervisor (部门主管; 0 = none yet).  user.manage.  CRM_ERR_CONFLICT if
 *  the name exists; CRM_ERR_NOT_FOUND for an unknown parent or a supervisor
 *  who is not an active user.  *out_id (optional) receives its id. */
CRM_API int crm_department_define(crm_session *s, const char *name, const char *parent,
                                  int64_t supervisor, int64_t *out_id);

/** Move a department (`parent`: NULL = unchanged, "" = to the top) and set
 *  its supervisor (-1 = unchanged, 0 = none).  user.manage.  A department
 *  cannot move below itself (CRM_ERR_INVALID_ARG). */
CRM_API int crm_department_update(crm_session *s, const char *name, const char *parent,
                                  int64_t supervisor);

/** Every department, parents before children.  Rows: "id", "name",
 *  "parent" (name or NULL), "supervisor" (user id or NULL),
 *  "supervisor_name", "members" (active users).  user.read. */
CRM_API int crm_department_list(crm_session *s, crm_cursor **out);

/** Change a user: the record may hold "name", "department" (an existing
 *  department or NULL), "role", "active" (0 deactivates: no new session
 *  opens, and the user's open sessions fail with CRM_ERR_PERMISSION from
 *  their next call; 1 reactivates) and "absent" (1 while away, 休假: lead
 *  assignment passes them by; 0 back).  "login" cannot change.  user.manage.
 *  CRM_ERR_CONFLICT for the last active administrator losing the role or
 *  being deactivated. */
CRM_API int crm_user_update(crm_session *s, int64_t user_id, const crm_record *changes);

/** Users in id order; `department` (NULL or "" = all) lists that department
 *  and those below it; inactive users only if `include_inactive`.  Rows as
 *  crm_user_get's.  user.read. */
CRM_API int crm_user_list(crm_session *s, const char *department, int32_t include_inactive,
                          crm_cursor **out);

/** Define a role (code [a-z][a-z0-9_]{0,31}, labels 1..50 characters).  A
 *  new role may do nothing until crm_permission_set grants it something.
 *  user.manage.  CRM_ERR_CONFLICT if the code or a label is taken. */
CRM_API int crm_role_define(crm_session *s, const char *code, const char *label_zh,
                            const char *label_en);

/** Set one cell of the matrix: `role` × (`object`, `action`) → `scope`
 *  ("none", "own", "department", "all"; pairs that do not concern one
 *  customer take "none" or "all").  user.manage; kept in the configuration
 *  history ("permission.<role>.<object>.<action>") and audited.
 *  CRM_ERR_NOT_FOUND for an unknown role; CRM_ERR_INVALID_ARG for an unknown
 *  pair or scope, or for the role "admin" (fixed). */
CRM_API int crm_permission_set(crm_session *s, const char *role, const char *object,
                               const char *action, const char *scope);

/** The matrix: every role (`role` NULL or "") or one, × every pair.  Rows:
 *  "role", "object", "action", "scope", "scoped" (1 if the pair concerns one
 *  customer), "label_zh", "label_en".  user.read. */
CRM_API int crm_permission_list(crm_session *s, const char *role, crm_cursor **out);

/** Whether the session's user may do (`object`, `action`), on customer `id`
 *  when given (NULL for pairs that do not concern one customer, or to ask
 *  whether the role has it at all): *out_allowed is 1 or 0.  Nothing is
 *  audited; use it to enable or hide buttons.  A customer the user may not
 *  see answers 0, never CRM_ERR_NOT_FOUND. */
CRM_API int crm_permission_check(crm_session *s, const char *object, const char *action,
                                 const char *id, int32_t *out_allowed);

/** Transfer a customer to another active user (客户转移), with its open
 *  follow-up plans; history (kind "transfer") and audit keep it.
 *  customer.transfer on the customer (its owner's supervisors and sales
 *  managers, administrators) and a scope that reaches the new owner. */
CRM_API int crm_customer_transfer(crm_session *s, const char *id, int64_t new_owner,
                                  const char *reason);

/** Transfer every active customer of user `from` (e.g. who left) to `to` in
 *  one transaction; *out_count (optional) receives how many moved. */
CRM_API int crm_customer_transfer_all(crm_session *s, int64_t from, int64_t to,
                                      const char *reason, int64_t *out_count);

/** Read a customer with its contact details in clear (查看完整联系方式,
 *  R3.6).  customer.unmask (own customers for sales, the department for
 *  managers; a grant with the "contact" group); `reason` (1..500
 *  characters) is required and kept with the audit row.  Unmasking more
 *  than the setting "alert.unmask_per_hour" times within an hour alerts the
 *  administrators through the outbox (R3.5). */
CRM_API int crm_customer_unmask(crm_session *s, const char *id, const char *reason,
                                crm_record **out);

/** A contact in clear, under the same rule as its customer. */
CRM_API int crm_contact_unmask(crm_session *s, int64_t contact_id, const char *reason,
                               crm_record **out);

/* Audit log (审计日志, R3.8) -------------------------------------------------- */

/* Every write, every unmask, every permission denial and every grant
 * decision appends a row {seq, at, actor, action, object, outcome, detail}
 * in the same transaction as what it records.  "detail" names fields or
 * gives a reason; it never holds a personal value.  Each row carries the
 * SHA-256 of its content and of the row before it: a row altered, inserted
 * or removed breaks the chain, and crm_audit_verify says where.  The
 * library has no call that changes a row, and the table's triggers refuse
 * UPDATE and DELETE.  Anyone able to rewrite the file could rebuild the
 * whole chain, so keep the head (crm_audit_head) somewhere else from time
 * to time and pass it to crm_audit_verify: it also catches rows cut off the
 * end.  Denials written on a handle opened CRM_OPEN_READONLY are not
 * recorded (it cannot write). */

typedef struct crm_audit_query {
  size_t size;          /* sizeof(crm_audit_query); set by the _INIT macro */
  int64_t actor;        /* only this user's rows; 0 = anyone */
  const char *action;   /* "customer.update"; ending in "." = a prefix ("customer.") */
  const char *object;   /* "C0001" (and what concerns it: "C0001/access:3" …),
                           "user:5" …; NULL = any */
  const char *outcome;  /* "ok" or "denied"; NULL = any */
  int64_t since_ms;     /* at or after; 0 = open */
  int64_t until_ms;     /* before; 0 = open */
  int32_t page_size;    /* 1..1000; 0 = 100 */
  const char *after;    /* page token; NULL = first page */
} crm_audit_query;

#define CRM_AUDIT_QUERY_INIT {sizeof(crm_audit_query), 0, NULL, NULL, NULL, 0, 0, 0, NULL}

/** Audit rows in order, one page at a time: "seq", "at", "actor", "action",
 *  "object", "outcome", "detail", "hash".  audit.read (administrators).
 *  `q` may be NULL. */
CRM_API int crm_audit_list(crm_session *s, const crm_audit_query *q, crm_cursor **out);

/** Check the whole chain (streaming; constant memory).  `expected_seq` and
 *  `expected_hash` are a head kept outside the database (0 and NULL: none).
 *  *out is a record {"ok" (1/0), "seq" (the first row that does not fit, 0
 *  if ok), "problem" ("altered", "removed", "chain broken", "rewritten" or
 *  NULL), "checked" (rows read), "head_seq", "head_hash"}.  audit.read.
 *  Tampering is reported in the record, with CRM_OK: the call worked. */
CRM_API int crm_audit_verify(crm_session *s, int64_t expected_seq, const char *expected_hash,
                             crm_record **out);

/** The last row's seq and hash (*out_hash OWNED, free with crm_free; the
 *  64-zero genesis hash for an empty log).  audit.read. */
CRM_API int crm_audit_head(crm_session *s, int64_t *out_seq, char **out_hash);

/* Access requests (跨部门协作申请, R3.2) -------------------------------------- */

/** Ask for access to a customer one may not see (or only see): `level`
 *  "view" or "edit" (NULL = view), `groups` the field groups wanted,
 *  comma-separated from "basic" (name, industry, type, owner, dates …),
 *  "contact" (contact person, phones, e-mails, contacts), "needs" (key
 *  needs, priority, custom fields, tags) and "followup" (plans and records)
 *  — NULL or "" = basic; `reason` (1..500 characters) and `hours` (1 to the
 *  setting "access.max_hours").  The owner is told through the outbox at
 *  the next crm_tick (reminder rule "access_pending"), and the owner's
 *  manager if no one decides within the rule's escalate_after.
 *  CRM_ERR_NOT_FOUND for no such customer; CRM_ERR_CONFLICT for one's own
 *  customer or a request still pending.  *out_request (optional) receives
 *  the request's id. */
CRM_API int crm_access_request(crm_session *s, const char *id, const char *level,
                               const char *groups, const char *reason, int32_t hours,
                               int64_t *out_request);

/** Approve (approve = 1) or reject a pending request: the customer's owner,
 *  a user with customer.approve over it (its supervisors, the department's
 *  sales managers) or an administrator; never the requester.  An approval
 *  grants from now for the requested hours; the grant then ends by itself.
 *  The requester is told through the outbox at once.  Audited.
 *  CRM_ERR_STATE when the request is no longer pending. */
CRM_API int crm_access_decide(crm_session *s, int64_t request, int32_t approve, const char *note);

/** End a grant in force now (the owner or an approver).  CRM_ERR_STATE for
 *  a request that is not an active grant. */
CRM_API int crm_access_revoke(crm_session *s, int64_t request, const char *reason);

/** The requester takes back a request still pending. */
CRM_API int crm_access_withdraw(crm_session *s, int64_t request);

/** Requests, oldest first: `view` "mine" (the user's own requests; NULL =
 *  mine), "to_decide" (pending requests the user may decide) or "customer"
 *  (the requests for customer `id`, for its owner and approvers); only
 *  pending ones if `pending_only`.  Rows: "id", "customer", "requester",
 *  "requester_name", "level", "field_groups", "reason", "hours", "state"
 *  (pending, approved, expired, rejected, revoked, withdrawn),
 *  "requested_at", "decided_by", "decided_at", "note", "expires_at",
 *  "revoked_by", "revoked_at". */
CRM_API int crm_access_list(crm_session *s, const char *view, const char *id,
                            int32_t pending_only, crm_cursor **out);

/* Review before it takes effect (审核机制, R1.6) ----------------------------- */

/* With "review.create" or "review.fields" set, a create or update by a user
 * who is not a reviewer returns CRM_PENDING and waits as a pending change
 * ("R12").  Reviewers are those with customer.approve over the customer's
 * owner (its department's sales managers and supervisors, administrators);
 * their own changes take effect at once.  Nobody reviews their own change. */

/** Pending changes, oldest first: `view` "mine" (NULL), "to_review" or
 *  "customer" (changes of customer `id`); only pending ones if
 *  `pending_only`.  Rows: "id" ("R12"), "kind" (create, update), "customer"
 *  (NULL for a create), "author", "author_name", "owner", "fields" (JSON of
 *  the submitted values, personal ones masked), "state" (pending, approved,
 *  rejected, withdrawn), "submitted_at", "decided_by", "decided_at",
 *  "reason", "result" (the customer a create made). */
CRM_API int crm_pending_list(crm_session *s, const char *view, const char *id,
                             int32_t pending_only, crm_cursor **out);

/** Approve (it takes effect now, validated again) or reject (a reason is
 *  required) a pending change.  *out_id (optional, OWNED) receives the
 *  customer an approval created or changed.  CRM_ERR_CONFLICT when a field
 *  of an update changed since it was submitted (it stays pending, to be
 *  rejected); CRM_ERR_VALIDATION when it is no longer valid. */
CRM_API int crm_pending_decide(crm_session *s, const char *change, int32_t approve,
                               const char *reason, char **out_id);

/** The author takes back a change still pending. */
CRM_API int crm_pending_withdraw(crm_session *s, const char *change);

/* Erasure, retention, export and backup (R3.6, R3.7) ----------------------- */

/** Erase a data subject's personal information (删除个人信息, PIPL): the
 *  contact persons' names (replaced by "已删除"), titles, phones and
 *  e-mails of the customer and of all its contacts, its personal custom
 *  fields, and those values in its history, which keeps one row of kind
 *  "erase" saying who erased and why (`reason` required).  The customer is
 *  archived and gets no more reminders.  customer.erase (administrators by
 *  default).  Free text elsewhere (follow-up summaries) is not searched. */
CRM_API int crm_customer_erase(crm_session *s, const char *id, const char *reason);

/** Archived customers not yet erased whose last change is older than the
 *  setting "retention.months": the retention policy's list of what to
 *  erase.  Rows: "id", "name", "owner", "archived_at".  Pages of
 *  `page_size` (1..1000), `after` a page token or NULL.  customer.erase. */
CRM_API int crm_retention_list(crm_session *s, int32_t page_size, const char *after,
                               crm_cursor **out);

/** Receives output: `len` bytes of UTF-8 at `data` (whole lines).  Return 0
 *  to go on, non-zero to stop.  It runs while the handle is locked: it must
 *  not call libcrm on the same crm_db (another handle is fine). */
typedef int (*crm_write_fn)(void *ctx, const char *data, size_t len);

/** Export the customers a query lists (its page_size and after are
 *  ignored: every page) as JSON Lines, one customer object per line, to
 *  `write`.  Only customers the user may export (customer.export: own for
 *  sales, the department for managers) are written.  Personal values are
 *  masked unless `in_clear` and the user may unmask the customer.  Each
 *  export is audited with its row count (and, in clear, as an unmask);
 *  more than "alert.export_rows_per_hour" rows within an hour alerts the
 *  administrators.  *out_rows (optional) receives the lines written.  A
 *  `write` that returns non-zero stops the export: CRM_ERR_STATE. */
CRM_API int crm_customer_export(crm_session *s, const crm_customer_query *q, int32_t in_clear,
                                crm_write_fn write, void *ctx, int64_t *out_rows);

/** Progress of a long call: `done` of `total` units.  Return 0 to go on,
 *  non-zero to stop.  Like crm_write_fn, it must not call libcrm on the
 *  same crm_db. */
typedef int (*crm_progress_fn)(void *ctx, int64_t done, int64_t total);

/** Back the database up to the file `path` (created or overwritten) with
 *  SQLite's online backup, `pages_per_step` pages at a time (0 = 256),
 *  while other handles and processes go on reading and writing; a write by
 *  another handle between steps makes the copy start over, so the file is
 *  always one consistent state.  `progress` (optional) is called after each
 *  step; stopping it (CRM_ERR_STATE), or a failure, leaves `path` as it
 *  was before the call — an earlier backup there is kept as it was, and a
 *  file the call created is removed.
 *  backup.run (administrators).  Audited.  *out_pages (optional) receives
 *  the pages copied. */
CRM_API int crm_db_backup(crm_session *s, const char *path, int32_t pages_per_step,
                          crm_progress_fn progress, void *ctx, int64_t *out_pages);

/** The checks of a recovery drill (恢复演练) on a file — a backup, or a
 *  database restored from one — opened read-only and left unchanged.  *out
 *  is a record {"ok" (1 when it is a libcrm database whose integrity check
 *  and audit chain both pass), "integrity" ("ok" or SQLite's first
 *  complaint), "application" ("CRM1" or NULL), "schema_version",
 *  "audit_ok", "audit_seq", "audit_problem", "audit_rows", "audit_head",
 *  and the row counts "customers", "contacts", "users", "departments",
 *  "followup_records", "followup_plans", "outbox"}.  No session: whoever
 *  can read the file may check it.  CRM_ERR_CANTOPEN if it cannot be
 *  opened. */
CRM_API int crm_backup_verify(const char *path, crm_record **out);

/* Leads (线索, R4) ---------------------------------------------------------- */

/** A lead (entity "lead", see crm_field_info) is a company and a person who
 *  showed interest through a channel, before they become a customer: its
 *  "channel" (from the source dictionary: website for a form, trade_show,
 *  phone_inquiry for a call, customer_referral, partner_referral …),
 *  "company", "person", "phone" / "email" (one of them required), "region"
 *  (广东省深圳市), "industry", "scale", "key_needs", "note", "external_id"
 *  (the host's id) and "owner".  It moves along the funnel (R4.4)
 *  captured 线索获取 → screened 初步筛选 → assigned 分配销售 → following 跟进 →
 *  converted 转化, or disqualified 无效线索 with a reason; each step has its
 *  time ("screened_at" …), and a skipped step gets the time of the step
 *  that skipped it.
 *
 *  Permissions: lead.read / lead.write, scoped by the lead's owner like a
 *  customer; a lead in the pool (线索池, no owner) is within a department
 *  scope (sales managers, marketing), not an own scope (salespeople see
 *  their own leads).  A lead the user may not read is CRM_ERR_NOT_FOUND.
 *  Scoring and assignment rules are configuration (config.manage). */

/** Outcomes of crm_lead_capture. */
#define CRM_LEAD_CREATED 0   /* a new lead */
#define CRM_LEAD_REPEATED 1  /* the same external_id again: that lead, unchanged */
#define CRM_LEAD_DUPLICATE 2 /* an open lead has this phone or e-mail: that lead,
                                the capture recorded on it ("recapture") */
#define CRM_LEAD_LINKED 3    /* a new lead linked to the customer with this phone
                                or e-mail: converting it will not create another */

/** Capture a lead (R4.1).  The fields are validated like a customer's
 *  (CRM_ERR_VALIDATION lists every failing field; nothing is written).  The
 *  welcome message (reminder rule "lead_welcome": template, channel "sms"
 *  and on/off are data) goes to the outbox for the lead.  The lead is
 *  assigned at once when "owner" is given, or when the user's lead.write
 *  reaches only their own leads (a salesperson's capture is theirs);
 *  otherwise it is routed by the assignment rules if the setting
 *  "lead.auto_assign" is "captured", else it waits in the pool, and after
 *  24 hours (rule "lead_unassigned", calendar or working time) the sales
 *  managers are reminded.  *out_id receives the lead, *out_outcome (both
 *  optional) one of CRM_LEAD_*.  The same external_id with other details is
 *  CRM_ERR_CONFLICT. */
CRM_API int crm_lead_capture(crm_session *s, const crm_record *fields, int64_t *out_id,
                             int32_t *out_outcome);

/** The lead as a record: its fields, "stage", "owner" (NULL in the pool),
 *  "score" (a real: behaviour points, decayed when a half-life is set),
 *  "high_value" (1 once marked 高价值线索), "high_value_at", "customer" (the
 *  linked or converted customer's id, or NULL), "disqualify_reason",
 *  "route_note" (which rule assigned it, or why it is in the pool), the
 *  stage times, "version", "created_by", "updated_at".  Phone and e-mail
 *  are masked. */
CRM_API int crm_lead_get(crm_session *s, int64_t lead, crm_record **out);

/** The lead with phone and e-mail in clear: lead.write on the lead and a
 *  reason (1..500 characters, CRM_ERR_INVALID_ARG without); audited with
 *  the alert kind "unmask" (R3.5). */
CRM_API int crm_lead_unmask(crm_session *s, int64_t lead, const char *reason, crm_record **out);

/** Filters for crm_lead_list; NULL / 0 fields do not filter. */
typedef struct crm_lead_query {
  size_t size;             /* sizeof(crm_lead_query); set by the _INIT macro */
  const char *stage;       /* a stage code or label */
  const char *channel;     /* a channel code or label */
  int64_t owner;           /* 0 = any; -1 = only the pool; else that user's */
  int32_t high_value_only; /* 1 = only leads marked 高价值线索 */
  int32_t limit;           /* 1..1000; 0 = 100 */
  int64_t after_id;        /* keyset paging: the last id of the previous page */
} crm_lead_query;

#define CRM_LEAD_QUERY_INIT {sizeof(crm_lead_query), NULL, NULL, 0, 0, 0, 0}

/** The leads the user may read, in id order, as crm_lead_get's records
 *  (masked).  `q` may be NULL. */
CRM_API int crm_lead_list(crm_session *s, const crm_lead_query *q, crm_cursor **out);

/** A behaviour event (R4.3) of lead `lead`: `kind` is a scoring rule's
 *  ("product_view" +2, "inquiry" +3, "download" +2, "visit" +5 by default;
 *  see crm_lead_score_rule_list), at `at_ms` (0 = now; not in the future),
 *  with an optional note.  A lead whose score reaches the setting
 *  "lead.high_value_score" (8) is marked 高价值线索 once, and its owner (or
 *  the sales managers, for a lead in the pool) is told through the outbox
 *  (rule "lead_high_value").  *out (optional) is a record {"event",
 *  "score" (real, as of now), "high_value" (0/1), "marked_now" (1 when
 *  this event marked it)}.  CRM_ERR_NOT_FOUND for an unknown lead,
 *  CRM_ERR_INVALID_ARG for an unknown kind, CRM_ERR_STATE for a converted
 *  or disqualified lead. */
CRM_API int crm_lead_event(crm_session *s, int64_t lead, const char *kind, int64_t at_ms,
                           const char *note, crm_record **out);

/** Why the lead has its score: one row per scoring event, oldest first,
 *  {"event", "kind", "label" (浏览产品页), "label_en", "at", "points",
 *  "weight" (1, or 0.5^(age / half-life)), "effective" (points × weight),
 *  "note"}; the effective points add up to the score. */
CRM_API int crm_lead_score_explain(crm_session *s, int64_t lead, crm_cursor **out);

/** Move a lead along the funnel to "screened", "following" (it needs an
 *  owner) or "disqualified" (`reason` required); codes or labels.  Going
 *  back, or leaving converted / disqualified, is CRM_ERR_STATE.  Screening
 *  routes the lead by the assignment rules when "lead.auto_assign" is
 *  "screened" (the default). */
CRM_API int crm_lead_advance(crm_session *s, int64_t lead, const char *stage, const char *reason);

/** Assign the lead to user `user`, or (user 0) by the assignment rules
 *  (R4.2).  *out_owner (optional) receives the owner, 0 when no rule found
 *  anyone available: the lead stays in the pool and its "route_note" says
 *  why.  The assignee is told through the outbox (rule "lead_assigned").
 *  Handing a lead to a user needs lead.write over both the lead and the
 *  user; a user who is absent (crm_user_update {"absent": 1}), inactive or
 *  already has "lead.max_open_per_user" (50; 0 = no cap) open leads is
 *  CRM_ERR_STATE. */
CRM_API int crm_lead_assign(crm_session *s, int64_t lead, int64_t user, int64_t *out_owner);

/** Convert an assigned lead into a customer (转化, R4.4) of `type`
 *  "prospect" (潜在, NULL = this) or "intent" (意向), owned by the lead's
 *  owner, from the lead's company, person, phone, e-mail, industry, scale,
 *  key needs and channel (as source); `fields` (optional) adds or
 *  overrides customer fields ("priority" defaults to high for a high-value
 *  lead, else medium), and CRM_ERR_VALIDATION names the customer fields
 *  still missing.  A lead linked to a customer, or `fields` {"customer":
 *  "C0005"}, is linked to that customer instead.  The lead's events go into
 *  the customer's history with their times (kind "lead").  *out_customer_id
 *  (optional, free with crm_free) receives the customer's id.  With
 *  "review.create" on, creating the customer waits for review
 *  (CRM_PENDING) and the lead is left as it was: convert it into the
 *  customer once approved, with {"customer": id}.  Creating the customer
 *  needs customer.create over the lead's owner, as crm_customer_create
 *  does: by default the owner converts their own lead. */
CRM_API int crm_lead_convert(crm_session *s, int64_t lead, const char *type,
                             const crm_record *fields, char **out_customer_id);

/** Funnel counts (R4.4) of the leads the user may read captured in
 *  [from_ms, to_ms) (to_ms 0 = now), by `period` ("day", "week" (ISO,
 *  2026-W49), "month" or "all", in the database's time zone) and channel:
 *  rows {"period", "channel" (NULL on the row for every channel, which
 *  comes first in each period), "channel_label", "captured", "screened",
 *  "assigned", "following", "converted", "disqualified",
 *  "conversion_rate" (converted / captured, real)}.  A lead counts at every
 *  stage it reached. */
CRM_API int crm_lead_funnel(crm_session *s, int64_t from_ms, int64_t to_ms, const char *period,
                            crm_cursor **out);

/** Set the points (1..100) and labels of a scoring event kind (a-z, 0-9, _;
 *  a new kind is added).  config.manage; kept in the configuration history
 *  as "lead_score.<kind>".  Events already recorded keep their points. */
CRM_API int crm_lead_score_rule_set(crm_session *s, const char *kind, int32_t points,
                                    const char *label_zh, const char *label_en);

/** The scoring rules: rows {"kind", "points", "label", "label_en",
 *  "updated_at", "updated_by"}. */
CRM_API int crm_lead_score_rule_list(crm_session *s, crm_cursor **out);

/** Add an assignment rule (线索分配规则: 按地域、行业自动匹配): `rule` has
 *  "region" (optional: contained in the lead's region, e.g. 深圳 matches
 *  广东省深圳市; a suffix 省/市 is ignored), "industry" (optional: a code or
 *  label) and either "user" (a salesperson) or "department" (a team: round
 *  robin over its salespeople, skipping the absent and those at the cap),
 *  and an optional "position" (rules are tried by position, then id;
 *  default after the last).  A rule that could match nobody (an inactive
 *  user, a department without salespeople) is CRM_ERR_INVALID_ARG.
 *  config.manage.  *out_id (optional) receives the rule's id. */
CRM_API int crm_lead_route_add(crm_session *s, const crm_record *rule, int64_t *out_id);

/** Remove an assignment rule; CRM_ERR_NOT_FOUND if there is none. */
CRM_API int crm_lead_route_remove(crm_session *s, int64_t id);

/** The assignment rules in the order they are tried: rows {"id",
 *  "position", "region", "industry", "user", "department", "last_user"
 *  (the team's round-robin cursor)}. */
CRM_API int crm_lead_route_list(crm_session *s, crm_cursor **out);

/* Automation rules (自动化规则, R8) ------------------------------------------ */

/** An automation rule is data, not code: a trigger → conditions → actions,
 *  written as a JSON document (see docs/automation.md):
 *
 *    {"name": "高潜力客户提醒销售经理",
 *     "trigger": {"event": "tag_added", "tag": "高潜力"},
 *     "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
 *                            {"not": {"owner_department": "华南销售部"}}]},
 *     "actions": [{"type": "notify", "to": "role:sales_manager",
 *                  "channels": "app,email",
 *                  "template_zh": "客户{customer}被标记为高潜力",
 *                  "template_en": "{customer} was tagged high potential"}]}
 *
 *  Triggers ("event"): "created"; "field_changed" ("field", optional "to");
 *  "tag_added" / "tag_removed" ("tag": a label or "category:label");
 *  "stage_entered" ("stage": a customer type such as 意向); "no_change"
 *  (optional "field", and "hours" or "days": nothing changed for that long,
 *  found by crm_tick); "score_crossed" (a lead reached the high-value score:
 *  the subject is the lead, conditions test lead fields and
 *  owner_department, actions notify or escalate).  Conditions: {"all": [...]}, {"any": [...]},
 *  {"not": {...}}, {"field", "op" (= != < <= > >= contains null not_null),
 *  "value"}, {"tag": ...}, {"owner_department": ...} (that department or
 *  below).  Actions (1..10, in order): "notify" ("to": owner, supervisor,
 *  role:<code> or user:<id>; "channels"; "template_zh" / "template_en" with
 *  {customer} {customer_id} {owner} {tier} {rule} {field} {before} {after}
 *  {tag} {time}), "escalate" (the owner's department supervisor),
 *  "create_plan" ("after_hours", "goal", "method"), "add_tag" /
 *  "remove_tag" ("tag"), "set_field" ("field", "value"), "assign_owner"
 *  ("user").
 *
 *  Rules run inside the transaction of the change that triggers them (a
 *  time trigger inside crm_tick), as the user who last saved the rule; each
 *  action in its own savepoint, so a failing action is logged and the
 *  change itself stands.  Messages go to the outbox (kind "automation")
 *  under an idempotency key.  An action's own change may trigger rules
 *  again, to a depth of the setting "automation.max_depth" (3); deeper, the
 *  rules are not run and a run "loop_stopped" is logged.  Saving, enabling
 *  and disabling need config.manage; reading needs config.read. */

/** Save a rule: a new one (`rule_id` 0) or a new version of rule
 *  `rule_id`.  A rule that could never be valid — malformed JSON, an
 *  unknown event, field, tag, role, user, department, operator or action, a
 *  value the field cannot hold, a template with an unknown {placeholder} —
 *  is CRM_ERR_INVALID_ARG with the path of the mistake
 *  ("conditions.all[1].field: no customer field \"budget\"") and nothing
 *  is saved.  A new rule starts disabled; a new version keeps the rule's
 *  state.  *out_id and *out_version (optional) receive the rule and its
 *  version. */
CRM_API int crm_automation_rule_save(crm_session *s, int64_t rule_id, const char *json,
                                     int64_t *out_id, int64_t *out_version);

/** Enable (1) or disable (0) a rule.  CRM_ERR_NOT_FOUND for an unknown
 *  rule; enabling a rule whose definition no longer compiles (a tag or user
 *  it names is gone) is CRM_ERR_INVALID_ARG saying why. */
CRM_API int crm_automation_rule_enable(crm_session *s, int64_t rule_id, int32_t enabled);

/** A rule: {"id", "name", "enabled", "version", "event", "definition" (the
 *  JSON as saved), "template" (the code of a shipped template, or NULL),
 *  "updated_at", "updated_by", "problem" (NULL, or why the saved definition
 *  no longer compiles — a tag, user or department it names is gone — in
 *  which case the rule does not run until saved again)}. */
CRM_API int crm_automation_rule_get(crm_session *s, int64_t rule_id, crm_record **out);

/** Every rule, by id, as crm_automation_rule_get's records.  The shipped
 *  templates (from seeds 001 and 004, disabled until enabled): tag 高潜力 →
 *  remind the sales managers; a customer's type unchanged for 3 days →
 *  overdue alert to the owner; an intent customer not updated for 24 hours
 *  → remind the owner (app and e-mail), for 48 hours → copy the department
 *  supervisor. */
CRM_API int crm_automation_rule_list(crm_session *s, crm_cursor **out);

/** The versions of a rule, oldest first: {"version", "definition",
 *  "created_at", "created_by"}. */
CRM_API int crm_automation_rule_versions(crm_session *s, int64_t rule_id, crm_cursor **out);

/** What rules did: runs after id `after_id` (0 = from the start), of rule
 *  `rule_id` (0 = every rule), at most `limit` (1..1000; 0 = 100), oldest
 *  first: {"id", "rule", "version", "event", "customer", "at", "depth",
 *  "outcome" ("fired", "action_failed" or "loop_stopped"), "detail"}. */
CRM_API int crm_automation_run_list(crm_session *s, int64_t rule_id, int64_t after_id,
                                    int32_t limit, crm_cursor **out);

/** Simulation (模拟测试, R8.3): run rules against a scripted customer life on
 *  a scratch copy of the database (a temporary file, removed afterwards)
 *  and get back the timeline of what would have fired, when and why —
 *  without touching the database or its outbox.  `rules_json` is a JSON
 *  array of rule documents (NULL or "" = the saved enabled rules; given
 *  rules replace them in the copy); `script_json` is {"start": UTC ms
 *  (default now), "steps": [...]} with 1..1000 steps, each {"do": "create"
 *  ("fields": a customer), "update" ("fields"), "tag" / "untag" ("tag": a
 *  label), "stage" ("stage": a customer type) or "tick", and "at" (UTC ms)
 *  or "after_hours" (from the previous step, fractions allowed)}; between
 *  steps the scheduler ticks at each due time, so "no_change" rules fire
 *  when they would have.  Rows, in the order things happened: {"at", "kind" ("step",
 *  "run" or "message"), "step", "detail"} for steps, {"rule", "rule_name",
 *  "event", "outcome", "detail"} for runs, {"rule", "rule_name", "channel",
 *  "recipient" ("user:<id>" or "role:<code>"), "message"} for messages.  A
 *  bad rule or step is CRM_ERR_INVALID_ARG naming "rules[i]" or
 *  "steps[i]".  config.manage. */
CRM_API int crm_automation_simulate(crm_session *s, const char *rules_json,
                                    const char *script_json, crm_cursor **out);

/* Customer search and information completeness (客户检索与信息完整度) ------ */

/** A customer-name search (客户名称检索), the way Chinese users look a
 *  company up: `text` is 1..100 characters (after normalisation) matched
 *  as a substring of the name, in simplified or traditional characters
 *  alike ("華為" finds 华为技术 and "华为" finds 華為技術), or, when it is
 *  only Latin letters, digits and spaces, against the name's full pinyin
 *  ("huawei", "Hua Wei") and its pinyin initials ("hwjs").  Case does not
 *  matter.  Queries of 3 characters or more use a trigram index; shorter
 *  ones ("华为", "hw") scan the indexed columns, which is slower on very
 *  large databases but finds the same rows. */
typedef struct crm_search_query {
  size_t size;              /* sizeof(crm_search_query); set by the _INIT macro */
  const char *text;         /* what to look for; required */
  int32_t page_size;        /* rows per page, 1..1000; 0 = 20 */
  const char *after;        /* page token from crm_cursor_next_page; NULL = first page */
  int32_t include_archived; /* non-zero to include archived customers */
} crm_search_query;

#define CRM_SEARCH_QUERY_INIT {sizeof(crm_search_query), NULL, 0, NULL, 0}

/** One page of the customers the user may read (as crm_customer_list
 *  shows them: masked, custom fields included; archived ones only when
 *  asked) whose name matches `q->text`, best match first: exact name, name
 *  prefix, name substring, then pinyin (exact, prefix, substring), then
 *  initials (exact, prefix, substring); ties in id order.  Each row adds
 *  "match" ("name", "pinyin" or "initials": how it matched) and
 *  "match_rank" (0..8 in the order above).  Continue with the token from
 *  crm_cursor_next_page and the same query.  An empty, over-long or
 *  non-UTF-8 text, a bad page size and a malformed or foreign token are
 *  CRM_ERR_INVALID_ARG. */
CRM_API int crm_customer_search(crm_session *s, const crm_search_query *q, crm_cursor **out);

/** The definition of customer information completeness (客户信息完整度,
 *  R10.1): the counted fields in order, {"field", "label_zh", "label_en",
 *  "weight", "share" (real: percentage of the total weight)}.  By default
 *  name, contact_name, contact_title, phone, email, industry, scale,
 *  source, key_needs and priority, weight 1 each.  config.read. */
CRM_API int crm_completeness_field_list(crm_session *s, crm_cursor **out);

/** Set the weight (1..100) of a customer field in the completeness metric,
 *  adding it when new; 0 takes it out (the last field cannot be:
 *  CRM_ERR_STATE).  `field` is one of name, contact_name, contact_title,
 *  phone, email, industry, scale, type, source, key_needs, priority,
 *  entry_date, next_step, tier, or a custom field "custom.<name>"; anything
 *  else is CRM_ERR_INVALID_ARG.  config.manage; kept in the configuration
 *  history as "completeness.<field>" (crm_config_history). */
CRM_API int crm_completeness_field_set(crm_session *s, const char *field, int64_t weight);

/** One customer's completeness: {"customer", "percent" (real, 100 × filled
 *  weight / total weight; a field is empty when it has no value or ""),
 *  "filled_weight", "total_weight", "missing" (the empty counted fields,
 *  comma-separated, "" when none), "goal_percent" (the setting
 *  "completeness.goal_percent", 95 by seed 001), "goal_met" (1 when percent
 *  ≥ goal)}.  customer.read; a grant that hides a counted field's group is
 *  CRM_ERR_PERMISSION.  Free *out with crm_record_free. */
CRM_API int crm_customer_completeness(crm_session *s, const char *id, crm_record **out);

/** Completeness over the customers the user may read (a grantee's
 *  customers only when the grant shows every counted field; archived ones
 *  when include_archived is non-zero), grouped by `group_by`: "all" (one
 *  row, also when there are no customers), "owner" (by owner id) or
 *  "department" (the owner's department; "" for none).  Rows {"group",
 *  "label" (the owner's name or the department), "customers", "percent"
 *  (real: the mean of the customers' completeness; 0 with no customers),
 *  "complete" (customers with every counted field), "meeting_goal"
 *  (customers at or above the goal), "goal_percent", "goal_met" (1 when the
 *  group's percent ≥ the goal, decided exactly: 95.0 meets 95)}.  An
 *  unknown group_by is CRM_ERR_INVALID_ARG. */
CRM_API int crm_completeness_report(crm_session *s, const char *group_by,
                                    int32_t include_archived, crm_cursor **out);

/* ------------------------------------------------------------------------
 * Merging duplicate customers (客户合并, R9.3), see docs/merge.md.
 *
 * A merge folds one customer (the merged one) into another (the survivor)
 * in one transaction and can be undone.  The merged customer is kept,
 * archived and read-only, with the field "merged_into" (the survivor's id)
 * in crm_customer_get; it is in no list or search, archived or not.
 * ------------------------------------------------------------------------ */

/** Merge customer `merged_id` into customer `survivor_id`.  `choices`
 *  (NULL = all defaults) maps a field to "survivor" or "merged" (also
 *  保留 / 合并): name, industry, scale, type, source, key_needs, priority,
 *  owner, entry_date, "primary_contact" (whose contact's name, phone, e-mail
 *  and title the survivor shows; contact_name, phone, email and
 *  contact_title follow it and cannot be chosen alone) or "custom.<name>".
 *  A field not named keeps the survivor's value, or takes the merged
 *  customer's where the survivor has none.  The merged customer's contacts
 *  (as secondary contacts), follow-up plans and records, maintenance plans
 *  and linked leads move to the survivor, its tags are added to the
 *  survivor's, its reminders stop; both histories get a "merge" entry and
 *  the audit log a "customer.merge" row for each.  *out_merge_id (optional)
 *  receives the merge's id; *out_report (optional, free with
 *  crm_record_free) {"merge", "moved" (child rows moved), "from_merged"
 *  (comma-separated fields that took the merged customer's value)}.
 *  Rights: customer.update on the survivor, customer.archive on the merged
 *  customer, customer.transfer when the owner changes.  Errors, with nothing
 *  written: CRM_ERR_INVALID_ARG for a customer merged with itself, an
 *  unknown, read-only or contact field or a side other than survivor/merged
 *  (a field error names it: codes unknown_field, read_only,
 *  follows_primary_contact, unknown_side); CRM_ERR_STATE for an archived or
 *  already merged customer; CRM_ERR_CONFLICT when the merged customer has
 *  changes waiting for review; CRM_ERR_NOT_FOUND / CRM_ERR_PERMISSION. */
CRM_API int crm_customer_merge(crm_session *s, const char *survivor_id, const char *merged_id,
                               const crm_record *choices, const char *reason,
                               int64_t *out_merge_id, crm_record **out_report);

/** Undo merge `merge_id`: both customers as they were before it (every
 *  column, custom values, tags, primary contact, reminders), the moved rows
 *  back on the merged customer, in one transaction; history ("unmerge") and
 *  audit ("customer.unmerge") keep it.  If either customer or a moved row
 *  changed after the merge, it fails with CRM_ERR_CONFLICT and a field
 *  error (code "changed_since_merge") per change, named "C0001.key_needs",
 *  "C0002.tags", "contacts 12" …, unless `force` is 1: then it restores
 *  anyway.  Rows added to the survivor after the merge stay with it.
 *  *out_report (optional) {"merge", "restored" (rows moved back),
 *  "overwritten" (comma-separated changes overwritten; "" when none)}.
 *  CRM_ERR_NOT_FOUND for an unknown merge; CRM_ERR_STATE when it was undone
 *  already, the survivor was merged again later (undo that one first) or
 *  either customer's personal data was erased since (crm_customer_erase
 *  also deletes what the merge kept).
 *  Rights as for a merge, on both customers. */
CRM_API int crm_customer_unmerge(crm_session *s, int64_t merge_id, int32_t force,
                                 const char *reason, crm_record **out_report);

/** The merges after id `after_id` in id order, at most `limit` (1..1000;
 *  0 = 100), of customer `customer_id` (as survivor or merged; NULL or "" =
 *  all) — those whose survivor or merged customer the user may read:
 *  {"id", "survivor", "merged", "merged_at", "merged_by", "choices"
 *  ("field=survivor|merged,…" as decided), "reason", "moved", "undone" (0 or
 *  1), "undone_at", "undone_by", "undo_note"}. */
CRM_API int crm_merge_list(crm_session *s, const char *customer_id, int64_t after_id,
                           int32_t limit, crm_cursor **out);

/* Duplicates and the cleansing report (查重与数据清洗, R9.3) ------------------ */

/** Duplicates are found through match keys (see docs/duplicates.md): a
 *  company-name key (NFKC, traditional → simplified, lower case, no
 *  punctuation or spaces, legal suffixes such as 有限公司 / Co., Ltd. and
 *  region prefixes such as 深圳市 / 广东省 / "（深圳）" removed: 深圳市华为技术有限公司,
 *  華為技術有限公司 and 华为技术（深圳）有限公司 all give 华为技术), the E.164 phone,
 *  the lower-cased e-mail and the contact name, of each customer and of its
 *  contacts, kept up to date by every write.  Only customers that share a
 *  key, or whose name keys are neighbours with a common two-character
 *  prefix, are compared.  A pair's "score" (0..1) is 1 − Π(1 − w) over the
 *  agreements: "same_name" 0.7, "same_phone" 0.7, "same_email" 0.7,
 *  "similar_name" 0.6 × the bigram similarity (from 0.6), "same_contact"
 *  0.3.  `threshold` 0 means the default 0.6; otherwise it must be in
 *  (0, 1] (CRM_ERR_INVALID_ARG).  Only customers the user may read (with
 *  their contact fields) and that are not archived take part: a pair is
 *  shown only when the user may read both. */

/** The match key of `kind` ("name", "phone", "email" or "contact") for
 *  `text`, as an owned string (free with crm_free); "" when the text gives
 *  no key (a blank name, a phone or e-mail that fails validation).  For
 *  importers that compare rows among themselves.  An unknown kind is
 *  CRM_ERR_INVALID_ARG. */
CRM_API int crm_match_key(const char *kind, const char *text, char **out);

/** Every likely duplicate pair, as rows {"group" (1, 2 … : pairs sharing a
 *  customer are one group, numbered by their smallest customer), "a",
 *  "a_name", "b", "b_name" (a < b, human ids), "score", "name_similarity"
 *  (reals), "reasons" ("same_name,same_phone")}, by group then a then b.
 *  `progress` (optional) gets the key rows scanned, then the candidate
 *  pairs scored are added to done and total; returning non-zero stops the
 *  search (CRM_ERR_STATE). */
CRM_API int crm_duplicates_find(crm_session *s, double threshold, crm_progress_fn progress,
                                void *ctx, crm_cursor **out);

/** Who might this row duplicate?  `fields` holds text values "name",
 *  "phone", "email", "contact_name" (each optional) and optionally
 *  "exclude" (a customer id to leave out, e.g. the one being edited); any
 *  other field is CRM_ERR_INVALID_ARG.  Rows {"customer", "name", "score",
 *  "name_similarity", "reasons"}, best first.  An importer calls it per
 *  row. */
CRM_API int crm_duplicates_of(crm_session *s, const crm_record *fields, double threshold,
                              crm_cursor **out);

/** The quarterly cleanse (000: 每季度数据清洗) over the readable customers
 *  that are not archived: rows {"check", "field", "group", "count",
 *  "customers" (human ids, comma-separated), "reasons", "days"} with check
 *  "examined" (count), "duplicate_group" (one per group of
 *  crm_duplicates_find, with its reasons), "duplicates" (count of groups,
 *  all their members), "unreachable" (no valid phone or e-mail of its own
 *  or a contact's), "invalid_phone" / "invalid_email" (a stored value that
 *  fails today's validation), "missing_required" and "missing_recommended"
 *  (one row per field with customers lacking it; recommended: phone,
 *  email, contact_title), "stale" (neither updated nor followed up for
 *  `stale_days` days; 0 = the setting "cleansing.stale_days", default 90).
 *  `stale_days` outside 0..3650 is CRM_ERR_INVALID_ARG.  `progress` as in
 *  crm_duplicates_find, then the customers examined.  Audited. */
CRM_API int crm_cleansing_report(crm_session *s, int32_t stale_days, double threshold,
                                 crm_progress_fn progress, void *ctx, crm_cursor **out);

/* ------------------------------------------------------------------------
 * Bringing data in (导入数据, R9.1, R9.2), see docs/import.md.
 *
 * Customers are imported from CSV — a file or a buffer in memory — in
 * UTF-8 (with or without a byte-order mark) or GBK/GB18030, detected or
 * declared.  Every row is validated exactly as crm_customer_create or
 * crm_customer_update validates it and authorised the same way; good rows
 * are committed in batches, rejected rows are written to an error file
 * (the rows as they were, plus a column saying why) that can be corrected
 * and imported as it is.  Exported as CSV (crm_customer_export_csv) and
 * imported again, customers come back unchanged.  Follow-up history of the
 * system being replaced is migrated with crm_followup_migrate and checked
 * with crm_followup_migrate_verify.
 *
 * Refused before any row is read (CRM_ERR_INVALID_ARG, nothing written): a
 * bad option, an empty file, a header row that is not valid text in the
 * declared encoding, an unknown, read-only or repeated column, a key that
 * is not a column.  A file that cannot be opened is CRM_ERR_CANTOPEN.  A
 * record longer than 1 MiB stops the import there (CRM_ERR_INVALID_ARG
 * naming the record); batches committed before it stay.
 * ------------------------------------------------------------------------ */

/** How an import or a migration reads its file. */
typedef struct crm_import_options {
  size_t size;              /* sizeof(crm_import_options); set by the _INIT macro */
  const char *mode;         /* "insert" (NULL): new customers only; "update": existing
                               ones only, found by the key; "upsert": update when the
                               key matches, insert otherwise; "dry_run": validate every
                               row, write nothing */
  const char *key;          /* how a row finds its customer: "auto" (NULL: the first of
                               external_id, phone, email, name that is a column),
                               "external_id", "id" (C0001), "phone", "email", "name" */
  const char *encoding;     /* NULL or "auto": detected; "utf-8", "gbk", "gb18030" */
  const char *error_path;   /* where rejected rows go: created before the first row
                               (CRM_ERR_CANTOPEN if it cannot be), removed at the end
                               when empty; not the file being read (CRM_ERR_INVALID_ARG);
                               NULL = no error file */
  const char *const *mapping; /* NULL, or 2 * mapping_count strings: a header of the file,
                               then the field it feeds ("name", "custom.budget", "tags",
                               "id"; "" skips the column) */
  int32_t mapping_count;    /* 0..1000 */
  int32_t batch_rows;       /* rows per transaction, 1..100000; 0 = 1000 */
  crm_progress_fn progress; /* optional: (rows done, data rows in the file) after each
                               batch; non-zero stops after that batch */
  void *progress_ctx;
  int32_t insert_duplicates; /* 0 (default): a new row that looks like a customer already
                               there (same name key, phone or e-mail: see
                               crm_duplicates_of) is not inserted but counted in
                               "duplicates" and explained in the error file; 1: inserted */
} crm_import_options;

#define CRM_IMPORT_OPTIONS_INIT \
  {sizeof(crm_import_options), NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0}

/** Import customers from the CSV file `path` (导入客户).  `o` NULL = all
 *  defaults.  The first row names the columns: field names, Chinese or
 *  English labels (客户全称 / name …), "标签"/"tags" ("类别:标签;标签"),
 *  custom fields by name or label, "负责人"/"owner" (a login, a name or a
 *  user id); the error file's last column is skipped.  *out_report (free
 *  with crm_record_free) is a record {"rows" (data rows read), "inserted",
 *  "updated", "unchanged", "rejected", "duplicates" (not written because
 *  the customer is there: in insert mode the key matched one with other
 *  data, or a new row looks like one — see insert_duplicates), "pending" (waiting
 *  for review), "error_rows" (rows written to the error file),
 *  "cancelled" (0/1), "encoding" ("utf-8" or "gb18030"), "key" (the key
 *  used; "" when none), "errors" (JSON text: an array of the first 100 rows
 *  not written, [{"row":3,"message_en":"row 3: …","message_zh":"第 3 行：…"}],
 *  "row" being the record number in the file, the header being 1)}.
 *
 *  A progress callback that returns non-zero stops the import after the
 *  batch in hand: the call still returns CRM_OK with "cancelled" 1 — the
 *  report is the point, and the batches before the stop are committed.
 *  An unknown mode, key or encoding, a batch_rows outside 0..100000 or a
 *  bad mapping is CRM_ERR_INVALID_ARG.  The import is audited once
 *  ("customer.import", with its counts) besides each row's own audit.
 *  Rows are authorised like the interactive calls: customer.create for the
 *  row's owner (a sales rep's rows for another owner are rejected),
 *  customer.update, customer.transfer for a new owner; a key matching a
 *  customer the user may not read rejects the row without naming it.
 *  Every row is validated as crm_customer_create / crm_customer_update
 *  validate; rejected and duplicate rows go to o->error_path unchanged with
 *  a last column saying why (docs/import.md lists every case). */
CRM_API int crm_customer_import(crm_session *s, const char *path, const crm_import_options *o,
                                crm_record **out_report);

/** The same from `len` bytes at `data` (the caller's; read during the call
 *  only).  `data` may be NULL when `len` is 0 (an empty file: refused). */
CRM_API int crm_customer_import_buffer(crm_session *s, const void *data, size_t len,
                                       const crm_import_options *o, crm_record **out_report);

/** How crm_customer_export_csv writes. */
typedef struct crm_csv_options {
  size_t size;             /* sizeof(crm_csv_options); set by the _INIT macro */
  const char *encoding;    /* NULL or "utf-8"; "gbk" or "gb18030" (what Excel on Chinese
                              Windows opens directly) */
  int32_t english_headers; /* 0: Chinese labels (客户全称 …); 1: field names (name …) */
  int32_t bom;             /* 1: a UTF-8 byte-order mark first (what Excel needs to see
                              UTF-8); ignored for GBK */
} crm_csv_options;

#define CRM_CSV_OPTIONS_INIT {sizeof(crm_csv_options), NULL, 0, 0}

/** Export the customers a query lists as CSV (RFC 4180, CRLF), the
 *  customers and masking as crm_customer_export: a header row, then one row
 *  per customer with its id first and the columns an import reads (owner as
 *  a login, tags as "类别:标签" separated by ";").  An export in clear
 *  imports again unchanged (key "id" or "external_id").  `o` NULL = UTF-8,
 *  Chinese headers, no BOM; an unknown encoding is CRM_ERR_INVALID_ARG.
 *  *out_rows (optional) receives the customers written.  A `write` that
 *  returns non-zero stops the export: CRM_ERR_STATE.  Audited as
 *  crm_customer_export. */
CRM_API int crm_customer_export_csv(crm_session *s, const crm_customer_query *q,
                                    int32_t in_clear, const crm_csv_options *o,
                                    crm_write_fn write, void *ctx, int64_t *out_rows);

/** Migrate follow-up history (跟进记录迁移, R9.2) from the CSV file `path`
 *  into the follow-up records of customers already in the library.
 *  Columns: a customer key (客户编号 id, 外部编号 external_id, 客户全称
 *  name, 联系电话 phone or 电子邮箱 email; `o->key` chooses when there are
 *  several), 跟进时间 contacted_at ("YYYY-MM-DD HH:MM[:SS]" in the
 *  database's zone, or UTC milliseconds), 跟进人 owner (login, name or id;
 *  users who have left count), 跟进方式 method, 沟通内容 summary, and
 *  optionally 客户反馈 feedback, 意向变化 intent_change, 重大变更
 *  major_change, 下一步计划 next_step and 记录编号 id (the record's id in
 *  the old system).  Every row is checked first, then the good ones are
 *  added in time order with their original times and authors.  Migrating
 *  the same file again adds nothing.  `o` as for crm_customer_import
 *  (mode "dry_run" checks only; "insert", "update" and "upsert" all
 *  migrate).  *out_report: {"rows", "migrated", "unchanged" (migrated
 *  before: skipped), "rejected", "error_rows", "cancelled", "encoding",
 *  "key", "errors" (JSON as for crm_customer_import)}; a stopping progress
 *  callback gives "cancelled" 1 and CRM_OK.  followup.write on each
 *  customer; audited once. */
CRM_API int crm_followup_migrate(crm_session *s, const char *path, const crm_import_options *o,
                                 crm_record **out_report);

/** Check a migration against its source: `sample` data rows of `path`
 *  (1..100000) picked at random with `seed` (the same seed picks the same
 *  rows) are compared field by field with the records migrated from them —
 *  time (to the second), author, method, summary, feedback, intent change,
 *  major change, next step.  *out_summary: {"rows" (data rows read),
 *  "sampled", "matched" (rows whose every field agreed), "cancelled"};
 *  *out_mismatches: a cursor of rows {"row" (the record number in the
 *  file), "field" (the field that differs; "record" when nothing was
 *  stored for the row, "expected" then being the customer's id; "row" when
 *  the source row itself is not valid, "expected" then being "a valid
 *  row" and "stored" why it is not), "expected", "stored"}.  Reads only;
 *  `o`'s encoding, key and mapping apply, and its progress callback, when
 *  set, gets (rows read, data rows in the file) after every 1 000 rows read
 *  and after the last: returning non-zero stops the check there, with
 *  nothing compared, "cancelled" 1 and CRM_OK.  followup.read on the
 *  customers. */
CRM_API int crm_followup_migrate_verify(crm_session *s, const char *path,
                                        const crm_import_options *o, int32_t sample,
                                        uint64_t seed, crm_record **out_summary,
                                        crm_cursor **out_mismatches);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CRM_H */
