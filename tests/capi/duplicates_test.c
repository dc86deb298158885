/*
 * duplicates_test.c — duplicate detection and the cleansing report (R9.3)
 * through libcrm's C interface, in plain C99 as a host would call them:
 * crm_match_key, crm_duplicates_find, crm_duplicates_of and
 * crm_cleansing_report.
 *
 * The rules tested (crm.h, docs/duplicates.md):
 *  - 华为技术有限公司, 華為技術有限公司, 深圳市华为技术有限公司 and
 *    华为技术（深圳）有限公司 have one name key; 华为终端 another;
 *  - a phone typed differently and an e-mail in capitals still match;
 *  - a pair is listed only when the user may read both customers;
 *  - a threshold outside (0, 1] is CRM_ERR_INVALID_ARG;
 *  - a progress callback that returns non-zero stops the search with
 *    CRM_ERR_STATE;
 *  - the single-row check finds the customer a new row may duplicate;
 *  - the cleansing report counts each problem with the customers' ids;
 *  - NULL for a required pointer is CRM_ERR_INVALID_ARG.
 *
 * Prints one line per failed check and ends with "N passed, M failed".
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

/* 2026-11-23T01:00:00Z = 09:00 in Shanghai. */
#define T0 INT64_C(1795395600000)

static void expect_str_at(const char* got, const char* want, const char* what, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s = \"%s\"", what, want);
  check_at(got != NULL && strcmp(got, want) == 0, __FILE__, line, expected, "\"%s\"",
           got ? got : "(NULL)");
}
#define EXPECT_STR(got, want, what) expect_str_at((got), (want), (what), __LINE__)

static const char* key_of(const char* kind, const char* text) {
  static char buf[256];
  char* out = NULL;
  int rc = crm_match_key(kind, text, &out);
  CHECK(rc == CRM_OK, "crm_match_key(%s, %s): %s: %s", kind, text, sname(rc), crm_errmsg());
  snprintf(buf, sizeof buf, "%s", out ? out : "(NULL)");
  crm_free(out);
  return buf;
}

static void test_match_keys(void) {
  char* out = NULL;
  section("match keys");
  EXPECT_STR(key_of("name", "华为技术有限公司"), "华为技术", "simplified");
  EXPECT_STR(key_of("name", "華為技術有限公司"), "华为技术", "traditional");
  EXPECT_STR(key_of("name", "深圳市华为技术有限公司"), "华为技术", "city prefix");
  EXPECT_STR(key_of("name", "华为技术（深圳）有限公司"), "华为技术", "region note");
  EXPECT_STR(key_of("name", "华为终端有限公司"), "华为终端", "another trade name");
  EXPECT_STR(key_of("phone", "+86 138-1234-5678"), "+8613812345678", "phone");
  EXPECT_STR(key_of("phone", "12345"), "", "an invalid phone has no key");
  EXPECT_STR(key_of("email", "Wang@Huawei.COM"), "wang@huawei.com", "e-mail");
  EXPECT_STR(key_of("contact", "王 伟"), "王伟", "contact");
  CHECK_FAIL(crm_match_key("fax", "x", &out), CRM_ERR_INVALID_ARG);
  CHECK(out == NULL, "out is NULL after a failure");
  CHECK_FAIL(crm_match_key(NULL, "x", &out), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_match_key("name", NULL, &out), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_match_key("name", "x", NULL), CRM_ERR_INVALID_ARG);
}

static int stop_at_once(void* ctx, int64_t done, int64_t total) {
  (void)ctx;
  (void)done;
  (void)total;
  return 1;
}

struct Progress {
  int calls;
  int64_t last_done, last_total;
};
static int count_progress(void* ctx, int64_t done, int64_t total) {
  struct Progress* p = (struct Progress*)ctx;
  p->calls++;
  p->last_done = done;
  p->last_total = total;
  return 0;
}

static const char* const kPairCols[] = {"group", "a", "b", "reasons", NULL};

static void test_find(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_session* rep = NULL;
  crm_cursor* c = NULL;
  char id[32];
  int64_t rep_id;
  struct Progress p = {0, 0, 0};
  section("crm_duplicates_find");
  if (!open_memory_db(&db, &admin, T0)) return;
  rep_id = add_user(admin, "zhang.wei", "张伟", "sales");
  rep = open_as(db, rep_id);
  if (!rep) return;
  create_customer_with(rep, "华为技术有限公司", "王伟", "13800000001", NULL, id, sizeof id);
  create_customer_with(rep, "華為技術有限公司", "李娜", "13800000002", NULL, id, sizeof id);
  create_customer_with(rep, "深圳市华为技术有限公司", "赵强", "13800000003", NULL, id, sizeof id);
  create_customer_with(rep, "华为技术（深圳）有限公司", "钱明", "13800000004", NULL, id,
                       sizeof id);
  create_customer_with(rep, "华为终端有限公司", "孙丽", "13800000005", NULL, id, sizeof id);
  create_customer_with(rep, "杭州恒达精密机械有限公司", "周杰", "13912345678",
                       "Sales@Example.COM", id, sizeof id);
  create_customer_with(rep, "苏州纳微科技股份有限公司", "吴凡", "+86 139 1234 5678", NULL, id,
                       sizeof id);
  create_customer_with(rep, "宁波港信息通信有限公司", "郑和", "0574-88888881",
                       "sales@example.com", id, sizeof id);
  /* Owned by the administrator: the sales rep may not read it. */
  create_customer_with(admin, "华为技术股份有限公司", "冯军", "13800000009", NULL, id, sizeof id);

  CHECK_OK(crm_duplicates_find(rep, 0, count_progress, &p, &c));
  EXPECT_STR(rows_of(c, kPairCols, NULL),
             "1 C0001 C0002 same_name|1 C0001 C0003 same_name|1 C0001 C0004 same_name|"
             "1 C0002 C0003 same_name|1 C0002 C0004 same_name|1 C0003 C0004 same_name|"
             "2 C0006 C0007 same_phone|2 C0006 C0008 same_email",
             "the rep's pairs: four spellings of one name, a phone, an e-mail; no C0009");
  CHECK(p.calls > 0 && p.last_done == p.last_total, "progress: %d calls, last %" PRId64
        " of %" PRId64, p.calls, p.last_done, p.last_total);

  c = NULL;
  CHECK_OK(crm_duplicates_find(admin, 0.9, NULL, NULL, &c));
  EXPECT_STR(rows_of(c, kPairCols, NULL), "", "nothing reaches 0.9 with one key each");
  c = NULL;
  CHECK_OK(crm_duplicates_find(admin, 0, NULL, NULL, &c));
  {
    int n = 0;
    rows_of(c, kPairCols, &n);
    CHECK(n == 12, "the administrator sees C0009 in the first group too: %d pairs", n);
  }

  c = NULL;
  CHECK_FAIL(crm_duplicates_find(rep, -0.5, NULL, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_duplicates_find(rep, 1.5, NULL, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_duplicates_find(rep, 0, stop_at_once, NULL, &c), CRM_ERR_STATE);
  CHECK(c == NULL, "no cursor after a failure");
  CHECK_FAIL(crm_duplicates_find(rep, 0, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_duplicates_find(NULL, 0, NULL, NULL, &c), CRM_ERR_INVALID_ARG);

  section("crm_duplicates_of");
  {
    static const char* const cols[] = {"customer", "reasons", NULL};
    crm_record* row = new_record();
    set_text(row, "name", "深圳市華為技術有限公司");
    set_text(row, "phone", "138 0000 0001");
    c = NULL;
    CHECK_OK(crm_duplicates_of(rep, row, 0, &c));
    EXPECT_STR(rows_of(c, cols, NULL),
               "C0001 same_name,same_phone|C0002 same_name|C0003 same_name|C0004 same_name",
               "best first, then by id");
    set_text(row, "exclude", "C0001");
    c = NULL;
    CHECK_OK(crm_duplicates_of(rep, row, 0.8, &c));
    EXPECT_STR(rows_of(c, cols, NULL), "", "C0001 left out; a name alone is 0.7");
    set_text(row, "industry", "制造业");
    CHECK_FAIL(crm_duplicates_of(rep, row, 0, &c), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_duplicates_of(rep, NULL, 0, &c), CRM_ERR_INVALID_ARG);
    crm_record_free(row);
  }

  section("crm_cleansing_report");
  {
    static const char* const cols[] = {"check", "field", "count", "customers", NULL};
    crm_cursor* r = NULL;
    const crm_record* row = NULL;
    int found = 0;
    CHECK_OK(crm_cleansing_report(rep, 0, 0, NULL, NULL, &r));
    while (r && crm_cursor_next(r, &row) == CRM_OK) {
      const char* check = rtext(row, "check");
      if (strcmp(check, "examined") == 0) {
        CHECK(rec_int(row, "count") == 8, "examined %" PRId64 " (the rep's 8)",
              rec_int(row, "count"));
        found++;
      } else if (strcmp(check, "duplicates") == 0) {
        CHECK(rec_int(row, "count") == 2, "%" PRId64 " groups", rec_int(row, "count"));
        EXPECT_STR(rtext(row, "customers"), "C0001,C0002,C0003,C0004,C0006,C0007,C0008",
                   "the groups' members");
        found++;
      } else if (strcmp(check, "stale") == 0) {
        CHECK(rec_int(row, "days") == 90, "stale after %" PRId64 " days", rec_int(row, "days"));
        found++;
      }
    }
    crm_cursor_close(r);
    CHECK(found == 3, "examined, duplicates and stale rows: %d found", found);
    r = NULL;
    CHECK_FAIL(crm_cleansing_report(rep, -1, 0, NULL, NULL, &r), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_cleansing_report(rep, 0, 0, stop_at_once, NULL, &r), CRM_ERR_STATE);
    CHECK_FAIL(crm_cleansing_report(rep, 0, 0, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
    (void)cols;
  }

  crm_session_close(rep);
  crm_session_close(admin);
  crm_db_close(db);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_match_keys();
  test_find();
  return harness_finish();
}
