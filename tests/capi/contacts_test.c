/*
 * contacts_test.c — tests of the contacts (联系人, R1.9) of libcrm's C
 * interface (capi/crm.h), written in plain C99 as a host would call them:
 * crm_contact_add / _get / _update / _remove / _make_primary and
 * crm_customer_contacts, with the history rows they write (kind "contact",
 * "major" for decision makers, R1.10).
 *
 * The rules tested (crm.h, docs/fields.md, entity "contact"):
 *  - a new customer has one primary contact built from its contact_name,
 *    phone and email; the customer's fields and the primary contact are kept
 *    in step from either side, and the customer shows the primary's title as
 *    "contact_title";
 *  - "primary" in an add or update record is CRM_ERR_VALIDATION (read_only);
 *  - a contact needs a phone or an e-mail (contact_required), also when an
 *    update clears the last one; decision_maker is 0 or 1;
 *  - the primary contact cannot be removed (CRM_ERR_CONFLICT); a removed
 *    contact is CRM_ERR_NOT_FOUND everywhere and leaves the list; an unknown
 *    id is CRM_ERR_NOT_FOUND; an archived customer is CRM_ERR_STATE;
 *  - making the primary primary again changes nothing;
 *  - the list has the primary first, then the others by id;
 *  - every real change is version + 1 and history rows of kind "contact"
 *    (field "contacts" with "<id>:<name>" for add/remove, "contact.<id>.<field>"
 *    for a field change, "primary_contact" for a switch), "major" = 1 exactly
 *    when a decision maker is added or removed or its flag changes;
 *  - phones and e-mails are validated and normalised as for customers;
 *  - NULL for a required pointer is CRM_ERR_INVALID_ARG (out_id and reason
 *    are optional), and a failed call writes nothing.
 *
 * Prints one line per failed check and ends with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm.h"
#include "harness.h"

/* 2026-11-23T01:00:00Z = 09:00 in Shanghai. */
#define T0 INT64_C(1795395600000)

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

static char g_root[512]; /* this run's temporary directory */

static void set_null(crm_record* r, const char* field) {
  int rc = crm_record_set_null(r, field);
  CHECK(rc == CRM_OK, "crm_record_set_null(%s): %s: %s", field, sname(rc), crm_errmsg());
}

/* A record with one text field. */
static crm_record* rec1(const char* field, const char* value) {
  crm_record* r = new_record();
  set_text(r, field, value);
  return r;
}

/* A record with one integer field. */
static crm_record* rec1i(const char* field, int64_t value) {
  crm_record* r = new_record();
  set_int(r, field, value);
  return r;
}

/* A contact: name, and phone / email / title when not NULL. */
static crm_record* contact_rec(const char* name, const char* phone, const char* email,
                               const char* title) {
  crm_record* r = new_record();
  if (name) set_text(r, "name", name);
  if (phone) set_text(r, "phone", phone);
  if (email) set_text(r, "email", email);
  if (title) set_text(r, "title", title);
  return r;
}

static int streq(const char* a, const char* b) { return strcmp(a, b) == 0; }

static void create_customer(crm_session* s, const char* name, char* id, size_t cap) {
  create_customer_with(s, name, "王建国", "13812345678", NULL, id, cap);
}

/* A copy of the customer record (free it), or NULL. */
static crm_record* customer(crm_session* s, const char* id) {
  crm_record* r = NULL;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  return r;
}

static int64_t version_of(crm_session* s, const char* id) {
  crm_record* r = customer(s, id);
  int64_t v = rec_int(r, "version");
  crm_record_free(r);
  return v;
}

/* Every read masks phones and e-mails (R3.6); the tests read the stored
 * values through the unmask calls, with a reason. */
#define UNMASK_REASON "核对联系人存储值（C 接口测试）"

/* The customer's copy of its primary contact, "name|phone|display|email|title",
 * as crm_customer_get shows it (`clear` 0: masked) or as stored (`clear` 1:
 * through crm_customer_unmask). */
static const char* customer_contact_as(crm_session* s, const char* id, int clear) {
  static char buf[1024];
  crm_record* r = NULL;
  int rc;
  if (clear) {
    rc = crm_customer_unmask(s, id, UNMASK_REASON, &r);
    CHECK(rc == CRM_OK, "crm_customer_unmask(%s): %s: %s", id, sname(rc), crm_errmsg());
  } else {
    r = customer(s, id);
  }
  snprintf(buf, sizeof buf, "%s|%s|%s|%s|%s", rtext(r, "contact_name"), rtext(r, "phone"),
           rtext(r, "phone_display"), rtext(r, "email"), rtext(r, "contact_title"));
  crm_record_free(r);
  return buf;
}

/* The stored copy (clear phone and e-mail). */
static const char* customer_contact(crm_session* s, const char* id) {
  return customer_contact_as(s, id, 1);
}

/* A contact as "name|title|phone|display|email|dm|primary|removed|customer". */
static void contact_line(const crm_record* r, char* out, size_t cap) {
  snprintf(out, cap, "%s|%s|%s|%s|%s|%" PRId64 "|%" PRId64 "|%" PRId64 "|%s", rtext(r, "name"),
           rtext(r, "title"), rtext(r, "phone"), rtext(r, "phone_display"), rtext(r, "email"),
           rec_int(r, "decision_maker"), rec_int(r, "primary"), rec_int(r, "removed"),
           rtext(r, "customer"));
}

/* crm_contact_get (masked) as a contact_line ("(error NAME)" when it fails). */
static const char* contact_read(crm_session* s, int64_t contact) {
  static char buf[1024];
  crm_record* r = NULL;
  int rc = crm_contact_get(s, contact, &r);
  if (rc != CRM_OK)
    snprintf(buf, sizeof buf, "(error %s)", sname(rc));
  else
    contact_line(r, buf, sizeof buf);
  crm_record_free(r);
  return buf;
}

/* The stored contact, through crm_contact_unmask, as a contact_line
 * ("(error NAME)" when it fails). */
static const char* contact_of(crm_session* s, int64_t contact) {
  static char buf[1024];
  crm_record* r = NULL;
  int rc = crm_contact_unmask(s, contact, UNMASK_REASON, &r);
  if (rc != CRM_OK)
    snprintf(buf, sizeof buf, "(error %s)", sname(rc));
  else
    contact_line(r, buf, sizeof buf);
  crm_record_free(r);
  return buf;
}

/* The ids of crm_customer_contacts in order, the primary marked with '*':
 * "3* 1 2".  With `full` 1, every row's contact_line too, as listed (masked);
 * with `full` 2, every row's stored contact_line (contact_of).  Static
 * buffer; "(error NAME)" when the call fails. */
static const char* contacts_list(crm_session* s, const char* id, int full) {
  static char buf[8192];
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  size_t used = 0;
  int rc = crm_customer_contacts(s, id, &c);
  buf[0] = '\0';
  if (rc != CRM_OK) {
    snprintf(buf, sizeof buf, "(error %s)", sname(rc));
    return buf;
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK && used < sizeof buf - 1) {
    char line[1024] = "";
    if (full == 1) contact_line(row, line, sizeof line);
    if (full == 2) snprintf(line, sizeof line, "%s", contact_of(s, rec_int(row, "id")));
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%" PRId64 "%s%s%s", used ? " " : "",
                             rec_int(row, "id"), rec_int(row, "primary") == 1 ? "*" : "",
                             full ? "=" : "", line);
  }
  CHECK(rc == CRM_DONE, "crm_customer_contacts(%s) cursor ended with %s", id, sname(rc));
  crm_cursor_close(c);
  return buf;
}

static const char* ids_of(crm_session* s, const char* id) { return contacts_list(s, id, 0); }

/* The last history row of a customer. */
typedef struct {
  int count;
  char kind[32], field[64], before[256], after[256], reason[256];
  int64_t actor, at, major;
} LastHistory;

/* The history of `id`; `rows` (optional) receives the last `n` rows as
 * "kind field before->after major" joined by "; ". */
static LastHistory history_tail(crm_session* s, const char* id, int n, char* rows, size_t cap) {
  LastHistory h;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  static char lines[64][1024];
  int rc, i, total = 0;
  memset(&h, 0, sizeof h);
  h.count = -1;
  if (rows && cap) rows[0] = '\0';
  rc = crm_customer_history(s, id, &c);
  CHECK(rc == CRM_OK, "crm_customer_history(%s): %s: %s", id, sname(rc), crm_errmsg());
  if (rc != CRM_OK) return h;
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    snprintf(h.kind, sizeof h.kind, "%s", rtext(row, "kind"));
    snprintf(h.field, sizeof h.field, "%s", rtext(row, "field"));
    snprintf(h.before, sizeof h.before, "%s", rtext(row, "before"));
    snprintf(h.after, sizeof h.after, "%s", rtext(row, "after"));
    snprintf(h.reason, sizeof h.reason, "%s", rtext(row, "reason"));
    h.actor = rec_int(row, "actor");
    h.at = rec_int(row, "at");
    h.major = rec_int(row, "major");
    snprintf(lines[total % 64], sizeof lines[0], "%s %s %s->%s %" PRId64, h.kind, h.field, h.before,
             h.after, h.major);
    total++;
  }
  CHECK(rc == CRM_DONE, "history cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  h.count = total;
  if (rows && cap) {
    size_t used = 0;
    for (i = total - n < 0 ? 0 : total - n; i < total && used < cap - 1; i++)
      used += (size_t)snprintf(rows + used, cap - used, "%s%s", used ? "; " : "", lines[i % 64]);
  }
  return h;
}

static LastHistory last_history(crm_session* s, const char* id) {
  return history_tail(s, id, 0, NULL, 0);
}

static int history_count(crm_session* s, const char* id) { return last_history(s, id).count; }

/* What a failed call must leave alone: the customer's version, history,
 * contacts and its copy of the primary contact. */
typedef struct {
  int64_t version;
  int history;
  char contacts[8192];
  char primary[1024];
} CustSnap;

static CustSnap cust_snap(crm_session* s, const char* id) {
  CustSnap c;
  c.version = version_of(s, id);
  c.history = history_count(s, id);
  snprintf(c.contacts, sizeof c.contacts, "%s", contacts_list(s, id, 2));
  snprintf(c.primary, sizeof c.primary, "%s", customer_contact(s, id));
  return c;
}

static void check_unchanged_at(crm_session* s, const char* id, const CustSnap* before,
                               const char* what, int line) {
  CustSnap now = cust_snap(s, id);
  char expected[512];
  snprintf(expected, sizeof expected, "%s: nothing written to %s", what, id);
  check_at(now.version == before->version && now.history == before->history &&
               streq(now.contacts, before->contacts) && streq(now.primary, before->primary),
           __FILE__, line, expected,
           "version %" PRId64 " -> %" PRId64
           ", history %d -> %d rows, contacts [%s] -> [%s], "
           "customer's contact [%s] -> [%s]",
           before->version, now.version, before->history, now.history, before->contacts,
           now.contacts, before->primary, now.primary);
}
#define CHECK_UNCHANGED(s, id, snap, what) check_unchanged_at((s), (id), (snap), (what), __LINE__)

/* The field errors of the last error as "field:code,field:code". */
static const char* field_errors(void) {
  static char buf[1024];
  size_t used = 0;
  int32_t i, n = crm_error_field_count();
  buf[0] = '\0';
  for (i = 0; i < n && used < sizeof buf - 1; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s:%s", i ? "," : "",
                             crm_error_field_name(i), crm_error_field_code(i));
  return buf;
}

/* Does the list of field errors (from field_errors) have an error on `field`
 * with `code`?  NULL matches any field or code. */
static int has_field_error(const char* errors, const char* field, const char* code) {
  char buf[1024], *item, *save = NULL;
  snprintf(buf, sizeof buf, "%s", errors);
  for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char* colon = strchr(item, ':');
    if (!colon) continue;
    *colon = '\0';
    if ((!field || streq(item, field)) && (!code || streq(colon + 1, code))) return 1;
  }
  return 0;
}

/* The checks after a call that must fail with `want` and write nothing to
 * customer `watch` (snapshot `snap` taken before the call).  With `field` or
 * `code` not NULL, a matching field error must be reported. */
static void fails_at(crm_session* s, const char* watch, const CustSnap* snap, int rc, int want,
                     const char* field, const char* code, const char* call, const char* what,
                     int line) {
  char errs[1024];
  check_fail_at(rc, want, call, __FILE__, line);
  snprintf(errs, sizeof errs, "%s", field_errors());
  if (field || code)
    check_at(has_field_error(errs, field, code), __FILE__, line,
             "the field errors include the expected one", "%s: field errors [%s], expected %s:%s",
             what, errs, field ? field : "*", code ? code : "*");
  check_unchanged_at(s, watch, snap, what, line);
}

/* A call that must fail with `want` and write nothing to customer `watch`. */
#define FAILS(s, watch, call, want, field, code, what)                                     \
  do {                                                                                     \
    CustSnap snap_ = cust_snap((s), (watch));                                              \
    int rc_ = (call);                                                                      \
    fails_at((s), (watch), &snap_, rc_, (want), (field), (code), #call, (what), __LINE__); \
  } while (0)

#define FAILS_PLAIN(s, watch, call, want, what) FAILS(s, watch, call, want, NULL, NULL, what)

/* "<id>:<name>" (four rotating buffers). */
static const char* label(int64_t id, const char* name) {
  static char buf[4][256];
  static int k = 0;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%" PRId64 ":%s", id, name);
  return buf[k];
}

/* Adds a contact that must succeed; returns its id. */
static int64_t add_ok_at(crm_session* s, const char* cust, crm_record* r, int line) {
  int64_t id = -1;
  int rc = crm_contact_add(s, cust, r, &id);
  check_at(rc == CRM_OK && id > 0, __FILE__, line, "crm_contact_add succeeds with an id",
           "%s: %s (id %" PRId64 ")", sname(rc), crm_errmsg(), id);
  crm_record_free(r);
  return id;
}
#define ADD_OK(s, cust, r) add_ok_at((s), (cust), (r), __LINE__)

/* Updates a contact; must succeed. */
static void update_ok_at(crm_session* s, int64_t contact, crm_record* r, int line) {
  int rc = crm_contact_update(s, contact, r);
  check_at(rc == CRM_OK, __FILE__, line, "crm_contact_update succeeds", "%s: %s [%s]", sname(rc),
           crm_errmsg(), field_errors());
  crm_record_free(r);
}
#define UPDATE_OK(s, contact, r) update_ok_at((s), (contact), (r), __LINE__)

/* Checks the version and history after a change: version + 1, `rows` new
 * history rows; the last of them (kind "contact", field, before, after,
 * major) as given. */
static void expect_change_at(crm_session* s, const char* id, const CustSnap* before, int rows,
                             const char* field, const char* b, const char* a, int64_t major,
                             int line) {
  char got[1024];
  LastHistory h = last_history(s, id);
  int64_t v = version_of(s, id);
  char what[512];
  snprintf(what, sizeof what, "a change of %s is one new version and %d history row(s)", field,
           rows);
  check_at(v == before->version + 1 && h.count == before->history + rows, __FILE__, line, what,
           "version %" PRId64 " -> %" PRId64 ", history %d -> %d rows", before->version, v,
           before->history, h.count);
  snprintf(what, sizeof what, "history row: contact %s %s -> %s, major %" PRId64, field, b, a,
           major);
  snprintf(got, sizeof got, "%s %s %s -> %s, major %" PRId64, h.kind, h.field, h.before, h.after,
           h.major);
  check_at(streq(h.kind, "contact") && streq(h.field, field) && streq(h.before, b) &&
               streq(h.after, a) && h.major == major,
           __FILE__, line, what, "%s", got);
}
#define EXPECT_CHANGE(s, id, snap, rows, field, b, a, major) \
  expect_change_at((s), (id), (snap), (rows), (field), (b), (a), (major), __LINE__)

static const char* fld(int64_t contact, const char* field) {
  static char buf[4][96];
  static int k = 0;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "contact.%" PRId64 ".%s", contact, field);
  return buf[k];
}

/* The id of the primary contact of a customer (first row of the list). */
static int64_t primary_of(crm_session* s, const char* id) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t p = -1;
  int rc = crm_customer_contacts(s, id, &c);
  CHECK(rc == CRM_OK, "crm_customer_contacts(%s): %s", id, sname(rc));
  if (rc == CRM_OK && crm_cursor_next(c, &row) == CRM_OK) p = rec_int(row, "id");
  crm_cursor_close(c);
  return p;
}

/* ------------------------------------------------------------------------ */
/* NULL arguments and closed sessions                                       */
/* ------------------------------------------------------------------------ */

static void test_null_arguments(void) {
  char path[800], id[16], want[256];
  crm_db* db = NULL;
  crm_session *s = NULL, *dead = NULL;
  crm_cursor* c = NULL;
  crm_record *r = NULL, *out = NULL;
  int64_t p, other, out_id = -5;
  CustSnap snap;
  section("NULL arguments and closed sessions");
  db_path_in(g_root, path, sizeof path, "null");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  create_customer(s, "杭州恒达精密机械有限公司", id, sizeof id);
  p = primary_of(s, id);
  other = ADD_OK(s, id, contact_rec("李娜", "13912345678", NULL, "采购经理"));
  snap = cust_snap(s, id);

  /* crm_contact_add: session, customer id and fields are required. */
  r = contact_rec("赵敏", "13712345678", NULL, NULL);
  FAILS_PLAIN(s, id, crm_contact_add(NULL, id, r, &out_id), CRM_ERR_INVALID_ARG,
              "add, NULL session");
  FAILS_PLAIN(s, id, crm_contact_add(s, NULL, r, &out_id), CRM_ERR_INVALID_ARG,
              "add, NULL customer");
  FAILS_PLAIN(s, id, crm_contact_add(s, id, NULL, &out_id), CRM_ERR_INVALID_ARG,
              "add, NULL fields");
  FAILS_PLAIN(s, id, crm_contact_add(NULL, NULL, NULL, NULL), CRM_ERR_INVALID_ARG, "add, all NULL");

  /* crm_contact_get: session and out are required. */
  out = NULL;
  CHECK_FAIL(crm_contact_get(NULL, p, &out), CRM_ERR_INVALID_ARG);
  CHECK(out == NULL, "a refused crm_contact_get returned a record");
  CHECK_FAIL(crm_contact_get(s, p, NULL), CRM_ERR_INVALID_ARG);

  /* crm_contact_update: session and fields are required. */
  {
    crm_record* u = rec1("title", "总经理");
    FAILS_PLAIN(s, id, crm_contact_update(NULL, p, u), CRM_ERR_INVALID_ARG, "update, NULL session");
    FAILS_PLAIN(s, id, crm_contact_update(s, p, NULL), CRM_ERR_INVALID_ARG, "update, NULL fields");
    crm_record_free(u);
  }

  /* crm_contact_remove and _make_primary: the session is required. */
  FAILS_PLAIN(s, id, crm_contact_remove(NULL, other, "离职"), CRM_ERR_INVALID_ARG,
              "remove, NULL session");
  FAILS_PLAIN(s, id, crm_contact_remove(NULL, other, NULL), CRM_ERR_INVALID_ARG,
              "remove, NULL session and reason");
  FAILS_PLAIN(s, id, crm_contact_make_primary(NULL, other), CRM_ERR_INVALID_ARG,
              "make_primary, NULL session");

  /* crm_customer_contacts: session, customer id and out are required. */
  c = NULL;
  CHECK_FAIL(crm_customer_contacts(NULL, id, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_contacts returned a cursor");
  CHECK_FAIL(crm_customer_contacts(s, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_contacts returned a cursor");
  CHECK_FAIL(crm_customer_contacts(s, id, NULL), CRM_ERR_INVALID_ARG);
  CHECK_UNCHANGED(s, id, &snap, "after the NULL-argument calls");

  /* out_id is optional. */
  CHECK_OK(crm_contact_add(s, id, r, NULL));
  crm_record_free(r);
  r = NULL;
  CHECK(version_of(s, id) == snap.version + 1 && history_count(s, id) == snap.history + 1,
        "crm_contact_add with out_id NULL: version %" PRId64 ", %d history rows", version_of(s, id),
        history_count(s, id));
  {
    /* the primary, the other contact, then the new one */
    const char* got = ids_of(s, id);
    const char* last = strrchr(got, ' ');
    snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " ", p, other);
    CHECK(strncmp(got, want, strlen(want)) == 0 && last == got + strlen(want) - 1 &&
              strtoll(last + 1, NULL, 10) > other,
          "contacts after an add with out_id NULL: [%s], expected [%s<new id>]", got, want);
  }

  /* reason is optional. */
  snap = cust_snap(s, id);
  CHECK_OK(crm_contact_remove(s, other, NULL));
  {
    LastHistory h = last_history(s, id);
    CHECK(version_of(s, id) == snap.version + 1 && h.count == snap.history + 1 &&
              streq(h.reason, "(null)"),
          "remove with reason NULL: version %" PRId64 ", %d rows, reason %s", version_of(s, id),
          h.count, h.reason);
  }

  /* A closed session is detected by every contact function. */
  CHECK_OK(crm_session_open(db, 1, &dead));
  crm_session_close(dead);
  snap = cust_snap(s, id);
  r = contact_rec("赵敏", "13712345678", NULL, NULL);
  FAILS_PLAIN(s, id, crm_contact_add(dead, id, r, &out_id), CRM_ERR_STATE, "add, closed session");
  FAILS_PLAIN(s, id, crm_contact_update(dead, p, r), CRM_ERR_STATE, "update, closed session");
  FAILS_PLAIN(s, id, crm_contact_remove(dead, p, NULL), CRM_ERR_STATE, "remove, closed session");
  FAILS_PLAIN(s, id, crm_contact_make_primary(dead, p), CRM_ERR_STATE,
              "make_primary, closed session");
  out = NULL;
  CHECK_FAIL(crm_contact_get(dead, p, &out), CRM_ERR_STATE);
  CHECK(out == NULL, "crm_contact_get on a closed session returned a record");
  c = NULL;
  CHECK_FAIL(crm_customer_contacts(dead, id, &c), CRM_ERR_STATE);
  CHECK(c == NULL, "crm_customer_contacts on a closed session returned a cursor");
  CHECK_UNCHANGED(s, id, &snap, "after calls on a closed session");
  crm_record_free(r);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* The primary contact and the customer's own contact fields               */
/* ------------------------------------------------------------------------ */

static void test_primary_mirror(void) {
  char path[800], a[16], b[16], land[16], want[1024], rows[2048];
  crm_db* db = NULL;
  crm_session* s = NULL;
  crm_record* r = NULL;
  int64_t pa, pb, pl, v;
  LastHistory h;
  CustSnap snap;
  section("a new customer's primary contact, kept in step with the customer");
  db_path_in(g_root, path, sizeof path, "mirror");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  create_customer_with(s, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, a, sizeof a);
  create_customer_with(s, "苏州瑞丰电子科技有限公司", "刘洋", NULL, "liuyang@ruifeng-elec.cn", b,
                       sizeof b);
  create_customer_with(s, "北京华信通达科技有限公司", "陈静", "010-12345678",
                       "chenjing@huaxin-td.com", land, sizeof land);

  /* Each new customer: one contact, primary, built from its form; version 1
   * and only the "create" history row. */
  pa = primary_of(s, a);
  pb = primary_of(s, b);
  pl = primary_of(s, land);
  CHECK(pa > 0 && pb > 0 && pl > 0 && pa != pb && pb != pl && pa != pl,
        "primary contact ids %" PRId64 ", %" PRId64 ", %" PRId64, pa, pb, pl);
  snprintf(want, sizeof want, "%" PRId64 "*", pa);
  CHECK(streq(ids_of(s, a), want), "contacts of a new customer: [%s], expected [%s]", ids_of(s, a),
        want);
  snprintf(want, sizeof want, "王建国|(null)|+8613812345678|138 1234 5678|(null)|0|1|0|%s", a);
  CHECK(streq(contact_of(s, pa), want), "primary contact of %s: %s, expected %s", a,
        contact_of(s, pa), want);
  snprintf(want, sizeof want, "刘洋|(null)|(null)|(null)|liuyang@ruifeng-elec.cn|0|1|0|%s", b);
  CHECK(streq(contact_of(s, pb), want), "primary contact of %s: %s, expected %s", b,
        contact_of(s, pb), want);
  snprintf(want, sizeof want,
           "陈静|(null)|+861012345678|010 1234 5678|chenjing@huaxin-td.com|0|1|0|%s", land);
  CHECK(streq(contact_of(s, pl), want), "primary contact of %s: %s, expected %s", land,
        contact_of(s, pl), want);
  /* Reads mask them (R3.6): the contact, the list row and the customer. */
  snprintf(want, sizeof want, "陈静|(null)|010****5678|010****5678|c***@huaxin-td.com|0|1|0|%s",
           land);
  CHECK(streq(contact_read(s, pl), want), "crm_contact_get of %s's primary: %s, expected %s",
        land, contact_read(s, pl), want);
  snprintf(want, sizeof want, "%" PRId64 "*=%s", pl, contact_read(s, pl));
  CHECK(streq(contacts_list(s, land, 1), want), "list rows of %s: %s, expected %s", land,
        contacts_list(s, land, 1), want);
  CHECK(streq(customer_contact_as(s, land, 0),
              "陈静|010****5678|010****5678|c***@huaxin-td.com|(null)"),
        "crm_customer_get of %s shows its contact as %s, expected it masked", land,
        customer_contact_as(s, land, 0));
  snprintf(want, sizeof want, "%" PRId64 "*=%s", pl, contact_of(s, pl));
  CHECK(streq(contacts_list(s, land, 2), want), "stored list rows of %s: %s, expected %s", land,
        contacts_list(s, land, 2), want);
  CHECK(version_of(s, a) == 1 && history_count(s, a) == 1,
        "a new customer: version %" PRId64 ", %d history rows (expected 1, 1)", version_of(s, a),
        history_count(s, a));
  CHECK(streq(last_history(s, a).kind, "create"), "a new customer's history row is %s",
        last_history(s, a).kind);
  CHECK(streq(customer_contact(s, a), "王建国|+8613812345678|138 1234 5678|(null)|(null)"),
        "customer %s shows its contact as %s", a, customer_contact(s, a));
  {
    crm_record* got = NULL;
    CHECK_OK(crm_contact_get(s, pa, &got));
    CHECK(rec_int(got, "id") == pa && rec_int(got, "created_at") == T0 &&
              rec_int(got, "updated_at") == T0,
          "contact %" PRId64 ": id %" PRId64 ", created_at %" PRId64 ", updated_at %" PRId64, pa,
          rec_int(got, "id"), rec_int(got, "created_at"), rec_int(got, "updated_at"));
    crm_record_free(got);
  }

  /* Customer -> primary contact: contact_name, phone, email. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  snap = cust_snap(s, a);
  r = rec1("contact_name", "王建华");
  CHECK_OK(crm_customer_update(s, a, r, &v));
  crm_record_free(r);
  CHECK(v == snap.version + 1 && history_count(s, a) == snap.history + 1,
        "customer contact_name update: version %" PRId64 ", %d rows", v, history_count(s, a));
  snprintf(want, sizeof want, "王建华|(null)|+8613812345678|138 1234 5678|(null)|0|1|0|%s", a);
  CHECK(streq(contact_of(s, pa), want),
        "after the customer's contact_name changed: %s, expected %s", contact_of(s, pa), want);
  snap = cust_snap(s, a);
  r = rec1("phone", "010-87654321");
  set_text(r, "email", "wangjh@hengda-jx.com");
  CHECK_OK(crm_customer_update(s, a, r, &v));
  crm_record_free(r);
  CHECK(v == snap.version + 1,
        "customer phone+email update: version %" PRId64 ", expected %" PRId64, v, snap.version + 1);
  snprintf(want, sizeof want,
           "王建华|(null)|+861087654321|010 8765 4321|wangjh@hengda-jx.com|0|1|0|%s", a);
  CHECK(streq(contact_of(s, pa), want), "after the customer's phone/email changed: %s, expected %s",
        contact_of(s, pa), want);
  snprintf(want, sizeof want, "%" PRId64 "*", pa);
  CHECK(streq(ids_of(s, a), want), "contacts after customer updates: [%s], expected [%s]",
        ids_of(s, a), want);

  /* Primary contact -> customer: name, phone, email, title. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2000));
  snap = cust_snap(s, a);
  UPDATE_OK(s, pa, rec1("title", "采购总监"));
  EXPECT_CHANGE(s, a, &snap, 1, fld(pa, "title"), "(null)", "采购总监", 0);
  CHECK(streq(customer_contact(s, a),
              "王建华|+861087654321|010 8765 4321|wangjh@hengda-jx.com|采购总监"),
        "customer %s after the primary's title changed: %s", a, customer_contact(s, a));
  h = last_history(s, a);
  CHECK(h.actor == 1 && h.at == T0 + 2000, "title change row: actor %" PRId64 ", at %" PRId64,
        h.actor, h.at);
  {
    crm_record* got = NULL;
    CHECK_OK(crm_contact_get(s, pa, &got));
    CHECK(rec_int(got, "updated_at") == T0 + 2000 && rec_int(got, "created_at") == T0,
          "contact timestamps after an update: created %" PRId64 ", updated %" PRId64,
          rec_int(got, "created_at"), rec_int(got, "updated_at"));
    crm_record_free(got);
  }
  snap = cust_snap(s, a);
  UPDATE_OK(s, pa, rec1("name", "王建国"));
  EXPECT_CHANGE(s, a, &snap, 1, fld(pa, "name"), "王建华", "王建国", 0);
  snap = cust_snap(s, a);
  r = rec1("phone", "13812345678");
  set_null(r, "email");
  UPDATE_OK(s, pa, r);
  history_tail(s, a, 2, rows, sizeof rows);
  /* History shows phone and e-mail values masked (R3.6). */
  snprintf(want, sizeof want,
           "contact %s 010****4321->138****5678 0; contact %s w***@hengda-jx.com->(null) 0",
           fld(pa, "phone"), fld(pa, "email"));
  CHECK(version_of(s, a) == snap.version + 1 && history_count(s, a) == snap.history + 2,
        "a two-field contact update: version %" PRId64 " (expected %" PRId64
        "), %d rows "
        "(expected %d)",
        version_of(s, a), snap.version + 1, history_count(s, a), snap.history + 2);
  CHECK(streq(rows, want) || (strstr(rows, fld(pa, "phone")) && strstr(rows, fld(pa, "email")) &&
                              strstr(rows, "010****4321->138****5678 0") &&
                              strstr(rows, "w***@hengda-jx.com->(null) 0")),
        "two-field update rows: [%s], expected [%s]", rows, want);
  CHECK(streq(customer_contact(s, a), "王建国|+8613812345678|138 1234 5678|(null)|采购总监"),
        "customer %s after the primary's phone/email changed: %s", a, customer_contact(s, a));

  /* contact_title is read-only on the customer. */
  r = rec1("contact_title", "总经理");
  FAILS(s, a, crm_customer_update(s, a, r, NULL), CRM_ERR_VALIDATION, "contact_title", "read_only",
        "customer update of contact_title");
  crm_record_free(r);

  /* A customer update that clears the primary's last contact method is
   * refused like any contact without one. */
  r = new_record();
  set_null(r, "phone");
  FAILS(s, a, crm_customer_update(s, a, r, NULL), CRM_ERR_VALIDATION, NULL, "contact_required",
        "customer update clearing the only phone");
  crm_record_free(r);

  /* A customer with a second contact: customer updates touch only the primary. */
  {
    int64_t second = ADD_OK(s, b, contact_rec("孙丽", "13512345678", NULL, "技术总监"));
    char before2[1024];
    snprintf(before2, sizeof before2, "%s", contact_of(s, second));
    r = rec1("contact_name", "刘洋洋");
    CHECK_OK(crm_customer_update(s, b, r, NULL));
    crm_record_free(r);
    snprintf(want, sizeof want, "刘洋洋|(null)|(null)|(null)|liuyang@ruifeng-elec.cn|0|1|0|%s", b);
    CHECK(streq(contact_of(s, pb), want), "primary of %s: %s, expected %s", b, contact_of(s, pb),
          want);
    CHECK(streq(contact_of(s, second), before2), "the other contact changed: %s -> %s", before2,
          contact_of(s, second));
    CHECK(streq(customer_contact(s, b), "刘洋洋|(null)|(null)|liuyang@ruifeng-elec.cn|(null)"),
          "customer %s: %s", b, customer_contact(s, b));
  }

  /* Persisted: the same after reopening the file. */
  snprintf(want, sizeof want, "%s", contacts_list(s, a, 2));
  crm_session_close(s);
  s = NULL;
  CHECK_OK(crm_db_close(db));
  db = NULL;
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  CHECK(streq(contacts_list(s, a, 2), want), "after reopening: [%s], expected [%s]",
        contacts_list(s, a, 2), want);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Adding contacts                                                          */
/* ------------------------------------------------------------------------ */

static const char* repeat(const char* ch, int n) {
  static char buf[4][1024];
  static int k = 0;
  size_t len = strlen(ch), used = 0;
  int i;
  k = (k + 1) % 4;
  buf[k][0] = '\0';
  for (i = 0; i < n && used + len < sizeof buf[k]; i++) {
    memcpy(buf[k] + used, ch, len);
    used += len;
  }
  buf[k][used] = '\0';
  return buf[k];
}

static void test_add(void) {
  char path[800], a[16], other[16], arch[16], want[1024];
  crm_db* db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_record *r = NULL, *u = NULL;
  int64_t p, c1, c2, c3, c4, c5, uid = 0, out_id;
  LastHistory h;
  CustSnap snap;
  section("crm_contact_add: fields, normalisation, validation, history");
  db_path_in(g_root, path, sizeof path, "add");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  /* Users name an existing department (R3.1). */
  CHECK_OK(crm_department_define(s, "华东销售部", NULL, 0, NULL));
  u = new_record();
  set_text(u, "login", "zhang.wei");
  set_text(u, "name", "张伟");
  set_text(u, "department", "华东销售部");
  set_text(u, "role", "sales");
  CHECK_OK(crm_user_create(s, u, &uid));
  crm_record_free(u);
  CHECK_OK(crm_session_open(db, uid, &sales));
  if (!sales) return;
  /* The sales user works on customers they own (R3.1): a and arch are
   * theirs, other is the administrator's. */
  create_customer(sales, "杭州恒达精密机械有限公司", a, sizeof a);
  create_customer(s, "宁波盈朗家纺有限公司", other, sizeof other);
  create_customer(sales, "南京泰安光电科技有限公司", arch, sizeof arch);
  p = primary_of(s, a);

  /* A full contact: every field stored, normalised, version + 1, one row. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  snap = cust_snap(s, a);
  r = contact_rec("  李娜 ", "010-12345678", " lina@hengda-jx.com ", "采购经理");
  set_int(r, "decision_maker", 0);
  c1 = ADD_OK(s, a, r);
  snprintf(want, sizeof want,
           "李娜|采购经理|+861012345678|010 1234 5678|lina@hengda-jx.com|0|0|0|%s", a);
  CHECK(streq(contact_of(s, c1), want), "added contact: %s, expected %s", contact_of(s, c1), want);
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", "(null)", label(c1, "李娜"), 0);
  h = last_history(s, a);
  CHECK(h.actor == 1 && h.at == T0 + 1000 && streq(h.reason, "(null)"),
        "add row: actor %" PRId64 ", at %" PRId64 ", reason %s", h.actor, h.at, h.reason);
  CHECK(streq(customer_contact(s, a), "王建国|+8613812345678|138 1234 5678|(null)|(null)"),
        "adding a contact changed the customer's own contact: %s", customer_contact(s, a));
  {
    crm_record* got = NULL;
    CHECK_OK(crm_contact_get(s, c1, &got));
    CHECK(rec_int(got, "id") == c1 && rec_int(got, "created_at") == T0 + 1000,
          "contact %" PRId64 ": id %" PRId64 ", created_at %" PRId64, c1, rec_int(got, "id"),
          rec_int(got, "created_at"));
    crm_record_free(got);
  }

  /* A decision maker (by a sales user): major. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2000));
  snap = cust_snap(s, a);
  r = contact_rec("周强", "１３９ １２３４ ５６７８", NULL, "总经理");
  set_int(r, "decision_maker", 1);
  c2 = ADD_OK(sales, a, r);
  snprintf(want, sizeof want, "周强|总经理|+8613912345678|139 1234 5678|(null)|1|0|0|%s", a);
  CHECK(streq(contact_of(s, c2), want), "decision maker: %s, expected %s", contact_of(s, c2), want);
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", "(null)", label(c2, "周强"), 1);
  h = last_history(s, a);
  CHECK(h.actor == uid && h.at == T0 + 2000, "decision maker row: actor %" PRId64 ", at %" PRId64,
        h.actor, h.at);

  /* Phone only, e-mail only: both enough.  Order: primary, then by id. */
  snap = cust_snap(s, a);
  c3 = ADD_OK(s, a, contact_rec("赵敏", NULL, "zhaomin@hengda-jx.com", NULL));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", "(null)", label(c3, "赵敏"), 0);
  snap = cust_snap(s, a);
  c4 = ADD_OK(s, a, contact_rec("钱磊", "021-66889900", NULL, NULL));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", "(null)", label(c4, "钱磊"), 0);
  snprintf(want, sizeof want, "钱磊|(null)|+862166889900|021 6688 9900|(null)|0|0|0|%s", a);
  CHECK(streq(contact_of(s, c4), want), "landline 021-66889900: %s, expected %s", contact_of(s, c4),
        want);
  CHECK(c1 < c2 && c2 < c3 && c3 < c4,
        "ids not increasing: %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, c1, c2, c3, c4);
  snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, p, c1,
           c2, c3, c4);
  CHECK(streq(ids_of(s, a), want), "contacts of %s: [%s], expected [%s]", a, ids_of(s, a), want);

  /* Contacts belong to their customer. */
  CHECK(!strchr(ids_of(s, other), ' '), "contacts of %s: [%s]", other, ids_of(s, other));
  c5 = ADD_OK(s, other, contact_rec("孙丽", "13512345678", NULL, NULL));
  CHECK(streq(ids_of(s, a), want), "adding to %s changed %s's contacts: [%s]", other, a,
        ids_of(s, a));
  snprintf(want, sizeof want, "孙丽|(null)|+8613512345678|135 1234 5678|(null)|0|0|0|%s", other);
  CHECK(streq(contact_of(s, c5), want), "contact of %s: %s, expected %s", other, contact_of(s, c5),
        want);

  /* decision_maker: 0 and 1 accepted (above), -1 and 2 refused. */

  r = contact_rec("吴刚", "13612345678", NULL, NULL);
  set_int(r, "decision_maker", 2);
  FAILS(s, a, crm_contact_add(s, a, r, &out_id), CRM_ERR_VALIDATION, "decision_maker", NULL,
        "decision_maker 2");
  set_int(r, "decision_maker", -1);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "decision_maker", NULL,
        "decision_maker -1");
  set_int(r, "decision_maker", INT64_MAX);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "decision_maker", NULL,
        "decision_maker INT64_MAX");
  crm_record_free(r);

  /* "primary" is read-only: refused with any value. */
  r = contact_rec("吴刚", "13612345678", NULL, NULL);
  set_int(r, "primary", 1);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "primary", "read_only",
        "add with primary 1");
  set_int(r, "primary", 0);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "primary", "read_only",
        "add with primary 0");
  crm_record_free(r);

  /* A contact method is required. */
  r = contact_rec("吴刚", NULL, NULL, "工程师");
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, NULL, "contact_required",
        "add without phone and e-mail");
  set_null(r, "phone");
  set_null(r, "email");
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, NULL, "contact_required",
        "add with NULL phone and e-mail");
  crm_record_free(r);

  /* Phones and e-mails are validated as for customers. */
  r = contact_rec("吴刚", "12345", NULL, NULL);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "phone", "invalid_phone",
        "add with phone 12345");
  crm_record_free(r);
  r = contact_rec("吴刚", "12345678", NULL, NULL);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "phone", "missing_area_code",
        "add with a landline without area code");
  crm_record_free(r);
  r = contact_rec("吴刚", NULL, "wugang@", NULL);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "email", "invalid_email",
        "add with e-mail wugang@");
  crm_record_free(r);
  r = contact_rec("吴刚", "12345", "wugang@hengda-jx.com", NULL);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "phone", "invalid_phone",
        "a bad phone with a good e-mail");
  crm_record_free(r);

  /* Name: required, at most 50 characters; title at most 50. */
  r = contact_rec(NULL, "13612345678", NULL, NULL);
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "name", "required",
        "add without a name");
  set_text(r, "name", "   ");
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "name", "required",
        "add with a blank name");
  set_text(r, "name", repeat("名", 51));
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "name", "too_long",
        "a name of 51 characters");
  set_text(r, "name", "吴刚");
  set_text(r, "title", repeat("职", 51));
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, "title", "too_long",
        "a title of 51 characters");
  set_text(r, "wechat", "wugang88");
  set_text(r, "title", "工程师");
  FAILS(s, a, crm_contact_add(s, a, r, NULL), CRM_ERR_VALIDATION, NULL, "unknown_field",
        "an unknown field");
  crm_record_free(r);
  r = contact_rec(repeat("名", 50), "13612345678", NULL, repeat("职", 50));
  snap = cust_snap(s, a);
  c5 = ADD_OK(s, a, r);
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", "(null)", label(c5, repeat("名", 50)), 0);

  /* Unknown and archived customers. */
  r = contact_rec("吴刚", "13612345678", NULL, NULL);
  FAILS_PLAIN(s, a, crm_contact_add(s, "C9999", r, NULL), CRM_ERR_NOT_FOUND, "unknown customer");
  CHECK_OK(crm_customer_archive(s, arch, "重复录入"));
  FAILS_PLAIN(s, arch, crm_contact_add(s, arch, r, NULL), CRM_ERR_STATE, "archived customer");
  FAILS_PLAIN(s, arch, crm_contact_add(sales, arch, r, NULL), CRM_ERR_STATE,
              "archived customer, sales user");
  /* Someone else's customer does not exist for a sales user (R3.1). */
  FAILS_PLAIN(s, other, crm_contact_add(sales, other, r, NULL), CRM_ERR_NOT_FOUND,
              "the administrator's customer, sales user");
  set_int(r, "decision_maker", 1);
  FAILS_PLAIN(s, arch, crm_contact_add(s, arch, r, NULL), CRM_ERR_STATE,
              "archived customer, decision maker");
  crm_record_free(r);

  /* In an explicit transaction that is rolled back, nothing remains. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_db_begin(db));
  (void)ADD_OK(s, a, contact_rec("吴刚", "13612345678", NULL, NULL));
  CHECK_OK(crm_db_rollback(db));
  CHECK_UNCHANGED(s, a, &snap, "an add rolled back");

  crm_session_close(sales);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Updating contacts                                                        */
/* ------------------------------------------------------------------------ */

static void test_update(void) {
  char path[800], a[16], arch[16], want[1024];
  crm_db* db = NULL;
  crm_session* s = NULL;
  crm_record* r = NULL;
  int64_t p, both, ph, dm, ac;
  CustSnap snap;
  section("crm_contact_update: changes, no-ops, validation, decision makers");
  db_path_in(g_root, path, sizeof path, "update");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  create_customer(s, "杭州恒达精密机械有限公司", a, sizeof a);
  create_customer(s, "南京泰安光电科技有限公司", arch, sizeof arch);
  p = primary_of(s, a);
  both = ADD_OK(s, a, contact_rec("李娜", "13912345678", "lina@hengda-jx.com", "采购经理"));
  ph = ADD_OK(s, a, contact_rec("钱磊", "13712345678", NULL, NULL));
  r = contact_rec("周强", "13612345678", NULL, "总经理");
  set_int(r, "decision_maker", 1);
  dm = ADD_OK(s, a, r);

  /* One field: version + 1, one row with the values before and after. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, both, rec1("title", "采购总监"));
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "title"), "采购经理", "采购总监", 0);
  snap = cust_snap(s, a);
  UPDATE_OK(s, both, rec1("phone", "010-12345678"));
  /* History rows show phones masked (R3.6); the stored value is checked below. */
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "phone"), "139****5678", "010****5678", 0);
  snprintf(want, sizeof want,
           "李娜|采购总监|+861012345678|010 1234 5678|lina@hengda-jx.com|0|0|0|%s", a);
  CHECK(streq(contact_of(s, both), want), "after a phone update: %s, expected %s",
        contact_of(s, both), want);
  CHECK(streq(customer_contact(s, a), "王建国|+8613812345678|138 1234 5678|(null)|(null)"),
        "updating another contact changed the customer: %s", customer_contact(s, a));

  /* Nothing changes: the same values (after normalisation) write nothing. */
  snap = cust_snap(s, a);
  r = rec1("title", "采购总监");
  set_text(r, "phone", "010 1234 5678");
  set_text(r, "name", " 李娜");
  CHECK_OK(crm_contact_update(s, both, r));
  crm_record_free(r);
  CHECK_UNCHANGED(s, a, &snap, "an update to the same values");
  r = new_record();
  CHECK_OK(crm_contact_update(s, both, r));
  crm_record_free(r);
  CHECK_UNCHANGED(s, a, &snap, "an empty update");
  /* The values as a read shows them (masked, R3.6) are "unchanged" too. */
  r = rec1("phone", "010****5678");
  set_text(r, "email", "l***@hengda-jx.com");
  CHECK_OK(crm_contact_update(s, both, r));
  crm_record_free(r);
  CHECK_UNCHANGED(s, a, &snap, "an update sending back the masked phone and e-mail");

  /* Clearing one of two contact methods is fine; clearing the last is not. */
  snap = cust_snap(s, a);
  r = new_record();
  set_null(r, "phone");
  UPDATE_OK(s, both, r);
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "phone"), "010****5678", "(null)", 0);
  r = new_record();
  set_null(r, "email");
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, NULL, "contact_required",
        "clearing the last method (e-mail)");
  crm_record_free(r);
  r = new_record();
  set_null(r, "phone");
  FAILS(s, a, crm_contact_update(s, ph, r), CRM_ERR_VALIDATION, NULL, "contact_required",
        "clearing the last method (phone)");
  set_null(r, "email");
  FAILS(s, a, crm_contact_update(s, ph, r), CRM_ERR_VALIDATION, NULL, "contact_required",
        "clearing phone and e-mail at once");
  crm_record_free(r);
  r = new_record();
  set_null(r, "phone");
  set_null(r, "email");
  FAILS(s, a, crm_contact_update(s, p, r), CRM_ERR_VALIDATION, NULL, "contact_required",
        "clearing the primary's contact methods");
  crm_record_free(r);
  /* Replacing the phone by an e-mail in one update is fine. */
  snap = cust_snap(s, a);
  r = new_record();
  set_null(r, "phone");
  set_text(r, "email", "qianlei@hengda-jx.com");
  UPDATE_OK(s, ph, r);
  CHECK(version_of(s, a) == snap.version + 1 && history_count(s, a) == snap.history + 2,
        "swap phone for e-mail: version %" PRId64 ", %d rows (expected %" PRId64 ", %d)",
        version_of(s, a), history_count(s, a), snap.version + 1, snap.history + 2);
  snprintf(want, sizeof want, "钱磊|(null)|(null)|(null)|qianlei@hengda-jx.com|0|0|0|%s", a);
  CHECK(streq(contact_of(s, ph), want), "after the swap: %s, expected %s", contact_of(s, ph), want);

  /* Validation of the values, as for customers. */
  r = rec1("phone", "12345");
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "phone", "invalid_phone",
        "update with phone 12345");
  crm_record_free(r);
  r = rec1("phone", "87654321");
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "phone", "missing_area_code",
        "update with a landline without area code");
  crm_record_free(r);
  r = rec1("email", "lina@@hengda");
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "email", "invalid_email",
        "update with a bad e-mail");
  crm_record_free(r);
  r = new_record();
  set_null(r, "name");
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "name", "required",
        "clearing the name");
  set_text(r, "name", repeat("名", 51));
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "name", "too_long",
        "a name of 51 characters");
  crm_record_free(r);
  snap = cust_snap(s, a);
  UPDATE_OK(s, both, rec1("name", repeat("名", 50)));
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "name"), "李娜", repeat("名", 50), 0);

  /* "primary" is read-only in an update: another value is refused; its own
   * value may be repeated, as for every read-only field (crm.h,
   * crm_contact_update), so a record read back can be sent again. */
  r = rec1i("primary", 1);
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "primary", "read_only",
        "update a non-primary contact with primary 1");
  crm_record_free(r);
  r = rec1i("primary", 0);
  FAILS(s, a, crm_contact_update(s, p, r), CRM_ERR_VALIDATION, "primary", "read_only",
        "update the primary contact with primary 0");
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_update(s, both, r)); /* its own value: accepted, nothing written */
  CHECK_UNCHANGED(s, a, &snap, "primary 0 repeated on a non-primary contact");
  crm_record_free(r);
  r = rec1i("primary", 1);
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_update(s, p, r));
  CHECK_UNCHANGED(s, a, &snap, "primary 1 repeated on the primary contact");
  set_text(r, "title", "总经理");
  snap = cust_snap(s, a);
  UPDATE_OK(s, p, r); /* frees r */
  {
    crm_record* got = NULL;
    const char* title = NULL;
    CustSnap now = cust_snap(s, a);
    CHECK_OK(crm_contact_get(s, p, &got));
    if (got) crm_record_get_text(got, "title", &title);
    CHECK(title && strcmp(title, "总经理") == 0, "the title change beside primary 1 was applied: %s",
          title ? title : "(null)");
    CHECK(now.version == snap.version + 1, "version %" PRId64 " -> %" PRId64, snap.version,
          now.version);
    crm_record_free(got);
  }

  /* decision_maker: 0 <-> 1 is major, other values refused. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, both, rec1i("decision_maker", 1));
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "decision_maker"), "0", "1", 1);
  snap = cust_snap(s, a);
  UPDATE_OK(s, dm, rec1i("decision_maker", 0));
  EXPECT_CHANGE(s, a, &snap, 1, fld(dm, "decision_maker"), "1", "0", 1);
  snap = cust_snap(s, a);
  r = rec1i("decision_maker", 1);
  CHECK_OK(crm_contact_update(s, both, r)); /* already 1 */
  crm_record_free(r);
  CHECK_UNCHANGED(s, a, &snap, "decision_maker 1 -> 1");
  /* Another field of a decision maker is not a major change. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, both, rec1("title", "副总经理"));
  EXPECT_CHANGE(s, a, &snap, 1, fld(both, "title"), "采购总监", "副总经理", 0);
  r = rec1i("decision_maker", 2);
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "decision_maker", NULL,
        "decision_maker 2");
  set_int(r, "decision_maker", -1);
  FAILS(s, a, crm_contact_update(s, both, r), CRM_ERR_VALIDATION, "decision_maker", NULL,
        "decision_maker -1");
  crm_record_free(r);
  /* The primary contact can be a decision maker. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, p, rec1i("decision_maker", 1));
  EXPECT_CHANGE(s, a, &snap, 1, fld(p, "decision_maker"), "0", "1", 1);
  /* A flag change with another field: one version, two rows, the flag's major. */
  {
    char rows[2048], title[256];
    crm_record* cur = NULL;
    /* (the title read now, so that a refused update above that leaked does
       not fail this part too) */
    CHECK_OK(crm_contact_get(s, p, &cur));
    snprintf(title, sizeof title, "%s", rtext(cur, "title"));
    crm_record_free(cur);
    snap = cust_snap(s, a);
    r = rec1i("decision_maker", 0);
    set_text(r, "title", "董事长");
    UPDATE_OK(s, p, r);
    history_tail(s, a, 2, rows, sizeof rows);
    CHECK(version_of(s, a) == snap.version + 1 && history_count(s, a) == snap.history + 2,
          "flag and title: version %" PRId64 ", %d rows", version_of(s, a), history_count(s, a));
    snprintf(want, sizeof want, "contact %s 1->0 1", fld(p, "decision_maker"));
    CHECK(strstr(rows, want) != NULL, "flag and title rows: [%s], expected one [%s]", rows, want);
    snprintf(want, sizeof want, "contact %s %s->董事长 0", fld(p, "title"), title);
    CHECK(strstr(rows, want) != NULL, "flag and title rows: [%s], expected one [%s]", rows, want);
    CHECK(streq(customer_contact(s, a), "王建国|+8613812345678|138 1234 5678|(null)|董事长"),
          "customer after the primary's title changed: %s", customer_contact(s, a));
  }

  /* Unknown ids. */
  r = rec1("title", "总经理");
  FAILS_PLAIN(s, a, crm_contact_update(s, 999999, r), CRM_ERR_NOT_FOUND, "update contact 999999");
  FAILS_PLAIN(s, a, crm_contact_update(s, 0, r), CRM_ERR_NOT_FOUND, "update contact 0");
  FAILS_PLAIN(s, a, crm_contact_update(s, -1, r), CRM_ERR_NOT_FOUND, "update contact -1");
  FAILS_PLAIN(s, a, crm_contact_update(s, INT64_MAX, r), CRM_ERR_NOT_FOUND,
              "update contact INT64_MAX");
  FAILS_PLAIN(s, a, crm_contact_update(s, INT64_MIN, r), CRM_ERR_NOT_FOUND,
              "update contact INT64_MIN");

  /* Archived customer: its contacts stay, and cannot change. */
  ac = ADD_OK(s, arch, contact_rec("孙丽", "13512345678", NULL, NULL));
  CHECK_OK(crm_customer_archive(s, arch, "客户注销"));
  FAILS_PLAIN(s, arch, crm_contact_update(s, ac, r), CRM_ERR_STATE, "update, archived customer");
  FAILS_PLAIN(s, arch, crm_contact_update(s, primary_of(s, arch), r), CRM_ERR_STATE,
              "update the primary, archived customer");
  crm_record_free(r);
  r = rec1i("decision_maker", 1);
  FAILS_PLAIN(s, arch, crm_contact_update(s, ac, r), CRM_ERR_STATE,
              "decision maker change, archived customer");
  crm_record_free(r);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Removing contacts and switching the primary                              */
/* ------------------------------------------------------------------------ */

static void test_remove_and_primary(void) {
  char path[800], a[16], b[16], arch[16], want[1024], rows[2048];
  crm_db* db = NULL;
  crm_session* s = NULL;
  crm_record *r = NULL, *got = NULL;
  crm_cursor* c = NULL;
  int64_t p, c1, c2, c3, c4, c5, ap, a1;
  LastHistory h;
  CustSnap snap;
  section("crm_contact_remove and crm_contact_make_primary");
  db_path_in(g_root, path, sizeof path, "remove");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  create_customer(s, "杭州恒达精密机械有限公司", a, sizeof a);
  create_customer(s, "苏州瑞丰电子科技有限公司", b, sizeof b);
  create_customer(s, "南京泰安光电科技有限公司", arch, sizeof arch);
  p = primary_of(s, a);
  c1 = ADD_OK(s, a, contact_rec("李娜", "13912345678", NULL, "采购经理"));
  r = contact_rec("周强", "13612345678", NULL, "总经理");
  set_int(r, "decision_maker", 1);
  c2 = ADD_OK(s, a, r);
  c3 = ADD_OK(s, a, contact_rec("赵敏", NULL, "zhaomin@hengda-jx.com", "技术总监"));
  c4 = ADD_OK(s, a, contact_rec("钱磊", "13712345678", NULL, NULL));
  c5 = ADD_OK(s, a, contact_rec("吴刚", "13612345670", NULL, NULL));

  /* Removing an ordinary contact: version + 1, one row with the reason. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_remove(s, c1, "已离职"));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", label(c1, "李娜"), "(null)", 0);
  h = last_history(s, a);
  CHECK(streq(h.reason, "已离职") && h.actor == 1 && h.at == T0 + 1000,
        "remove row: reason %s, actor %" PRId64 ", at %" PRId64, h.reason, h.actor, h.at);
  snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, p, c2,
           c3, c4, c5);
  CHECK(streq(ids_of(s, a), want), "contacts after a removal: [%s], expected [%s]", ids_of(s, a),
        want);

  /* A removed contact is not found by any call. */
  got = NULL;
  FAILS_PLAIN(s, a, crm_contact_get(s, c1, &got), CRM_ERR_NOT_FOUND, "get a removed contact");
  CHECK(got == NULL, "crm_contact_get of a removed contact returned a record");
  r = rec1("title", "顾问");
  FAILS_PLAIN(s, a, crm_contact_update(s, c1, r), CRM_ERR_NOT_FOUND, "update a removed contact");
  crm_record_free(r);
  r = rec1i("decision_maker", 1);
  FAILS_PLAIN(s, a, crm_contact_update(s, c1, r), CRM_ERR_NOT_FOUND,
              "make a removed contact a decision maker");
  crm_record_free(r);
  FAILS_PLAIN(s, a, crm_contact_remove(s, c1, NULL), CRM_ERR_NOT_FOUND, "remove it again");
  FAILS_PLAIN(s, a, crm_contact_remove(s, c1, "重复"), CRM_ERR_NOT_FOUND,
              "remove it again with a reason");
  FAILS_PLAIN(s, a, crm_contact_make_primary(s, c1), CRM_ERR_NOT_FOUND,
              "make a removed contact primary");

  /* Removing a decision maker is major. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_remove(s, c2, "调岗"));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", label(c2, "周强"), "(null)", 1);

  /* The primary contact cannot be removed. */
  FAILS_PLAIN(s, a, crm_contact_remove(s, p, NULL), CRM_ERR_CONFLICT, "remove the primary");
  FAILS_PLAIN(s, a, crm_contact_remove(s, p, "离职"), CRM_ERR_CONFLICT,
              "remove the primary with a reason");

  /* Making the primary primary: nothing changes. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_make_primary(s, p));
  CHECK_UNCHANGED(s, a, &snap, "make_primary on the primary");

  /* Switching: the customer takes the new primary's fields, the list puts
   * it first, the old primary becomes ordinary. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2000));
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_make_primary(s, c4));
  EXPECT_CHANGE(s, a, &snap, 1, "primary_contact", label(p, "王建国"), label(c4, "钱磊"), 0);
  snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " %" PRId64 " %" PRId64, c4, p, c3, c5);
  CHECK(streq(ids_of(s, a), want), "contacts after the switch: [%s], expected [%s]", ids_of(s, a),
        want);
  CHECK(streq(customer_contact(s, a), "钱磊|+8613712345678|137 1234 5678|(null)|(null)"),
        "customer after the switch: %s", customer_contact(s, a));
  snprintf(want, sizeof want, "王建国|(null)|+8613812345678|138 1234 5678|(null)|0|0|0|%s", a);
  CHECK(streq(contact_of(s, p), want), "the old primary: %s, expected %s", contact_of(s, p), want);
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_make_primary(s, c4));
  CHECK_UNCHANGED(s, a, &snap, "make_primary on the new primary");
  FAILS_PLAIN(s, a, crm_contact_remove(s, c4, NULL), CRM_ERR_CONFLICT, "remove the new primary");

  /* An e-mail-only primary with a title: the customer shows no phone. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_make_primary(s, c3));
  EXPECT_CHANGE(s, a, &snap, 1, "primary_contact", label(c4, "钱磊"), label(c3, "赵敏"), 0);
  CHECK(streq(customer_contact(s, a), "赵敏|(null)|(null)|zhaomin@hengda-jx.com|技术总监"),
        "customer with an e-mail-only primary: %s", customer_contact(s, a));
  snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " %" PRId64 " %" PRId64, c3, p, c4, c5);
  CHECK(streq(ids_of(s, a), want), "contacts: [%s], expected [%s]", ids_of(s, a), want);
  /* ... and the customer side changes the new primary. */
  snap = cust_snap(s, a);
  r = rec1("phone", "0571-88776655");
  CHECK_OK(crm_customer_update(s, a, r, NULL));
  crm_record_free(r);
  snprintf(want, sizeof want,
           "赵敏|技术总监|+8657188776655|0571 8877 6655|zhaomin@hengda-jx.com|0|1|0|%s", a);
  CHECK(streq(contact_of(s, c3), want), "new primary after a customer update: %s, expected %s",
        contact_of(s, c3), want);
  CHECK(version_of(s, a) == snap.version + 1,
        "customer phone update: version %" PRId64 ", expected %" PRId64, version_of(s, a),
        snap.version + 1);
  snprintf(want, sizeof want, "王建国|(null)|+8613812345678|138 1234 5678|(null)|0|0|0|%s", a);
  CHECK(streq(contact_of(s, p), want), "the old primary changed with the customer: %s",
        contact_of(s, p));

  /* The old primary can now be removed. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_remove(s, p, "更换对接人"));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", label(p, "王建国"), "(null)", 0);
  snprintf(want, sizeof want, "%" PRId64 "* %" PRId64 " %" PRId64, c3, c4, c5);
  CHECK(streq(ids_of(s, a), want), "contacts: [%s], expected [%s]", ids_of(s, a), want);
  CHECK(streq(customer_contact(s, a),
              "赵敏|+8657188776655|0571 8877 6655|zhaomin@hengda-jx.com|技术总监"),
        "removing another contact changed the customer: %s", customer_contact(s, a));

  /* A decision maker becoming primary is not itself a major change. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, c5, rec1i("decision_maker", 1));
  EXPECT_CHANGE(s, a, &snap, 1, fld(c5, "decision_maker"), "0", "1", 1);
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_make_primary(s, c5));
  EXPECT_CHANGE(s, a, &snap, 1, "primary_contact", label(c3, "赵敏"), label(c5, "吴刚"), 0);
  /* ... and an ordinary decision maker removed is major. */
  snap = cust_snap(s, a);
  UPDATE_OK(s, c4, rec1i("decision_maker", 1));
  EXPECT_CHANGE(s, a, &snap, 1, fld(c4, "decision_maker"), "0", "1", 1);
  snap = cust_snap(s, a);
  CHECK_OK(crm_contact_remove(s, c4, NULL));
  EXPECT_CHANGE(s, a, &snap, 1, "contacts", label(c4, "钱磊"), "(null)", 1);

  /* The full trail of this customer's primary switches. */
  history_tail(s, a, 64, rows, sizeof rows);
  {
    char sw[3][256];
    snprintf(sw[0], sizeof sw[0], "contact primary_contact %" PRId64 ":王建国->%" PRId64 ":钱磊 0",
             p, c4);
    snprintf(sw[1], sizeof sw[1], "contact primary_contact %" PRId64 ":钱磊->%" PRId64 ":赵敏 0",
             c4, c3);
    snprintf(sw[2], sizeof sw[2], "contact primary_contact %" PRId64 ":赵敏->%" PRId64 ":吴刚 0",
             c3, c5);
    CHECK(strstr(rows, sw[0]) && strstr(rows, sw[1]) && strstr(rows, sw[2]), "history: [%s]", rows);
  }

  /* Unknown ids. */
  FAILS_PLAIN(s, a, crm_contact_remove(s, 999999, NULL), CRM_ERR_NOT_FOUND, "remove 999999");
  FAILS_PLAIN(s, a, crm_contact_remove(s, 0, NULL), CRM_ERR_NOT_FOUND, "remove 0");
  FAILS_PLAIN(s, a, crm_contact_remove(s, -1, "x"), CRM_ERR_NOT_FOUND, "remove -1");
  FAILS_PLAIN(s, a, crm_contact_make_primary(s, 999999), CRM_ERR_NOT_FOUND, "make_primary 999999");
  FAILS_PLAIN(s, a, crm_contact_make_primary(s, 0), CRM_ERR_NOT_FOUND, "make_primary 0");
  FAILS_PLAIN(s, a, crm_contact_make_primary(s, INT64_MIN), CRM_ERR_NOT_FOUND,
              "make_primary INT64_MIN");
  got = NULL;
  FAILS_PLAIN(s, a, crm_contact_get(s, 999999, &got), CRM_ERR_NOT_FOUND, "get 999999");
  FAILS_PLAIN(s, a, crm_contact_get(s, 0, &got), CRM_ERR_NOT_FOUND, "get 0");
  FAILS_PLAIN(s, a, crm_contact_get(s, INT64_MAX, &got), CRM_ERR_NOT_FOUND, "get INT64_MAX");
  CHECK(got == NULL, "crm_contact_get of an unknown id returned a record");
  c = NULL;
  FAILS_PLAIN(s, a, crm_customer_contacts(s, "C9999", &c), CRM_ERR_NOT_FOUND,
              "contacts of an unknown customer");
  CHECK(c == NULL, "crm_customer_contacts of an unknown customer returned a cursor");

  /* Another customer's list is untouched by all this. */
  snprintf(want, sizeof want, "%" PRId64 "*", primary_of(s, b));
  CHECK(streq(ids_of(s, b), want), "contacts of %s: [%s], expected [%s]", b, ids_of(s, b), want);

  /* Archived customer: no remove, no switch; nothing written. */
  ap = primary_of(s, arch);
  a1 = ADD_OK(s, arch, contact_rec("孙丽", "13512345678", NULL, NULL));
  CHECK_OK(crm_customer_archive(s, arch, "客户注销"));
  FAILS_PLAIN(s, arch, crm_contact_remove(s, a1, NULL), CRM_ERR_STATE, "remove, archived customer");
  FAILS_PLAIN(s, arch, crm_contact_remove(s, a1, "离职"), CRM_ERR_STATE,
              "remove with a reason, archived customer");
  FAILS_PLAIN(s, arch, crm_contact_make_primary(s, a1), CRM_ERR_STATE,
              "make_primary, archived customer");
  FAILS_PLAIN(s, arch, crm_contact_make_primary(s, ap), CRM_ERR_STATE,
              "make_primary of the primary, archived customer");
  FAILS_PLAIN(s, arch, crm_contact_remove(s, ap, NULL), CRM_ERR_STATE,
              "remove the primary, archived customer");

  /* A switch rolled back leaves everything as it was. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_db_begin(db));
  CHECK_OK(crm_contact_make_primary(s, c3));
  CHECK_OK(crm_contact_remove(s, c5, NULL));
  CHECK_OK(crm_db_rollback(db));
  CHECK_UNCHANGED(s, a, &snap, "a switch and a removal rolled back");

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_contacts")) return 1;
  test_null_arguments();
  test_primary_mirror();
  test_add();
  test_update();
  test_remove_and_primary();
  rm_rf(g_root);
  return harness_finish();
}
