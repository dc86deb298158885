/*
 * history_test.c — crm_history_list, crm_dict_list and
 * crm_channel_set_department (0.2) through the C ABI, as a C host uses them.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

/* 2026-11-23T01:00:00Z = 09:00 in Shanghai. */
#define T0 1795395600000LL

static void create(crm_session *s, const char *name, char *id, size_t cap) {
  crm_record *r = NULL;
  char *out = NULL;
  CHECK_OK(crm_record_new(&r));
  crm_record_set_text(r, "name", name);
  crm_record_set_text(r, "contact_name", "王建国");
  crm_record_set_text(r, "phone", "13812345678");
  crm_record_set_text(r, "industry", "制造业");
  crm_record_set_text(r, "scale", "100-500人");
  crm_record_set_text(r, "source", "展会");
  crm_record_set_text(r, "key_needs", "采购数控机床");
  crm_record_set_text(r, "priority", "高");
  CHECK_OK(crm_customer_create(s, r, &out));
  snprintf(id, cap, "%s", out ? out : "");
  crm_free(out);
  crm_record_free(r);
}

static void set_priority(crm_db *db, crm_session *s, const char *id, const char *p, int64_t at) {
  crm_record *r = NULL;
  CHECK_OK(crm_db_clock_fixed(db, at));
  CHECK_OK(crm_record_new(&r));
  crm_record_set_text(r, "priority", p);
  CHECK_OK(crm_customer_update(s, id, r, NULL));
  crm_record_free(r);
}

/* Reads every page of a history query; returns the row count and writes the
 * "after" values, in order, into `afters` (comma-separated). */
static int drain_history(crm_session *s, crm_history_query q, char *afters, size_t cap,
                         int *pages) {
  char token[128] = "";
  int n = 0;
  afters[0] = '\0';
  *pages = 0;
  for (;;) {
    crm_cursor *c = NULL;
    const crm_record *row = NULL;
    const char *next = NULL;
    q.after = token[0] ? token : NULL;
    if (crm_history_list(s, &q, &c) != CRM_OK) {
      CHECK(0, "crm_history_list failed: %s", crm_errmsg());
      return -1;
    }
    ++*pages;
    while (crm_cursor_next(c, &row) == CRM_OK) {
      const char *after = NULL;
      crm_record_get_text(row, "after", &after);
      strncat(afters, after ? after : "-", cap - strlen(afters) - 1);
      strncat(afters, ",", cap - strlen(afters) - 1);
      ++n;
    }
    CHECK_OK(crm_cursor_next_page(c, &next));
    if (next) snprintf(token, sizeof token, "%s", next);
    crm_cursor_close(c);
    if (!next) return n;
  }
}

static void test_history(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_cursor *c = NULL;
  crm_history_query q = CRM_HISTORY_QUERY_INIT;
  char a[16], b[16], afters[512];
  int pages = 0;

  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  create(s, "杭州恒达精密机械有限公司", a, sizeof a);
  create(s, "苏州纳微科技股份有限公司", b, sizeof b);
  set_priority(db, s, a, "中", T0 + 1000);
  set_priority(db, s, b, "低", T0 + 2000);
  set_priority(db, s, a, "低", T0 + 3000);

  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 3, "3 changes in all");
  CHECK(strcmp(afters, "medium,low,low,") == 0, "time order: got %s", afters);
  q.page_size = 1;
  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 3 && pages == 3,
        "page_size 1 gives 3 pages, got %d", pages);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.since_ms = T0 + 2000; /* inclusive */
  q.until_ms = T0 + 3000; /* exclusive */
  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 1 &&
            strcmp(afters, "low,") == 0,
        "[T0+2s, T0+3s) holds one change, got %s", afters);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.customer = a;
  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 2 &&
            strcmp(afters, "medium,low,") == 0,
        "customer %s: got %s", a, afters);
  q.actor = 1;
  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 2, "actor 1 made them");
  q.actor = 42;
  CHECK(drain_history(s, q, afters, sizeof afters, &pages) == 0, "user 42 made nothing");

  /* Bad input: nothing but a clear status. */
  CHECK_FAIL(crm_history_list(NULL, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_history_list(s, NULL, NULL), CRM_ERR_INVALID_ARG);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.size = 8;
  CHECK_FAIL(crm_history_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.since_ms = 5;
  q.until_ms = 5;
  CHECK_FAIL(crm_history_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.page_size = 1001;
  CHECK_FAIL(crm_history_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.customer = "C0999";
  CHECK_FAIL(crm_history_list(s, &q, &c), CRM_ERR_NOT_FOUND);
  q = (crm_history_query)CRM_HISTORY_QUERY_INIT;
  q.after = "h1.1.2.0000000000000000";
  CHECK_FAIL(crm_history_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "no cursor after a failure");
  /* NULL query: everything. */
  CHECK_OK(crm_history_list(s, NULL, &c));
  crm_cursor_close(c);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_dictionaries(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  crm_record *u = NULL;
  int64_t rep_id = 0;
  int rows = 0, trade_show_ok = 0, null_department = 0;

  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  CHECK_OK(crm_session_open(db, 1, &admin));
  CHECK_OK(crm_dict_list(admin, "source", &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    const char *code = NULL, *dept = NULL;
    crm_record_get_text(row, "code", &code);
    crm_record_get_text(row, "department", &dept);
    if (rows == 0) CHECK(strcmp(code, "website") == 0, "first source is website, got %s", code);
    if (strcmp(code, "trade_show") == 0) trade_show_ok = dept && strcmp(dept, "市场部") == 0;
    ++rows;
  }
  crm_cursor_close(c);
  CHECK(rows == 7, "7 seeded source channels (R1.4), got %d", rows);
  CHECK(trade_show_ok, "the market department handles trade shows");

  CHECK_OK(crm_channel_set_department(admin, "展会", "会展部"));
  CHECK_OK(crm_channel_set_department(admin, "trade_show", NULL));
  CHECK_OK(crm_dict_list(admin, "source", &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    const char *code = NULL, *dept = "x";
    int32_t type = -1;
    crm_record_get_text(row, "code", &code);
    crm_record_type(row, "department", &type);
    crm_record_get_text(row, "department", &dept);
    if (strcmp(code, "trade_show") == 0) null_department = type == CRM_TYPE_NULL && dept == NULL;
  }
  crm_cursor_close(c);
  CHECK(null_department, "NULL clears a channel's department");

  CHECK_OK(crm_record_new(&u));
  crm_record_set_text(u, "login", "lisi");
  crm_record_set_text(u, "name", "李四");
  crm_record_set_text(u, "role", "sales");
  CHECK_OK(crm_user_create(admin, u, &rep_id));
  crm_record_free(u);
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  CHECK_FAIL(crm_channel_set_department(rep, "展会", "销售部"), CRM_ERR_PERMISSION);
  CHECK_OK(crm_dict_list(rep, "priority", &c)); /* anyone may read */
  crm_cursor_close(c);

  CHECK_FAIL(crm_dict_list(NULL, "source", &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_dict_list(admin, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_dict_list(admin, "source", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_dict_list(admin, "colours", &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_channel_set_department(NULL, "展会", "x"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_channel_set_department(admin, NULL, "x"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_channel_set_department(admin, "飞鸽传书", "x"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_channel_set_department(admin, "展会", "\xC3\x28"), CRM_ERR_INVALID_ARG);

  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_review(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_record *c = NULL;
  char id[16];
  int64_t at = 0, by = 0, version = 0;
  int32_t type = -1;

  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  create(s, "杭州恒达精密机械有限公司", id, sizeof id);
  CHECK_OK(crm_customer_get(s, id, &c));
  CHECK_OK(crm_record_type(c, "reviewed_at", &type));
  CHECK(type == CRM_TYPE_NULL, "never reviewed: reviewed_at is NULL, type %d", (int)type);
  crm_record_free(c);

  CHECK_OK(crm_db_clock_fixed(db, T0 + 86400000));
  CHECK_OK(crm_customer_review(s, id, "复核无变化"));
  CHECK_OK(crm_customer_review(s, id, NULL)); /* the note is optional */
  CHECK_OK(crm_customer_get(s, id, &c));
  CHECK_OK(crm_record_get_int(c, "reviewed_at", &at));
  CHECK_OK(crm_record_get_int(c, "reviewed_by", &by));
  CHECK_OK(crm_record_get_int(c, "version", &version));
  CHECK(at == T0 + 86400000 && by == 1 && version == 1,
        "reviewed at %" PRId64 " by %" PRId64 ", version %" PRId64, at, by, version);
  crm_record_free(c);

  CHECK_FAIL(crm_customer_review(NULL, id, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_review(s, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_review(s, "C0999", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_review(s, id, "\xC3\x28"), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_customer_archive(s, id, NULL));
  CHECK_FAIL(crm_customer_review(s, id, NULL), CRM_ERR_STATE);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_count_and_list_filters(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_cursor *c = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  char a[16], b[16];
  int64_t n = -1;

  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  create(s, "杭州恒达精密机械有限公司", a, sizeof a);
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  create(s, "苏州纳微科技股份有限公司", b, sizeof b);

  CHECK_OK(crm_customer_count(s, NULL, &n));
  CHECK(n == 2, "2 customers, counted %" PRId64, n);
  q.name_contains = "纳微";
  CHECK_OK(crm_customer_count(s, &q, &n));
  CHECK(n == 1, "one name contains 纳微, counted %" PRId64, n);
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.created_from_ms = T0 + 1000;
  CHECK_OK(crm_customer_count(s, &q, &n));
  CHECK(n == 1, "one created at or after T0+1s, counted %" PRId64, n);
  /* A caller built against the tag-filter layout (before the list-view
   * fields) gets no list-view filtering, whatever follows its struct. */
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.size = offsetof(crm_customer_query, industry);
  q.industry = "不存在的行业";
  q.name_contains = "no such name";
  CHECK_OK(crm_customer_count(s, &q, &n));
  CHECK(n == 2, "an older struct ignores fields it does not have, counted %" PRId64, n);

  CHECK_FAIL(crm_customer_count(NULL, NULL, &n), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_count(s, NULL, NULL), CRM_ERR_INVALID_ARG);
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.industry = "不存在的行业";
  CHECK_FAIL(crm_customer_count(s, &q, &n), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.updated_from_ms = 100;
  q.updated_to_ms = 50;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  test_count_and_list_filters();
  test_history();
  test_review();
  test_dictionaries();
  return harness_finish();
}
