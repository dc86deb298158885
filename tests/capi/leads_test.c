/*
 * leads_test.c — leads (线索, R4) through libcrm's C interface (capi/crm.h),
 * in plain C99 as a host would call them:
 *
 *   - capture: every failing field named and nothing written; an
 *     external_id captured again (CRM_LEAD_REPEATED) or with other details
 *     (CRM_ERR_CONFLICT); a duplicate of an open lead by phone or e-mail
 *     (CRM_LEAD_DUPLICATE); a lead linked to an existing customer
 *     (CRM_LEAD_LINKED); the welcome message in the outbox;
 *   - scoring: seed 004's worked example, the high-value mark given once and
 *     told once, the explanation adding up to the score, decay under a
 *     half-life with a fixed clock, refused events and rules;
 *   - assignment rules by region and industry, a team's round robin passing
 *     by an absent user and one at the cap, the pool, rules that would match
 *     nobody;
 *   - the funnel's steps, conversion into a customer with the lead's history,
 *     the funnel report, list filters and paging, who sees which lead;
 *   - an event storm with a single high-value message, NULL arguments.
 *
 * The clock is fixed (2026-11-23 09:00 +08:00, moved explicitly where time
 * matters); nothing sleeps.  Prints one line per failed check and ends with
 * "N passed, M failed".
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)

/* 2026-11-23 09:00 in Shanghai, a Monday. */
#define T0 INT64_C(1795395600000)

static int open_db(crm_db** db, crm_session** admin) { return open_memory_db(db, admin, T0); }

/* ------------------------------------------------------------------------ */
/* Checks */

static void expect_text_at(const crm_record* r, const char* field, const char* want,
                           const char* what, int line) {
  char expected[512];
  const char* got = rtext(r, field);
  snprintf(expected, sizeof expected, "%s: %s = \"%s\"", what, field, want);
  check_at(strcmp(got, want) == 0, __FILE__, line, expected, "%s = \"%s\"", field, got);
}
#define EXPECT_TEXT(r, field, want, what) expect_text_at((r), (field), (want), (what), __LINE__)

static void expect_int_at(const crm_record* r, const char* field, int64_t want, const char* what,
                          int line) {
  char expected[512];
  int64_t got = rec_int(r, field);
  snprintf(expected, sizeof expected, "%s: %s = %" PRId64, what, field, want);
  check_at(got == want, __FILE__, line, expected, "%s = %" PRId64, field, got);
}
#define EXPECT_INT(r, field, want, what) expect_int_at((r), (field), (want), (what), __LINE__)

/* Stands for a missing number. */
#define NO_NUMBER (-1e300)

/* A real field of a record, NO_NUMBER when absent or not a number. */
static double rec_real(const crm_record* r, const char* field) {
  double v = NO_NUMBER;
  int32_t t = -1;
  if (!r || crm_record_type(r, field, &t) != CRM_OK) return NO_NUMBER;
  if (t == CRM_TYPE_INT) return (double)rec_int(r, field);
  if (t != CRM_TYPE_REAL || crm_record_get_real(r, field, &v) != CRM_OK) return NO_NUMBER;
  return v;
}

static void expect_real_at(double got, double want, const char* what, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s = %.6f", what, want);
  double d = got - want;
  check_at(d < 1e-6 && d > -1e-6, __FILE__, line, expected, "%s = %.6f", what, got);
}
#define EXPECT_REAL(got, want, what) expect_real_at((got), (want), (what), __LINE__)

/* Checks that `rc` is CRM_ERR_VALIDATION with exactly `n` field errors, one
 * of them (field, code). */
static void check_invalid_at(int rc, const char* field, const char* code, int32_t n,
                             const char* call, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s fails with CRM_ERR_VALIDATION on %s (%s), %d error(s)",
           call, field, code, (int)n);
  check_at(rc == CRM_ERR_VALIDATION && has_field_code(field, code) && crm_error_field_count() == n,
           __FILE__, line, expected, "%s: %s; %d field error(s), the first %s (%s)", sname(rc),
           crm_errmsg(), (int)crm_error_field_count(), crm_error_field_name(0),
           crm_error_field_code(0));
}
#define CHECK_INVALID(rc, call, field, code, n) \
  check_invalid_at((rc), (field), (code), (n), call, __LINE__)

/* ------------------------------------------------------------------------ */
/* Helpers */

/* The fields of a lead from the website form; NULL leaves a field out. */
static crm_record* lead_fields(const char* company, const char* person, const char* phone,
                               const char* email, const char* region, const char* industry) {
  crm_record* r = new_record();
  set_text(r, "channel", "website");
  if (company) set_text(r, "company", company);
  if (person) set_text(r, "person", person);
  if (phone) set_text(r, "phone", phone);
  if (email) set_text(r, "email", email);
  if (region) set_text(r, "region", region);
  if (industry) set_text(r, "industry", industry);
  set_text(r, "scale", "100-500人");
  set_text(r, "key_needs", "五轴数控机床选型咨询");
  return r;
}

/* Captures a lead; returns its id (0 after a reported failure) and the
 * outcome in *outcome (optional). */
static int64_t capture(crm_session* s, const char* company, const char* person, const char* phone,
                       const char* email, const char* region, const char* industry,
                       int32_t* outcome) {
  crm_record* r = lead_fields(company, person, phone, email, region, industry);
  int64_t id = 0;
  int32_t out = -1;
  int rc = crm_lead_capture(s, r, &id, &out);
  CHECK(rc == CRM_OK && id > 0, "crm_lead_capture(%s): %s: %s", company, sname(rc), crm_errmsg());
  crm_record_free(r);
  if (outcome) *outcome = out;
  return rc == CRM_OK ? id : 0;
}

/* The lead as crm_lead_get returns it (NULL after a reported failure). */
static crm_record* lead_of(crm_session* s, int64_t id) {
  crm_record* r = NULL;
  int rc = crm_lead_get(s, id, &r);
  CHECK(rc == CRM_OK && r != NULL, "crm_lead_get(%" PRId64 "): %s: %s", id, sname(rc),
        crm_errmsg());
  return r;
}

/* The lead's owner (0 in the pool, -1 on failure). */
static int64_t owner_of(crm_session* s, int64_t id) {
  crm_record* r = lead_of(s, id);
  int32_t t = -1;
  int64_t owner = -1;
  if (r && crm_record_type(r, "owner", &t) == CRM_OK)
    owner = t == CRM_TYPE_NULL ? 0 : rec_int(r, "owner");
  crm_record_free(r);
  return owner;
}

/* Records an event now; returns marked_now (-1 on failure). */
static int64_t event(crm_session* s, int64_t lead, const char* kind) {
  crm_record* out = NULL;
  int64_t marked;
  int rc = crm_lead_event(s, lead, kind, 0, NULL, &out);
  CHECK(rc == CRM_OK, "crm_lead_event(%" PRId64 ", %s): %s: %s", lead, kind, sname(rc),
        crm_errmsg());
  marked = rc == CRM_OK ? rec_int(out, "marked_now") : -1;
  crm_record_free(out);
  return marked;
}

/* The last outbox message count_outbox found. */
typedef struct outbox_msg {
  int64_t lead, recipient_user;
  char channel[32], address[128], message[512], recipient_role[64];
} outbox_msg;

/* Counts the outbox messages of `kind` (NULL = any) about lead `lead` (0 =
 * any), paging through crm_outbox_list; *last (optional) receives the last
 * such message. */
static int count_outbox(crm_session* admin, const char* kind, int64_t lead, outbox_msg* last) {
  int64_t after = 0;
  int n = 0;
  if (last) memset(last, 0, sizeof *last);
  for (;;) {
    crm_cursor* c = NULL;
    const crm_record* row = NULL;
    int rows = 0, rc = crm_outbox_list(admin, after, 1000, 0, &c);
    CHECK(rc == CRM_OK, "crm_outbox_list: %s: %s", sname(rc), crm_errmsg());
    if (rc != CRM_OK) return -1;
    while (crm_cursor_next(c, &row) == CRM_OK) {
      rows++;
      after = rec_int(row, "id");
      if (kind && strcmp(rtext(row, "kind"), kind) != 0) continue;
      if (lead && rec_int(row, "lead") != lead) continue;
      n++;
      if (last) {
        last->lead = rec_int(row, "lead");
        last->recipient_user = rec_int(row, "recipient_user");
        snprintf(last->recipient_role, sizeof last->recipient_role, "%s",
                 rtext(row, "recipient_role"));
        snprintf(last->channel, sizeof last->channel, "%s", rtext(row, "channel"));
        snprintf(last->address, sizeof last->address, "%s", rtext(row, "address"));
        snprintf(last->message, sizeof last->message, "%s", rtext(row, "message"));
      }
    }
    crm_cursor_close(c);
    if (rows < 1000) break;
  }
  return n;
}

/* The number of leads `s` lists with `q` (-1 on failure). */
static int count_leads(crm_session* s, const crm_lead_query* q) {
  crm_cursor* c = NULL;
  int n = -1;
  static const char* const cols[] = {"id", NULL};
  int rc = crm_lead_list(s, q, &c);
  CHECK(rc == CRM_OK, "crm_lead_list: %s: %s", sname(rc), crm_errmsg());
  if (rc != CRM_OK) return -1;
  rows_of(c, cols, &n);
  return n;
}

/* The ids `s` lists with `q`, as rows_of shows them. */
static const char* lead_ids(crm_session* s, const crm_lead_query* q) {
  crm_cursor* c = NULL;
  static const char* const cols[] = {"id", NULL};
  int rc = crm_lead_list(s, q, &c);
  CHECK(rc == CRM_OK, "crm_lead_list: %s: %s", sname(rc), crm_errmsg());
  if (rc != CRM_OK) return "(failed)";
  return rows_of(c, cols, NULL);
}

static void set_setting(crm_session* admin, const char* name, const char* value) {
  int rc = crm_setting_set(admin, name, value);
  CHECK(rc == CRM_OK, "crm_setting_set(%s, %s): %s: %s", name, value, sname(rc), crm_errmsg());
}

static void set_absent(crm_session* admin, int64_t user, int64_t absent) {
  crm_record* r = new_record();
  set_int(r, "absent", absent);
  CHECK_OK(crm_user_update(admin, user, r));
  crm_record_free(r);
}

/* An assignment rule; user 0 = the department's team.  Returns the status. */
static int add_route(crm_session* admin, const char* region, const char* industry, int64_t user,
                     const char* department, int64_t* id) {
  crm_record* r = new_record();
  int rc;
  if (region) set_text(r, "region", region);
  if (industry) set_text(r, "industry", industry);
  if (user) set_int(r, "user", user);
  if (department) set_text(r, "department", department);
  rc = crm_lead_route_add(admin, r, id);
  crm_record_free(r);
  return rc;
}

/* ------------------------------------------------------------------------ */

static void test_capture(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* r = NULL;
  outbox_msg msg;
  crm_lead_query q = CRM_LEAD_QUERY_INIT;
  int64_t id = 0, again = 0, dup = 0, linked = 0;
  int32_t outcome = -1;
  int rc, outbox_before;
  char customer[32];

  section("capture: validation, nothing written");
  if (!open_db(&db, &admin)) return;
  outbox_before = count_outbox(admin, NULL, 0, NULL);

  /* Nothing but a bad channel: channel, company and the contact are named. */
  r = new_record();
  set_text(r, "channel", "飞鸽传书");
  id = 0;
  rc = crm_lead_capture(admin, r, &id, NULL);
  CHECK_INVALID(rc, "capture without company or contact", "channel", "unknown_value", 3);
  CHECK_INVALID(rc, "capture without company or contact", "company", "required", 3);
  CHECK_INVALID(rc, "capture without company or contact", "phone", "contact_required", 3);
  EXPECT_I64(id, 0, "*out_id after a failed capture");
  crm_record_free(r);

  /* Bad values of every kind at once. */
  r = lead_fields("深圳市华强精密电子有限公司", "刘洋", "12345", "not-an-email", NULL, "炼金术");
  rc = crm_lead_capture(admin, r, NULL, NULL);
  check_at(rc == CRM_ERR_VALIDATION && crm_error_field_count() == 3 &&
               has_field_code("industry", "unknown_value"),
           __FILE__, __LINE__,
           "a bad phone, e-mail and industry: CRM_ERR_VALIDATION naming all three",
           "%s, %d field error(s): %s", sname(rc), (int)crm_error_field_count(), crm_errmsg());
  {
    int32_t i, n = crm_error_field_count();
    int phone = 0, email = 0;
    for (i = 0; i < n; i++) {
      phone |= strcmp(crm_error_field_name(i), "phone") == 0;
      email |= strcmp(crm_error_field_name(i), "email") == 0;
    }
    CHECK(phone && email, "phone named: %d, email named: %d (%s)", phone, email, crm_errmsg());
  }
  crm_record_free(r);
  EXPECT_I64(count_leads(admin, &q), 0, "leads after failed captures");
  EXPECT_I64(count_outbox(admin, NULL, 0, NULL), outbox_before, "outbox after failed captures");

  section("capture: the welcome message");
  id = capture(admin, "深圳市华强精密电子有限公司", "刘洋", "13812345678", NULL, "广东省深圳市",
               "制造业", &outcome);
  EXPECT_I64(outcome, CRM_LEAD_CREATED, "outcome of a first capture");
  r = lead_of(admin, id);
  EXPECT_TEXT(r, "stage", "captured", "a new lead");
  EXPECT_TEXT(r, "company", "深圳市华强精密电子有限公司", "a new lead");
  CHECK(strcmp(rtext(r, "phone"), "13812345678") != 0 && strcmp(rtext(r, "phone"), "(null)") != 0,
        "crm_lead_get's phone is masked: \"%s\"", rtext(r, "phone"));
  EXPECT_REAL(rec_real(r, "score"), 0.0, "a new lead's score");
  EXPECT_INT(r, "high_value", 0, "a new lead");
  crm_record_free(r);
  EXPECT_I64(count_outbox(admin, "lead_welcome", id, &msg), 1, "lead_welcome messages");
  check_at(strcmp(msg.channel, "sms") == 0, __FILE__, __LINE__,
           "the welcome message's channel is sms", "\"%s\"", msg.channel);
  EXPECT_I64(msg.lead, id, "the welcome message's lead");
  EXPECT_CONTAINS(msg.address, "13812345678", "the welcome message's address");
  check_at(strcmp(msg.recipient_role, "(null)") == 0 && msg.recipient_user == INT64_MIN, __FILE__,
           __LINE__, "the welcome message has no recipient user or role",
           "recipient_user %" PRId64 ", recipient_role \"%s\"", msg.recipient_user,
           msg.recipient_role);
  EXPECT_CONTAINS(msg.message, "刘洋", "the welcome message's text");

  section("capture: external_id repeated and conflicting");
  r = lead_fields("广州市天河云图科技有限公司", "陈静", NULL, "chenjing@yuntu.example.cn", NULL,
                  NULL);
  set_text(r, "external_id", "FORM-2026-0001");
  CHECK_OK(crm_lead_capture(admin, r, &again, &outcome));
  EXPECT_I64(outcome, CRM_LEAD_CREATED, "outcome of the form's first capture");
  dup = -1;
  outcome = -1;
  CHECK_OK(crm_lead_capture(admin, r, &dup, &outcome));
  EXPECT_I64(outcome, CRM_LEAD_REPEATED, "outcome of the same external_id again");
  EXPECT_I64(dup, again, "the lead of the repeated external_id");
  EXPECT_I64(count_outbox(admin, "lead_welcome", again, &msg), 1,
             "welcome messages after a repeated capture");
  /* An e-mail-only lead gets the sms rule's welcome by e-mail, at its address. */
  CHECK(strcmp(msg.channel, "email") == 0, "an e-mail-only lead's welcome: channel \"%s\"",
        msg.channel);
  CHECK(strcmp(msg.address, "chenjing@yuntu.example.cn") == 0,
        "an e-mail-only lead's welcome: address \"%s\"", msg.address);
  set_text(r, "company", "广州市天河云图信息技术有限公司");
  CHECK_FAIL(crm_lead_capture(admin, r, NULL, NULL), CRM_ERR_CONFLICT);
  crm_record_free(r);
  EXPECT_I64(count_leads(admin, &q), 2, "leads after the repeat and the conflict");

  section("capture: duplicate by phone and by e-mail");
  dup = capture(admin, "深圳华强精密电子", "刘洋", "13812345678", NULL, NULL, NULL, &outcome);
  EXPECT_I64(outcome, CRM_LEAD_DUPLICATE, "outcome of the same phone again");
  EXPECT_I64(dup, id, "the duplicate's lead");
  dup = capture(admin, "云图科技有限公司", "陈静", NULL, "chenjing@yuntu.example.cn", NULL, NULL,
                &outcome);
  EXPECT_I64(outcome, CRM_LEAD_DUPLICATE, "outcome of the same e-mail again");
  EXPECT_I64(dup, again, "the duplicate's lead (e-mail)");
  dup = capture(admin, "深圳华强精密电子", "刘洋", "+86 138-1234-5678", NULL, NULL, NULL, &outcome);
  EXPECT_I64(outcome, CRM_LEAD_DUPLICATE, "outcome of the same phone written differently");
  EXPECT_I64(dup, id, "the duplicate's lead (phone written differently)");
  EXPECT_I64(count_leads(admin, &q), 2, "leads after three duplicates");
  EXPECT_I64(count_outbox(admin, "lead_welcome", 0, NULL), 2,
             "welcome messages after two duplicates");

  section("capture: linked to an existing customer");
  create_customer_with(admin, "杭州恒达精密机械有限公司", "王建国", "13912345678", NULL, customer,
                       sizeof customer);
  linked = capture(admin, "杭州恒达精密机械有限公司", "王建国", "13912345678", NULL, NULL, NULL,
                   &outcome);
  EXPECT_I64(outcome, CRM_LEAD_LINKED, "outcome for a customer's phone");
  CHECK(linked != id && linked != again && linked > 0, "the linked lead is new: %" PRId64, linked);
  r = lead_of(admin, linked);
  EXPECT_TEXT(r, "customer", customer, "the linked lead");
  crm_record_free(r);

  section("capture: a lead waiting 24 hours in the pool");
  {
    int64_t rep_id = add_user(admin, "wang.fang", "王芳", "sales");
    crm_tick_report tick = CRM_TICK_REPORT_INIT;
    CHECK_OK(crm_lead_assign(admin, linked, rep_id, NULL));
    CHECK_OK(crm_db_clock_fixed(db, T0 + DAY - 1));
    CHECK_OK(crm_tick(admin, 0, &tick));
    EXPECT_I64(count_outbox(admin, "lead_unassigned", 0, NULL), 0,
               "lead_unassigned messages a millisecond before 24 hours");
    CHECK_OK(crm_db_clock_fixed(db, T0 + DAY));
    CHECK_OK(crm_tick(admin, 0, &tick));
    EXPECT_I64(count_outbox(admin, "lead_unassigned", id, NULL), 1,
               "lead_unassigned messages for the pool lead");
    EXPECT_I64(count_outbox(admin, "lead_unassigned", again, NULL), 1,
               "lead_unassigned messages for the other pool lead");
    EXPECT_I64(count_outbox(admin, "lead_unassigned", linked, NULL), 0,
               "lead_unassigned messages for the assigned lead");
    CHECK_OK(crm_tick(admin, 0, &tick));
    EXPECT_I64(count_outbox(admin, "lead_unassigned", 0, NULL), 2,
               "lead_unassigned messages after ticking again");
    CHECK_OK(crm_db_clock_fixed(db, T0));
  }

  section("capture: converting a linked lead links its customer");
  {
    char* cid = NULL;
    CHECK_OK(crm_lead_convert(admin, linked, NULL, NULL, &cid));
    check_at(cid != NULL && strcmp(cid, customer) == 0, __FILE__, __LINE__,
             "the linked lead converts into its customer", "customer %s, linked to %s",
             cid ? cid : "NULL", customer);
    crm_free(cid);
    {
      crm_customer_query cq = CRM_CUSTOMER_QUERY_INIT;
      int64_t n = -1;
      CHECK_OK(crm_customer_count(admin, &cq, &n));
      EXPECT_I64(n, 1, "customers after converting a linked lead");
    }
    /* The converted lead's phone is a customer's now: a new, linked lead. */
    dup = capture(admin, "杭州恒达精密机械有限公司", "王建国", "13912345678", NULL, NULL, NULL,
                  &outcome);
    EXPECT_I64(outcome, CRM_LEAD_LINKED, "capturing a converted lead's phone again");
    CHECK(dup != linked, "a new lead: %" PRId64 " (the converted one is %" PRId64 ")", dup, linked);
  }

  section("capture: unmask");
  CHECK_FAIL(crm_lead_unmask(admin, id, NULL, &r), CRM_ERR_INVALID_ARG);
  r = NULL;
  CHECK_OK(crm_lead_unmask(admin, id, "客户回电核实", &r));
  EXPECT_CONTAINS(rtext(r, "phone"), "13812345678", "the unmasked phone");
  crm_record_free(r);

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_scoring(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* out = NULL;
  crm_record* r = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t lead, other, marks = 0;
  double sum = 0;
  int rows = 0, rc;

  section("scoring: seed 004's example");
  if (!open_db(&db, &admin)) return;
  lead =
      capture(admin, "深圳市华强精密电子有限公司", "刘洋", "13812345678", NULL, NULL, NULL, NULL);
  CHECK_OK(crm_lead_event(admin, lead, "product_view", T0 - 2 * HOUR, "产品页：五轴机床", NULL));
  CHECK_OK(crm_lead_event(admin, lead, "product_view", T0 - HOUR, NULL, &out));
  EXPECT_REAL(rec_real(out, "score"), 4.0, "score after two product_view");
  EXPECT_INT(out, "high_value", 0, "after two product_view");
  EXPECT_INT(out, "marked_now", 0, "after two product_view");
  crm_record_free(out);
  out = NULL;
  r = lead_of(admin, lead);
  EXPECT_REAL(rec_real(r, "score"), 4.0, "crm_lead_get's score after two product_view");
  EXPECT_INT(r, "high_value", 0, "crm_lead_get after two product_view");
  crm_record_free(r);

  section("scoring: crossing 8 marks once");
  marks += event(admin, lead, "inquiry"); /* 7 */
  EXPECT_I64(marks, 0, "marked_now at 7");
  CHECK_OK(crm_lead_event(admin, lead, "download", 0, NULL, &out)); /* 9 */
  EXPECT_INT(out, "marked_now", 1, "the event that reached 9");
  EXPECT_INT(out, "high_value", 1, "the event that reached 9");
  EXPECT_REAL(rec_real(out, "score"), 9.0, "score after the crossing event");
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_lead_event(admin, lead, "visit", 0, NULL, &out)); /* 14 */
  EXPECT_INT(out, "marked_now", 0, "an event after the mark");
  EXPECT_INT(out, "high_value", 1, "an event after the mark");
  crm_record_free(out);
  out = NULL;
  {
    outbox_msg hv;
    EXPECT_I64(count_outbox(admin, "lead_high_value", lead, &hv), 1, "lead_high_value messages");
    check_at(strcmp(hv.recipient_role, "sales_manager") == 0, __FILE__, __LINE__,
             "a pool lead's high-value message goes to the sales managers",
             "recipient_role \"%s\", recipient_user %" PRId64, hv.recipient_role,
             hv.recipient_user);
    EXPECT_CONTAINS(hv.message, "深圳市华强精密电子有限公司", "the high-value message");
  }
  r = lead_of(admin, lead);
  EXPECT_INT(r, "high_value", 1, "crm_lead_get after the mark");
  EXPECT_INT(r, "high_value_at", T0, "crm_lead_get after the mark");
  EXPECT_REAL(rec_real(r, "score"), 14.0, "crm_lead_get's score");
  crm_record_free(r);

  section("scoring: the explanation adds up");
  CHECK_OK(crm_lead_score_explain(admin, lead, &c));
  while (c && crm_cursor_next(c, &row) == CRM_OK) {
    rows++;
    sum += rec_real(row, "effective");
    if (rows == 1) {
      EXPECT_TEXT(row, "kind", "product_view", "the first explanation row");
      EXPECT_TEXT(row, "label", "浏览产品页", "the first explanation row");
      EXPECT_INT(row, "points", 2, "the first explanation row");
      EXPECT_INT(row, "at", T0 - 2 * HOUR, "the first explanation row");
      EXPECT_REAL(rec_real(row, "weight"), 1.0, "the first row's weight without decay");
      EXPECT_TEXT(row, "note", "产品页：五轴机床", "the first explanation row");
    }
  }
  crm_cursor_close(c);
  c = NULL;
  EXPECT_I64(rows, 5, "explanation rows (one per scoring event)");
  EXPECT_REAL(sum, 14.0, "the sum of the effective points");

  section("scoring: refused events and rules");
  CHECK_FAIL(crm_lead_event(admin, 99999, "product_view", 0, NULL, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_event(admin, lead, "telepathy", 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_event(admin, lead, "product_view", T0 + 1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_explain(admin, 99999, &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_score_rule_set(admin, "webinar", 0, "参加直播", "Webinar"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_set(admin, "webinar", 101, "参加直播", "Webinar"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_set(admin, "Bad-Kind", 5, "坏", "Bad"), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_lead_score_rule_set(admin, "webinar", 100, "参加直播", "Webinar"));
  {
    static const char* const cols[] = {"kind", "points", "label", NULL};
    c = NULL;
    CHECK_OK(crm_lead_score_rule_list(admin, &c));
    rows = 0;
    {
      const char* got = rows_of(c, cols, &rows);
      EXPECT_CONTAINS(got, "webinar 100 参加直播", "the scoring rules");
      EXPECT_CONTAINS(got, "product_view 2 浏览产品页", "the scoring rules");
      EXPECT_CONTAINS(got, "inquiry 3 咨询详情", "the scoring rules");
    }
    c = NULL;
  }
  rows = 0;
  CHECK_OK(crm_lead_score_explain(admin, lead, &c));
  while (c && crm_cursor_next(c, &row) == CRM_OK) rows++;
  crm_cursor_close(c);
  c = NULL;
  EXPECT_I64(rows, 5, "explanation rows after refused events");

  section("scoring: half-life decay with a fixed clock");
  set_setting(admin, "lead.score_half_life_days", "1");
  other = capture(admin, "苏州纳微科技股份有限公司", "周强", "13712345678", NULL, NULL, NULL, NULL);
  CHECK_OK(crm_lead_event(admin, other, "visit", T0 - DAY, NULL, &out)); /* 5 a day ago */
  EXPECT_REAL(rec_real(out, "score"), 2.5, "a visit a day old under a one-day half-life");
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_lead_event(admin, other, "product_view", 0, NULL, &out));
  EXPECT_REAL(rec_real(out, "score"), 4.5, "plus a product_view now");
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_db_clock_fixed(db, T0 + DAY));
  r = lead_of(admin, other);
  EXPECT_REAL(rec_real(r, "score"), 2.25, "the score a day later");
  crm_record_free(r);
  sum = 0;
  rows = 0;
  CHECK_OK(crm_lead_score_explain(admin, other, &c));
  while (c && crm_cursor_next(c, &row) == CRM_OK) {
    rows++;
    sum += rec_real(row, "effective");
    if (rows == 1) EXPECT_REAL(rec_real(row, "weight"), 0.25, "a two-day-old event's weight");
    if (rows == 2) EXPECT_REAL(rec_real(row, "weight"), 0.5, "a one-day-old event's weight");
  }
  crm_cursor_close(c);
  c = NULL;
  EXPECT_REAL(sum, 2.25, "the decayed explanation's sum");
  /* The first lead's 14 points decay too; its mark stays. */
  r = lead_of(admin, lead);
  EXPECT_INT(r, "high_value", 1, "a marked lead after decay");
  CHECK(rec_real(r, "score") < 8.0, "the first lead's score a day later decays below 8: %f",
        rec_real(r, "score"));
  crm_record_free(r);
  set_setting(admin, "lead.score_half_life_days", "0");
  CHECK_OK(crm_db_clock_fixed(db, T0));
  rc = crm_lead_get(admin, other, &r);
  CHECK(rc == CRM_OK, "crm_lead_get: %s", sname(rc));
  EXPECT_REAL(rec_real(r, "score"), 7.0, "without a half-life the score is the plain sum");
  crm_record_free(r);

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_assignment(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* r = NULL;
  crm_cursor* c = NULL;
  int64_t sz, a, b, cc, mkt, gone, rid = 0, team = 0, owner = -1, lead, l1, l2, l3, l4, l5, l6;
  int64_t pool_lead, extra;

  section("assignment: rules by region and industry");
  if (!open_db(&db, &admin)) return;
  sz = add_user_in(admin, "zhao.lei", "赵磊", "sales", "华南销售部");
  a = add_user(admin, "wang.fang", "王芳", "sales");
  b = add_user(admin, "li.na", "李娜", "sales");
  cc = add_user(admin, "zhang.wei", "张伟", "sales");
  add_user(admin, "sun.jie", "孙杰", "sales_manager"); /* not part of the team */
  mkt = add_user_in(admin, "zhou.min", "周敏", "marketing", "市场部");
  gone = add_user_in(admin, "qian.hao", "钱浩", "sales", "华南销售部");
  r = new_record();
  set_int(r, "active", 0);
  CHECK_OK(crm_user_update(admin, gone, r));
  crm_record_free(r);

  CHECK_OK(add_route(admin, "深圳市", "制造业", sz, NULL, &rid));
  CHECK(rid > 0, "the rule's id: %" PRId64, rid);
  CHECK_OK(add_route(admin, "上海", NULL, 0, "华东销售部", &team));
  {
    static const char* const cols[] = {"id", "region", "industry", "user", "department", NULL};
    char want[256];
    snprintf(want, sizeof want,
             "%" PRId64 " 深圳市 manufacturing %" PRId64 " -|%" PRId64 " 上海 - - 华东销售部", rid,
             sz, team);
    CHECK_OK(crm_lead_route_list(admin, &c));
    EXPECT_ROWS(c, cols, want, "the assignment rules");
    c = NULL;
  }

  /* Screening routes (lead.auto_assign "screened", the default). */
  lead = capture(admin, "深圳市华强精密电子有限公司", "刘洋", "13812345678", NULL,
                 "广东省深圳市南山区", "制造业", NULL);
  EXPECT_I64(owner_of(admin, lead), 0, "a captured lead waits in the pool");
  CHECK_OK(crm_lead_advance(admin, lead, "screened", NULL));
  EXPECT_I64(owner_of(admin, lead), sz, "the Shenzhen manufacturing lead after screening");
  r = lead_of(admin, lead);
  EXPECT_TEXT(r, "stage", "assigned", "a routed lead");
  EXPECT_CONTAINS(rtext(r, "route_note"), "赵磊", "the routed lead's route_note");
  EXPECT_INT(r, "screened_at", T0, "a routed lead");
  EXPECT_INT(r, "assigned_at", T0, "a routed lead");
  crm_record_free(r);
  EXPECT_I64(count_outbox(admin, "lead_assigned", lead, NULL), 1, "lead_assigned messages");

  /* Same region, another industry: no rule for it → the pool. */
  pool_lead = capture(admin, "深圳市蓝海贸易有限公司", "黄丽", "13612345678", NULL, "广东省深圳市",
                      "零售业", NULL);
  CHECK_OK(crm_lead_assign(admin, pool_lead, 0, &owner));
  EXPECT_I64(owner, 0, "*out_owner when no rule matches");
  r = lead_of(admin, pool_lead);
  EXPECT_TEXT(r, "owner", "(null)", "a lead no rule matches");
  EXPECT_CONTAINS(rtext(r, "route_note"), "no assignment rule matches",
                  "the unmatched lead's route_note");
  crm_record_free(r);

  section("assignment: team round robin, absent and capped users skipped");
  set_setting(admin, "lead.max_open_per_user", "0");
  l1 = capture(admin, "上海浦江机电设备有限公司", "吴刚", "13512345671", NULL, "上海市浦东新区",
               NULL, NULL);
  l2 = capture(admin, "上海申达自动化科技有限公司", "郑爽", "13512345672", NULL, "上海市闵行区",
               NULL, NULL);
  l3 = capture(admin, "上海宏远包装材料有限公司", "冯涛", "13512345673", NULL, "上海市嘉定区", NULL,
               NULL);
  CHECK_OK(crm_lead_assign(admin, l1, 0, &owner));
  EXPECT_I64(owner, a, "round robin: the first");
  r = lead_of(admin, l1);
  EXPECT_CONTAINS(rtext(r, "route_note"), "round robin", "a team lead's route_note");
  crm_record_free(r);
  CHECK_OK(crm_lead_assign(admin, l2, 0, &owner));
  EXPECT_I64(owner, b, "round robin: the second");
  CHECK_OK(crm_lead_assign(admin, l3, 0, &owner));
  EXPECT_I64(owner, cc, "round robin: the third");
  {
    static const char* const cols[] = {"department", "last_user", NULL};
    char want[128];
    snprintf(want, sizeof want, "- -|华东销售部 %" PRId64, cc);
    CHECK_OK(crm_lead_route_list(admin, &c));
    EXPECT_ROWS(c, cols, want, "the team's round-robin cursor");
    c = NULL;
  }
  /* Now 王芳, 李娜, 张伟 have one open lead each.  张伟 takes a second by
   * hand, then the cap is 2 and 李娜 is away. */
  extra = capture(admin, "上海新锐软件有限公司", "何静", "13512345674", NULL, "江苏省南京市", NULL,
                  NULL);
  CHECK_OK(crm_lead_assign(admin, extra, cc, &owner));
  EXPECT_I64(owner, cc, "assigned by hand");
  set_setting(admin, "lead.max_open_per_user", "2");
  set_absent(admin, b, 1);
  l4 = capture(admin, "上海华亭食品有限公司", "蒋琳", "13512345675", NULL, "上海市松江区", NULL,
               NULL);
  CHECK_OK(crm_lead_assign(admin, l4, 0, &owner));
  EXPECT_I64(owner, a, "round robin past the absent 李娜 and the capped 张伟");
  l5 = capture(admin, "上海恒信物流有限公司", "韩雪", "13512345676", NULL, "上海市青浦区", NULL,
               NULL);
  CHECK_OK(crm_lead_assign(admin, l5, 0, &owner));
  EXPECT_I64(owner, 0, "nobody available: the pool");
  r = lead_of(admin, l5);
  EXPECT_TEXT(r, "owner", "(null)", "a lead nobody could take");
  EXPECT_CONTAINS(rtext(r, "route_note"), "nobody in 华东销售部 available",
                  "the pooled lead's route_note");
  crm_record_free(r);
  /* By hand, too: the absent and the capped are refused. */
  CHECK_FAIL(crm_lead_assign(admin, l5, b, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_assign(admin, l5, cc, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_assign(admin, l5, gone, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_assign(admin, l5, 9999, NULL), CRM_ERR_NOT_FOUND);
  EXPECT_I64(owner_of(admin, l5), 0, "the pooled lead after refused assignments");
  set_absent(admin, b, 0);
  CHECK_OK(crm_lead_assign(admin, l5, 0, &owner));
  EXPECT_I64(owner, b, "李娜 back: the team's next");
  l6 =
      capture(admin, "上海东方测控技术有限公司", "曹敏", "13512345677", NULL, "上海市", NULL, NULL);
  CHECK_OK(crm_lead_assign(admin, l6, 0, &owner));
  EXPECT_I64(owner, 0, "everyone at the cap: the pool");
  set_setting(admin, "lead.max_open_per_user", "50");

  section("assignment: a rule's absent user is passed by");
  set_absent(admin, sz, 1);
  lead = capture(admin, "深圳市龙岗精密模具有限公司", "罗娟", "13412345670", NULL, "深圳市龙岗区",
                 "制造业", NULL);
  CHECK_OK(crm_lead_assign(admin, lead, 0, &owner));
  EXPECT_I64(owner, 0, "the rule's only user is absent");
  r = lead_of(admin, lead);
  EXPECT_CONTAINS(rtext(r, "route_note"), "absent", "the route_note of a lead whose user is away");
  crm_record_free(r);
  set_absent(admin, sz, 0);
  CHECK_OK(crm_lead_assign(admin, lead, 0, &owner));
  EXPECT_I64(owner, sz, "the rule's user is back");

  section("assignment: the cap counts open leads only");
  set_setting(admin, "lead.max_open_per_user", "1");
  /* 赵磊 has two open leads now; closing both makes room for one. */
  {
    crm_lead_query mine = CRM_LEAD_QUERY_INIT;
    crm_cursor* ml = NULL;
    const crm_record* row = NULL;
    int64_t ids[8];
    int n = 0, i;
    mine.owner = sz;
    CHECK_OK(crm_lead_list(admin, &mine, &ml));
    while (ml && crm_cursor_next(ml, &row) == CRM_OK && n < 8) ids[n++] = rec_int(row, "id");
    crm_cursor_close(ml);
    EXPECT_I64(n, 2, "赵磊's open leads");
    for (i = 0; i < n; i++) CHECK_OK(crm_lead_advance(admin, ids[i], "disqualified", "重复线索"));
  }
  extra = capture(admin, "深圳市福田电子商务有限公司", "谢婷", "13412345600", NULL, "深圳市",
                  "制造业", NULL);
  CHECK_OK(crm_lead_assign(admin, extra, 0, &owner));
  EXPECT_I64(owner, sz, "closed leads do not count against the cap");
  extra = capture(admin, "深圳市罗湖精密仪器有限公司", "许杰", "13412345601", NULL, "深圳市",
                  "制造业", NULL);
  CHECK_OK(crm_lead_assign(admin, extra, 0, &owner));
  EXPECT_I64(owner, 0, "one open lead with a cap of 1: the pool");
  set_setting(admin, "lead.max_open_per_user", "50");

  section("assignment: auto_assign at capture");
  set_setting(admin, "lead.auto_assign", "captured");
  lead = capture(admin, "深圳市南山精工机械有限公司", "邓超", "13412345678", NULL, "深圳", "制造业",
                 NULL);
  EXPECT_I64(owner_of(admin, lead), sz, "routed at capture");
  set_setting(admin, "lead.auto_assign", "off");
  lead = capture(admin, "深圳市宝安精工机械有限公司", "彭宇", "13412345679", NULL, "深圳", "制造业",
                 NULL);
  CHECK_OK(crm_lead_advance(admin, lead, "screened", NULL));
  EXPECT_I64(owner_of(admin, lead), 0, "auto_assign off: screening does not route");
  CHECK_FAIL(crm_setting_set(admin, "lead.auto_assign", "always"), CRM_ERR_INVALID_ARG);
  set_setting(admin, "lead.auto_assign", "screened");

  section("assignment: rules that would match nobody");
  CHECK_FAIL(add_route(admin, "深圳", NULL, gone, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(add_route(admin, "广州", NULL, 0, "市场部", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(add_route(admin, "广州", NULL, 0, "不存在的部门", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(add_route(admin, "广州", NULL, a, "华东销售部", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(add_route(admin, "广州", NULL, 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  {
    crm_session* m = open_as(db, mkt);
    CHECK_FAIL(add_route(m, "广州", NULL, a, NULL, NULL), CRM_ERR_PERMISSION);
    crm_session_close(m);
  }
  CHECK_OK(crm_lead_route_remove(admin, rid));
  CHECK_FAIL(crm_lead_route_remove(admin, rid), CRM_ERR_NOT_FOUND);
  {
    int n = 0;
    static const char* const cols[] = {"id", NULL};
    CHECK_OK(crm_lead_route_list(admin, &c));
    rows_of(c, cols, &n);
    c = NULL;
    EXPECT_I64(n, 1, "rules after removing one and refusing five");
  }

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_funnel_steps(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_session* rep = NULL;
  crm_record* r = NULL;
  crm_record* f = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char* cid = NULL;
  int64_t sales, lead, pool, lost, rows = 0, lead_rows = 0;

  section("advance: forward only, disqualify with a reason");
  if (!open_db(&db, &admin)) return;
  sales = add_user(admin, "wang.fang", "王芳", "sales");
  rep = open_as(db, sales);
  pool = capture(admin, "上海浦江机电设备有限公司", "吴刚", "13512345671", NULL, "上海市", "制造业",
                 NULL);
  CHECK_FAIL(crm_lead_advance(admin, pool, "following", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_advance(admin, pool, "converted", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_advance(admin, pool, "assigned", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_advance(admin, 99999, "screened", NULL), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_lead_advance(admin, pool, "初步筛选", NULL)); /* a label */
  r = lead_of(admin, pool);
  EXPECT_TEXT(r, "stage", "screened", "advanced by label");
  EXPECT_INT(r, "screened_at", T0, "advanced by label");
  crm_record_free(r);
  CHECK_FAIL(crm_lead_convert(admin, pool, "intent", NULL, &cid), CRM_ERR_STATE);
  CHECK(cid == NULL, "no customer id after a refused conversion: %s", cid ? cid : "NULL");

  /* A salesperson's own capture is theirs. */
  lead = capture(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, "浙江省杭州市",
                 "制造业", NULL);
  r = lead_of(rep, lead);
  EXPECT_INT(r, "owner", sales, "a salesperson's capture");
  EXPECT_TEXT(r, "stage", "assigned", "a salesperson's capture");
  EXPECT_INT(r, "screened_at", T0, "the skipped step's time");
  crm_record_free(r);
  CHECK_OK(crm_db_clock_fixed(db, T0 + HOUR));
  CHECK_OK(crm_lead_event(rep, lead, "product_view", T0 + 10 * 60000, NULL, NULL));
  CHECK_OK(crm_lead_event(rep, lead, "inquiry", 0, "询问交货期", NULL));
  CHECK_OK(crm_lead_advance(rep, lead, "following", NULL));
  CHECK_FAIL(crm_lead_advance(rep, lead, "screened", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_advance(rep, lead, "disqualified", NULL), CRM_ERR_INVALID_ARG);
  r = lead_of(rep, lead);
  EXPECT_TEXT(r, "stage", "following", "after refused steps");
  crm_record_free(r);

  lost = capture(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", NULL, NULL, NULL, NULL);
  CHECK_OK(crm_lead_advance(rep, lost, "disqualified", "空号，无法联系"));
  r = lead_of(rep, lost);
  EXPECT_TEXT(r, "stage", "disqualified", "a disqualified lead");
  EXPECT_TEXT(r, "disqualify_reason", "空号，无法联系", "a disqualified lead");
  crm_record_free(r);
  CHECK_FAIL(crm_lead_advance(rep, lost, "screened", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_advance(rep, lost, "following", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_event(rep, lost, "visit", 0, NULL, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_convert(rep, lost, NULL, NULL, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_assign(admin, lost, sales, NULL), CRM_ERR_STATE);
  {
    int32_t outcome = -1;
    int64_t again =
        capture(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", NULL, NULL, NULL, &outcome);
    EXPECT_I64(outcome, CRM_LEAD_CREATED, "a disqualified lead's phone captured again");
    CHECK(again != lost, "a new lead: %" PRId64 " (the disqualified one is %" PRId64 ")", again,
          lost);
    CHECK_OK(crm_lead_advance(rep, again, "disqualified", "重复提交"));
  }

  section("convert: into an intent customer with the lead's history");
  CHECK_FAIL(crm_lead_convert(rep, lead, "vip", NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2 * HOUR));
  f = new_record();
  set_text(f, "priority", "高");
  CHECK_OK(crm_lead_convert(rep, lead, "intent", f, &cid));
  crm_record_free(f);
  CHECK(cid != NULL && cid[0] == 'C', "the customer's id: %s", cid ? cid : "NULL");
  if (cid) {
    CHECK_OK(crm_customer_get(rep, cid, &r));
    EXPECT_TEXT(r, "type", "intent", "the converted customer");
    EXPECT_TEXT(r, "name", "杭州恒达精密机械有限公司", "the converted customer");
    EXPECT_TEXT(r, "source", "website", "the converted customer");
    EXPECT_INT(r, "owner", sales, "the converted customer");
    crm_record_free(r);
    r = NULL;
    CHECK_OK(crm_customer_history(rep, cid, &c));
    while (c && crm_cursor_next(c, &row) == CRM_OK) {
      rows++;
      if (strcmp(rtext(row, "kind"), "lead") == 0) {
        lead_rows++;
        if (contains(rtext(row, "after"), "product_view"))
          EXPECT_INT(row, "at", T0 + 10 * 60000, "the product_view history row's time");
        if (contains(rtext(row, "after"), "inquiry"))
          EXPECT_TEXT(row, "reason", "询问交货期", "the inquiry history row");
      }
    }
    crm_cursor_close(c);
    c = NULL;
    /* capture, assign, product_view, inquiry, stage→following, converted. */
    CHECK(lead_rows >= 5, "history rows of kind lead: %" PRId64 " of %" PRId64, lead_rows, rows);
  }
  r = lead_of(rep, lead);
  EXPECT_TEXT(r, "stage", "converted", "a converted lead");
  EXPECT_TEXT(r, "customer", cid ? cid : "?", "a converted lead");
  EXPECT_INT(r, "converted_at", T0 + 2 * HOUR, "a converted lead");
  crm_record_free(r);
  crm_free(cid);
  cid = NULL;
  CHECK_FAIL(crm_lead_convert(rep, lead, "intent", NULL, &cid), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_advance(rep, lead, "following", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_lead_event(rep, lead, "visit", 0, NULL, NULL), CRM_ERR_STATE);

  section("funnel: rows by period and channel");
  CHECK_OK(crm_db_clock_fixed(db, T0 + DAY));
  {
    crm_record* fl =
        lead_fields("北京中科天成信息技术有限公司", "杨帆", "13312345678", NULL, NULL, NULL);
    set_text(fl, "channel", "trade_show");
    CHECK_OK(crm_lead_capture(rep, fl, NULL, NULL));
    crm_record_free(fl);
  }
  {
    static const char* const cols[] = {"period",    "channel",      "captured",
                                       "screened",  "assigned",     "following",
                                       "converted", "disqualified", NULL};
    CHECK_OK(crm_lead_funnel(admin, T0 - DAY, 0, "day", &c));
    EXPECT_ROWS(c, cols,
                "2026-11-23 - 4 4 3 1 1 2|2026-11-23 website 4 4 3 1 1 2|"
                "2026-11-24 - 1 1 1 0 0 0|2026-11-24 trade_show 1 1 1 0 0 0",
                "the daily funnel");
    c = NULL;
    CHECK_OK(crm_lead_funnel(admin, T0 - DAY, 0, "all", &c));
    while (c && crm_cursor_next(c, &row) == CRM_OK) {
      int32_t t = -1;
      crm_record_type(row, "channel", &t);
      if (t == CRM_TYPE_NULL) {
        EXPECT_TEXT(row, "period", "all", "the overall row");
        EXPECT_INT(row, "captured", 5, "the overall row");
        EXPECT_REAL(rec_real(row, "conversion_rate"), 0.2, "the overall conversion_rate");
      } else if (strcmp(rtext(row, "channel"), "website") == 0) {
        EXPECT_REAL(rec_real(row, "conversion_rate"), 0.25, "the website conversion_rate");
      }
    }
    crm_cursor_close(c);
    c = NULL;
    CHECK_OK(crm_lead_funnel(rep, T0 - DAY, 0, "week", &c));
    EXPECT_ROWS(c, cols,
                "2026-W48 - 4 4 4 1 1 2|2026-W48 trade_show 1 1 1 0 0 0|"
                "2026-W48 website 3 3 3 1 1 2",
                "the salesperson's weekly funnel (their own leads)");
    c = NULL;
    CHECK_OK(crm_lead_funnel(admin, T0 - DAY, 0, "month", &c));
    EXPECT_ROWS(c, cols,
                "2026-11 - 5 5 4 1 1 2|2026-11 trade_show 1 1 1 0 0 0|"
                "2026-11 website 4 4 3 1 1 2",
                "the monthly funnel");
    c = NULL;
    CHECK_OK(crm_lead_funnel(admin, T0 + DAY, 0, "all", &c));
    EXPECT_ROWS(c, cols, "all - 1 1 1 0 0 0|all trade_show 1 1 1 0 0 0",
                "the funnel from the second day");
    c = NULL;
    CHECK_FAIL(crm_lead_funnel(admin, 0, 0, "year", &c), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_lead_funnel(admin, T0, T0, "day", &c), CRM_ERR_INVALID_ARG);
  }

  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_lists_and_permissions(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_session* s1 = NULL;
  crm_session* s2 = NULL;
  crm_session* mgr = NULL;
  crm_session* mgr2 = NULL;
  crm_session* mkt = NULL;
  crm_record* r = NULL;
  crm_lead_query q = CRM_LEAD_QUERY_INIT;
  int64_t u1, u2, m, m2, k, own1, own2, pool, south;
  char want[256];

  section("list: filters and paging");
  if (!open_db(&db, &admin)) return;
  u1 = add_user(admin, "wang.fang", "王芳", "sales");
  u2 = add_user(admin, "li.na", "李娜", "sales");
  m = add_user(admin, "sun.jie", "孙杰", "sales_manager");
  m2 = add_user_in(admin, "liang.yu", "梁宇", "sales_manager", "华南销售部");
  k = add_user_in(admin, "zhou.min", "周敏", "marketing", "市场部");
  s1 = open_as(db, u1);
  s2 = open_as(db, u2);
  mgr = open_as(db, m);
  mgr2 = open_as(db, m2);
  mkt = open_as(db, k);
  own1 = capture(s1, "上海浦江机电设备有限公司", "吴刚", "13512345671", NULL, NULL, NULL, NULL);
  own2 = capture(s2, "上海申达自动化科技有限公司", "郑爽", "13512345672", NULL, NULL, NULL, NULL);
  pool = capture(mkt, "上海宏远包装材料有限公司", "冯涛", "13512345673", NULL, NULL, NULL, NULL);
  south = capture(mkt, "深圳市蓝海贸易有限公司", "黄丽", "13612345678", NULL, NULL, NULL, NULL);
  CHECK_OK(crm_lead_advance(mkt, pool, "screened", NULL));
  EXPECT_I64(owner_of(admin, pool), 0, "a screened lead without rules stays in the pool");
  CHECK_OK(crm_lead_assign(admin, south, 0, NULL));
  EXPECT_I64(owner_of(admin, south), 0, "no rules: the pool");
  event(s1, own1, "visit");
  event(s1, own1, "inquiry"); /* 8: high value */
  {
    outbox_msg hv;
    EXPECT_I64(count_outbox(admin, "lead_high_value", own1, &hv), 1, "lead_high_value messages");
    EXPECT_I64(hv.recipient_user, u1, "an owned lead's high-value message goes to its owner");
  }

  snprintf(want, sizeof want, "%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64, own1, own2, pool,
           south);
  EXPECT_CONTAINS(lead_ids(admin, &q), want, "every lead in id order");
  q.stage = "screened";
  snprintf(want, sizeof want, "%" PRId64, pool);
  EXPECT_CONTAINS(lead_ids(admin, &q), want, "stage screened");
  EXPECT_I64(count_leads(admin, &q), 1, "leads at stage screened");
  q.stage = "分配销售";
  EXPECT_I64(count_leads(admin, &q), 2, "leads at stage 分配销售 (by label)");
  q.stage = "nowhere";
  CHECK_FAIL(crm_lead_list(admin, &q, NULL), CRM_ERR_INVALID_ARG);
  {
    crm_cursor* c = NULL;
    CHECK_FAIL(crm_lead_list(admin, &q, &c), CRM_ERR_INVALID_ARG);
  }
  q.stage = NULL;
  q.owner = -1;
  EXPECT_I64(count_leads(admin, &q), 2, "the pool (owner -1)");
  q.owner = u2;
  EXPECT_I64(count_leads(admin, &q), 1, "李娜's leads");
  q.owner = 0;
  q.high_value_only = 1;
  snprintf(want, sizeof want, "%" PRId64, own1);
  EXPECT_I64(count_leads(admin, &q), 1, "high-value leads");
  EXPECT_CONTAINS(lead_ids(admin, &q), want, "the high-value lead");
  q.high_value_only = 0;
  q.channel = "website";
  EXPECT_I64(count_leads(admin, &q), 4, "website leads");
  q.channel = "trade_show";
  EXPECT_I64(count_leads(admin, &q), 0, "trade-show leads");
  q.channel = NULL;
  q.limit = 3;
  EXPECT_I64(count_leads(admin, &q), 3, "the first page of 3");
  q.after_id = pool;
  snprintf(want, sizeof want, "%" PRId64, south);
  EXPECT_I64(count_leads(admin, &q), 1, "the page after the third");
  EXPECT_CONTAINS(lead_ids(admin, &q), want, "the last page");
  q.after_id = south;
  EXPECT_I64(count_leads(admin, &q), 0, "the page after the last");
  q.after_id = 0;
  q.limit = 1001;
  CHECK_FAIL(crm_lead_list(admin, &q, &(crm_cursor*){NULL}), CRM_ERR_INVALID_ARG);
  q.limit = -1;
  {
    crm_cursor* c = NULL;
    CHECK_FAIL(crm_lead_list(admin, &q, &c), CRM_ERR_INVALID_ARG);
  }
  q.limit = 0;
  {
    crm_lead_query bad = CRM_LEAD_QUERY_INIT;
    crm_cursor* c = NULL;
    bad.size = 8;
    CHECK_FAIL(crm_lead_list(admin, &bad, &c), CRM_ERR_INVALID_ARG);
  }
  {
    crm_cursor* c = NULL;
    int n = 0;
    static const char* const cols[] = {"id", NULL};
    CHECK_OK(crm_lead_list(admin, NULL, &c));
    rows_of(c, cols, &n);
    EXPECT_I64(n, 4, "crm_lead_list with q NULL");
  }

  section("permissions: who sees which lead");
  /* A salesperson: their own, not a colleague's, not the pool's. */
  r = NULL;
  CHECK_OK(crm_lead_get(s1, own1, &r));
  crm_record_free(r);
  r = NULL;
  CHECK_FAIL(crm_lead_get(s1, own2, &r), CRM_ERR_NOT_FOUND);
  CHECK(r == NULL, "no record after a refused get");
  CHECK_FAIL(crm_lead_get(s1, pool, &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_event(s1, own2, "visit", 0, NULL, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_score_explain(s1, own2, &(crm_cursor*){NULL}), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_advance(s1, pool, "disqualified", "重复"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_unmask(s1, own2, "核实", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_assign(s1, pool, u1, NULL), CRM_ERR_NOT_FOUND);
  snprintf(want, sizeof want, "%" PRId64, own1);
  EXPECT_CONTAINS(lead_ids(s1, NULL), want, "王芳's list");
  EXPECT_I64(count_leads(s1, NULL), 1, "王芳's list");
  /* The department's manager: the department's and the pool. */
  EXPECT_I64(count_leads(mgr, NULL), 4, "the 华东 manager's list (two own, two in the pool)");
  CHECK_OK(crm_lead_get(mgr, own2, &r));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_lead_get(mgr, pool, &r));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_lead_assign(mgr, pool, u1, NULL));
  EXPECT_I64(owner_of(admin, pool), u1, "the manager handed a pool lead to 王芳");
  {
    outbox_msg am;
    EXPECT_I64(count_outbox(admin, "lead_assigned", pool, &am), 1,
               "lead_assigned messages for the handed-over lead");
    EXPECT_I64(am.recipient_user, u1, "the lead_assigned message's recipient");
  }
  CHECK_OK(crm_lead_get(s1, pool, &r));
  crm_record_free(r);
  r = NULL;
  /* Another department's manager: only the pool. */
  CHECK_FAIL(crm_lead_get(mgr2, own1, &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_assign(mgr2, south, u1, NULL), CRM_ERR_PERMISSION);
  EXPECT_I64(count_leads(mgr2, NULL), 1, "the 华南 manager's list (the pool)");
  /* Marketing: everything. */
  EXPECT_I64(count_leads(mkt, NULL), 4, "marketing's list");
  CHECK_OK(crm_lead_get(mkt, own2, &r));
  crm_record_free(r);
  r = NULL;
  /* Configuration is not for salespeople or marketing. */
  CHECK_FAIL(crm_lead_score_rule_set(s1, "webinar", 3, "参加直播", "Webinar"), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_lead_score_rule_set(mkt, "webinar", 3, "参加直播", "Webinar"), CRM_ERR_PERMISSION);
  {
    crm_cursor* c = NULL;
    int n = 0;
    static const char* const cols[] = {"kind", NULL};
    CHECK_OK(crm_lead_score_rule_list(s1, &c)); /* every role reads configuration */
    rows_of(c, cols, &n);
    EXPECT_I64(n, 4, "seed 004's scoring rules");
  }
  /* A salesperson cannot hand their lead to a colleague. */
  CHECK_FAIL(crm_lead_assign(s1, own1, u2, NULL), CRM_ERR_PERMISSION);
  EXPECT_I64(owner_of(admin, own1), u1, "after a refused hand-over");

  crm_session_close(mkt);
  crm_session_close(mgr2);
  crm_session_close(mgr);
  crm_session_close(s2);
  crm_session_close(s1);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_more_rules(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_session* s1 = NULL;
  crm_record* r = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char* cid = NULL;
  int64_t u1, u2, first = 0, early = 0, owner = -1, lead, bare, before;
  int32_t outcome = -1;
  int rc, n = 0;

  section("capture with an owner");
  if (!open_db(&db, &admin)) return;
  u1 = add_user(admin, "wang.fang", "王芳", "sales");
  u2 = add_user(admin, "li.na", "李娜", "sales");
  s1 = open_as(db, u1);
  r = lead_fields("上海浦江机电设备有限公司", "吴刚", "13512345671", NULL, "上海市", "制造业");
  set_int(r, "owner", u2);
  CHECK_FAIL(crm_lead_capture(s1, r, NULL, NULL), CRM_ERR_PERMISSION);
  EXPECT_I64(count_leads(admin, NULL), 0, "leads after a salesperson's capture for a colleague");
  set_int(r, "owner", 9999);
  rc = crm_lead_capture(admin, r, NULL, NULL);
  CHECK_INVALID(rc, "capture for an unknown owner", "owner", "unknown_value", 1);
  set_int(r, "owner", u2);
  lead = 0;
  CHECK_OK(crm_lead_capture(admin, r, &lead, &outcome));
  crm_record_free(r);
  EXPECT_I64(outcome, CRM_LEAD_CREATED, "a capture with an owner");
  EXPECT_I64(owner_of(admin, lead), u2, "the owner given at capture");
  EXPECT_I64(count_outbox(admin, "lead_assigned", lead, NULL), 1,
             "lead_assigned messages for an owner given at capture");

  section("rules are tried by position");
  CHECK_OK(add_route(admin, "上海", NULL, u1, NULL, &first));
  {
    crm_record* rule = new_record();
    set_text(rule, "region", "上海市");
    set_int(rule, "user", u2);
    set_int(rule, "position", 1);
    CHECK_OK(crm_lead_route_add(admin, rule, &early));
    crm_record_free(rule);
  }
  lead = capture(admin, "上海申达自动化科技有限公司", "郑爽", "13512345672", NULL, "上海", "制造业",
                 NULL);
  CHECK_OK(crm_lead_assign(admin, lead, 0, &owner));
  EXPECT_I64(owner, u2, "the rule at position 1 comes first");
  CHECK_OK(crm_lead_route_remove(admin, early));
  lead = capture(admin, "上海宏远包装材料有限公司", "冯涛", "13512345673", NULL, "上海", "制造业",
                 NULL);
  CHECK_OK(crm_lead_assign(admin, lead, 0, &owner));
  EXPECT_I64(owner, u1, "after removing it, the other rule");

  section("scoring rules: changes keep recorded points");
  event(admin, lead, "product_view");
  CHECK_OK(crm_lead_score_rule_set(admin, "product_view", 10, "浏览产品页", "Product page view"));
  event(admin, lead, "product_view");
  r = lead_of(admin, lead);
  EXPECT_REAL(rec_real(r, "score"), 12.0, "2 points recorded before the change, 10 after");
  crm_record_free(r);
  CHECK_OK(crm_lead_score_explain(admin, lead, &c));
  {
    static const char* const cols[] = {"kind", "points", NULL};
    EXPECT_ROWS(c, cols, "product_view 2|product_view 10", "the explanation after a rule change");
    c = NULL;
  }

  section("settings of leads");
  CHECK_FAIL(crm_setting_set(admin, "lead.high_value_score", "abc"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, "lead.score_half_life_days", "-1"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, "lead.max_open_per_user", "-1"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(s1, "lead.high_value_score", "5"), CRM_ERR_PERMISSION);
  {
    char* v = NULL;
    CHECK_OK(crm_setting_get(admin, "lead.auto_assign", &v));
    check_at(v != NULL && strcmp(v, "screened") == 0, __FILE__, __LINE__,
             "lead.auto_assign defaults to screened", "\"%s\"", v ? v : "NULL");
    crm_free(v);
  }

  section("conversion: missing customer fields, review");
  bare = 0;
  r = new_record();
  set_text(r, "channel", "phone_inquiry");
  set_text(r, "company", "南京金陵光电科技有限公司");
  set_text(r, "phone", "13312345670");
  CHECK_OK(crm_lead_capture(s1, r, &bare, NULL));
  crm_record_free(r);
  rc = crm_lead_convert(s1, bare, "prospect", NULL, &cid);
  check_at(rc == CRM_ERR_VALIDATION && has_field_code("contact_name", "required"), __FILE__,
           __LINE__, "converting a lead without a person names contact_name (required)",
           "%s: %s; %d field error(s), the first %s (%s)", sname(rc), crm_errmsg(),
           (int)crm_error_field_count(), crm_error_field_name(0), crm_error_field_code(0));
  r = lead_of(s1, bare);
  EXPECT_TEXT(r, "stage", "assigned", "a lead whose conversion failed");
  crm_record_free(r);
  r = new_record();
  set_text(r, "contact_name", "马骏");
  set_text(r, "industry", "制造业");
  set_text(r, "scale", "100-500人");
  set_text(r, "key_needs", "光学检测设备");
  set_setting(admin, "review.create", "1");
  cid = NULL;
  rc = crm_lead_convert(s1, bare, "prospect", r, &cid);
  EXPECT_I64(rc, CRM_PENDING, "converting with review.create on");
  crm_free(cid);
  cid = NULL;
  {
    crm_record* got = lead_of(s1, bare);
    EXPECT_TEXT(got, "stage", "assigned", "a lead whose customer waits for review");
    EXPECT_TEXT(got, "customer", "(null)", "a lead whose customer waits for review");
    crm_record_free(got);
  }
  set_setting(admin, "review.create", "0");
  CHECK_OK(crm_lead_convert(s1, bare, "prospect", r, &cid));
  crm_record_free(r);
  CHECK(cid != NULL, "the customer's id: %s", cid ? cid : "NULL");
  if (cid) {
    CHECK_OK(crm_customer_get(s1, cid, &r));
    EXPECT_TEXT(r, "type", "prospect", "the converted customer");
    EXPECT_TEXT(r, "priority", "medium", "a lead that was not high value");
    EXPECT_TEXT(r, "contact_name", "马骏", "the converted customer");
    crm_record_free(r);
    r = NULL;
  }
  crm_free(cid);
  cid = NULL;

  section("scoring: late events under a half-life");
  set_setting(admin, "lead.score_half_life_days", "1");
  lead = capture(admin, "苏州纳微科技股份有限公司", "周强", "13712345678", NULL, NULL, NULL, NULL);
  event(admin, lead, "visit");                                              /* 5 now */
  CHECK_OK(crm_lead_event(admin, lead, "visit", T0 - 2 * DAY, NULL, NULL)); /* 5 x 0.25 */
  r = lead_of(admin, lead);
  before = 0;
  EXPECT_REAL(rec_real(r, "score"), 6.25, "a visit now and one two days old");
  EXPECT_INT(r, "high_value", 0, "at 6.25");
  crm_record_free(r);
  CHECK_OK(crm_lead_score_explain(admin, lead, &c));
  {
    double sum = 0;
    n = 0;
    while (c && crm_cursor_next(c, &row) == CRM_OK) {
      n++;
      sum += rec_real(row, "effective");
    }
    crm_cursor_close(c);
    c = NULL;
    EXPECT_I64(n, 2, "explanation rows");
    EXPECT_REAL(sum, 6.25, "the explanation of a late event");
  }
  set_setting(admin, "lead.score_half_life_days", "0");

  section("capture: a form posted twice whose first post was a duplicate");
  r = lead_fields("苏州纳微科技", "周强", "13712345678", NULL, NULL, NULL);
  set_text(r, "external_id", "FORM-2026-0777");
  CHECK_OK(crm_lead_capture(admin, r, &first, &outcome));
  EXPECT_I64(outcome, CRM_LEAD_DUPLICATE, "the form's first post (a known phone)");
  EXPECT_I64(first, lead, "the form's first post");
  {
    crm_record* got = lead_of(admin, lead);
    before = rec_int(got, "version");
    crm_record_free(got);
  }
  early = 0;
  CHECK_OK(crm_lead_capture(admin, r, &early, &outcome));
  crm_record_free(r);
  EXPECT_I64(early, lead, "the form's second post");
  /* The form posted again after a duplicate first post: a repeat, unchanged. */
  EXPECT_I64(outcome, CRM_LEAD_REPEATED, "the same external_id again");
  {
    crm_record* got = lead_of(admin, lead);
    EXPECT_INT(got, "version", before, "the lead after a repeated post");
    crm_record_free(got);
  }

  crm_session_close(s1);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_storm(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* r = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t lead, marks = 0, failures = 0, rows = 0;
  double sum = 0;
  int i;

  section("an event storm: 10,000 events, one high-value message");
  if (!open_db(&db, &admin)) return;
  lead =
      capture(admin, "深圳市华强精密电子有限公司", "刘洋", "13812345678", NULL, NULL, NULL, NULL);
  for (i = 0; i < 10000; i++) {
    crm_record* out = NULL;
    int rc = crm_lead_event(admin, lead, "product_view", T0 - 10000 + i, NULL, &out);
    if (rc != CRM_OK) {
      if (failures++ == 0) CHECK(0, "event %d of the storm: %s: %s", i, sname(rc), crm_errmsg());
    } else {
      marks += rec_int(out, "marked_now");
    }
    crm_record_free(out);
  }
  EXPECT_I64(failures, 0, "failed events in the storm");
  EXPECT_I64(marks, 1, "events with marked_now 1");
  EXPECT_I64(count_outbox(admin, "lead_high_value", lead, NULL), 1,
             "lead_high_value messages after the storm");
  r = lead_of(admin, lead);
  EXPECT_REAL(rec_real(r, "score"), 20000.0, "the score after the storm");
  EXPECT_INT(r, "high_value", 1, "after the storm");
  crm_record_free(r);
  CHECK_OK(crm_lead_score_explain(admin, lead, &c));
  while (c && crm_cursor_next(c, &row) == CRM_OK) {
    rows++;
    sum += rec_real(row, "effective");
  }
  crm_cursor_close(c);
  EXPECT_I64(rows, 10000, "explanation rows after the storm");
  EXPECT_REAL(sum, 20000.0, "the explanation's sum after the storm");

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_null_arguments(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* r = NULL;
  crm_record* rule = NULL;
  crm_cursor* c = NULL;
  int64_t lead;

  section("NULL arguments");
  if (!open_db(&db, &admin)) return;
  lead =
      capture(admin, "深圳市华强精密电子有限公司", "刘洋", "13812345678", NULL, NULL, NULL, NULL);
  r = lead_fields("苏州纳微科技股份有限公司", "周强", "13912345678", NULL, NULL, NULL);
  rule = new_record();
  set_text(rule, "region", "深圳");
  CHECK_FAIL(crm_lead_capture(NULL, r, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_capture(admin, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_get(NULL, lead, &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_get(admin, lead, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_get(admin, 99999, &(crm_record*){NULL}), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_lead_unmask(admin, lead, "核实", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_unmask(admin, lead, "", &(crm_record*){NULL}), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_list(NULL, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_list(admin, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_event(NULL, lead, "visit", 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_event(admin, lead, NULL, 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_event(admin, lead, "visit", -1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_explain(admin, lead, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_advance(admin, lead, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_assign(NULL, lead, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_assign(admin, lead, -5, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_convert(NULL, lead, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_funnel(admin, 0, 0, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_funnel(admin, 0, 0, "day", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_set(admin, NULL, 3, "参加直播", "Webinar"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_set(admin, "webinar", 3, NULL, "Webinar"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_set(admin, "webinar", 3, "参加直播", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_score_rule_list(admin, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_route_add(admin, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_route_add(NULL, rule, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_route_list(admin, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_lead_route_remove(NULL, 1), CRM_ERR_INVALID_ARG);
  /* Nothing changed: one lead, at its first stage, no events. */
  {
    crm_record* got = lead_of(admin, lead);
    EXPECT_TEXT(got, "stage", "captured", "the lead after refused calls");
    EXPECT_INT(got, "version", 1, "the lead after refused calls");
    crm_record_free(got);
  }
  crm_record_free(rule);
  crm_record_free(r);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_capture();
  test_scoring();
  test_assignment();
  test_funnel_steps();
  test_lists_and_permissions();
  test_more_rules();
  test_storm();
  test_null_arguments();
  return harness_finish();
}
