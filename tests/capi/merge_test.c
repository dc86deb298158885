/*
 * merge_test.c — tests of merging duplicate customers (客户合并, R9.3) through
 * libcrm's C interface, in plain C99 as a host would call them:
 * crm_customer_merge with a field-choice record, the merged record's state,
 * crm_customer_unmerge (a round trip, the conflict report and force),
 * crm_merge_list, and every refused input leaving everything as it was.
 *
 * Every expectation comes from crm.h.  Prints one line per failed check and
 * ends with "N passed, M failed".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

/* 2026-11-23 09:00 in Shanghai. */
#define T0 INT64_C(1795395600000)

static crm_db *g_db = NULL;
static crm_session *g_admin = NULL, *g_rep = NULL;
static char g_a[16], g_b[16];

static crm_record *get(const char *id) {
  crm_record *r = NULL;
  CHECK_OK(crm_customer_get(g_admin, id, &r));
  return r;
}

static int64_t version_of(const char *id) {
  crm_record *r = get(id);
  int64_t v = r ? rec_int(r, "version") : -1;
  crm_record_free(r);
  return v;
}

static int contacts_of(const char *id) {
  crm_cursor *c = NULL;
  static const char *const fields[] = {"id", NULL};
  int n = 0;
  CHECK_OK(crm_customer_contacts(g_admin, id, &c));
  rows_of(c, fields, &n);
  return n;
}

static int is_merged(const char *id) {
  crm_record *r = get(id);
  int32_t t = -1;
  int merged = r && crm_record_type(r, "merged_into", &t) == CRM_OK && t == CRM_TYPE_TEXT;
  crm_record_free(r);
  return merged;
}

static void setup(void) {
  crm_record *c;
  int64_t rep;
  if (!open_memory_db(&g_db, &g_admin, T0)) return;
  rep = add_user(g_admin, "zhangwei", "张伟", "sales");
  g_rep = open_as(g_db, rep);
  create_customer_with(g_rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, g_a,
                       sizeof g_a);
  create_customer_with(g_rep, "杭州恒达精密机械股份有限公司", "陈芳", "13900001111",
                       "chenfang@hengda.cn", g_b, sizeof g_b);
  c = new_record();
  set_text(c, "name", "李强");
  set_text(c, "phone", "13700002222");
  CHECK_OK(crm_contact_add(g_rep, g_b, c, NULL));
  crm_record_free(c);
}

static void test_merge_and_unmerge(void) {
  crm_record *choices = new_record(), *report = NULL, *r;
  crm_cursor *cur = NULL;
  int64_t merge = 0, va = version_of(g_a);
  char before_name[128];
  static const char *const fields[] = {"id", "survivor", "merged", "undone", NULL};
  int n = 0;
  char want[128];
  section("merge with a field choice, then unmerge");
  r = get(g_a);
  snprintf(before_name, sizeof before_name, "%s", r ? rtext(r, "name") : "");
  crm_record_free(r);
  set_text(choices, "name", "merged");
  set_text(choices, "primary_contact", "merged");
  CHECK_OK(crm_customer_merge(g_rep, g_a, g_b, choices, "展会重复录入", &merge, &report));
  CHECK(merge > 0, "merge id %" PRId64, merge);
  CHECK(report && rec_int(report, "moved") == 2, "moved %" PRId64,
        report ? rec_int(report, "moved") : -1);
  CHECK(report && strcmp(rtext(report, "from_merged"), "name,primary_contact") == 0,
        "from_merged \"%s\"", report ? rtext(report, "from_merged") : "");
  crm_record_free(report);
  report = NULL;

  r = get(g_a);
  CHECK(r && strcmp(rtext(r, "name"), "杭州恒达精密机械股份有限公司") == 0, "name %s",
        r ? rtext(r, "name") : "");
  CHECK(r && strcmp(rtext(r, "contact_name"), "陈芳") == 0, "contact_name %s",
        r ? rtext(r, "contact_name") : "");
  crm_record_free(r);
  CHECK(contacts_of(g_a) == 3, "survivor has %d contacts", contacts_of(g_a));
  r = get(g_b);
  CHECK(r && strcmp(rtext(r, "merged_into"), g_a) == 0, "merged_into %s",
        r ? rtext(r, "merged_into") : "");
  CHECK(r && rec_int(r, "archived") == 1, "archived %" PRId64, r ? rec_int(r, "archived") : -1);
  crm_record_free(r);

  /* The merged record is read-only. */
  r = new_record();
  set_text(r, "key_needs", "改");
  CHECK_FAIL(crm_customer_update(g_rep, g_b, r, NULL), CRM_ERR_STATE);
  CHECK(strstr(crm_errmsg(), "merged into") != NULL, "message: %s", crm_errmsg());
  CHECK(strstr(crm_errmsg_zh(), "已合并到") != NULL, "message: %s", crm_errmsg_zh());
  crm_record_free(r);

  CHECK_OK(crm_merge_list(g_rep, NULL, 0, 0, &cur));
  snprintf(want, sizeof want, "%" PRId64 " %s %s 0", merge, g_a, g_b);
  CHECK(strcmp(rows_of(cur, fields, &n), want) == 0 && n == 1, "one merge row, expected %s",
        want);

  /* A change of the survivor after the merge: a conflict naming it. */
  r = new_record();
  set_text(r, "key_needs", "合并后改了需求");
  CHECK_OK(crm_customer_update(g_rep, g_a, r, NULL));
  crm_record_free(r);
  CHECK_FAIL(crm_customer_unmerge(g_rep, merge, 0, NULL, &report), CRM_ERR_CONFLICT);
  snprintf(want, sizeof want, "%s.key_needs", g_a);
  CHECK(has_field_code(want, "changed_since_merge"), "field error %s: %s", want, crm_errmsg());
  CHECK(report == NULL, "no report on failure");
  CHECK(is_merged(g_b), "still merged after the refused unmerge");
  CHECK_FAIL(crm_customer_unmerge(g_rep, merge, 2, NULL, NULL), CRM_ERR_INVALID_ARG);

  CHECK_OK(crm_customer_unmerge(g_rep, merge, 1, "不是同一家", &report));
  CHECK(report && strcmp(rtext(report, "overwritten"), want) == 0, "overwritten \"%s\"",
        report ? rtext(report, "overwritten") : "");
  CHECK(report && rec_int(report, "restored") == 2, "restored %" PRId64,
        report ? rec_int(report, "restored") : -1);
  crm_record_free(report);
  r = get(g_a);
  CHECK(r && strcmp(rtext(r, "name"), before_name) == 0, "name back to %s: %s", before_name,
        r ? rtext(r, "name") : "");
  CHECK(r && strcmp(rtext(r, "contact_name"), "王建国") == 0, "contact back: %s",
        r ? rtext(r, "contact_name") : "");
  CHECK(r && rec_int(r, "version") > va, "version moved on");
  crm_record_free(r);
  CHECK(!is_merged(g_b), "no longer merged");
  CHECK(contacts_of(g_b) == 2 && contacts_of(g_a) == 1, "contacts back: %d and %d",
        contacts_of(g_a), contacts_of(g_b));

  CHECK_OK(crm_merge_list(g_admin, g_b, 0, 10, &cur));
  snprintf(want, sizeof want, "%" PRId64 " %s %s 1", merge, g_a, g_b);
  CHECK(strcmp(rows_of(cur, fields, &n), want) == 0, "undone, expected %s", want);
  CHECK_FAIL(crm_customer_unmerge(g_rep, merge, 1, NULL, NULL), CRM_ERR_STATE);
  crm_record_free(choices);
}

static void test_refused(void) {
  crm_record *choices;
  int64_t va = version_of(g_a), vb = version_of(g_b), other;
  crm_session *stranger;
  crm_cursor *cur = NULL;
  static const char *const fields[] = {"id", NULL};
  int n = 0, before = 0;
  section("refused merges change nothing");
  CHECK_OK(crm_merge_list(g_admin, NULL, 0, 0, &cur));
  rows_of(cur, fields, &before);
  CHECK_FAIL(crm_customer_merge(g_rep, g_a, g_a, NULL, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_merge(g_rep, NULL, g_a, NULL, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_merge(g_rep, g_a, "C9999", NULL, NULL, NULL, NULL), CRM_ERR_NOT_FOUND);
  choices = new_record();
  set_text(choices, "nickname", "merged");
  CHECK_FAIL(crm_customer_merge(g_rep, g_a, g_b, choices, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK(has_field_code("nickname", "unknown_field"), "field error: %s", crm_errmsg());
  crm_record_free(choices);
  choices = new_record();
  set_text(choices, "phone", "merged");
  CHECK_FAIL(crm_customer_merge(g_rep, g_a, g_b, choices, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK(has_field_code("phone", "follows_primary_contact"), "field error: %s", crm_errmsg());
  crm_record_free(choices);
  CHECK_FAIL(crm_customer_unmerge(g_rep, 999, 0, NULL, NULL), CRM_ERR_NOT_FOUND);

  other = add_user(g_admin, "liqiang", "李强", "sales");
  stranger = open_as(g_db, other);
  CHECK_FAIL(crm_customer_merge(stranger, g_a, g_b, NULL, NULL, NULL, NULL), CRM_ERR_NOT_FOUND);
  crm_session_close(stranger);

  CHECK(version_of(g_a) == va && version_of(g_b) == vb, "versions unchanged");
  CHECK(!is_merged(g_b), "not merged");
  CHECK_OK(crm_merge_list(g_admin, NULL, 0, 0, &cur));
  rows_of(cur, fields, &n);
  CHECK(n == before, "no merge recorded: %d rows, %d before", n, before);

  CHECK_OK(crm_customer_archive(g_rep, g_b, "重复"));
  CHECK_FAIL(crm_customer_merge(g_rep, g_a, g_b, NULL, NULL, NULL, NULL), CRM_ERR_STATE);
}

int main(void) {
  setup();
  if (!g_rep) {
    harness_finish();
    return 1;
  }
  test_merge_and_unmerge();
  test_refused();
  crm_session_close(g_rep);
  crm_session_close(g_admin);
  crm_db_close(g_db);
  return harness_finish();
}
