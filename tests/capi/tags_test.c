/*
 * tags_test.c — tests of the tags (标签, R1.7) of libcrm's C interface
 * (capi/crm.h, since 0.2.0), written in plain C99 as a host would call them:
 * crm_tag_define / _find / _list, crm_customer_tag_add / _remove,
 * crm_customer_tags, the tag filters of crm_customer_query (tags_all,
 * tags_any) and the compatibility of a 0.1-sized crm_customer_query.
 *
 * Every expectation comes from crm.h.  Prints one line per failed check and
 * ends with "N passed, M failed".
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

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

static char g_root[512]; /* this run's temporary directory */

#define MAX_IDS 64

/* Creates a complete, valid customer (R1.1) named `name`; its id goes to `id`. */
static void create_customer(crm_session *s, const char *name, char *id, size_t cap) {
  create_customer_with(s, name, "王伟", "13812345678", NULL, id, cap);
}

static int64_t version_of(crm_session *s, const char *id) {
  crm_record *r = NULL;
  int64_t v;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  v = rec_int(r, "version");
  crm_record_free(r);
  return v;
}

/* The last history row of a customer, as plain strings. */
typedef struct {
  int count;
  char kind[32], field[32], before[256], after[256], reason[256];
  int64_t actor, at;
} LastHistory;

static LastHistory last_history(crm_session *s, const char *id) {
  LastHistory h;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int rc;
  memset(&h, 0, sizeof h);
  h.count = -1;
  rc = crm_customer_history(s, id, &c);
  CHECK(rc == CRM_OK, "crm_customer_history(%s): %s: %s", id, sname(rc), crm_errmsg());
  if (rc != CRM_OK) return h;
  h.count = 0;
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    h.count++;
    snprintf(h.kind, sizeof h.kind, "%s", rtext(row, "kind"));
    snprintf(h.field, sizeof h.field, "%s", rtext(row, "field"));
    snprintf(h.before, sizeof h.before, "%s", rtext(row, "before"));
    snprintf(h.after, sizeof h.after, "%s", rtext(row, "after"));
    snprintf(h.reason, sizeof h.reason, "%s", rtext(row, "reason"));
    h.actor = rec_int(row, "actor");
    h.at = rec_int(row, "at");
  }
  CHECK(rc == CRM_DONE, "history cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return h;
}

static int history_count(crm_session *s, const char *id) { return last_history(s, id).count; }

/* The tag ids a customer carries, sorted ascending, as "1 5 7" ("" for none;
 * "(error)" if the call failed).  Static buffer. */
static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static const char *join_ids(int64_t *ids, int n) {
  static char buf[1024];
  size_t used = 0;
  int i;
  qsort(ids, (size_t)n, sizeof ids[0], cmp_i64);
  buf[0] = '\0';
  for (i = 0; i < n && used < sizeof buf - 24; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%" PRId64, i ? " " : "", ids[i]);
  return buf;
}

static const char *tags_of(crm_session *s, const char *id) {
  static char out[1024];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int64_t ids[MAX_IDS];
  int n = 0, rc = crm_customer_tags(s, id, &c);
  if (rc != CRM_OK) {
    CHECK(0, "crm_customer_tags(%s): %s: %s", id, sname(rc), crm_errmsg());
    return "(error)";
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK)
    if (n < MAX_IDS) ids[n++] = rec_int(row, "id");
  CHECK(rc == CRM_DONE, "crm_customer_tags cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  snprintf(out, sizeof out, "%s", join_ids(ids, n));
  return out;
}

/* What a failed call must leave alone: the customer's version, history and tags. */
typedef struct {
  int64_t version;
  int history;
  char tags[1024];
} CustSnap;

static CustSnap cust_snap(crm_session *s, const char *id) {
  CustSnap c;
  c.version = version_of(s, id);
  c.history = history_count(s, id);
  snprintf(c.tags, sizeof c.tags, "%s", tags_of(s, id));
  return c;
}

static void check_cust_unchanged(crm_session *s, const char *id, const CustSnap *before,
                                 const char *what, int line) {
  CustSnap now = cust_snap(s, id);
  char expected[256];
  snprintf(expected, sizeof expected, "%s: nothing written to %s", what, id);
  check_at(now.version == before->version && now.history == before->history &&
               strcmp(now.tags, before->tags) == 0,
           __FILE__, line, expected,
           "version %" PRId64 " -> %" PRId64 ", history %d -> %d rows, tags [%s] -> [%s]",
           before->version, now.version, before->history, now.history, before->tags, now.tags);
}

/* Every tag as "id category label" lines, in the order of crm_tag_list(NULL).
 * Returns the number of tags (-1 on error). */
static int all_tags(crm_session *s, char *out, size_t cap) {
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int n = 0, rc = crm_tag_list(s, NULL, &c);
  if (out && cap) out[0] = '\0';
  if (rc != CRM_OK) {
    CHECK(0, "crm_tag_list(NULL): %s: %s", sname(rc), crm_errmsg());
    return -1;
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    if (out && used < cap)
      used += (size_t)snprintf(out + used, cap - used, "%" PRId64 " %s %s\n", rec_int(row, "id"),
                               rtext(row, "category"), rtext(row, "label"));
    n++;
  }
  CHECK(rc == CRM_DONE, "crm_tag_list cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return n;
}

/* A failed crm_tag_define must define nothing. */
static void define_fails_at(crm_session *s, crm_session *admin, const char *category,
                            const char *label, int want, const char *what, int line) {
  static char before[16384], after[16384];
  int64_t out = -77;
  int nb = all_tags(admin, before, sizeof before), na, rc;
  char expected[512];
  rc = crm_tag_define(s, category, label, &out);
  snprintf(expected, sizeof expected, "%s: crm_tag_define returns %s", what, sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
  na = all_tags(admin, after, sizeof after);
  check_at(nb == na && strcmp(before, after) == 0, __FILE__, line,
           "a failed crm_tag_define defines nothing", "%s: %d tags before, %d after", what, nb,
           na);
}
#define DEFINE_FAILS(s, admin, cat, label, want, what) \
  define_fails_at((s), (admin), (cat), (label), (want), (what), __LINE__)

/* A failed attach or detach must write nothing to `watch` (the customer
 * named in the call, or another one when that does not exist). */
static void tag_change_fails_at(crm_session *s, crm_session *reader, int add, const char *id,
                                int64_t tag, int want, const char *watch, const char *what,
                                int line) {
  CustSnap before = cust_snap(reader, watch);
  char expected[512];
  int rc = add ? crm_customer_tag_add(s, id, tag) : crm_customer_tag_remove(s, id, tag);
  snprintf(expected, sizeof expected, "%s: crm_customer_tag_%s(%s, %" PRId64 ") returns %s", what,
           add ? "add" : "remove", id ? id : "NULL", tag, sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
  check_cust_unchanged(reader, watch, &before, what, line);
}
#define ADD_FAILS(s, id, tag, want, watch, what) \
  tag_change_fails_at((s), (s), 1, (id), (tag), (want), (watch), (what), __LINE__)
#define REMOVE_FAILS(s, id, tag, want, watch, what) \
  tag_change_fails_at((s), (s), 0, (id), (tag), (want), (watch), (what), __LINE__)
/* The same, calling with `caller` (e.g. NULL) and checking through `reader`. */
#define ADD_FAILS_AS(caller, reader, id, tag, want, watch, what) \
  tag_change_fails_at((caller), (reader), 1, (id), (tag), (want), (watch), (what), __LINE__)
#define REMOVE_FAILS_AS(caller, reader, id, tag, want, watch, what) \
  tag_change_fails_at((caller), (reader), 0, (id), (tag), (want), (watch), (what), __LINE__)

static int64_t find_ok(crm_session *s, const char *category, const char *label) {
  int64_t id = 0;
  int rc = crm_tag_find(s, category, label, &id);
  CHECK(rc == CRM_OK && id > 0, "crm_tag_find(%s, %s): %s: %s (id %" PRId64 ")",
        category ? category : "NULL", label, sname(rc), crm_errmsg(), id);
  return id;
}

/* ------------------------------------------------------------------------ */
/* Listing with filters                                                     */
/* ------------------------------------------------------------------------ */

/* Appends each row's id to a space-separated list. */
typedef struct {
  char *out;
  size_t cap, used;
} IdList;

static void append_id(const crm_record *row, void *ctx) {
  IdList *l = (IdList *)ctx;
  if (l->used < l->cap)
    l->used += (size_t)snprintf(l->out + l->used, l->cap - l->used, "%s%s", l->used ? " " : "",
                                rtext(row, "id"));
}

/* Lists every page of `base`; writes the ids as "C0001 C0003" to `out`.
 * Returns the number of pages (-1 on error). */
static int list_pages(crm_session *s, const crm_customer_query *base, char *out, size_t cap) {
  IdList l;
  l.out = out;
  l.cap = cap;
  l.used = 0;
  out[0] = '\0';
  return walk_customer_pages(s, base, append_id, &l, out, cap);
}

static char g_cust[12][16]; /* the customers of the filter tests, by index */

/* The ids of the customers whose indexes are listed (ending with -1). */
static const char *expected_ids(const int *idx) {
  static char buf[512];
  size_t used = 0;
  buf[0] = '\0';
  for (; *idx >= 0; idx++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? " " : "", g_cust[*idx]);
  return buf;
}

/* The query must list exactly the customers `idx`, in id order, in pages of
 * q->page_size (the last page has no next token). */
static void expect_list_at(crm_session *s, const crm_customer_query *q, const int *idx,
                           const char *what, int line) {
  char got[1024], want[512], expected[640];
  int n = 0, pages, want_pages, per = q->page_size > 0 ? q->page_size : 50;
  while (idx[n] >= 0) n++;
  snprintf(want, sizeof want, "%s", expected_ids(idx));
  want_pages = n == 0 ? 1 : (n + per - 1) / per;
  pages = list_pages(s, q, got, sizeof got);
  snprintf(expected, sizeof expected, "%s lists [%s]", what, want);
  check_at(strcmp(got, want) == 0, __FILE__, line, expected, "listed [%s]", got);
  snprintf(expected, sizeof expected, "%s: %d rows in %d page(s) of %d", what, n, want_pages, per);
  check_at(pages == want_pages, __FILE__, line, expected, "%d page(s)", pages);
}
#define EXPECT_LIST(s, q, what, ...)                   \
  do {                                                 \
    static const int idx_[] = {__VA_ARGS__};           \
    expect_list_at((s), (q), idx_, (what), __LINE__);  \
  } while (0)

/* A crm_customer_query as a 0.1 caller laid it out: it ends at include_archived. */
typedef struct {
  size_t size;
  int64_t owner;
  const char *type;
  int32_t page_size;
  const char *after;
  int32_t include_archived;
} query_v01;

/* ------------------------------------------------------------------------ */
/* NULL arguments and closed sessions                                       */
/* ------------------------------------------------------------------------ */

static void test_null_arguments(void) {
  char path[800], id[16];
  crm_db *db = NULL;
  crm_session *s = NULL, *dead = NULL;
  crm_cursor *c = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  int64_t tag = 0, out = 0, m;
  int n0, n1;
  CustSnap snap;
  section("NULL arguments and closed sessions");
  db_path_in(g_root, path, sizeof path, "null");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  create_customer(s, "杭州恒达精密机械有限公司", id, sizeof id);
  m = find_ok(s, "industry", "制造业");
  n0 = all_tags(s, NULL, 0);
  snap = cust_snap(s, id);

  /* crm_tag_define: session, category and label are required; out_id is optional. */
  CHECK_FAIL(crm_tag_define(NULL, "industry", "汽车零部件", &tag), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_define(s, NULL, "汽车零部件", &tag), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_define(s, "industry", NULL, &tag), CRM_ERR_INVALID_ARG);
  n1 = all_tags(s, NULL, 0);
  CHECK(n1 == n0, "a refused crm_tag_define changed the number of tags from %d to %d", n0, n1);
  CHECK_OK(crm_tag_define(s, "industry", "汽车零部件", NULL)); /* out_id optional */
  n1 = all_tags(s, NULL, 0);
  CHECK(n1 == n0 + 1, "crm_tag_define with out_id NULL: %d tags, expected %d", n1, n0 + 1);
  tag = find_ok(s, "industry", "汽车零部件");

  /* crm_tag_find: category may be NULL; session, label and out_id may not. */
  CHECK_FAIL(crm_tag_find(NULL, "industry", "制造业", &out), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_find(s, "industry", NULL, &out), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_find(s, "industry", "制造业", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_find(s, NULL, NULL, &out), CRM_ERR_INVALID_ARG);
  out = 0;
  CHECK_OK(crm_tag_find(s, NULL, "制造业", &out));
  CHECK(out == m, "crm_tag_find(NULL, 制造业) gave %" PRId64 ", expected %" PRId64, out, m);

  /* crm_tag_list: category may be NULL (all); session and out may not. */
  CHECK_FAIL(crm_tag_list(NULL, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_tag_list returned a cursor");
  CHECK_FAIL(crm_tag_list(NULL, "industry", &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_list(s, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_list(s, "industry", NULL), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_tag_list(s, NULL, &c));
  crm_cursor_close(c);
  c = NULL;

  /* Attach, detach, read: session, id and out are required. */
  ADD_FAILS_AS(NULL, s, id, m, CRM_ERR_INVALID_ARG, id, "NULL session");
  ADD_FAILS(s, NULL, m, CRM_ERR_INVALID_ARG, id, "NULL id");
  REMOVE_FAILS_AS(NULL, s, id, m, CRM_ERR_INVALID_ARG, id, "NULL session");
  REMOVE_FAILS(s, NULL, m, CRM_ERR_INVALID_ARG, id, "NULL id");
  CHECK_FAIL(crm_customer_tags(NULL, id, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_tags returned a cursor");
  CHECK_FAIL(crm_customer_tags(s, NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_tags returned a cursor");
  CHECK_FAIL(crm_customer_tags(s, id, NULL), CRM_ERR_INVALID_ARG);

  /* The query's tag arrays: NULL only with a count of 0. */
  q.tags_all = NULL;
  q.tags_all_count = 1;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_list returned a cursor");
  q.tags_all_count = 0;
  q.tags_any = NULL;
  q.tags_any_count = 1;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused crm_customer_list returned a cursor");
  q.tags_any_count = 32;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.tags_any_count = 0;
  CHECK_OK(crm_customer_list(s, &q, &c)); /* NULL arrays with counts 0: no filter */
  crm_cursor_close(c);
  c = NULL;
  check_cust_unchanged(s, id, &snap, "after the NULL-argument calls", __LINE__);

  /* A closed session is detected by every tag function. */
  CHECK_OK(crm_session_open(db, 1, &dead));
  crm_session_close(dead);
  CHECK_FAIL(crm_tag_define(dead, "industry", "新能源", &out), CRM_ERR_STATE);
  CHECK_FAIL(crm_tag_find(dead, "industry", "制造业", &out), CRM_ERR_STATE);
  CHECK_FAIL(crm_tag_list(dead, NULL, &c), CRM_ERR_STATE);
  CHECK(c == NULL, "crm_tag_list on a closed session returned a cursor");
  CHECK_FAIL(crm_customer_tag_add(dead, id, m), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_tag_remove(dead, id, m), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_tags(dead, id, &c), CRM_ERR_STATE);
  CHECK(c == NULL, "crm_customer_tags on a closed session returned a cursor");
  check_cust_unchanged(s, id, &snap, "after calls on a closed session", __LINE__);
  n1 = all_tags(s, NULL, 0);
  CHECK(n1 == n0 + 1, "calls on a closed session changed the tags: %d, expected %d", n1, n0 + 1);
  (void)tag;

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Categories and tags: seeds, listing, finding, defining                   */
/* ------------------------------------------------------------------------ */

/* The labels of crm_tag_list(category), in order, joined by '|'. */
static const char *labels_of(crm_session *s, const char *category, int *rc_out) {
  static char buf[4096];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int rc = crm_tag_list(s, category, &c);
  buf[0] = '\0';
  *rc_out = rc;
  if (rc != CRM_OK) return "(error)";
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "|" : "",
                             rtext(row, "label"));
  CHECK(rc == CRM_DONE, "crm_tag_list(%s) cursor ended with %s", category ? category : "NULL",
        sname(rc));
  crm_cursor_close(c);
  return buf;
}

static void expect_labels_at(crm_session *s, const char *category, const char *want, int line) {
  int rc = CRM_OK;
  const char *got = labels_of(s, category, &rc);
  char expected[512];
  snprintf(expected, sizeof expected, "crm_tag_list(%s) lists %s", category ? category : "NULL",
           want);
  check_at(rc == CRM_OK && strcmp(got, want) == 0, __FILE__, line, expected, "%s: %s (%s)",
           sname(rc), got, rc == CRM_OK ? "" : crm_errmsg());
}
#define EXPECT_LABELS(s, cat, want) expect_labels_at((s), (cat), (want), __LINE__)

/* `n` copies of the UTF-8 character `ch`. */
static const char *repeat(const char *ch, int n) {
  static char buf[1024];
  size_t len = strlen(ch), used = 0;
  int i;
  for (i = 0; i < n && used + len < sizeof buf; i++) {
    memcpy(buf + used, ch, len);
    used += len;
  }
  buf[used] = '\0';
  return buf;
}

static void test_catalogue(void) {
  static const char *const seeded[][3] = {
      {"industry", "行业", "制造业"},   {"industry", "行业", "互联网"},
      {"need", "需求", "采购设备"},     {"need", "需求", "寻求合作"},
      {"priority", "优先级", "高优先级"}, {"priority", "优先级", "中优先级"},
      {"priority", "优先级", "低优先级"}, {"value", "价值", "高潜力"}};
  char path[800], all_before[16384];
  crm_db *db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int64_t uid, id = 0, id2 = 0, prev_id = 0, out = 0;
  char prev_cat[64] = "";
  int rc, n, k, ordered = 1;
  section("tag categories and tags: seeds, list, find, define");
  db_path_in(g_root, path, sizeof path, "catalogue");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  uid = add_user(s, "li.na", "李娜", "sales");
  CHECK_OK(crm_session_open(db, uid, &sales));
  if (!sales) return;

  /* The seeded categories and tags, every row complete. */
  CHECK_OK(crm_tag_list(s, NULL, &c));
  n = 0;
  while (c && (rc = crm_cursor_next(c, &row)) == CRM_OK) {
    const char *cat = rtext(row, "category");
    int64_t tid = rec_int(row, "id");
    int32_t t = -1;
    crm_record_type(row, "id", &t);
    CHECK(t == CRM_TYPE_INT && tid > 0, "tag row %d: id has type %d, value %" PRId64, n, (int)t,
          tid);
    if (n < 8) {
      CHECK(strcmp(cat, seeded[n][0]) == 0 && strcmp(rtext(row, "category_label"), seeded[n][1]) == 0 &&
                strcmp(rtext(row, "label"), seeded[n][2]) == 0,
            "seeded tag %d is %s/%s/%s, expected %s/%s/%s", n, cat, rtext(row, "category_label"),
            rtext(row, "label"), seeded[n][0], seeded[n][1], seeded[n][2]);
    }
    if (strcmp(cat, prev_cat) < 0 || (strcmp(cat, prev_cat) == 0 && tid <= prev_id)) ordered = 0;
    snprintf(prev_cat, sizeof prev_cat, "%s", cat);
    prev_id = tid;
    n++;
  }
  crm_cursor_close(c);
  c = NULL;
  CHECK(n == 8, "a new database has %d tags, expected 8", n);
  CHECK(ordered, "crm_tag_list(NULL) is not ordered by category then id");

  /* By category code, Chinese label and English label. */
  EXPECT_LABELS(s, "industry", "制造业|互联网");
  EXPECT_LABELS(s, "行业", "制造业|互联网");
  EXPECT_LABELS(s, "Industry", "制造业|互联网");
  EXPECT_LABELS(s, "need", "采购设备|寻求合作");
  EXPECT_LABELS(s, "优先级", "高优先级|中优先级|低优先级");
  EXPECT_LABELS(s, "value", "高潜力");
  EXPECT_LABELS(sales, "价值", "高潜力"); /* every user may read the tags */
  CHECK_FAIL(crm_tag_list(s, "region", &c), CRM_ERR_NOT_FOUND);
  CHECK(c == NULL, "crm_tag_list of an unknown category returned a cursor");
  CHECK_FAIL(crm_tag_list(s, "区域", &c), CRM_ERR_NOT_FOUND);

  /* Finding. */
  id = find_ok(s, "industry", "制造业");
  CHECK(find_ok(s, "行业", "制造业") == id && find_ok(s, NULL, "制造业") == id &&
            find_ok(sales, "Industry", "制造业") == id,
        "crm_tag_find(制造业) differs by how the category is named");
  CHECK(find_ok(s, NULL, "高潜力") == find_ok(s, "value", "高潜力"),
        "crm_tag_find(NULL, 高潜力) differs from crm_tag_find(value, 高潜力)");
  CHECK_FAIL(crm_tag_find(s, "need", "互联网", &out), CRM_ERR_NOT_FOUND); /* other category */
  CHECK_FAIL(crm_tag_find(s, NULL, "新能源", &out), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_tag_find(s, "industry", "新能源", &out), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_tag_find(s, "region", "制造业", &out), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_tag_find(s, NULL, "", &out), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_tag_find(s, "industry", "\xC3\x28", &out), CRM_ERR_INVALID_ARG);

  /* A new category (administrators only), then tags in it. */
  CHECK_FAIL(crm_dict_add(sales, "tag_category", "zone", "销售区域", "Sales zone"),
             CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_tag_define(s, "zone", "华东", &out), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_dict_add(s, "tag_category", "zone", "销售区域", "Sales zone"));
  EXPECT_LABELS(s, "zone", "");
  id = 0;
  CHECK_OK(crm_tag_define(s, "zone", "华东", &id));
  CHECK(id > 0, "crm_tag_define gave id %" PRId64, id);
  CHECK_OK(crm_tag_define(s, "销售区域", "华南", &id2));
  CHECK(id2 > id, "the second tag of zone has id %" PRId64 " after %" PRId64, id2, id);
  CHECK(find_ok(s, "zone", "华东") == id && find_ok(s, NULL, "华南") == id2,
        "the new tags are not found by label");
  EXPECT_LABELS(s, "zone", "华东|华南");
  CHECK_OK(crm_tag_list(s, "Sales zone", &c));
  CHECK(c && crm_cursor_next(c, &row) == CRM_OK, "crm_tag_list(zone) is empty");
  if (c && row) {
    CHECK(rec_int(row, "id") == id && strcmp(rtext(row, "category"), "zone") == 0 &&
              strcmp(rtext(row, "category_label"), "销售区域") == 0 &&
              strcmp(rtext(row, "label"), "华东") == 0,
          "new tag row: %" PRId64 " %s %s %s", rec_int(row, "id"), rtext(row, "category"),
          rtext(row, "category_label"), rtext(row, "label"));
  }
  crm_cursor_close(c);
  c = NULL;
  /* A new tag in a seeded category comes after the seeded ones (id order). */
  CHECK_OK(crm_tag_define(s, "Value", "高成长", NULL));
  EXPECT_LABELS(s, "value", "高潜力|高成长");
  n = all_tags(s, all_before, sizeof all_before);
  CHECK(n == 11, "%d tags after three definitions, expected 11", n);

  /* Only administrators define tags. */
  DEFINE_FAILS(sales, s, "industry", "新能源", CRM_ERR_PERMISSION, "a sales user");
  DEFINE_FAILS(sales, s, "zone", "华北", CRM_ERR_PERMISSION, "a sales user, new category");

  /* Unknown category. */
  DEFINE_FAILS(s, s, "region", "华东", CRM_ERR_NOT_FOUND, "unknown category code");
  DEFINE_FAILS(s, s, "区域", "华东", CRM_ERR_NOT_FOUND, "unknown category label");

  /* A label is unique within its category, not across categories. */
  DEFINE_FAILS(s, s, "industry", "制造业", CRM_ERR_CONFLICT, "seeded label again");
  DEFINE_FAILS(s, s, "行业", "互联网", CRM_ERR_CONFLICT, "seeded label again, by category label");
  DEFINE_FAILS(s, s, "zone", "华东", CRM_ERR_CONFLICT, "new label again");
  id = 0;
  CHECK_OK(crm_tag_define(s, "need", "制造业", &id));
  CHECK(id > 0 && find_ok(s, "need", "制造业") == id && find_ok(s, "industry", "制造业") != id,
        "制造业 in need: id %" PRId64, id);
  out = -1;
  CHECK_FAIL(crm_tag_find(s, NULL, "制造业", &out), CRM_ERR_CONFLICT); /* now ambiguous */
  CHECK_FAIL(crm_tag_find(sales, NULL, "制造业", &out), CRM_ERR_CONFLICT);

  /* Labels: 1 to 50 characters of valid UTF-8, not blank. */
  DEFINE_FAILS(s, s, "zone", "", CRM_ERR_INVALID_ARG, "empty label");
  DEFINE_FAILS(s, s, "zone", " ", CRM_ERR_INVALID_ARG, "a space");
  DEFINE_FAILS(s, s, "zone", " \t \n ", CRM_ERR_INVALID_ARG, "ASCII white space");
  DEFINE_FAILS(s, s, "zone", "\xE3\x80\x80\xE3\x80\x80", CRM_ERR_INVALID_ARG,
               "ideographic spaces (U+3000)");
  DEFINE_FAILS(s, s, "zone", repeat("a", 51), CRM_ERR_INVALID_ARG, "51 ASCII characters");
  DEFINE_FAILS(s, s, "zone", repeat("区", 51), CRM_ERR_INVALID_ARG, "51 CJK characters");
  DEFINE_FAILS(s, s, "zone", repeat("\xF0\xA0\x80\x80", 51), CRM_ERR_INVALID_ARG,
               "51 supplementary-plane characters");
  DEFINE_FAILS(s, s, "zone", "\xC3\x28", CRM_ERR_INVALID_ARG, "invalid UTF-8 (bad continuation)");
  DEFINE_FAILS(s, s, "zone", "\xC0\xAF", CRM_ERR_INVALID_ARG, "invalid UTF-8 (overlong)");
  DEFINE_FAILS(s, s, "zone", "\xED\xA0\x80", CRM_ERR_INVALID_ARG, "invalid UTF-8 (surrogate)");
  DEFINE_FAILS(s, s, "zone", "\xF4\x90\x80\x80", CRM_ERR_INVALID_ARG,
               "invalid UTF-8 (above U+10FFFF)");
  DEFINE_FAILS(s, s, "zone", "华\xE4\xB8", CRM_ERR_INVALID_ARG, "invalid UTF-8 (truncated)");
  DEFINE_FAILS(s, s, "zone", "\x80", CRM_ERR_INVALID_ARG, "invalid UTF-8 (lone continuation)");
  DEFINE_FAILS(s, s, "zone", "abc\xFF", CRM_ERR_INVALID_ARG, "invalid UTF-8 (0xFF)");
  /* Exactly 50 characters is allowed, whatever their UTF-8 length. */
  for (k = 0; k < 3; k++) {
    static const char *const chars[] = {"a", "区", "\xF0\xA0\x80\x80"};
    char label[1024];
    snprintf(label, sizeof label, "%s", repeat(chars[k], 50));
    id = 0;
    rc = crm_tag_define(s, "zone", label, &id);
    CHECK(rc == CRM_OK && id > 0, "a 50-character label (%d bytes): %s: %s", (int)strlen(label),
          sname(rc), crm_errmsg());
    CHECK(find_ok(s, "zone", label) == id, "the 50-character label is not found by label");
  }
  n = all_tags(s, NULL, 0);
  CHECK(n == 15, "%d tags at the end, expected 15", n);

  crm_session_close(sales);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Attaching and detaching                                                  */
/* ------------------------------------------------------------------------ */

#define T0 INT64_C(1795395600000) /* 2026-11-23 09:00 Shanghai */

static void test_attach_detach(void) {
  char path[800], a[16], b[16], arch[16], want[64];
  crm_db *db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  crm_record *stale = NULL, *change = NULL;
  int64_t uid, m, inet, hp, v0, v, ids[4];
  LastHistory h;
  CustSnap snap;
  int h0, rc, n;
  section("attaching and detaching tags: version, history, no-ops, errors");
  db_path_in(g_root, path, sizeof path, "attach");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  uid = add_user(s, "zhang.wei", "张伟", "sales");
  CHECK_OK(crm_session_open(db, uid, &sales));
  if (!sales) return;
  /* a and arch belong to the sales user, b to the administrator: a sales
   * user works on their own customers only (R3.1). */
  create_customer(sales, "杭州恒达精密机械有限公司", a, sizeof a);
  create_customer(s, "苏州瑞丰电子科技有限公司", b, sizeof b);
  create_customer(sales, "宁波盈朗家纺有限公司", arch, sizeof arch);
  m = find_ok(s, "industry", "制造业");
  inet = find_ok(s, "industry", "互联网");
  hp = find_ok(s, "value", "高潜力");

  /* A customer starts without tags. */
  CHECK(strcmp(tags_of(s, a), "") == 0, "a new customer carries tags [%s]", tags_of(s, a));
  v0 = version_of(s, a);
  h0 = history_count(s, a);
  CHECK(v0 == 1 && h0 == 1, "a new customer: version %" PRId64 ", %d history rows", v0, h0);

  /* Attach: version + 1, one history row. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  CHECK_OK(crm_customer_tag_add(s, a, m));
  v = version_of(s, a);
  h = last_history(s, a);
  CHECK(v == v0 + 1, "after an attach the version is %" PRId64 ", expected %" PRId64, v, v0 + 1);
  CHECK(h.count == h0 + 1, "after an attach %d history rows, expected %d", h.count, h0 + 1);
  CHECK(strcmp(h.kind, "tag") == 0 && strcmp(h.field, "tags") == 0 &&
            strcmp(h.before, "(null)") == 0 && strcmp(h.after, "industry:制造业") == 0,
        "attach history row: kind %s field %s before %s after %s", h.kind, h.field, h.before,
        h.after);
  CHECK(h.actor == 1 && h.at == T0 + 1000,
        "attach history row: actor %" PRId64 ", at %" PRId64 " (expected 1, %" PRId64 ")", h.actor,
        h.at, T0 + 1000);
  snprintf(want, sizeof want, "%" PRId64, m);
  CHECK(strcmp(tags_of(s, a), want) == 0, "tags of %s: [%s], expected [%s]", a, tags_of(s, a),
        want);

  /* The tags read back as rows like crm_tag_list's. */
  CHECK_OK(crm_customer_tags(s, a, &c));
  CHECK(c && crm_cursor_next(c, &row) == CRM_OK, "crm_customer_tags(%s) is empty", a);
  if (c && row)
    CHECK(rec_int(row, "id") == m && strcmp(rtext(row, "category"), "industry") == 0 &&
              strcmp(rtext(row, "category_label"), "行业") == 0 &&
              strcmp(rtext(row, "label"), "制造业") == 0,
          "customer tag row: %" PRId64 " %s %s %s", rec_int(row, "id"), rtext(row, "category"),
          rtext(row, "category_label"), rtext(row, "label"));
  CHECK(c && crm_cursor_next(c, &row) == CRM_DONE, "crm_customer_tags(%s) has a second row", a);
  crm_cursor_close(c);
  c = NULL;

  /* Attaching it again is a no-op: CRM_OK, no version change, no history. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_customer_tag_add(s, a, m));
  check_cust_unchanged(s, a, &snap, "attaching a tag twice", __LINE__);
  CHECK_OK(crm_customer_tag_add(sales, a, m));
  check_cust_unchanged(s, a, &snap, "attaching a tag twice (another user)", __LINE__);
  /* Detaching a tag the customer does not carry is a no-op too. */
  CHECK_OK(crm_customer_tag_remove(s, a, inet));
  check_cust_unchanged(s, a, &snap, "detaching a tag that is not attached", __LINE__);
  CHECK_OK(crm_customer_tag_remove(s, b, m)); /* b has no tags at all */
  CHECK(version_of(s, b) == 1 && history_count(s, b) == 1,
        "detaching from a customer without tags wrote: version %" PRId64 ", %d rows",
        version_of(s, b), history_count(s, b));

  /* The owner may tag (a sales user here); the history names them. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2000));
  CHECK_OK(crm_customer_tag_add(sales, a, hp));
  h = last_history(s, a);
  CHECK(version_of(s, a) == v0 + 2 && h.count == h0 + 2,
        "second attach: version %" PRId64 ", %d rows", version_of(s, a), h.count);
  CHECK(strcmp(h.kind, "tag") == 0 && strcmp(h.field, "tags") == 0 &&
            strcmp(h.after, "value:高潜力") == 0 && strcmp(h.before, "(null)") == 0 &&
            h.actor == uid && h.at == T0 + 2000,
        "sales attach row: %s %s %s -> %s by %" PRId64 " at %" PRId64, h.kind, h.field, h.before,
        h.after, h.actor, h.at);
  ids[0] = m;
  ids[1] = hp;
  snprintf(want, sizeof want, "%s", join_ids(ids, 2));
  CHECK(strcmp(tags_of(sales, a), want) == 0, "tags of %s: [%s], expected [%s]", a,
        tags_of(sales, a), want);
  /* Someone else's customer does not exist for a sales user (R3.1). */
  ADD_FAILS_AS(sales, s, b, hp, CRM_ERR_NOT_FOUND, b, "a sales user tagging the admin's customer");
  REMOVE_FAILS_AS(sales, s, b, hp, CRM_ERR_NOT_FOUND, b,
                  "a sales user untagging the admin's customer");

  /* Detach: version + 1, a history row with "before". */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 3000));
  CHECK_OK(crm_customer_tag_remove(s, a, m));
  h = last_history(s, a);
  CHECK(version_of(s, a) == v0 + 3 && h.count == h0 + 3,
        "after a detach: version %" PRId64 ", %d rows", version_of(s, a), h.count);
  CHECK(strcmp(h.kind, "tag") == 0 && strcmp(h.field, "tags") == 0 &&
            strcmp(h.before, "industry:制造业") == 0 && strcmp(h.after, "(null)") == 0 &&
            h.actor == 1 && h.at == T0 + 3000,
        "detach row: %s %s %s -> %s by %" PRId64 " at %" PRId64, h.kind, h.field, h.before, h.after,
        h.actor, h.at);
  snprintf(want, sizeof want, "%" PRId64, hp);
  CHECK(strcmp(tags_of(s, a), want) == 0, "tags of %s after detach: [%s], expected [%s]", a,
        tags_of(s, a), want);
  /* Detaching again is a no-op. */
  snap = cust_snap(s, a);
  CHECK_OK(crm_customer_tag_remove(s, a, m));
  check_cust_unchanged(s, a, &snap, "detaching a tag twice", __LINE__);

  /* A tag change is a change of the customer: an update carrying the version
   * read before it is stale. */
  CHECK_OK(crm_customer_get(s, a, &stale));
  CHECK_OK(crm_customer_tag_add(s, a, inet));
  change = new_record();
  crm_record_set_int(change, "version", rec_int(stale, "version"));
  set_text(change, "priority", "low");
  snap = cust_snap(s, a);
  CHECK_FAIL(crm_customer_update(s, a, change, NULL), CRM_ERR_CONFLICT);
  check_cust_unchanged(s, a, &snap, "an update with the version from before a tag change",
                       __LINE__);
  crm_record_free(change);
  crm_record_free(stale);

  /* Unknown tags and customers. */
  snap = cust_snap(s, a);
  ADD_FAILS(s, a, 999999, CRM_ERR_NOT_FOUND, a, "unknown tag id");
  ADD_FAILS(s, a, 0, CRM_ERR_NOT_FOUND, a, "tag id 0");
  ADD_FAILS(s, a, -1, CRM_ERR_NOT_FOUND, a, "tag id -1");
  ADD_FAILS(s, a, INT64_MAX, CRM_ERR_NOT_FOUND, a, "tag id INT64_MAX");
  ADD_FAILS(s, a, INT64_MIN, CRM_ERR_NOT_FOUND, a, "tag id INT64_MIN");
  REMOVE_FAILS(s, a, 999999, CRM_ERR_NOT_FOUND, a, "unknown tag id");
  REMOVE_FAILS(s, a, 0, CRM_ERR_NOT_FOUND, a, "tag id 0");
  ADD_FAILS(s, "C9999", m, CRM_ERR_NOT_FOUND, a, "unknown customer");
  REMOVE_FAILS(s, "C9999", hp, CRM_ERR_NOT_FOUND, a, "unknown customer");
  CHECK_FAIL(crm_customer_tags(s, "C9999", &c), CRM_ERR_NOT_FOUND);
  CHECK(c == NULL, "crm_customer_tags of an unknown customer returned a cursor");
  check_cust_unchanged(s, a, &snap, "after the refused calls", __LINE__);

  /* Archived customers keep their tags but cannot change them. */
  CHECK_OK(crm_customer_tag_add(s, arch, m));
  CHECK_OK(crm_customer_archive(s, arch, "重复录入"));
  ADD_FAILS(s, arch, inet, CRM_ERR_STATE, arch, "archived customer, new tag");
  ADD_FAILS(s, arch, m, CRM_ERR_STATE, arch, "archived customer, tag it carries");
  REMOVE_FAILS(s, arch, m, CRM_ERR_STATE, arch, "archived customer, tag it carries");
  REMOVE_FAILS(s, arch, inet, CRM_ERR_STATE, arch, "archived customer, tag it lacks");
  ADD_FAILS(sales, arch, inet, CRM_ERR_STATE, arch, "archived customer, sales user");
  snprintf(want, sizeof want, "%" PRId64, m);
  CHECK(strcmp(tags_of(s, arch), want) == 0, "archived customer's tags: [%s], expected [%s]",
        tags_of(s, arch), want);

  /* In an explicit transaction that is rolled back, nothing remains. */
  snap = cust_snap(s, b);
  CHECK_OK(crm_db_begin(db));
  CHECK_OK(crm_customer_tag_add(s, b, m));
  CHECK_OK(crm_customer_tag_add(s, b, hp));
  CHECK(version_of(s, b) == snap.version + 2, "inside the transaction the version is %" PRId64,
        version_of(s, b));
  CHECK_OK(crm_db_rollback(db));
  check_cust_unchanged(s, b, &snap, "tag changes rolled back", __LINE__);
  /* ... and committed, everything does. */
  CHECK_OK(crm_db_begin(db));
  CHECK_OK(crm_customer_tag_add(s, b, m));
  CHECK_OK(crm_customer_tag_add(s, b, hp));
  CHECK_OK(crm_customer_tag_remove(s, b, m));
  CHECK_OK(crm_db_commit(db));
  n = history_count(s, b);
  snprintf(want, sizeof want, "%" PRId64, hp);
  CHECK(version_of(s, b) == snap.version + 3 && n == snap.history + 3 &&
            strcmp(tags_of(s, b), want) == 0,
        "committed tag changes: version %" PRId64 ", %d rows, tags [%s]", version_of(s, b), n,
        tags_of(s, b));

  /* Tags persist in the file. */
  crm_session_close(sales);
  crm_session_close(s);
  s = sales = NULL;
  CHECK_OK(crm_db_close(db));
  db = NULL;
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  ids[0] = inet;
  ids[1] = hp;
  snprintf(want, sizeof want, "%s", join_ids(ids, 2));
  CHECK(strcmp(tags_of(s, a), want) == 0, "after reopening, tags of %s: [%s], expected [%s]", a,
        tags_of(s, a), want);
  rc = crm_tag_find(s, NULL, "高潜力", &ids[2]);
  CHECK(rc == CRM_OK && ids[2] == hp, "after reopening, 高潜力 is %" PRId64 " (%s)", ids[2],
        sname(rc));
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* List filters                                                             */
/* ------------------------------------------------------------------------ */

static void test_filters(void) {
  static const char *const names[9] = {
      "杭州恒达精密机械有限公司", "苏州瑞丰电子科技有限公司", "宁波盈朗家纺有限公司",
      "深圳市鼎新软件技术有限公司", "南京泰安光电科技有限公司", "合肥德盛种业集团有限公司",
      "广州市嘉通信息技术有限公司", "成都博源物流有限公司", "武汉联信医疗器械有限公司"};
  char path[800], token[256];
  crm_db *db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_cursor *c = NULL;
  const char *next = NULL;
  int64_t uid, M, I, P, H, V, S;
  int k;
  section("list filters: tags_all, tags_any, paging, owner and type");
  db_path_in(g_root, path, sizeof path, "filters");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  uid = add_user(s, "wang.fang", "王芳", "sales");
  CHECK_OK(crm_session_open(db, uid, &sales));
  if (!sales) return;
  /* c0..c4 and c8 belong to the admin, c5..c7 to the sales user. */
  for (k = 0; k < 9; k++)
    create_customer(k >= 5 && k <= 7 ? sales : s, names[k], g_cust[k], sizeof g_cust[k]);
  M = find_ok(s, "industry", "制造业");
  I = find_ok(s, "industry", "互联网");
  P = find_ok(s, "need", "采购设备");
  S = find_ok(s, "need", "寻求合作");
  H = find_ok(s, "priority", "高优先级");
  V = find_ok(s, "value", "高潜力");
  {
    /* c0: M P H   c1: M V   c2: I P   c3: M P V   c4: -   c5: M P
     * c6: I H V   c7: M P H V   c8: M P (archived) */
    static const int attach[9][5] = {{0, 2, 3, -1}, {0, 4, -1},    {1, 2, -1},
                                     {0, 2, 4, -1}, {-1},          {0, 2, -1},
                                     {1, 3, 4, -1}, {0, 2, 3, 4, -1}, {0, 2, -1}};
    int64_t tag_of[5];
    int j;
    tag_of[0] = M;
    tag_of[1] = I;
    tag_of[2] = P;
    tag_of[3] = H;
    tag_of[4] = V;
    for (k = 0; k < 9; k++)
      for (j = 0; attach[k][j] >= 0; j++) CHECK_OK(crm_customer_tag_add(s, g_cust[k], tag_of[attach[k][j]]));
  }
  CHECK_OK(crm_customer_set_type(s, g_cust[3], "intent", NULL));
  CHECK_OK(crm_customer_set_type(sales, g_cust[7], "意向客户", NULL));
  CHECK_OK(crm_customer_archive(s, g_cust[8], NULL));

  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    int64_t all[4], any[4];
    q.page_size = 2;
    q.tags_all = all;
    q.tags_any = any;

    EXPECT_LIST(s, &q, "no tag filter", 0, 1, 2, 3, 4, 5, 6, 7, -1);

    /* All-of. */
    all[0] = M;
    q.tags_all_count = 1;
    EXPECT_LIST(s, &q, "all {制造业}", 0, 1, 3, 5, 7, -1);
    /* A sales user's list holds their own customers only (R3.1). */
    EXPECT_LIST(sales, &q, "all {制造业} (sales user: own customers only)", 5, 7, -1);
    q.include_archived = 1;
    EXPECT_LIST(s, &q, "all {制造业}, archived included", 0, 1, 3, 5, 7, 8, -1);
    q.include_archived = 0;
    all[1] = P;
    q.tags_all_count = 2;
    EXPECT_LIST(s, &q, "all {制造业, 采购设备}", 0, 3, 5, 7, -1);
    all[0] = P;
    all[1] = M;
    EXPECT_LIST(s, &q, "all {采购设备, 制造业}", 0, 3, 5, 7, -1);
    all[0] = M;
    all[1] = M;
    EXPECT_LIST(s, &q, "all {制造业, 制造业}", 0, 1, 3, 5, 7, -1);
    all[0] = M;
    all[1] = P;
    all[2] = H;
    all[3] = V;
    q.tags_all_count = 4;
    EXPECT_LIST(s, &q, "all {制造业, 采购设备, 高优先级, 高潜力}", 7, -1);
    all[3] = I;
    EXPECT_LIST(s, &q, "all {制造业, 采购设备, 高优先级, 互联网}", -1);
    all[0] = S;
    q.tags_all_count = 1;
    EXPECT_LIST(s, &q, "all {寻求合作} (carried by nobody)", -1);
    q.tags_all_count = 0; /* count 0: the array is not read */
    all[0] = 999999;
    EXPECT_LIST(s, &q, "count 0 with an array holding an unknown id", 0, 1, 2, 3, 4, 5, 6, 7, -1);

    /* Any-of: each customer once, however many of the tags it carries. */
    any[0] = I;
    any[1] = V;
    q.tags_any_count = 2;
    EXPECT_LIST(s, &q, "any {互联网, 高潜力}", 1, 2, 3, 6, 7, -1);
    any[0] = V;
    any[1] = V;
    EXPECT_LIST(s, &q, "any {高潜力, 高潜力}", 1, 3, 6, 7, -1);
    any[0] = H;
    any[1] = V;
    EXPECT_LIST(s, &q, "any {高优先级, 高潜力}", 0, 1, 3, 6, 7, -1);
    any[0] = M;
    any[1] = I;
    any[2] = P;
    q.tags_any_count = 3;
    EXPECT_LIST(s, &q, "any {制造业, 互联网, 采购设备}", 0, 1, 2, 3, 5, 6, 7, -1);
    q.include_archived = 1;
    EXPECT_LIST(s, &q, "any {制造业, 互联网, 采购设备}, archived included", 0, 1, 2, 3, 5, 6, 7, 8,
                -1);
    q.include_archived = 0;
    any[0] = S;
    q.tags_any_count = 1;
    EXPECT_LIST(s, &q, "any {寻求合作}", -1);

    /* Both: every tag of all, at least one of any. */
    all[0] = M;
    q.tags_all_count = 1;
    any[0] = H;
    any[1] = V;
    q.tags_any_count = 2;
    EXPECT_LIST(s, &q, "all {制造业} and any {高优先级, 高潜力}", 0, 1, 3, 7, -1);
    all[1] = P;
    q.tags_all_count = 2;
    EXPECT_LIST(s, &q, "all {制造业, 采购设备} and any {高优先级, 高潜力}", 0, 3, 7, -1);

    /* With the owner and type filters. */
    q.tags_all_count = 0;
    q.tags_any_count = 0;
    all[0] = P;
    q.tags_all_count = 1;
    q.owner = uid;
    EXPECT_LIST(s, &q, "all {采购设备}, owner wang.fang", 5, 7, -1);
    q.owner = 1;
    EXPECT_LIST(s, &q, "all {采购设备}, owner admin", 0, 2, 3, -1);
    q.tags_all_count = 0;
    any[0] = H;
    q.tags_any_count = 1;
    EXPECT_LIST(s, &q, "any {高优先级}, owner admin", 0, -1);
    q.owner = uid;
    EXPECT_LIST(s, &q, "any {高优先级}, owner wang.fang", 6, 7, -1);
    q.owner = 0;
    q.tags_any_count = 0;
    all[0] = M;
    q.tags_all_count = 1;
    q.type = "intent";
    EXPECT_LIST(s, &q, "all {制造业}, type intent", 3, 7, -1);
    q.type = "意向客户";
    q.owner = uid;
    EXPECT_LIST(s, &q, "all {制造业}, type 意向客户, owner wang.fang", 7, -1);
    q.owner = 0;
    q.type = "prospect";
    q.tags_all_count = 0;
    any[0] = I;
    any[1] = H;
    q.tags_any_count = 2;
    EXPECT_LIST(s, &q, "any {互联网, 高优先级}, type prospect", 0, 2, 6, -1);
    q.type = "won";
    EXPECT_LIST(s, &q, "any {互联网, 高优先级}, type won", -1);
    q.type = NULL;
    q.tags_any_count = 0;

    /* A larger page holds everything at once. */
    q.page_size = 0; /* 50 */
    all[0] = M;
    q.tags_all_count = 1;
    EXPECT_LIST(s, &q, "all {制造业}, default page size", 0, 1, 3, 5, 7, -1);
    q.page_size = 1;
    EXPECT_LIST(s, &q, "all {制造业}, one per page", 0, 1, 3, 5, 7, -1);
    q.page_size = 2;

    /* Filters follow tag changes at once. */
    CHECK_OK(crm_customer_tag_remove(s, g_cust[1], M));
    CHECK_OK(crm_customer_tag_add(s, g_cust[4], M)); /* c4 is the admin's */
    EXPECT_LIST(s, &q, "all {制造业} after moving it from c1 to c4", 0, 3, 4, 5, 7, -1);
    q.tags_all_count = 0;
    any[0] = V;
    q.tags_any_count = 1;
    EXPECT_LIST(s, &q, "any {高潜力} after the move", 1, 3, 6, 7, -1);
    q.tags_any_count = 0;

    /* Unknown tag ids in a filter are CRM_ERR_NOT_FOUND, even when nothing
     * else would match. */
    all[0] = M;
    all[1] = 999999;
    q.tags_all_count = 2;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_NOT_FOUND);
    CHECK(c == NULL, "a refused list returned a cursor");
    all[1] = 0;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_NOT_FOUND);
    all[1] = -1;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_NOT_FOUND);
    q.tags_all_count = 0;
    any[0] = V;
    any[1] = 999999;
    q.tags_any_count = 2;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_NOT_FOUND);
    CHECK(c == NULL, "a refused list returned a cursor");
    any[0] = INT64_MAX;
    q.tags_any_count = 1;
    q.owner = 424242; /* nobody */
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_NOT_FOUND);
    q.owner = 0;
    q.tags_any_count = 0;

    /* Counts: 0 to 32, and an array when not 0. */
    all[0] = M;
    q.tags_all_count = -1;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    CHECK(c == NULL, "a refused list returned a cursor");
    q.tags_all_count = 33;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_all_count = INT32_MIN;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_all_count = 0;
    any[0] = M;
    q.tags_any_count = -1;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_any_count = 33;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_any_count = INT32_MAX;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_any_count = 0;
    q.tags_all = NULL;
    q.tags_all_count = 2;
    CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
    q.tags_all = all;
    q.tags_all_count = 0;
    CHECK(c == NULL, "a refused list returned a cursor");
  }

  /* A page token belongs to its tag filters. */
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT, r;
    int64_t any[3], copy[2], all[2];
    int rows = 0;
    const crm_record *row = NULL;
    any[0] = I;
    any[1] = V;
    q.page_size = 2;
    q.tags_any = any;
    q.tags_any_count = 2;
    CHECK_OK(crm_customer_list(s, &q, &c));
    CHECK_OK(crm_cursor_next_page(c, &next));
    CHECK(next != NULL, "any {互联网, 高潜力} in pages of 2 has no second page");
    snprintf(token, sizeof token, "%s", next ? next : "");
    crm_cursor_close(c);
    c = NULL;
    q.after = token;

    /* The same filters: fine, also from another array with the same ids. */
    CHECK_OK(crm_customer_list(s, &q, &c));
    while (c && crm_cursor_next(c, &row) == CRM_OK) rows++;
    CHECK(rows == 2, "the second page has %d rows, expected 2", rows);
    crm_cursor_close(c);
    c = NULL;
    r = q;
    copy[0] = I;
    copy[1] = V;
    r.tags_any = copy;
    CHECK_OK(crm_customer_list(s, &r, &c));
    crm_cursor_close(c);
    c = NULL;

    /* Other tag filters: refused. */
    r = q;
    r.tags_any_count = 1;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    CHECK(c == NULL, "a refused list returned a cursor");
    r = q;
    any[2] = H;
    r.tags_any_count = 3;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    r = q;
    copy[0] = I;
    copy[1] = H;
    r.tags_any = copy;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    r = q;
    r.tags_any_count = 0;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    r = q;
    r.tags_any_count = 0;
    r.tags_all = any; /* the same ids, as all-of */
    r.tags_all_count = 2;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    r = q;
    all[0] = M;
    r.tags_all = all;
    r.tags_all_count = 1;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    CHECK(c == NULL, "a refused list returned a cursor");

    /* And a token made without tag filters does not fit a tagged query. */
    r = q;
    r.after = NULL;
    r.tags_any_count = 0;
    CHECK_OK(crm_customer_list(s, &r, &c));
    CHECK_OK(crm_cursor_next_page(c, &next));
    snprintf(token, sizeof token, "%s", next ? next : "");
    crm_cursor_close(c);
    c = NULL;
    r.after = token;
    CHECK_OK(crm_customer_list(s, &r, &c)); /* fits its own query */
    crm_cursor_close(c);
    c = NULL;
    r.tags_any_count = 2;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    r.tags_any_count = 0;
    r.tags_all = all;
    r.tags_all_count = 1;
    CHECK_FAIL(crm_customer_list(s, &r, &c), CRM_ERR_INVALID_ARG);
    CHECK(c == NULL, "a refused list returned a cursor");
  }

  /* A 0.1 caller: its struct ends before the tag fields, which it does not
   * know.  Whatever lies beyond its size must not be read. */
  {
    crm_customer_query q;
    int64_t bogus = 999999;
    char got[1024];
    int pages;
    CHECK(sizeof(query_v01) == offsetof(crm_customer_query, tags_all),
          "the 0.1 layout has size %zu, offsetof(tags_all) is %zu", sizeof(query_v01),
          offsetof(crm_customer_query, tags_all));
    memset(&q, 0, sizeof q);
    q.size = offsetof(crm_customer_query, tags_all);
    q.page_size = 2;
    q.tags_all = &bogus; /* an unknown tag ... */
    q.tags_all_count = 1;
    q.tags_any = NULL; /* ... and counts that are invalid, if they were read */
    q.tags_any_count = -7;
    EXPECT_LIST(s, &q, "a 0.1-sized query (poisoned tag fields)", 0, 1, 2, 3, 4, 5, 6, 7, -1);
    q.owner = uid;
    EXPECT_LIST(s, &q, "a 0.1-sized query, owner wang.fang", 5, 6, 7, -1);
    q.owner = 0;
    q.type = "intent";
    EXPECT_LIST(s, &q, "a 0.1-sized query, type intent", 3, 7, -1);
    q.type = NULL;
    q.include_archived = 1;
    EXPECT_LIST(s, &q, "a 0.1-sized query, archived included", 0, 1, 2, 3, 4, 5, 6, 7, 8, -1);
    q.include_archived = 0;

    /* The same through the 0.1 struct itself, followed by garbage bytes. */
    {
      union {
        query_v01 v;
        crm_customer_query full;
        unsigned char raw[sizeof(crm_customer_query) + 64];
      } u;
      memset(u.raw, 0xFF, sizeof u.raw);
      u.v.size = sizeof(query_v01);
      u.v.owner = 0;
      u.v.type = NULL;
      u.v.page_size = 3;
      u.v.after = NULL;
      u.v.include_archived = 0;
      static const int everyone[] = {0, 1, 2, 3, 4, 5, 6, 7, -1};
      pages = list_pages(s, &u.full, got, sizeof got);
      CHECK(pages == 3 && strcmp(got, expected_ids(everyone)) == 0,
            "0.1 struct followed by 0xFF bytes: %d pages, [%s]", pages, got);
    }
  }

  crm_session_close(sales);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* 32 tags per filter                                                       */
/* ------------------------------------------------------------------------ */

static void test_filter_limits(void) {
  static const char *const cities[24] = {"北京", "天津", "上海", "重庆", "广州", "深圳",
                                         "杭州", "南京", "苏州", "成都", "武汉", "西安",
                                         "长沙", "郑州", "济南", "青岛", "厦门", "福州",
                                         "合肥", "沈阳", "大连", "昆明", "南宁", "哈尔滨"};
  char path[800], full[16], one[16], none[16], got[512];
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  int64_t ids[40];
  int n = 0, k, pages, rc;
  section("filters with 32 tags, and 33");
  db_path_in(g_root, path, sizeof path, "limits");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (!s) return;
  CHECK_OK(crm_dict_add(s, "tag_category", "zone", "销售区域", "Sales zone"));
  for (k = 0; k < 24; k++) CHECK_OK(crm_tag_define(s, "zone", cities[k], NULL));
  CHECK_OK(crm_tag_list(s, NULL, &c));
  while (c && (rc = crm_cursor_next(c, &row)) == CRM_OK)
    if (n < 40) ids[n++] = rec_int(row, "id");
  crm_cursor_close(c);
  c = NULL;
  CHECK(n == 32, "%d tags, expected 32", n);
  if (n != 32) goto out;
  ids[32] = ids[0];

  create_customer(s, "青岛金泰化工有限公司", full, sizeof full);
  create_customer(s, "大连远洋渔业有限公司", one, sizeof one);
  create_customer(s, "西安联众软件有限公司", none, sizeof none);
  for (k = 0; k < 32; k++) CHECK_OK(crm_customer_tag_add(s, full, ids[k]));
  CHECK_OK(crm_customer_tag_add(s, one, ids[31]));
  CHECK(version_of(s, full) == 33 && history_count(s, full) == 33,
        "32 attaches: version %" PRId64 ", %d history rows", version_of(s, full),
        history_count(s, full));

  q.page_size = 2;
  q.tags_all = ids;
  q.tags_all_count = 32;
  pages = list_pages(s, &q, got, sizeof got);
  CHECK(pages == 1 && strcmp(got, full) == 0, "all of 32 tags: [%s], expected [%s]", got, full);
  q.tags_all_count = 33;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused list returned a cursor");
  q.tags_all_count = 0;
  q.tags_any = ids;
  q.tags_any_count = 32;
  {
    char want[64];
    snprintf(want, sizeof want, "%s %s", full, one);
    pages = list_pages(s, &q, got, sizeof got);
    CHECK(pages == 1 && strcmp(got, want) == 0, "any of 32 tags: [%s], expected [%s]", got, want);
  }
  q.tags_any_count = 33;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.tags_all = ids;
  q.tags_all_count = 32;
  q.tags_any_count = 32;
  pages = list_pages(s, &q, got, sizeof got);
  CHECK(pages == 1 && strcmp(got, full) == 0, "all of 32 and any of 32: [%s], expected [%s]", got,
        full);
  (void)none;
out:
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_tags")) return 1;
  test_null_arguments();
  test_catalogue();
  test_attach_detach();
  test_filters();
  test_filter_limits();
  rm_rf(g_root);
  return harness_finish();
}
