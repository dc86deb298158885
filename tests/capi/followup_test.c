/*
 * followup_test.c — tiers, grading, follow-up plans and records, reminders
 * and the outbox of libcrm's C interface (capi/crm.h), in plain C99 as a
 * host would call them:
 *
 *   - tiers (客户分层): the seeded A/B/C, a cadence change (kept in the
 *     configuration history, due dates recomputed), a new tier, refusals;
 *   - grading criteria and grading (客户分级): thresholds at their exact
 *     boundaries (100 → A, 99.99 → B), every missing or bad criterion named,
 *     a tier set by hand by its label (重点客户), the graded roster and its
 *     pages, verification by phone or e-mail (R1.5);
 *   - plans and records (跟进计划与记录): past plans and late reminders
 *     refused, completing, closing and rescheduling, the next plan of a
 *     record, the over-contact guard at its 24-hour boundary, warn or refuse;
 *   - the agenda (overdue plans, lapsed customers, today's plans) with its
 *     pages, and the daily report (拜访日报);
 *   - crm_tick: each reminder at its exact instant (a millisecond before:
 *     nothing), never twice, an earlier tick firing nothing new, escalation
 *     to the department's sales manager 24 hours later (or to the role);
 *   - the outbox: leases, redelivery after a lease ends, acknowledgements;
 *   - reminder rules: changes, refusals, templates, new timing;
 *   - permissions, NULL arguments and closed handles.
 *
 * The clock is fixed (crm_db_clock_fixed) and moved by hand; nothing sleeps.
 * Instants come from civil_ms() below, checked against a known value:
 * 2026-11-23 09:00 +08:00 (a Monday) = 1795395600000 ms.  Asia/Shanghai is
 * +08:00 all year.  Prints one line per failed check and ends with
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

#define MINUTE INT64_C(60000)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define SH 480 /* Asia/Shanghai: UTC+08:00, minutes */

/* 2026-11-23 09:00 in Shanghai, a Monday. */
#define T0 INT64_C(1795395600000)

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The instant (UTC ms) of a Shanghai local time. */
static int64_t sh(int y, int mo, int d, int h, int mi) {
  return (days_from_civil(y, mo, d) * 1440 + h * 60 + mi - SH) * MINUTE;
}

/* Opens an in-memory database with the clock at T0 and an admin session. */
static int open_db(crm_db** db, crm_session** admin) { return open_memory_db(db, admin, T0); }

/* Creates a customer; its id ("C0001") goes to `id`. */
static void customer(crm_session* s, const char* name, const char* contact, const char* phone,
                     char* id) {
  create_customer_with(s, name, contact, phone, NULL, id, 16);
}

/* Checks that `rc` is CRM_ERR_VALIDATION with a field error (field, code). */
static void check_invalid_at(int rc, const char* field, const char* code, const char* call,
                             int line) {
  char expected[512];
  int found = has_field_code(field, code);
  snprintf(expected, sizeof expected, "%s fails with CRM_ERR_VALIDATION on %s (%s)", call, field,
           code);
  check_at(rc == CRM_ERR_VALIDATION && found, __FILE__, line, expected,
           "%s: %s; %d field error(s), the first %s (%s)", sname(rc), crm_errmsg(),
           (int)crm_error_field_count(), crm_error_field_name(0), crm_error_field_code(0));
}
#define CHECK_INVALID(call, field, code) check_invalid_at((call), (field), (code), #call, __LINE__)

/* Checks a text field of a record. */
static void expect_text_at(const crm_record* r, const char* field, const char* want, int line) {
  char expected[256];
  const char* got = rtext(r, field);
  snprintf(expected, sizeof expected, "%s = \"%s\"", field, want);
  check_at(strcmp(got, want) == 0, __FILE__, line, expected, "%s = \"%s\"", field, got);
}
#define EXPECT_TEXT(r, field, want) expect_text_at((r), (field), (want), __LINE__)

/* Checks an integer field of a record (INT64_MIN: absent, NULL or not an integer). */
static void expect_int_at(const crm_record* r, const char* field, int64_t want, int line) {
  char expected[256];
  int64_t got = rec_int(r, field);
  snprintf(expected, sizeof expected, "%s = %" PRId64, field, want);
  check_at(got == want, __FILE__, line, expected, "%s = %" PRId64, field, got);
}
#define EXPECT_INT(r, field, want) expect_int_at((r), (field), (want), __LINE__)

/* 1 if the record has `field` with a NULL value. */
static int is_null(const crm_record* r, const char* field) {
  int32_t t = -1;
  return r && crm_record_type(r, field, &t) == CRM_OK && t == CRM_TYPE_NULL;
}

/* 1 if the record has `field` at all. */
static int has(const crm_record* r, const char* field) {
  int32_t t = -1;
  return r && crm_record_type(r, field, &t) == CRM_OK;
}

/* A plan's fields; 0 / NULL leave a field out. */
static crm_record* plan_fields(const char* goal, const char* method, int64_t planned_at,
                               int64_t remind_at) {
  crm_record* r = new_record();
  if (goal) set_text(r, "goal", goal);
  if (method) set_text(r, "method", method);
  if (planned_at) set_int(r, "planned_at", planned_at);
  if (remind_at) set_int(r, "remind_at", remind_at);
  return r;
}

static int plan_create(crm_session* s, const char* cust, const char* goal, const char* method,
                       int64_t planned_at, int64_t remind_at, crm_record** out) {
  crm_record* f = plan_fields(goal, method, planned_at, remind_at);
  int rc = crm_followup_plan_create(s, cust, f, out);
  crm_record_free(f);
  return rc;
}

/* Creates a plan and returns its id (0 on failure, counted). */
static int64_t plan_id_at(crm_session* s, const char* cust, const char* goal, const char* method,
                          int64_t planned_at, int64_t remind_at, int line) {
  crm_record* out = NULL;
  int64_t id;
  int rc = plan_create(s, cust, goal, method, planned_at, remind_at, &out);
  check_at(rc == CRM_OK && out != NULL, __FILE__, line, "the plan is created", "%s: %s", sname(rc),
           crm_errmsg());
  id = out ? rec_int(out, "id") : 0;
  crm_record_free(out);
  return id;
}
#define PLAN(s, cust, goal, method, at, remind) \
  plan_id_at((s), (cust), (goal), (method), (at), (remind), __LINE__)

/* A follow-up record's fields. */
static crm_record* record_fields(const char* method, const char* summary, int64_t contacted_at) {
  crm_record* r = new_record();
  if (method) set_text(r, "method", method);
  if (summary) set_text(r, "summary", summary);
  if (contacted_at) set_int(r, "contacted_at", contacted_at);
  return r;
}

/* Grades a customer on the two seeded criteria (reals). */
static int grade(crm_session* s, const char* id, double potential, double likelihood,
                 crm_record** out) {
  crm_record* v = new_record();
  int rc;
  CHECK_OK(crm_record_set_real(v, "annual_potential", potential));
  CHECK_OK(crm_record_set_real(v, "cooperation_likelihood", likelihood));
  rc = crm_customer_grade(s, id, v, out);
  crm_record_free(v);
  return rc;
}

/* A customer's field as text / integer, read through crm_customer_get.
 * Static buffer. */
static const char* customer_text(crm_session* s, const char* id, const char* field) {
  static char buf[1024];
  crm_record* c = NULL;
  int rc = crm_customer_get(s, id, &c);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  snprintf(buf, sizeof buf, "%s", rtext(c, field));
  crm_record_free(c);
  return buf;
}

static int64_t customer_int(crm_session* s, const char* id, const char* field) {
  crm_record* c = NULL;
  int64_t v;
  int rc = crm_customer_get(s, id, &c);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  v = rec_int(c, field);
  crm_record_free(c);
  return v;
}

/* A plan's state (static buffer). */
static const char* plan_state(crm_session* s, int64_t plan) {
  static char buf[64];
  crm_record* p = NULL;
  int rc = crm_followup_plan_get(s, plan, &p);
  CHECK(rc == CRM_OK, "crm_followup_plan_get(%" PRId64 "): %s: %s", plan, sname(rc), crm_errmsg());
  snprintf(buf, sizeof buf, "%s", rtext(p, "state"));
  crm_record_free(p);
  return buf;
}

/* How many plans a customer has. */
static int plan_count(crm_session* s, const char* id) {
  static const char* const f[] = {"id", NULL};
  crm_cursor* c = NULL;
  int n = -1;
  CHECK_OK(crm_customer_plans(s, id, &c));
  rows_of(c, f, &n);
  return n;
}

/* One outbox message, copied out of its row. */
typedef struct msg {
  int64_t id, recipient_user, due_at, created_at, attempts, escalation_of, acked_at;
  char key[128], kind[32], customer[16], role[32], channel[16], message[600], message_en[600];
} msg;

static void copy_msg(const crm_record* row, msg* m) {
  m->id = rec_int(row, "id");
  m->recipient_user = rec_int(row, "recipient_user");
  m->due_at = rec_int(row, "due_at");
  m->created_at = rec_int(row, "created_at");
  m->attempts = rec_int(row, "attempts");
  m->escalation_of = rec_int(row, "escalation_of");
  m->acked_at = rec_int(row, "acked_at");
  snprintf(m->key, sizeof m->key, "%s", rtext(row, "key"));
  snprintf(m->kind, sizeof m->kind, "%s", rtext(row, "kind"));
  snprintf(m->customer, sizeof m->customer, "%s", rtext(row, "customer"));
  snprintf(m->role, sizeof m->role, "%s", rtext(row, "recipient_role"));
  snprintf(m->channel, sizeof m->channel, "%s", rtext(row, "channel"));
  snprintf(m->message, sizeof m->message, "%s", rtext(row, "message"));
  snprintf(m->message_en, sizeof m->message_en, "%s", rtext(row, "message_en"));
}

/* Copies the rows of a cursor into `out` (at most cap) and closes it;
 * returns the row count. */
static int msgs_of(crm_cursor* c, msg* out, int cap) {
  const crm_record* row = NULL;
  int n = 0, rc;
  if (!c) return -1;
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    if (n < cap) copy_msg(row, &out[n]);
    n++;
  }
  CHECK(rc == CRM_DONE, "cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return n;
}

/* Every outbox message, oldest first (crm_outbox_list, no lease). */
static int all_msgs(crm_session* admin, msg* out, int cap) {
  crm_cursor* c = NULL;
  int rc = crm_outbox_list(admin, 0, 1000, 0, &c);
  CHECK(rc == CRM_OK, "crm_outbox_list: %s: %s", sname(rc), crm_errmsg());
  return msgs_of(c, out, cap);
}

/* How many outbox messages are of `kind`. */
static int count_kind(crm_session* admin, const char* kind) {
  static msg m[64];
  int i, n = all_msgs(admin, m, 64), k = 0;
  for (i = 0; i < n && i < 64; i++)
    if (strcmp(m[i].kind, kind) == 0) k++;
  return k;
}

/* The last message of `kind`; returns 0 if none. */
static int last_of_kind(crm_session* admin, const char* kind, msg* out) {
  static msg m[64];
  int i, n = all_msgs(admin, m, 64), found = 0;
  for (i = 0; i < n && i < 64; i++)
    if (strcmp(m[i].kind, kind) == 0) {
      *out = m[i];
      found = 1;
    }
  return found;
}

/* Ticks to `at`; returns the report (all fields -1 when the call failed). */
static crm_tick_report tick_at(crm_session* admin, int64_t at, int line) {
  crm_tick_report r = CRM_TICK_REPORT_INIT;
  int rc = crm_tick(admin, at, &r);
  check_at(rc == CRM_OK, __FILE__, line, "crm_tick succeeds", "%s: %s", sname(rc), crm_errmsg());
  if (rc != CRM_OK) r.now_ms = r.fired = r.messages = r.escalated = r.skipped = -1;
  return r;
}
#define TICK(admin, at) tick_at((admin), (at), __LINE__)

/* ------------------------------------------------------------------------ */
/* Tiers                                                                    */
/* ------------------------------------------------------------------------ */

static void test_tiers(void) {
  static const char* const tier_cols[] = {"code",       "label_zh",   "label_en", "cadence",
                                          "cadence_zh", "cadence_en", "position", NULL};
  static const char* const hist_cols[] = {"subject", "actor", "before", "after", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *dead = NULL;
  crm_cursor* c = NULL;
  const char* got;
  char id[16];
  int n = 0;
  int64_t rep_id;
  section("tiers");
  if (!open_db(&db, &admin)) goto done;
  CHECK(sh(2026, 11, 23, 9, 0) == T0, "sh() gave %" PRId64, sh(2026, 11, 23, 9, 0));
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  rep = open_as(db, rep_id);

  /* The seeded tiers, best first; readable by everyone. */
  CHECK_OK(crm_tier_list(rep, &c));
  EXPECT_ROWS(c, tier_cols,
              "A A类客户 Tier A 1w 每周一次 every week 1|"
              "B B类客户 Tier B 2w 每2周一次 every 2 weeks 2|"
              "C C类客户 Tier C 1m 每月一次 every month 3",
              "the seeded tiers");

  /* A tier B customer is due two weeks after its creation. */
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", id);
  CHECK_OK(grade(rep, id, 50, 50, NULL));
  CHECK(strcmp(customer_text(rep, id, "tier"), "B") == 0, "tier %s",
        customer_text(rep, id, "tier"));
  CHECK(strcmp(customer_text(rep, id, "next_due_date"), "2026-12-07") == 0, "next_due_date %s",
        customer_text(rep, id, "next_due_date"));

  /* B every 10 days: recorded, and the customer's due date recomputed. */
  CHECK_OK(crm_tier_define(admin, "B", NULL, NULL, "10d"));
  CHECK(strcmp(customer_text(rep, id, "next_due_date"), "2026-12-03") == 0,
        "next_due_date after B became 10d: %s", customer_text(rep, id, "next_due_date"));
  CHECK_OK(crm_config_history(rep, "tier.", 0, NULL, &c));
  EXPECT_ROWS(c, hist_cols, "tier.B 1 2w 10d", "tier history after B became 10d");
  /* The same cadence again, another spelling, and the same labels: no change. */
  CHECK_OK(crm_tier_define(admin, "B", NULL, NULL, "10 days"));
  CHECK_OK(crm_tier_define(admin, "B", "B类客户", "Tier B", "10天"));
  CHECK_OK(crm_config_history(admin, "tier.", 0, NULL, &c));
  rows_of(c, hist_cols, &n);
  CHECK(n == 1, "an unchanged cadence wrote history: %d rows", n);

  /* A new tier, ranked last. */
  CHECK_OK(crm_tier_define(admin, "D", "D类客户", "Tier D", "2个月"));
  CHECK_OK(crm_tier_list(admin, &c));
  EXPECT_ROWS(c, tier_cols,
              "A A类客户 Tier A 1w 每周一次 every week 1|"
              "B B类客户 Tier B 10d 每10天一次 every 10 days 2|"
              "C C类客户 Tier C 1m 每月一次 every month 3|"
              "D D类客户 Tier D 2m 每2个月一次 every 2 months 4",
              "tiers with D added");
  CHECK_OK(crm_customer_set_tier(rep, id, "D类客户", "长期培育"));
  CHECK(strcmp(customer_text(rep, id, "next_due_date"), "2027-01-23") == 0,
        "next_due_date in tier D: %s", customer_text(rep, id, "next_due_date"));

  /* Refusals: nothing is written. */
  CHECK_FAIL(crm_tier_define(admin, "d", "小写", "lower", "1w"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "ABCDEFGHI", "九位", "Nine", "1w"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "", "空", "Empty", "1w"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "A", NULL, NULL, "0w"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "A", NULL, NULL, "13m"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "A", NULL, NULL, "367d"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "A", NULL, NULL, "weekly"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "E", NULL, NULL, "1m"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "E", "A类客户", "Tier E", "1m"), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_tier_define(admin, "A", "重要客户", NULL, "3d"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(rep, "A", NULL, NULL, "3d"), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_tier_define(admin, NULL, NULL, NULL, "3d"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(admin, "A", NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_define(NULL, "A", NULL, NULL, "3d"), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_tier_list(admin, &c));
  got = rows_of(c, tier_cols, &n);
  CHECK(strncmp(got, "A A类客户 Tier A 1w ", strlen("A A类客户 Tier A 1w ")) == 0 && n == 4,
        "tiers after refusals (%d rows): %s", n, got);
  CHECK_OK(crm_config_history(admin, "tier.", 0, NULL, &c));
  EXPECT_ROWS(c, hist_cols, "tier.B 1 2w 10d|tier.D 1 - 2m", "tier history after the refusals");

  /* The configuration history in pages, and its arguments. */
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_hours", "12"));
  {
    static const char* const seq_cols[] = {"seq", "subject", NULL};
    char all[1024], paged[1024] = "", token[128] = "";
    int pages = 0;
    CHECK_OK(crm_config_history(admin, NULL, 0, NULL, &c));
    snprintf(all, sizeof all, "%s", rows_of(c, seq_cols, &n));
    /* The department the fixture's users need (R3.1) is the first change. */
    CHECK(n == 4 && strncmp(all, "1 department.华东销售部|", strlen("1 department.华东销售部|")) == 0,
          "every configuration change: %d rows: %s (expected 4, department.华东销售部 first)", n,
          all);
    CHECK(strstr(all, "setting.followup.min_gap_hours") != NULL, "settings are kept: %s", all);
    for (;;) {
      const char* next = NULL;
      CHECK_OK(crm_config_history(admin, "", 1, token[0] ? token : NULL, &c));
      if (!c) break;
      CHECK_OK(crm_cursor_next_page(c, &next));
      snprintf(token, sizeof token, "%s", next ? next : "");
      snprintf(paged + strlen(paged), sizeof paged - strlen(paged), "%s%s", pages ? "|" : "",
               rows_of(c, seq_cols, NULL));
      if (++pages > 10 || !token[0]) break;
    }
    CHECK(pages == 4 && strcmp(paged, all) == 0, "%d pages of 1: %s (expected 4: %s)", pages,
          paged, all);
  }
  CHECK_OK(crm_config_history(admin, "setting.", 0, NULL, &c));
  EXPECT_ROWS(c, hist_cols, "setting.followup.min_gap_hours 1 24 12", "setting history");
  CHECK_OK(crm_config_history(admin, "nothing.", 0, NULL, &c));
  rows_of(c, hist_cols, &n);
  CHECK(n == 0, "no changes under nothing.: %d", n);
  CHECK_FAIL(crm_config_history(admin, NULL, 1001, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_config_history(admin, NULL, -1, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_config_history(admin, NULL, 0, "zzz", &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_config_history(admin, NULL, 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_list(admin, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tier_list(NULL, &c), CRM_ERR_INVALID_ARG);

  /* A closed session. */
  CHECK_OK(crm_session_open(db, 1, &dead));
  crm_session_close(dead);
  CHECK_FAIL(crm_tier_list(dead, &c), CRM_ERR_STATE);
  CHECK_FAIL(crm_tier_define(dead, "A", NULL, NULL, "3d"), CRM_ERR_STATE);
  CHECK_FAIL(crm_config_history(dead, NULL, 0, NULL, &c), CRM_ERR_STATE);
  /* A closed cursor. */
  CHECK_OK(crm_tier_list(admin, &c));
  crm_cursor_close(c);
  {
    const crm_record* row = NULL;
    CHECK_FAIL(crm_cursor_next(c, &row), CRM_ERR_STATE);
  }

done:
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Grading criteria                                                         */
/* ------------------------------------------------------------------------ */

static void test_criteria(void) {
  static const char* const cols[] = {"name",       "label_zh", "label_en", "unit",
                                     "thresholds", "retired",  NULL};
  static const char* const hist_cols[] = {"subject", "before", "after", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_cursor* c = NULL;
  crm_record* v = NULL;
  const char* got;
  char id[16];
  int n = 0;
  section("grading criteria");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "sales"));

  CHECK_OK(crm_grading_criteria_list(rep, 0, &c));
  EXPECT_ROWS(c, cols,
              "annual_potential 年采购潜力 Annual purchase potential 万元 A>=100,B>=30 0|"
              "cooperation_likelihood 合作可能性 Likelihood of cooperation % A>=70,B>=40 0",
              "the seeded grading criteria");

  /* Refusals. */
  CHECK_FAIL(crm_grading_criterion_define(admin, "Speed", "决策速度", "Decision speed", NULL,
                                          "A>=8,B>=5", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed",
                                          NULL, "B>=5,A>=8", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed",
                                          NULL, "A>=5,B>=8", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed",
                                          NULL, "Z>=1", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed",
                                          NULL, "", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(
      crm_grading_criterion_define(admin, "decision_speed", "", "Decision speed", NULL, "A>=8", 0),
      CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", NULL, "Decision speed", NULL,
                                          "A>=8", 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed",
                                          NULL, NULL, 0),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criterion_define(rep, "decision_speed", "决策速度", "Decision speed", NULL,
                                          "A>=8,B>=5", 0),
             CRM_ERR_PERMISSION);
  CHECK_OK(crm_config_history(admin, "criterion.", 0, NULL, &c));
  rows_of(c, hist_cols, &n);
  CHECK(n == 0, "refused criteria wrote %d history rows", n);

  /* A third criterion is asked for at once. */
  CHECK_OK(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed", NULL,
                                        "A>=8,B>=5", 0));
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", id);
  CHECK_INVALID(grade(rep, id, 120, 80, NULL), "decision_speed", "required");
  CHECK(strcmp(crm_error_field_label_zh(0), "决策速度") == 0, "label %s",
        crm_error_field_label_zh(0));
  CHECK(strcmp(customer_text(rep, id, "tier"), "(null)") == 0, "a refused grading set tier %s",
        customer_text(rep, id, "tier"));
  v = new_record();
  set_int(v, "annual_potential", 120);
  set_int(v, "cooperation_likelihood", 80);
  set_int(v, "decision_speed", 6);
  CHECK_OK(crm_customer_grade(rep, id, v, NULL));
  CHECK(strcmp(customer_text(rep, id, "tier"), "B") == 0, "tier with decision_speed 6: %s",
        customer_text(rep, id, "tier"));
  CHECK(strstr(customer_text(rep, id, "tier_reason"), "决策速度 6 ≥ 5 → B") != NULL,
        "tier_reason %s", customer_text(rep, id, "tier_reason"));

  /* Retired: no longer asked for, listed only on request. */
  CHECK_OK(crm_grading_criterion_define(admin, "decision_speed", "决策速度", "Decision speed", NULL,
                                        "A>=8,B>=5", 1));
  CHECK_OK(grade(rep, id, 120, 80, NULL));
  CHECK(strcmp(customer_text(rep, id, "tier"), "A") == 0, "tier without decision_speed: %s",
        customer_text(rep, id, "tier"));
  CHECK_OK(crm_grading_criteria_list(rep, 0, &c));
  rows_of(c, cols, &n);
  CHECK(n == 2, "active criteria: %d", n);
  CHECK_OK(crm_grading_criteria_list(rep, 1, &c));
  got = rows_of(c, cols, &n);
  CHECK(strstr(got, "|decision_speed 决策速度 Decision speed  A>=8,B>=5 1") != NULL,
        "with retired ones: %s", got);
  CHECK_OK(crm_config_history(admin, "criterion.", 0, NULL, &c));
  EXPECT_ROWS(c, hist_cols,
              "criterion.decision_speed - 决策速度|Decision speed||A>=8,B>=5|"
              "criterion.decision_speed 决策速度|Decision speed||A>=8,B>=5 "
              "决策速度|Decision speed||A>=8,B>=5|retired",
              "criterion history");
  CHECK_FAIL(crm_grading_criteria_list(rep, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_grading_criteria_list(NULL, 0, &c), CRM_ERR_INVALID_ARG);

done:
  crm_record_free(v);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Grading, tiers by hand, verification                                     */
/* ------------------------------------------------------------------------ */

static void test_grading(void) {
  static const char* const hist_cols[] = {"kind", "field", "before", "after", "reason", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_record *out = NULL, *v = NULL;
  crm_cursor* c = NULL;
  char c1[16], c2[16], c3[16];
  int64_t rep_id;
  section("grading");
  if (!open_db(&db, &admin)) goto done;
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  rep = open_as(db, rep_id);
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", c2);
  customer(rep, "宁波盈朗家纺有限公司", "徐春燕", "13712345678", c3);

  /* Exactly at both A minimums: A. */
  v = new_record();
  set_int(v, "annual_potential", 100);
  set_int(v, "cooperation_likelihood", 70);
  CHECK_OK(crm_customer_grade(rep, c1, v, &out));
  EXPECT_TEXT(out, "tier", "A");
  EXPECT_TEXT(out, "reason", "年采购潜力 100 万元 ≥ 100 → A；合作可能性 70 % ≥ 70 → A；综合评定 A");
  EXPECT_TEXT(out, "reason_en",
              "Annual purchase potential 100 万元 >= 100 -> A; Likelihood of cooperation 70 % >= "
              "70 -> A; overall A");
  EXPECT_TEXT(out, "next_due_date", "2026-11-30");
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_customer_get(rep, c1, &out));
  EXPECT_TEXT(out, "tier", "A");
  EXPECT_TEXT(out, "tier_reason",
              "年采购潜力 100 万元 ≥ 100 → A；合作可能性 70 % ≥ 70 → A；综合评定 A");
  EXPECT_INT(out, "graded_at", T0);
  EXPECT_TEXT(out, "next_due_date", "2026-11-30");
  crm_record_free(out);
  out = NULL;

  /* 99.99 misses A by a hundredth: B, the worse of the two. */
  CHECK_OK(grade(rep, c2, 99.99, 70, &out));
  EXPECT_TEXT(out, "tier", "B");
  EXPECT_TEXT(out, "reason",
              "年采购潜力 99.99 万元 ≥ 30 → B；合作可能性 70 % ≥ 70 → A；综合评定 B");
  EXPECT_TEXT(out, "next_due_date", "2026-12-07");
  crm_record_free(out);
  out = NULL;
  /* Numbers as text; below every threshold: the last tier. */
  crm_record_free(v);
  v = new_record();
  set_text(v, "annual_potential", "29.99");
  set_text(v, "cooperation_likelihood", " 90 ");
  CHECK_OK(crm_customer_grade(rep, c3, v, &out));
  EXPECT_TEXT(out, "tier", "C");
  EXPECT_TEXT(out, "reason",
              "年采购潜力 29.99 万元 未达任何阈值 → C；合作可能性 90 % ≥ 70 → A；综合评定 C");
  EXPECT_TEXT(out, "next_due_date", "2026-12-23");
  crm_record_free(out);
  out = NULL;

  /* Missing, unknown and non-numeric criteria are named; nothing changes. */
  crm_record_free(v);
  v = new_record();
  set_int(v, "annual_potential", 500);
  {
    crm_record* sentinel = new_record();
    out = sentinel; /* a refused call sets *out to NULL */
    CHECK_INVALID(crm_customer_grade(rep, c3, v, &out), "cooperation_likelihood", "required");
    CHECK(out == NULL, "a refused grading left *out set");
    out = NULL;
    crm_record_free(sentinel);
  }
  CHECK(crm_error_field_count() == 1, "%d field errors", (int)crm_error_field_count());
  CHECK(strcmp(crm_error_field_label_zh(0), "合作可能性") == 0, "label %s",
        crm_error_field_label_zh(0));
  set_int(v, "cooperation_likelihood", 90);
  set_int(v, "budget", 5);
  CHECK_INVALID(crm_customer_grade(rep, c3, v, NULL), "budget", "unknown_field");
  crm_record_free(v);
  v = new_record();
  set_text(v, "annual_potential", "很多");
  set_int(v, "cooperation_likelihood", 90);
  CHECK_INVALID(crm_customer_grade(rep, c3, v, NULL), "annual_potential", "wrong_type");
  CHECK(strcmp(crm_error_field_label_zh(0), "年采购潜力") == 0, "label %s",
        crm_error_field_label_zh(0));
  crm_record_free(v);
  v = new_record();
  set_text(v, "annual_potential", "很多");
  CHECK_FAIL(crm_customer_grade(rep, c3, v, NULL), CRM_ERR_VALIDATION);
  CHECK(crm_error_field_count() == 2 && has_field_code("annual_potential", "wrong_type") &&
            has_field_code("cooperation_likelihood", "required"),
        "a non-numeric and a missing criterion: %d field error(s), the first %s (%s)",
        (int)crm_error_field_count(), crm_error_field_name(0), crm_error_field_code(0));
  CHECK(strcmp(customer_text(rep, c3, "tier"), "C") == 0, "tier after refusals %s",
        customer_text(rep, c3, "tier"));

  /* A tier by hand, by its label, with the reason in the history. */
  CHECK_OK(crm_customer_set_tier(rep, c3, "重点客户", "集团年度战略客户"));
  CHECK(strcmp(customer_text(rep, c3, "tier"), "A") == 0, "tier %s",
        customer_text(rep, c3, "tier"));
  CHECK(strcmp(customer_text(rep, c3, "tier_reason"), "集团年度战略客户") == 0, "tier_reason %s",
        customer_text(rep, c3, "tier_reason"));
  CHECK(strcmp(customer_text(rep, c3, "next_due_date"), "2026-11-30") == 0, "next_due_date %s",
        customer_text(rep, c3, "next_due_date"));
  CHECK_OK(crm_customer_set_tier(rep, c3, "A", NULL)); /* unchanged: no history row */
  CHECK_OK(crm_customer_history(rep, c3, &c));
  EXPECT_ROWS(c, hist_cols,
              "create - - - -|"
              "tier tier - C 年采购潜力 29.99 万元 未达任何阈值 → C；合作可能性 90 % ≥ 70 → "
              "A；综合评定 C|"
              "tier tier C A 集团年度战略客户",
              "the history of c3");
  CHECK_FAIL(crm_customer_set_tier(rep, c3, "Z类客户", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_set_tier(rep, "C0999", "A", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_set_tier(rep, c3, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_set_tier(rep, NULL, "A", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(grade(rep, "C0999", 1, 1, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_grade(rep, c1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_grade(NULL, c1, v, NULL), CRM_ERR_INVALID_ARG);

  /* Verification (R1.5): by phone or e-mail, once. */
  CHECK_OK(crm_customer_get(rep, c1, &out));
  CHECK(is_null(out, "verified_at") && is_null(out, "verified_by"), "verified before: %s",
        rtext(out, "verified_at"));
  crm_record_free(out);
  out = NULL;
  crm_db_clock_fixed(db, T0 + HOUR);
  CHECK_OK(crm_customer_verify(rep, c1, "phone", "已电话确认采购需求"));
  CHECK(customer_int(rep, c1, "verified_at") == T0 + HOUR, "verified_at %" PRId64,
        customer_int(rep, c1, "verified_at"));
  CHECK(customer_int(rep, c1, "verified_by") == rep_id, "verified_by %" PRId64,
        customer_int(rep, c1, "verified_by"));
  CHECK_FAIL(crm_customer_verify(rep, c1, "email", NULL), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_customer_verify(rep, c2, "visit", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_verify(rep, c2, "拜访", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_verify(rep, c2, "", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_verify(rep, c2, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_verify(rep, "C0999", "phone", NULL), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_customer_verify(rep, c2, "邮件", NULL));
  CHECK(customer_int(rep, c2, "verified_at") == T0 + HOUR, "verified by 邮件: %" PRId64,
        customer_int(rep, c2, "verified_at"));

  /* Archived customers are not graded. */
  CHECK_OK(crm_customer_archive(rep, c2, "重复录入"));
  CHECK_FAIL(grade(rep, c2, 100, 100, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_set_tier(rep, c2, "C", NULL), CRM_ERR_STATE);

done:
  crm_record_free(v);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* The graded roster                                                        */
/* ------------------------------------------------------------------------ */

static void test_roster(void) {
  static const char* const cols[] = {"id", "tier", "next_due_date", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *rep2 = NULL;
  crm_cursor* c = NULL;
  crm_roster_query q = CRM_ROSTER_QUERY_INIT;
  crm_record* f = NULL;
  const crm_record* row = NULL;
  char c1[16], c2[16], c3[16], c4[16], c5[16];
  int64_t rep2_id;
  section("roster");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "sales"));
  rep2_id = add_user(admin, "wangfang", "王芳", "sales");
  rep2 = open_as(db, rep2_id);
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", c2);
  customer(rep2, "宁波盈朗家纺有限公司", "徐春燕", "13712345678", c3);
  customer(rep, "无锡华光电力设备有限公司", "赵磊", "13612345678", c4);
  customer(rep, "常州天合光电材料有限公司", "孙敏", "13512345678", c5); /* never graded */
  CHECK_OK(grade(rep, c1, 50, 50, NULL));                               /* B, due 12-07 */
  CHECK_OK(grade(rep, c2, 200, 90, NULL));                              /* A */
  CHECK_OK(grade(rep2, c3, 10, 10, NULL));                              /* C, due 12-23 */
  CHECK_OK(grade(rep, c4, 150, 80, NULL));                              /* A, due 11-30 */
  /* A contact a day later moves C0002's due date to 12-01. */
  crm_db_clock_fixed(db, T0 + DAY);
  f = record_fields("电话", "电话沟通设备选型", 0);
  CHECK_OK(crm_followup_add(rep, c2, f, NULL));

  /* The administrator's roster has everyone's customers; a sales rep's has
   * their own only (R3.1). */
  CHECK_OK(crm_roster_list(admin, NULL, &c));
  EXPECT_ROWS(c, cols,
              "C0004 A 2026-11-30|C0002 A 2026-12-01|C0001 B 2026-12-07|C0003 C 2026-12-23",
              "the administrator's roster");
  CHECK_OK(crm_roster_list(rep, NULL, &c));
  EXPECT_ROWS(c, cols, "C0004 A 2026-11-30|C0002 A 2026-12-01|C0001 B 2026-12-07", "张伟's roster");
  CHECK_OK(crm_roster_list(rep2, NULL, &c));
  EXPECT_ROWS(c, cols, "C0003 C 2026-12-23", "王芳's roster");

  /* Rows carry what a roster shows. */
  CHECK_OK(crm_roster_list(rep, &q, &c));
  CHECK_OK(crm_cursor_next(c, &row));
  CHECK_OK(crm_cursor_next(c, &row));
  EXPECT_TEXT(row, "id", "C0002");
  EXPECT_TEXT(row, "name", "苏州纳微科技股份有限公司");
  EXPECT_INT(row, "owner", 2);
  EXPECT_TEXT(row, "tier_reason",
              "年采购潜力 200 万元 ≥ 100 → A；合作可能性 90 % ≥ 70 → A；综合评定 A");
  EXPECT_INT(row, "graded_at", T0);
  EXPECT_INT(row, "last_followup_at", T0 + DAY);
  CHECK_OK(crm_cursor_next(c, &row));
  CHECK(is_null(row, "last_followup_at"), "C0001 was never contacted: %s",
        rtext(row, "last_followup_at"));
  crm_cursor_close(c);

  /* Two a page. */
  {
    char token[128] = "", all[512] = "";
    int pages = 0;
    q.page_size = 2;
    for (;;) {
      const char* next = NULL;
      q.after = token[0] ? token : NULL;
      CHECK_OK(crm_roster_list(admin, &q, &c));
      if (!c) break;
      CHECK_OK(crm_cursor_next_page(c, &next));
      snprintf(token, sizeof token, "%s", next ? next : "");
      snprintf(all + strlen(all), sizeof all - strlen(all), "%s[%s]", pages ? " " : "",
               rows_of(c, cols, NULL));
      if (++pages > 5 || !token[0]) break;
    }
    CHECK(pages == 2 && strcmp(all,
                               "[C0004 A 2026-11-30|C0002 A 2026-12-01] "
                               "[C0001 B 2026-12-07|C0003 C 2026-12-23]") == 0,
          "%d pages: %s", pages, all);
    q.after = NULL;
    q.page_size = 0;
  }

  /* One tier (code or label), one owner. */
  q.tier = "A类客户";
  CHECK_OK(crm_roster_list(rep, &q, &c));
  EXPECT_ROWS(c, cols, "C0004 A 2026-11-30|C0002 A 2026-12-01", "张伟's tier A customers");
  q.tier = "普通客户";
  CHECK_OK(crm_roster_list(rep, &q, &c));
  EXPECT_ROWS(c, cols, "C0001 B 2026-12-07", "张伟's 普通客户");
  q.tier = NULL;
  q.owner = rep2_id;
  CHECK_OK(crm_roster_list(admin, &q, &c));
  EXPECT_ROWS(c, cols, "C0003 C 2026-12-23", "王芳's customers, seen by the administrator");
  CHECK_OK(crm_roster_list(rep, &q, &c));
  EXPECT_ROWS(c, cols, "",
              "王芳's customers, seen by 张伟"); /* a colleague's customers are not visible */
  q.owner = 0;

  /* Archived customers leave the roster. */
  CHECK_OK(crm_customer_archive(rep, c4, "客户注销"));
  CHECK_OK(crm_roster_list(admin, NULL, &c));
  EXPECT_ROWS(c, cols, "C0002 A 2026-12-01|C0001 B 2026-12-07|C0003 C 2026-12-23",
              "the roster without the archived C0004");
  CHECK(strcmp(c5, "C0005") == 0, "c5 %s", c5);

  /* Bad queries. */
  q.tier = "Z类客户";
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_NOT_FOUND);
  q.tier = NULL;
  q.page_size = 1001;
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = -1;
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = 0;
  q.after = "r1.x";
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.after = NULL;
  q.size = offsetof(crm_roster_query, after);
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.size = 0;
  CHECK_FAIL(crm_roster_list(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.size = sizeof q;
  CHECK(c == NULL, "a refused crm_roster_list returned a cursor");
  CHECK_FAIL(crm_roster_list(rep, &q, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_roster_list(NULL, &q, &c), CRM_ERR_INVALID_ARG);

done:
  crm_record_free(f);
  crm_session_close(rep2);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Plans and records                                                        */
/* ------------------------------------------------------------------------ */

static void test_plans(void) {
  static const char* const plan_cols[] = {"id", "planned_at", "state", NULL};
  static const char* const rec_cols[] = {"contacted_at", "summary", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *dead = NULL;
  crm_record *out = NULL, *f = NULL;
  crm_cursor* c = NULL;
  char c1[16], c2[16], want[512];
  int64_t rep_id, a, b, cc, d, moved, p0, next_plan;
  const int64_t mon_1000 = sh(2026, 11, 24, 10, 0); /* Tuesday 11-24 10:00 */
  int n = 0;
  section("plans and records");
  if (!open_db(&db, &admin)) goto done;
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  rep = open_as(db, rep_id);
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", c2);

  /* A plan: its method by label, its reminder 30 minutes before. */
  f = plan_fields("演示五轴加工中心方案", "拜访", mon_1000, 0);
  set_text(f, "talking_points", "上次遗留的主轴转速问题");
  set_text(f, "materials", "产品手册、报价单");
  CHECK_OK(crm_followup_plan_create(rep, c1, f, &out));
  a = rec_int(out, "id");
  CHECK(a > 0, "plan id %" PRId64, a);
  EXPECT_TEXT(out, "customer", "C0001");
  EXPECT_INT(out, "owner", rep_id);
  EXPECT_TEXT(out, "goal", "演示五轴加工中心方案");
  EXPECT_TEXT(out, "method", "visit");
  EXPECT_TEXT(out, "talking_points", "上次遗留的主轴转速问题");
  EXPECT_TEXT(out, "materials", "产品手册、报价单");
  EXPECT_INT(out, "planned_at", mon_1000);
  EXPECT_INT(out, "remind_at", mon_1000 - 30 * MINUTE);
  EXPECT_TEXT(out, "state", "planned");
  EXPECT_INT(out, "created_by", rep_id);
  EXPECT_INT(out, "created_at", T0);
  CHECK(!has(out, "warning"), "a first plan has a warning: %s", rtext(out, "warning"));
  crm_record_free(out);
  out = NULL;
  crm_record_free(f);
  f = NULL;
  CHECK_OK(crm_followup_plan_get(rep, a, &out));
  EXPECT_TEXT(out, "goal", "演示五轴加工中心方案");
  EXPECT_INT(out, "remind_at", mon_1000 - 30 * MINUTE);
  CHECK(is_null(out, "record_id") && is_null(out, "rescheduled_to"), "record_id %s",
        rtext(out, "record_id"));
  crm_record_free(out);
  out = NULL;

  /* Refused plans. */
  CHECK_INVALID(plan_create(rep, c2, "回访", "电话", T0 - 1, 0, NULL), "planned_at", "in_past");
  CHECK_INVALID(plan_create(rep, c2, "回访", "电话", T0 + HOUR, T0 + HOUR + 1, NULL), "remind_at",
                "after_plan");
  CHECK_INVALID(plan_create(rep, c2, "回访", "电话", T0 + HOUR, T0 - 1, NULL), "remind_at",
                "in_past");
  CHECK_INVALID(plan_create(rep, c2, "回访", "飞鸽传书", T0 + HOUR, 0, NULL), "method",
                "unknown_value");
  CHECK_INVALID(plan_create(rep, c2, NULL, "电话", T0 + HOUR, 0, NULL), "goal", "required");
  CHECK_INVALID(plan_create(rep, c2, "回访", "电话", 0, 0, NULL), "planned_at", "required");
  CHECK(plan_count(rep, c2) == 0, "refused plans were stored: %d", plan_count(rep, c2));
  CHECK_FAIL(plan_create(rep, "C0999", "回访", "电话", T0 + HOUR, 0, NULL), CRM_ERR_NOT_FOUND);
  f = plan_fields("回访", "电话", T0 + HOUR, 0);
  set_int(f, "owner", 999);
  CHECK_INVALID(crm_followup_plan_create(rep, c2, f, NULL), "owner", "unknown_user");
  crm_record_free(f);
  f = NULL;
  /* Now is not the past; a reminder at the plan's time is allowed; a plan
   * due in 10 minutes is reminded now, not before. */
  p0 = PLAN(rep, c2, "确认到货", "电话", T0, T0);
  CHECK(p0 > 0, "a plan at now");
  CHECK_OK(crm_followup_plan_close(rep, p0, "cancelled", NULL));
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_hours", "0"));
  CHECK_OK(plan_create(rep, c2, "确认到货", "电话", T0 + 10 * MINUTE, 0, &out));
  EXPECT_INT(out, "remind_at", T0);
  CHECK_OK(crm_followup_plan_close(rep, rec_int(out, "id"), "cancelled", "测试"));
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_hours", "24"));

  /* The over-contact guard: within 24 hours of another open plan, a warning;
   * exactly 24 hours apart, none. */
  CHECK_OK(plan_create(rep, c1, "电话确认参会人员", "电话", mon_1000 + DAY, 0, &out));
  b = rec_int(out, "id");
  CHECK(!has(out, "warning"), "24 h apart: warning %s", rtext(out, "warning"));
  crm_record_free(out);
  out = NULL;
  CHECK_OK(plan_create(rep, c1, "补充技术资料", "邮件", mon_1000 + DAY - 1, 0, &out));
  cc = rec_int(out, "id");
  EXPECT_TEXT(out, "warning", "too_soon");
  CHECK(strcmp(rtext(out, "warning_message"), "") != 0 &&
            strcmp(rtext(out, "warning_message"), "(absent)") != 0,
        "warning_message %s", rtext(out, "warning_message"));
  CHECK(strstr(rtext(out, "warning_message_zh"), "2026-11-24 10:00") != NULL ||
            strstr(rtext(out, "warning_message_zh"), "2026-11-25 10:00") != NULL,
        "warning_message_zh names the other contact: %s", rtext(out, "warning_message_zh"));
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_followup_plan_close(rep, cc, "cancelled", "与其他计划重复"));
  CHECK_OK(crm_followup_plan_get(rep, cc, &out));
  EXPECT_TEXT(out, "state", "cancelled");
  EXPECT_TEXT(out, "state_reason", "与其他计划重复");
  crm_record_free(out);
  out = NULL;

  /* Refused instead of warned. */
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_action", "refuse"));
  n = plan_count(rep, c1);
  CHECK_INVALID(plan_create(rep, c1, "再次确认", "电话", mon_1000 + 2 * DAY - 1, 0, NULL),
                "planned_at", "too_soon");
  CHECK(plan_count(rep, c1) == n, "a refused plan was stored: %d plans", plan_count(rep, c1));
  d = PLAN(rep, c1, "再次确认", "电话", mon_1000 + 2 * DAY, 0);
  CHECK(d > 0, "24 h after the last open plan is allowed when refusing");
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_action", "warn"));
  CHECK_OK(crm_followup_plan_close(rep, d, "missed", NULL));

  /* Completing plan A at its time: the record, the plan done, the customer. */
  crm_db_clock_fixed(db, mon_1000);
  f = record_fields(NULL, "演示方案，客户认可主轴方案", 0);
  set_text(f, "feedback", "希望下周拿到正式报价");
  set_text(f, "intent_change", "采购意向增强");
  set_text(f, "next_step", "发送正式报价");
  CHECK_OK(crm_followup_plan_complete(rep, a, f, &out));
  EXPECT_INT(out, "plan_id", a);
  EXPECT_TEXT(out, "method", "visit");
  EXPECT_INT(out, "contacted_at", mon_1000);
  EXPECT_INT(out, "owner", rep_id);
  EXPECT_TEXT(out, "customer", "C0001");
  EXPECT_TEXT(out, "next_step", "发送正式报价");
  CHECK(!has(out, "warning"), "completing A warned: %s", rtext(out, "warning_message"));
  {
    int64_t record = rec_int(out, "id");
    crm_record_free(out);
    out = NULL;
    CHECK_OK(crm_followup_plan_get(rep, a, &out));
    EXPECT_TEXT(out, "state", "done");
    EXPECT_INT(out, "record_id", record);
    crm_record_free(out);
    out = NULL;
  }
  CHECK(customer_int(rep, c1, "last_followup_at") == mon_1000, "last_followup_at %" PRId64,
        customer_int(rep, c1, "last_followup_at"));
  CHECK(strcmp(customer_text(rep, c1, "next_step"), "发送正式报价") == 0, "next_step %s",
        customer_text(rep, c1, "next_step"));
  /* Only open plans complete, close and move. */
  CHECK_FAIL(crm_followup_plan_complete(rep, a, f, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_followup_plan_close(rep, a, "missed", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_followup_plan_reschedule(rep, a, mon_1000 + 3 * DAY, 0, NULL, NULL),
             CRM_ERR_STATE);
  CHECK_FAIL(crm_followup_plan_close(rep, d, "cancelled", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_followup_plan_complete(rep, 9999, f, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_followup_plan_close(rep, b, "done", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_close(rep, b, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_close(rep, 9999, "missed", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_followup_plan_get(rep, 9999, &out), CRM_ERR_NOT_FOUND);
  CHECK(out == NULL, "a refused get returned a record");
  crm_record_free(f);
  f = NULL;

  /* Rescheduling B: a new plan with the same goal; B points to it. */
  CHECK_OK(crm_followup_plan_reschedule(rep, b, sh(2026, 11, 27, 14, 0), 0, "客户出差", &out));
  moved = rec_int(out, "id");
  EXPECT_TEXT(out, "goal", "电话确认参会人员");
  EXPECT_TEXT(out, "method", "phone");
  EXPECT_TEXT(out, "state", "planned");
  EXPECT_INT(out, "planned_at", sh(2026, 11, 27, 14, 0));
  EXPECT_INT(out, "remind_at", sh(2026, 11, 27, 13, 30));
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_followup_plan_get(rep, b, &out));
  EXPECT_TEXT(out, "state", "rescheduled");
  EXPECT_INT(out, "rescheduled_to", moved);
  EXPECT_TEXT(out, "state_reason", "客户出差");
  crm_record_free(out);
  out = NULL;
  CHECK_INVALID(crm_followup_plan_reschedule(rep, moved, mon_1000 - 1, 0, NULL, NULL), "planned_at",
                "in_past");
  CHECK(strcmp(plan_state(rep, moved), "planned") == 0, "a refused move changed the plan: %s",
        plan_state(rep, moved));
  CHECK_OK(crm_followup_plan_reschedule(rep, moved, sh(2026, 11, 27, 15, 0), sh(2026, 11, 27, 9, 0),
                                        NULL, NULL));
  CHECK(strcmp(plan_state(rep, moved), "rescheduled") == 0, "moved twice: %s",
        plan_state(rep, moved));

  /* A record with the next plan. */
  f = record_fields("电话", "电话沟通需求，客户计划扩产", 0);
  set_text(f, "next_step", "安排技术交流");
  set_int(f, "next_plan_at", sh(2026, 11, 26, 14, 0));
  CHECK_OK(crm_followup_add(rep, c2, f, &out));
  next_plan = rec_int(out, "next_plan_id");
  CHECK(next_plan > 0, "next_plan_id %s", rtext(out, "next_plan_id"));
  EXPECT_INT(out, "contacted_at", mon_1000);
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_followup_plan_get(rep, next_plan, &out));
  EXPECT_TEXT(out, "goal", "安排技术交流");
  EXPECT_TEXT(out, "method", "phone");
  EXPECT_INT(out, "planned_at", sh(2026, 11, 26, 14, 0));
  EXPECT_TEXT(out, "state", "planned");
  crm_record_free(out);
  out = NULL;
  crm_record_free(f);
  f = NULL;
  CHECK(strcmp(customer_text(rep, c2, "next_step"), "安排技术交流") == 0, "next_step %s",
        customer_text(rep, c2, "next_step"));

  /* Refused records. */
  f = record_fields("电话", "沟通", 0);
  set_int(f, "next_plan_at", sh(2026, 11, 28, 10, 0));
  CHECK_INVALID(crm_followup_add(rep, c2, f, NULL), "next_step", "required");
  crm_record_free(f);
  f = record_fields("电话", "沟通", mon_1000 + 1);
  CHECK_INVALID(crm_followup_add(rep, c2, f, NULL), "contacted_at", "in_future");
  crm_record_free(f);
  f = record_fields("电话", "沟通", 0);
  set_text(f, "next_step", "再次沟通");
  set_int(f, "next_plan_at", mon_1000 - 1);
  n = plan_count(rep, c2);
  CHECK_INVALID(crm_followup_add(rep, c2, f, NULL), "next_plan_at", "in_past");
  CHECK(plan_count(rep, c2) == n, "a refused record planned: %d plans", plan_count(rep, c2));
  CHECK_OK(crm_customer_followups(rep, c2, &c));
  rows_of(c, rec_cols, &n);
  CHECK(n == 1, "a refused record was stored: %d records", n);
  crm_record_free(f);
  f = record_fields("电话", NULL, 0);
  CHECK_INVALID(crm_followup_add(rep, c2, f, NULL), "summary", "required");
  crm_record_free(f);
  f = record_fields(NULL, "沟通", 0);
  CHECK_INVALID(crm_followup_add(rep, c2, f, NULL), "method", "required");
  crm_record_free(f);
  f = NULL;

  /* A late entry: kept in contact-time order; the customer keeps the latest. */
  f = record_fields("电话", "补录：客户来电询问交期", sh(2026, 11, 23, 16, 0));
  set_text(f, "next_step", "补录的下一步");
  CHECK_OK(crm_followup_add(rep, c1, f, &out));
  EXPECT_TEXT(out, "warning", "too_soon"); /* 18 hours before plan A's record */
  crm_record_free(out);
  out = NULL;
  crm_record_free(f);
  f = NULL;
  CHECK(customer_int(rep, c1, "last_followup_at") == mon_1000, "last_followup_at %" PRId64,
        customer_int(rep, c1, "last_followup_at"));
  CHECK(strcmp(customer_text(rep, c1, "next_step"), "发送正式报价") == 0, "next_step %s",
        customer_text(rep, c1, "next_step"));
  CHECK_OK(crm_customer_followups(rep, c1, &c));
  snprintf(want, sizeof want,
           "%" PRId64 " 补录：客户来电询问交期|%" PRId64 " 演示方案，客户认可主轴方案",
           sh(2026, 11, 23, 16, 0), mon_1000);
  EXPECT_ROWS(c, rec_cols, want, "C0001's records");

  /* Refused records when refusing: nothing written. */
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_action", "refuse"));
  f = record_fields("电话", "再次电话确认", 0);
  CHECK_INVALID(crm_followup_add(rep, c1, f, NULL), "contacted_at", "too_soon");
  CHECK_OK(crm_customer_followups(rep, c1, &c));
  rows_of(c, rec_cols, &n);
  CHECK(n == 2, "a refused record was stored: %d records", n);
  CHECK_OK(crm_setting_set(admin, "followup.min_gap_action", "warn"));
  CHECK_OK(crm_followup_add(rep, c1, f, &out));
  EXPECT_TEXT(out, "warning", "too_soon");
  crm_record_free(out);
  out = NULL;
  crm_record_free(f);
  f = NULL;

  /* A customer's plans by planned time. */
  CHECK_OK(crm_customer_plans(rep, c1, &c));
  snprintf(want, sizeof want,
           "%" PRId64 " %" PRId64 " done|%" PRId64 " %" PRId64 " cancelled|%" PRId64 " %" PRId64
           " rescheduled|%" PRId64 " %" PRId64 " missed|%" PRId64 " %" PRId64
           " rescheduled|%" PRId64 " %" PRId64 " planned",
           a, mon_1000, cc, mon_1000 + DAY - 1, b, mon_1000 + DAY, d, mon_1000 + 2 * DAY, moved,
           sh(2026, 11, 27, 14, 0), moved + 1, sh(2026, 11, 27, 15, 0));
  EXPECT_ROWS(c, plan_cols, want, "C0001's plans");

  /* Arguments. */
  f = record_fields("电话", "沟通", 0);
  CHECK_FAIL(crm_followup_add(rep, "C0999", f, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_followup_add(rep, NULL, f, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_add(rep, c1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_add(NULL, c1, f, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_create(rep, NULL, f, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_create(rep, c1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_complete(rep, moved + 1, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_plan_get(rep, a, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_plans(rep, "C0999", &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_followups(rep, "C0999", &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_plans(rep, c1, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_followups(rep, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_session_open(db, rep_id, &dead));
  crm_session_close(dead);
  CHECK_FAIL(crm_followup_add(dead, c1, f, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_followup_plan_get(dead, a, &out), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_plans(dead, c1, &c), CRM_ERR_STATE);
  CHECK(c == NULL, "a refused call returned a cursor");
  /* Archived customers get no plans or records. */
  CHECK_OK(crm_customer_archive(rep, c2, "测试归档"));
  CHECK_FAIL(crm_followup_add(rep, c2, f, NULL), CRM_ERR_STATE);
  CHECK_FAIL(plan_create(rep, c2, "回访", "电话", mon_1000 + 5 * DAY, 0, NULL), CRM_ERR_STATE);

done:
  crm_record_free(out);
  crm_record_free(f);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* The agenda and the daily report                                          */
/* ------------------------------------------------------------------------ */

static void test_agenda(void) {
  static const char* const cols[] = {"kind", "customer", "goal", "tier", "next_due_date", NULL};
  static const char* const report_cols[] = {"kind",    "at",        "customer", "method",
                                            "summary", "next_step", "goal",     NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *rep2 = NULL;
  crm_cursor* c = NULL;
  crm_record *f = NULL, *out = NULL;
  crm_agenda_query q = CRM_AGENDA_QUERY_INIT;
  const crm_record* row = NULL;
  char c1[16], c2[16], c3[16], c4[16], want[1024];
  const char* got;
  int64_t rep_id, rep2_id, p1, p2, p3, p4;
  const int64_t dec1 = sh(2026, 12, 1, 9, 0);
  msg m;
  int n = 0;
  section("agenda and daily report");
  if (!open_db(&db, &admin)) goto done;
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  rep2_id = add_user(admin, "wangfang", "王芳", "sales");
  rep = open_as(db, rep_id);
  rep2 = open_as(db, rep2_id);
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", c2);
  customer(rep, "宁波盈朗家纺有限公司", "徐春燕", "13712345678", c3);
  CHECK_OK(grade(rep, c3, 150, 80, NULL)); /* A, due 11-30 */
  p1 = PLAN(rep, c1, "回访设备使用情况", "电话", sh(2026, 11, 24, 10, 0), 0);
  p2 = PLAN(rep, c2, "提交报价单", "拜访", sh(2026, 12, 1, 15, 0), 0);
  p3 = PLAN(rep, c1, "确认合同条款", "电话", sh(2026, 12, 2, 10, 0), 0); /* tomorrow */
  f = plan_fields("介绍售后服务", "线上会议", sh(2026, 11, 25, 10, 0), 0);
  set_int(f, "owner", rep2_id);
  CHECK_OK(crm_followup_plan_create(rep, c2, f, &out));
  p4 = rec_int(out, "id");
  EXPECT_INT(out, "owner", rep2_id);
  crm_record_free(out);
  out = NULL;
  crm_record_free(f);
  f = NULL;
  /* Graded a day later: due on 12-01, not lapsed on 12-01. */
  crm_db_clock_fixed(db, T0 + DAY);
  customer(rep, "无锡华光电力设备有限公司", "赵磊", "13612345678", c4);
  CHECK_OK(grade(rep, c4, 150, 80, &out));
  EXPECT_TEXT(out, "next_due_date", "2026-12-01");
  crm_record_free(out);
  out = NULL;

  /* Tuesday 12-01 09:00: the overdue plan of 11-24, C0003 (due 11-30), then
   * today's plan; tomorrow's plan and 王芳's plan are not 张伟's today. */
  crm_db_clock_fixed(db, dec1);
  CHECK_OK(crm_agenda(rep, NULL, &c));
  EXPECT_ROWS(c, cols,
              "overdue_plan C0001 回访设备使用情况 - -|"
              "lapsed C0003 - A 2026-11-30|"
              "plan C0002 提交报价单 - -",
              "张伟's agenda on 12-01");
  CHECK_OK(crm_agenda(rep, &q, &c));
  CHECK_OK(crm_cursor_next(c, &row));
  EXPECT_INT(row, "due_at", sh(2026, 11, 24, 10, 0));
  EXPECT_INT(row, "plan_id", p1);
  EXPECT_TEXT(row, "customer_name", "杭州恒达精密机械有限公司");
  EXPECT_TEXT(row, "method", "phone");
  CHECK_OK(crm_cursor_next(c, &row));
  EXPECT_INT(row, "due_at", sh(2026, 12, 1, 0, 0));
  EXPECT_TEXT(row, "customer_name", "宁波盈朗家纺有限公司");
  CHECK(is_null(row, "plan_id"), "a lapsed row has plan_id %s", rtext(row, "plan_id"));
  CHECK_OK(crm_cursor_next(c, &row));
  EXPECT_INT(row, "due_at", sh(2026, 12, 1, 15, 0));
  EXPECT_INT(row, "plan_id", p2);
  EXPECT_TEXT(row, "method", "visit");
  crm_cursor_close(c);

  /* One and two a page: the same rows. */
  {
    int size;
    for (size = 1; size <= 2; size++) {
      char token[128] = "", all[1024] = "";
      int pages = 0;
      q.page_size = size;
      for (;;) {
        const char* next = NULL;
        q.after = token[0] ? token : NULL;
        CHECK_OK(crm_agenda(rep, &q, &c));
        if (!c) break;
        CHECK_OK(crm_cursor_next_page(c, &next));
        snprintf(token, sizeof token, "%s", next ? next : "");
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", pages ? "|" : "",
                 rows_of(c, cols, NULL));
        if (++pages > 5 || !token[0]) break;
      }
      CHECK(pages == (size == 1 ? 3 : 2) && strcmp(all,
                                                   "overdue_plan C0001 回访设备使用情况 - -|"
                                                   "lapsed C0003 - A 2026-11-30|"
                                                   "plan C0002 提交报价单 - -") == 0,
            "%d pages of %d: %s", pages, size, all);
    }
    q.page_size = 0;
    q.after = NULL;
  }

  /* Another owner's agenda: for whoever's follow-up read reaches them (the
   * administrator here), not for a colleague (R3.1); the session's own by
   * default. */
  q.owner = rep2_id;
  CHECK_OK(crm_agenda(admin, &q, &c));
  EXPECT_ROWS(c, cols, "overdue_plan C0002 介绍售后服务 - -",
              "王芳's agenda, seen by the administrator");
  c = NULL;
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_PERMISSION);
  CHECK(c == NULL, "a refused agenda returned a cursor");
  q.owner = 0;
  CHECK_OK(crm_agenda(rep2, &q, &c));
  rows_of(c, cols, &n);
  CHECK(n == 1, "王芳's own agenda: %d rows", n);

  /* The cadence reminder for C0003 at 12-01 00:00. */
  {
    crm_tick_report r = TICK(admin, 0);
    CHECK(r.now_ms == dec1, "tick at the clock: now_ms %" PRId64, r.now_ms);
  }
  CHECK(count_kind(admin, "cadence_lapsed") == 1, "cadence_lapsed messages: %d",
        count_kind(admin, "cadence_lapsed"));
  if (last_of_kind(admin, "cadence_lapsed", &m)) {
    CHECK(strcmp(m.message,
                 "【超期未跟进】A类客户“宁波盈朗家纺有限公司”（C0003）应于 2026-11-30 "
                 "前跟进，至今未跟进") == 0,
          "message %s", m.message);
    CHECK(m.due_at == sh(2026, 12, 1, 0, 0), "due_at %" PRId64, m.due_at);
    CHECK(m.recipient_user == rep_id, "recipient %" PRId64, m.recipient_user);
  }

  /* Contacting C0003 ends its lapse. */
  f = record_fields("电话", "确认拜访时间", 0);
  set_text(f, "feedback", "下午三点可以");
  set_text(f, "next_step", "下午拜访");
  CHECK_OK(crm_followup_add(rep, c3, f, NULL));
  crm_record_free(f);
  f = NULL;
  CHECK_OK(crm_agenda(rep, NULL, &c));
  EXPECT_ROWS(c, cols, "overdue_plan C0001 回访设备使用情况 - -|plan C0002 提交报价单 - -",
              "张伟's agenda after the record for C0003");

  /* The daily report: the day's records and its plans still open, by time. */
  CHECK_OK(crm_daily_report(rep, rep_id, "2026-12-01", &c));
  snprintf(want, sizeof want,
           "record %" PRId64
           " C0003 phone 确认拜访时间 下午拜访 -|"
           "open_plan %" PRId64 " C0002 visit - - 提交报价单",
           dec1, sh(2026, 12, 1, 15, 0));
  EXPECT_ROWS(c, report_cols, want, "张伟's report of 12-01");
  CHECK_OK(crm_daily_report(rep, rep_id, "2026-11-24", &c));
  snprintf(want, sizeof want, "open_plan %" PRId64 " C0001 phone - - 回访设备使用情况",
           sh(2026, 11, 24, 10, 0));
  EXPECT_ROWS(c, report_cols, want, "张伟's report of 11-24");
  CHECK_OK(crm_daily_report(rep, rep_id, "2026-12-02", &c));
  got = rows_of(c, report_cols, &n);
  CHECK(strstr(got, "确认合同条款") != NULL && n == 1, "report of 12-02: %s", got);
  CHECK(p3 > 0 && p4 > 0, "plans");
  /* Owner 0 is the session's user; an unknown owner is an error. */
  CHECK_OK(crm_daily_report(rep, 0, "2026-11-24", &c));
  EXPECT_ROWS(c, report_cols, want, "the session user's report of 11-24");
  snprintf(want, sizeof want, "open_plan %" PRId64 " C0002 online_meeting - - 介绍售后服务",
           sh(2026, 11, 25, 10, 0));
  CHECK_OK(crm_daily_report(rep2, 0, "2026-11-25", &c));
  EXPECT_ROWS(c, report_cols, want, "王芳's report of 11-25");
  CHECK_FAIL(crm_daily_report(rep, 999, "2026-12-01", &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_daily_report(rep, rep_id, "2026-13-01", &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_daily_report(rep, rep_id, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_daily_report(rep, rep_id, "2026-12-01", NULL), CRM_ERR_INVALID_ARG);

  /* Bad queries. */
  q.owner = 999;
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_NOT_FOUND);
  q.owner = 0;
  q.page_size = 1001;
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = -1;
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = 0;
  q.after = "a1.bad";
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.after = NULL;
  q.size = offsetof(crm_agenda_query, after);
  CHECK_FAIL(crm_agenda(rep, &q, &c), CRM_ERR_INVALID_ARG);
  q.size = sizeof q;
  CHECK(c == NULL, "a refused crm_agenda returned a cursor");
  CHECK_FAIL(crm_agenda(rep, &q, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_agenda(NULL, &q, &c), CRM_ERR_INVALID_ARG);

done:
  crm_record_free(out);
  crm_record_free(f);
  crm_session_close(rep2);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* crm_tick: reminders at their instant, once; escalation                   */
/* ------------------------------------------------------------------------ */

static void test_tick(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_tick_report r;
  char c1[16], key[128];
  int64_t rep_id, south_id, manager_id, plan;
  const int64_t remind = T0 + 4 * HOUR;           /* 13:00 */
  const int64_t day_end = sh(2026, 11, 24, 0, 0); /* the plan's day is over */
  msg m, overdue;
  int n;
  section("tick");
  if (!open_db(&db, &admin)) goto done;
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  south_id = add_user_in(admin, "chengang", "陈刚", "sales_manager", "华南销售部");
  manager_id = add_user(admin, "lina", "李娜", "sales_manager");
  rep = open_as(db, rep_id);
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  plan = PLAN(rep, c1, "确认设备参数", "拜访", T0 + 5 * HOUR, remind);

  /* Nothing is due a millisecond before the reminder. */
  r = TICK(admin, remind - 1);
  CHECK(r.now_ms == remind - 1 && r.fired == 0 && r.messages == 0 && r.last_tick_ms == 0,
        "tick at 12:59:59.999: now %" PRId64 " fired %" PRId64 " messages %" PRId64
        " last %" PRId64,
        r.now_ms, r.fired, r.messages, r.last_tick_ms);
  CHECK(r.pending > 0, "pending %" PRId64, r.pending);
  CHECK(all_msgs(admin, &m, 1) == 0, "the outbox is not empty");

  /* At 13:00 exactly: one message. */
  r = TICK(admin, remind);
  CHECK(r.fired == 1 && r.messages == 1 && r.escalated == 0 && r.last_tick_ms == remind - 1,
        "tick at 13:00: fired %" PRId64 " messages %" PRId64 " last %" PRId64, r.fired, r.messages,
        r.last_tick_ms);
  n = all_msgs(admin, &m, 1);
  CHECK(n == 1, "%d messages", n);
  if (n == 1) {
    snprintf(key, sizeof key, "plan_reminder:%" PRId64 ":%" PRId64 ":app", plan, remind);
    CHECK(strcmp(m.key, key) == 0, "key %s, want %s", m.key, key);
    CHECK(strcmp(m.kind, "plan_reminder") == 0, "kind %s", m.kind);
    CHECK(strcmp(m.customer, "C0001") == 0, "customer %s", m.customer);
    CHECK(m.recipient_user == rep_id, "recipient %" PRId64, m.recipient_user);
    CHECK(strcmp(m.role, "(null)") == 0, "recipient_role %s", m.role);
    CHECK(strcmp(m.channel, "app") == 0, "channel %s", m.channel);
    CHECK(strcmp(m.message,
                 "【跟进提醒】2026-11-23 14:00 "
                 "以拜访方式跟进客户“杭州恒达精密机械有限公司”（C0001）：确认设备参数") == 0,
          "message %s", m.message);
    CHECK(strcmp(m.message_en,
                 "Follow-up at 2026-11-23 14:00: Visit with 杭州恒达精密机械有限公司 (C0001) - "
                 "确认设备参数") == 0,
          "message_en %s", m.message_en);
    CHECK(m.due_at == remind && m.created_at == remind && m.attempts == 0 &&
              m.acked_at == INT64_MIN && m.escalation_of == INT64_MIN,
          "due_at %" PRId64 " created_at %" PRId64 " attempts %" PRId64, m.due_at, m.created_at,
          m.attempts);
  }

  /* Again, and earlier: nothing new. */
  r = TICK(admin, remind);
  CHECK(r.fired == 0 && r.messages == 0, "second tick: fired %" PRId64 " messages %" PRId64,
        r.fired, r.messages);
  r = TICK(admin, T0 + HOUR);
  CHECK(r.fired == 0 && r.messages == 0 && r.now_ms == T0 + HOUR && r.last_tick_ms == remind,
        "earlier tick: fired %" PRId64 " messages %" PRId64 " last %" PRId64, r.fired, r.messages,
        r.last_tick_ms);
  CHECK_OK(crm_tick(admin, remind, NULL)); /* the report is optional */
  CHECK(all_msgs(admin, &m, 1) == 1, "a tick wrote a duplicate");

  /* The plan is still open when its day ends (11-24 00:00). */
  r = TICK(admin, day_end - 1);
  CHECK(r.messages == 0, "overdue before the day ended: %" PRId64, r.messages);
  r = TICK(admin, day_end);
  CHECK(r.fired == 1 && r.messages == 1, "overdue: fired %" PRId64, r.fired);
  CHECK(last_of_kind(admin, "plan_overdue", &overdue), "no plan_overdue message");
  CHECK(strcmp(overdue.message,
               "【跟进逾期】客户“杭州恒达精密机械有限公司”（C0001）计划于 2026-11-23 14:00 "
               "的跟进尚未完成：确认设备参数") == 0,
        "message %s", overdue.message);

  /* Unverified 24 hours after entry: 23:59:59.999 nothing, 24:00:00 one. */
  r = TICK(admin, T0 + DAY - 1);
  CHECK(count_kind(admin, "unverified") == 0, "unverified at 23:59:59.999");
  r = TICK(admin, T0 + DAY);
  CHECK(r.fired == 1 && count_kind(admin, "unverified") == 1, "unverified at 24 h: fired %" PRId64,
        r.fired);
  if (last_of_kind(admin, "unverified", &m))
    CHECK(strcmp(m.message,
                 "【信息待核实】客户“杭州恒达精密机械有限公司”（C0001）于 2026-11-23 09:00 "
                 "录入，至今未核实") == 0,
          "message %s", m.message);

  /* 24 hours after the overdue reminder, 李娜 (华东销售部, like 张伟) gets it,
   * by app and e-mail; 陈刚 (华南销售部) does not. */
  r = TICK(admin, day_end + DAY - 1);
  CHECK(count_kind(admin, "escalation") == 0, "escalated a millisecond early");
  r = TICK(admin, day_end + DAY);
  CHECK(r.fired == 1 && r.escalated == 1 && r.messages == 2,
        "escalation: fired %" PRId64 " escalated %" PRId64 " messages %" PRId64, r.fired,
        r.escalated, r.messages);
  {
    static msg all[16];
    int i, k = 0;
    n = all_msgs(admin, all, 16);
    for (i = 0; i < n && i < 16; i++) {
      if (strcmp(all[i].kind, "escalation") != 0) continue;
      k++;
      CHECK(all[i].recipient_user == manager_id,
            "escalated to %" PRId64 " (李娜 %" PRId64 ", 陈刚 %" PRId64 ")", all[i].recipient_user,
            manager_id, south_id);
      CHECK(all[i].escalation_of == overdue.id, "escalation_of %" PRId64 ", want %" PRId64,
            all[i].escalation_of, overdue.id);
      CHECK(strcmp(all[i].channel, k == 1 ? "app" : "email") == 0, "channel %s", all[i].channel);
      CHECK(strcmp(all[i].message,
                   "【升级提醒】张伟的提醒超时未处理：【跟进逾期】客户“杭州恒达精密机械有限公司”"
                   "（C0001）计划于 2026-11-23 14:00 的跟进尚未完成：确认设备参数") == 0,
            "message %s", all[i].message);
    }
    CHECK(k == 2, "%d escalation messages", k);
  }

  /* Verified before its escalation is due: the escalation is dropped. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 40 * HOUR));
  CHECK_OK(crm_customer_verify(rep, c1, "电话", NULL));
  r = TICK(admin, T0 + 2 * DAY);
  CHECK(r.fired == 0 && r.skipped >= 1 && r.escalated == 0,
        "after verifying: fired %" PRId64 " skipped %" PRId64, r.fired, r.skipped);
  CHECK(count_kind(admin, "escalation") == 2, "%d escalation messages",
        count_kind(admin, "escalation"));

  /* A completed plan is no longer reminded of. */
  {
    crm_record* f = record_fields(NULL, "现场确认设备参数", 0);
    int64_t p2 = PLAN(rep, c1, "签订合同", "拜访", T0 + 3 * DAY, T0 + 3 * DAY - HOUR);
    CHECK_OK(crm_db_clock_fixed(db, T0 + 3 * DAY - 2 * HOUR));
    CHECK_OK(crm_followup_plan_complete(rep, p2, f, NULL));
    crm_record_free(f);
    r = TICK(admin, T0 + 4 * DAY);
    CHECK(count_kind(admin, "plan_reminder") == 1 && count_kind(admin, "plan_overdue") == 1,
          "reminders of a completed plan: %d, %d", count_kind(admin, "plan_reminder"),
          count_kind(admin, "plan_overdue"));
  }

  /* The report's size; permissions; arguments. */
  {
    crm_tick_report small = CRM_TICK_REPORT_INIT;
    small.size = offsetof(crm_tick_report, last_tick_ms);
    CHECK_FAIL(crm_tick(admin, 0, &small), CRM_ERR_INVALID_ARG);
    small.size = 0;
    CHECK_FAIL(crm_tick(admin, 0, &small), CRM_ERR_INVALID_ARG);
  }
  CHECK_FAIL(crm_tick(admin, -1, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tick(rep, 0, NULL), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_tick(NULL, 0, NULL), CRM_ERR_INVALID_ARG);

done:
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* A rep of a department without a sales manager: escalations go to the role.
 * One tick far ahead fires what is due by then, escalations included. */
static void test_escalation_to_role(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_tick_report r;
  char c1[16];
  msg m;
  section("escalation without a department manager");
  if (!open_db(&db, &admin)) goto done;
  add_user(admin, "lina", "李娜", "sales_manager"); /* 华东销售部 */
  rep = open_as(db, add_user_in(admin, "wangfang", "王芳", "sales", "西北销售部"));
  customer(rep, "兰州新陇原机电设备有限公司", "马骏", "13812345678", c1);
  r = TICK(admin, T0 + DAY);
  CHECK(r.fired == 1 && count_kind(admin, "unverified") == 1, "unverified: fired %" PRId64,
        r.fired);
  r = TICK(admin, T0 + 2 * DAY);
  CHECK(r.escalated == 1 && r.messages == 2, "escalated %" PRId64 " messages %" PRId64, r.escalated,
        r.messages);
  if (last_of_kind(admin, "escalation", &m)) {
    CHECK(m.recipient_user == INT64_MIN, "recipient_user %" PRId64, m.recipient_user);
    CHECK(strcmp(m.role, "sales_manager") == 0, "recipient_role %s", m.role);
  }
  crm_session_close(rep);
  rep = NULL;
  crm_session_close(admin);
  admin = NULL;
  CHECK_OK(crm_db_close(db));

  /* A tick that comes late (two days after entry) writes the reminder; the
     owner still gets a full day before the escalation. */
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user_in(admin, "wangfang", "王芳", "sales", "西北销售部"));
  customer(rep, "兰州新陇原机电设备有限公司", "马骏", "13812345678", c1);
  r = TICK(admin, T0 + 2 * DAY);
  CHECK(count_kind(admin, "unverified") == 1 && count_kind(admin, "escalation") == 0,
        "a late tick at +48 h: %d unverified, %d escalation messages (fired %" PRId64
        ", escalated %" PRId64 ")",
        count_kind(admin, "unverified"), count_kind(admin, "escalation"), r.fired, r.escalated);
  r = TICK(admin, T0 + 3 * DAY - 1);
  CHECK(count_kind(admin, "escalation") == 0, "escalated %d ms early", 1);
  r = TICK(admin, T0 + 3 * DAY);
  CHECK(count_kind(admin, "escalation") == 2 && r.escalated == 1,
        "a day after the late reminder: %d escalation messages, escalated %" PRId64,
        count_kind(admin, "escalation"), r.escalated);

done:
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* The outbox                                                               */
/* ------------------------------------------------------------------------ */

static void test_outbox(void) {
  static msg got[16], all[16];
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_cursor* c = NULL;
  char c1[16], c2[16];
  int n, i;
  int64_t tc;
  section("outbox");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "sales"));
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  customer(rep, "苏州纳微科技股份有限公司", "周强", "13912345678", c2);
  TICK(admin, T0 + DAY);     /* two unverified reminders */
  TICK(admin, T0 + 2 * DAY); /* their escalations: app and e-mail each */
  n = all_msgs(admin, all, 16);
  CHECK(n == 6, "%d messages", n);

  /* Leased: fetched once until the lease ends. */
  tc = T0 + 2 * DAY + HOUR;
  CHECK_OK(crm_db_clock_fixed(db, tc));
  CHECK_OK(crm_outbox_fetch(admin, 100, 60000, NULL, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 6, "first fetch: %d", n);
  for (i = 0; i < n && i < 16; i++)
    CHECK(got[i].attempts == 1 && got[i].id == all[i].id, "message %" PRId64 ": attempts %" PRId64,
          got[i].id, got[i].attempts);
  CHECK_OK(crm_outbox_fetch(admin, 100, 60000, NULL, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 0, "fetched again during the lease: %d", n);
  CHECK_OK(crm_db_clock_fixed(db, tc + 59999));
  CHECK_OK(crm_outbox_fetch(admin, 100, 60000, NULL, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 0, "fetched a millisecond before the lease ended: %d", n);
  CHECK_OK(crm_db_clock_fixed(db, tc + 60000));
  CHECK_OK(crm_outbox_fetch(admin, 2, 60000, NULL, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 2 && got[0].attempts == 2 && got[0].id == all[0].id,
        "after the lease: %d, attempts %" PRId64, n, got[0].attempts);

  /* Acknowledged: never fetched again. */
  CHECK_OK(crm_outbox_ack(admin, all[0].id));
  CHECK_FAIL(crm_outbox_ack(admin, all[0].id), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_outbox_ack(admin, 999999), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_db_clock_fixed(db, tc + 10 * 60000));
  CHECK_OK(crm_outbox_fetch(admin, 100, 60000, NULL, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 5, "after the ack: %d", n);
  for (i = 0; i < n && i < 16; i++) {
    /* all[1] was fetched twice before, the others once */
    int64_t want = got[i].id == all[1].id ? 3 : 2;
    CHECK(got[i].id != all[0].id, "the acknowledged message was fetched again");
    CHECK(got[i].attempts == want, "message %" PRId64 ": attempts %" PRId64 ", want %" PRId64,
          got[i].id, got[i].attempts, want);
  }

  /* Listing reads without leasing. */
  CHECK_OK(crm_outbox_list(admin, 0, 1000, 1, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 5 && got[0].id == all[1].id, "pending: %d", n);
  CHECK_OK(crm_outbox_list(admin, 0, 1000, 0, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 6 && got[0].acked_at == tc + 60000 && got[1].acked_at == INT64_MIN,
        "all: %d, acked_at %" PRId64, n, got[0].acked_at);
  CHECK_OK(crm_outbox_list(admin, all[3].id, 2, 0, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 2 && got[0].id == all[4].id, "after id %" PRId64 ": %d", all[3].id, n);

  /* One channel. */
  CHECK_OK(crm_db_clock_fixed(db, tc + 20 * 60000));
  CHECK_OK(crm_outbox_fetch(admin, 100, 60000, "email", &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 2 && strcmp(got[0].channel, "email") == 0 && strcmp(got[1].channel, "email") == 0,
        "email: %d", n);

  /* Arguments and permissions. */
  CHECK_FAIL(crm_outbox_fetch(admin, 0, 60000, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(admin, 1001, 60000, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(admin, 10, 999, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(admin, 10, DAY + 1, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(admin, 10, 60000, "fax", &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(admin, 10, 60000, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_list(admin, 0, 0, 0, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_list(admin, 0, 10, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_fetch(rep, 10, 60000, NULL, &c), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_outbox_ack(rep, all[1].id), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_outbox_list(rep, 0, 10, 0, &c), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_outbox_fetch(NULL, 10, 60000, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_outbox_ack(NULL, all[1].id), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused call returned a cursor");
  CHECK_OK(crm_outbox_list(admin, 0, 1000, 1, &c));
  n = msgs_of(c, got, 16);
  CHECK(n == 5, "refused acks changed the outbox: %d pending", n);

done:
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Reminder rules                                                           */
/* ------------------------------------------------------------------------ */

/* crm_reminder_rule_set with one text field. */
static int set_rule(crm_session* s, const char* kind, const char* field, const char* value) {
  crm_record* r = new_record();
  int rc;
  set_text(r, field, value);
  rc = crm_reminder_rule_set(s, kind, r);
  crm_record_free(r);
  return rc;
}

static void test_rules(void) {
  static const char* const cols[] = {"kind",     "enabled",  "delay_minutes",  "counting",
                                     "calendar", "channels", "escalate_after", NULL};
  static const char* const tpl_cols[] = {"kind", "template_zh", NULL};
  static const char* const hist_cols[] = {"subject", "before", "after", NULL};
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_cursor* c = NULL;
  crm_record* r = NULL;
  crm_tick_report t;
  char c1[16], want[1024];
  const char* got;
  int n;
  static msg m[16];
  msg overdue;
  section("reminder rules");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "sales"));

  CHECK_OK(crm_reminder_rule_list(rep, &c));
  EXPECT_ROWS(c, cols,
              "plan_reminder 1 0 calendar default app 0|"
              "plan_overdue 1 0 calendar default app 1440|"
              "cadence_lapsed 1 0 calendar default app 1440|"
              "unverified 1 1440 calendar default app 1440|"
              "review_due 1 0 calendar default app 0|"
              "major_change 1 1440 calendar default app 1440|"
              "access_pending 1 0 calendar default app 1440|"
              "lead_welcome 1 0 calendar default sms 0|"
              "lead_assigned 1 0 calendar default app 0|"
              "lead_high_value 1 0 calendar default app 0|"
              "lead_unassigned 1 1440 calendar default app 0|"
              "escalation 1 0 calendar default app,email 0",
              "the seeded reminder rules");

  /* Refusals. */
  CHECK_FAIL(set_rule(admin, "plan_reminder", "channels", "app,fax"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "channels", "app,app"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "channels", ""), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "template_zh", "请跟进{客户名称}"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "template_en", "Call {customer"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "template_zh", ""), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "counting", "lunar"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "delay_minutes", "-1"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "colour", "red"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "escalation", "delay_minutes", "10"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(set_rule(admin, "birthday", "enabled", "1"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(set_rule(admin, "plan_reminder", "calendar", "nowhere"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(set_rule(rep, "plan_reminder", "channels", "app,sms"), CRM_ERR_PERMISSION);
  CHECK_FAIL(set_rule(admin, NULL, "channels", "app"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_reminder_rule_set(admin, "plan_reminder", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_reminder_rule_set(NULL, "plan_reminder", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_reminder_rule_list(admin, NULL), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_config_history(admin, "rule.", 0, NULL, &c));
  rows_of(c, hist_cols, &n);
  CHECK(n == 0, "refused rules wrote %d history rows", n);

  /* A template naming the customer, by app and SMS. */
  r = new_record();
  set_text(r, "template_zh", "请于{time}{method}跟进{customer}：{goal}");
  set_text(r, "channels", "app,sms");
  CHECK_OK(crm_reminder_rule_set(admin, "plan_reminder", r));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_reminder_rule_list(admin, &c));
  got = rows_of(c, tpl_cols, &n);
  CHECK(strncmp(got, "plan_reminder 请于{time}{method}跟进{customer}：{goal}|",
                strlen("plan_reminder 请于{time}{method}跟进{customer}：{goal}|")) == 0,
        "rules: %s", got);
  CHECK_OK(crm_config_history(admin, "rule.plan_reminder", 0, NULL, &c));
  {
    const char* h = rows_of(c, hist_cols, &n);
    CHECK(n == 1 && strstr(h, ";channels=app;") != NULL &&
              strstr(h, ";channels=app,sms;") != NULL &&
              strstr(h, "template_zh=请于{time}{method}跟进{customer}：{goal};") != NULL,
          "rule history (%d rows): %s", n, h);
  }
  customer(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", c1);
  PLAN(rep, c1, "确认设备参数", "拜访", T0 + 5 * HOUR, T0 + 4 * HOUR);
  t = TICK(admin, T0 + 4 * HOUR);
  CHECK(t.fired == 1 && t.messages == 2, "fired %" PRId64 " messages %" PRId64, t.fired,
        t.messages);
  n = all_msgs(admin, m, 16);
  CHECK(n == 2 && strcmp(m[0].channel, "app") == 0 && strcmp(m[1].channel, "sms") == 0,
        "%d messages", n);
  snprintf(want, sizeof want, "请于2026-11-23 14:00拜访跟进杭州恒达精密机械有限公司：确认设备参数");
  CHECK(strcmp(m[0].message, want) == 0 && strcmp(m[1].message, want) == 0, "message %s",
        m[0].message);

  /* Pending reminders follow a new delay: unverified after 48 hours. */
  r = new_record();
  set_int(r, "delay_minutes", 2880);
  CHECK_OK(crm_reminder_rule_set(admin, "unverified", r));
  crm_record_free(r);
  r = NULL;
  t = TICK(admin, T0 + DAY);
  CHECK(count_kind(admin, "unverified") == 0 && t.rearmed >= 1,
        "unverified at 24 h after the change: %d (rearmed %" PRId64 ")",
        count_kind(admin, "unverified"), t.rearmed);
  /* The plan is overdue since 11-24 00:00; escalate_after 0 means never,
   * even for the escalation already waiting. */
  CHECK(last_of_kind(admin, "plan_overdue", &overdue), "no plan_overdue message");
  CHECK_OK(set_rule(admin, "plan_overdue", "escalate_after", "0"));
  TICK(admin, T0 + 2 * DAY - 1);
  CHECK(count_kind(admin, "unverified") == 0, "unverified a millisecond before 48 h");
  TICK(admin, T0 + 2 * DAY);
  CHECK(count_kind(admin, "unverified") == 1, "unverified at 48 h: %d",
        count_kind(admin, "unverified"));

  /* A disabled rule fires nothing. */
  CHECK_OK(set_rule(admin, "review_due", "enabled", "0"));
  t = TICK(admin, sh(2027, 1, 1, 0, 0));
  CHECK(count_kind(admin, "review_due") == 0 && t.skipped >= 1,
        "review_due while disabled: %d (skipped %" PRId64 ")", count_kind(admin, "review_due"),
        t.skipped);
  n = all_msgs(admin, m, 16);
  {
    int i, of_overdue = 0, escalations = 0;
    for (i = 0; i < n && i < 16; i++) {
      if (strcmp(m[i].kind, "escalation") != 0) continue;
      escalations++;
      if (m[i].escalation_of == overdue.id) of_overdue++;
    }
    CHECK(escalations == 2 && of_overdue == 0,
          "%d escalation messages (the unverified one by app and e-mail), %d of the overdue plan",
          escalations, of_overdue);
  }

done:
  crm_record_free(r);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_tiers();
  test_criteria();
  test_grading();
  test_roster();
  test_plans();
  test_agenda();
  test_tick();
  test_escalation_to_role();
  test_outbox();
  test_rules();
  return harness_finish();
}
