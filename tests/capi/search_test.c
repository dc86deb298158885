/*
 * search_test.c — customer-name search and information completeness through
 * libcrm's C interface (capi/crm.h), in plain C99 as a host would call them:
 *
 *   - crm_customer_search: 1- and 2-character queries, traditional input
 *     finding simplified names and the reverse, full pinyin with spaces and
 *     capitals, initials, a renamed customer, another department's customer
 *     never returned, archived ones only when asked, paging, bad queries;
 *   - crm_customer_list sorted by "name_pinyin" in both directions;
 *   - completeness: the default definition, one customer at 100 % and with
 *     one field missing, the 95 % goal met exactly, groups, the definition
 *     changed by an administrator and refused to a rep, NULL arguments.
 *
 * The clock is fixed; nothing sleeps.  Prints one line per failed check and
 * ends with "N passed, M failed".
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

/* 2026-11-23 09:00 in Shanghai. */
#define T0 INT64_C(1795395600000)

static const char* const kIdMatch[] = {"id", "match", NULL};

/* The rows of one search as "id match|id match…"; NULL cursor on failure. */
static const char* search(crm_session* s, const char* text, int32_t archived) {
  crm_search_query q = CRM_SEARCH_QUERY_INIT;
  crm_cursor* c = NULL;
  int rc;
  q.text = text;
  q.include_archived = archived;
  rc = crm_customer_search(s, &q, &c);
  CHECK(rc == CRM_OK, "crm_customer_search(%s): %s: %s", text, sname(rc), crm_errmsg());
  return rows_of(c, kIdMatch, NULL);
}

#define EXPECT_SEARCH(s, text, archived, want)                                            \
  do {                                                                                    \
    const char* got_ = search((s), (text), (archived));                                  \
    CHECK(strcmp(got_, (want)) == 0, "search \"%s\": expected \"%s\", got \"%s\"", (text), \
          (want), got_);                                                                  \
  } while (0)

static double real_of(const crm_record* r, const char* field) {
  double v = -1;
  if (crm_record_get_real(r, field, &v) != CRM_OK) return -1;
  return v;
}

static void test_search(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *south = NULL;
  char id[5][32];
  crm_record* change = NULL;
  section("search");
  if (!open_memory_db(&db, &admin, T0)) return;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "销售"));
  south = open_as(db, add_user_in(admin, "chenjing", "陈静", "销售", "华南销售部"));
  create_customer_with(rep, "华为技术有限公司", "王建国", "13800000001", NULL, id[0], 32);
  create_customer_with(rep, "深圳市腾讯计算机系统有限公司", "李明", "13800000002", NULL, id[1], 32);
  create_customer_with(rep, "華為雲計算技術有限公司", "陈刚", "13800000003", NULL, id[2], 32);
  create_customer_with(south, "华为海外贸易有限公司", "赵强", "13800000004", NULL, id[3], 32);

  EXPECT_SEARCH(rep, "华为", 0, "C0001 name|C0003 name");
  EXPECT_SEARCH(rep, "華為技術", 0, "C0001 name");
  EXPECT_SEARCH(rep, "云", 0, "C0003 name");
  EXPECT_SEARCH(rep, "腾", 0, "C0002 name");
  EXPECT_SEARCH(rep, "huawei", 0, "C0001 pinyin|C0003 pinyin");
  EXPECT_SEARCH(rep, "Hua Wei", 0, "C0001 pinyin|C0003 pinyin");
  EXPECT_SEARCH(rep, "hwjs", 0, "C0001 initials");
  EXPECT_SEARCH(rep, "hw", 0, "C0001 initials|C0003 initials");
  EXPECT_SEARCH(admin, "华为", 0, "C0001 name|C0003 name|C0004 name");
  EXPECT_SEARCH(rep, "海外", 0, "");

  /* A renamed customer is found by its new name only. */
  change = new_record();
  set_text(change, "name", "深圳市华为终端有限公司");
  CHECK_OK(crm_customer_update(rep, "C0002", change, NULL));
  crm_record_free(change);
  EXPECT_SEARCH(rep, "腾讯", 0, "");
  EXPECT_SEARCH(rep, "华为终端", 0, "C0002 name");

  CHECK_OK(crm_customer_archive(rep, "C0003", "重复录入"));
  EXPECT_SEARCH(rep, "華為", 0, "C0001 name|C0002 name");
  EXPECT_SEARCH(rep, "華為", 1, "C0001 name|C0003 name|C0002 name"); /* prefixes first */

  {
    /* Paging: one row a page, the token bound to its query. */
    crm_search_query q = CRM_SEARCH_QUERY_INIT;
    crm_cursor* c = NULL;
    const crm_record* row = NULL;
    const char* token = NULL;
    char saved[128] = "";
    q.text = "有限公司";
    q.page_size = 1;
    CHECK_OK(crm_customer_search(rep, &q, &c));
    CHECK(c && crm_cursor_next(c, &row) == CRM_OK && strcmp(rtext(row, "id"), "C0001") == 0,
          "first page is C0001");
    CHECK_OK(crm_cursor_next_page(c, &token));
    CHECK(token != NULL, "a next page follows");
    if (token) snprintf(saved, sizeof saved, "%s", token);
    crm_cursor_close(c);
    q.after = saved;
    c = NULL;
    CHECK_OK(crm_customer_search(rep, &q, &c));
    CHECK(c && crm_cursor_next(c, &row) == CRM_OK && strcmp(rtext(row, "id"), "C0002") == 0,
          "second page is C0002");
    crm_cursor_close(c);
    q.text = "公司";
    c = NULL;
    CHECK_FAIL(crm_customer_search(rep, &q, &c), CRM_ERR_INVALID_ARG);
    q.after = NULL;
    q.text = " ";
    CHECK_FAIL(crm_customer_search(rep, &q, &c), CRM_ERR_INVALID_ARG);
    q.text = NULL;
    CHECK_FAIL(crm_customer_search(rep, &q, &c), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_customer_search(rep, NULL, &c), CRM_ERR_INVALID_ARG);
    q.text = "华为";
    CHECK_FAIL(crm_customer_search(rep, &q, NULL), CRM_ERR_INVALID_ARG);
    q.size = 8;
    CHECK_FAIL(crm_customer_search(rep, &q, &c), CRM_ERR_INVALID_ARG);
  }

  {
    /* The list in pinyin order: 华为 (h) < 深圳 (s); binary order differs
     * for 中 (z), which sorts first by bytes. */
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    crm_cursor* c = NULL;
    static const char* const kId[] = {"id", NULL};
    create_customer_with(rep, "中兴通讯股份有限公司", "周平", "13800000005", NULL, id[4], 32);
    create_customer_with(rep, "阿里巴巴（中国）网络技术有限公司", "马丽", "13800000006", NULL,
                         id[4], 32);
    q.sort = "name_pinyin";
    CHECK_OK(crm_customer_list(rep, &q, &c));
    {
      const char* got = rows_of(c, kId, NULL);
      CHECK(strcmp(got, "C0006|C0001|C0002|C0005") == 0, "pinyin order, got %s", got);
    }
    q.sort = "-name_pinyin";
    c = NULL;
    CHECK_OK(crm_customer_list(rep, &q, &c));
    {
      const char* got = rows_of(c, kId, NULL);
      CHECK(strcmp(got, "C0005|C0002|C0001|C0006") == 0, "descending, got %s", got);
    }
  }
  crm_session_close(rep);
  crm_session_close(south);
  crm_session_close(admin);
  crm_db_close(db);
}

static void test_completeness(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_record* r = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char id[32];
  int n = 0;
  section("completeness");
  if (!open_memory_db(&db, &admin, T0)) return;
  rep = open_as(db, add_user(admin, "zhangwei", "张伟", "销售"));

  CHECK_OK(crm_completeness_field_list(admin, &c));
  {
    static const char* const kField[] = {"field", "weight", NULL};
    const char* got = rows_of(c, kField, &n);
    CHECK(n == 10, "ten default fields, got %d: %s", n, got);
  }
  /* Title is not on a new customer's record: take it out, so that a
   * customer with an e-mail has every counted field. */
  CHECK_OK(crm_completeness_field_set(admin, "contact_title", 0));
  CHECK_FAIL(crm_completeness_field_set(rep, "email", 2), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_completeness_field_set(admin, "owner", 2), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_completeness_field_set(admin, NULL, 2), CRM_ERR_INVALID_ARG);

  create_customer_with(rep, "华为技术有限公司", "王建国", "13800000001", "wang@example.com", id,
                       sizeof id);
  CHECK_OK(crm_customer_completeness(rep, id, &r));
  CHECK(real_of(r, "percent") == 100.0, "every field: 100 %%, got %f", real_of(r, "percent"));
  CHECK(strcmp(rtext(r, "missing"), "") == 0, "nothing missing, got %s", rtext(r, "missing"));
  CHECK(rec_int(r, "goal_met") == 1, "goal met");
  crm_record_free(r);
  r = NULL;

  /* Nine fields of weight 1; with the name weighing 12 the total is 20, so
   * a missing e-mail (weight 1) leaves exactly 95 %. */
  CHECK_OK(crm_completeness_field_set(admin, "name", 12));
  create_customer_with(rep, "深圳市腾讯计算机系统有限公司", "李明", "13800000002", NULL, id,
                       sizeof id);
  CHECK_OK(crm_customer_completeness(rep, id, &r));
  CHECK(real_of(r, "percent") == 95.0, "missing e-mail (1 of 20): 95 %%, got %f",
        real_of(r, "percent"));
  CHECK(strcmp(rtext(r, "missing"), "email") == 0, "missing e-mail, got %s", rtext(r, "missing"));
  CHECK(rec_int(r, "goal_met") == 1, "95 %% meets the 95 %% goal");
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_setting_set(admin, "completeness.goal_percent", "96"));
  CHECK_OK(crm_customer_completeness(rep, id, &r));
  CHECK(rec_int(r, "goal_met") == 0, "95 %% misses a 96 %% goal");
  crm_record_free(r);
  r = NULL;

  CHECK_OK(crm_completeness_report(rep, "all", 0, &c));
  CHECK(c && crm_cursor_next(c, &row) == CRM_OK, "one row");
  if (row) {
    CHECK(rec_int(row, "customers") == 2, "two customers");
    CHECK(real_of(row, "percent") == 97.5, "mean of 100 and 95, got %f", real_of(row, "percent"));
    CHECK(rec_int(row, "complete") == 1, "one complete");
    CHECK(rec_int(row, "goal_met") == 1, "97.5 >= 96");
  }
  crm_cursor_close(c);
  c = NULL;
  CHECK_OK(crm_completeness_report(admin, "department", 0, &c));
  {
    static const char* const kGroup[] = {"group", "customers", NULL};
    const char* got = rows_of(c, kGroup, NULL);
    CHECK(strcmp(got, "华东销售部 2") == 0, "by department, got %s", got);
  }
  c = NULL;
  CHECK_FAIL(crm_completeness_report(admin, "region", 0, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_completeness_report(admin, NULL, 0, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_completeness(rep, "C9999", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_completeness(rep, id, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_completeness_field_list(admin, NULL), CRM_ERR_INVALID_ARG);

  crm_session_close(rep);
  crm_session_close(admin);
  crm_db_close(db);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_search();
  test_completeness();
  return harness_finish();
}
