/*
 * import_test.c — bringing data in (R9.1, R9.2) through libcrm's C
 * interface, in plain C99 with real files in a temporary directory:
 * crm_customer_import, crm_customer_import_buffer, crm_customer_export_csv,
 * crm_followup_migrate and crm_followup_migrate_verify.
 *
 * The rules tested (crm.h, docs/import.md):
 *  - a file saved as GBK (Excel on Chinese Windows) is detected; declared
 *    UTF-8 it is refused at the header, declared "gbk" it imports;
 *  - a rejected row goes to the error file as it was, with a reason column,
 *    and the report's "errors" JSON names its row; the corrected error file
 *    imports as it is;
 *  - importing the same file again changes nothing;
 *  - a progress callback that returns non-zero stops after the batch in
 *    hand: CRM_OK, "cancelled" 1, the earlier batches committed;
 *  - a CSV export in clear imports back unchanged (UTF-8 and GBK, Chinese
 *    and English headers); a writer that stops is CRM_ERR_STATE;
 *  - follow-up history migrates once, and its verification finds the rows
 *    that differ;
 *  - bad options are CRM_ERR_INVALID_ARG before anything is read or
 *    written; a missing file is CRM_ERR_CANTOPEN.
 *
 * Prints one line per failed check and ends with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L
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

static char g_root[512];

#define HEADER_ZH \
  "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,需求优先级\r\n"
#define ROW(name, phone, email) \
  name ",李明," phone "," email ",制造业,100-500人,展会,采购数控机床,高\r\n"

/* 客户全称,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,需求优先级 and one
 * row (杭州恒达精密机械有限公司) as Excel saves it on Chinese Windows: GBK bytes. */
static const char kGbkFile[] =
    "\xBF\xCD\xBB\xA7\xC8\xAB\xB3\xC6,\xC1\xAA\xCF\xB5\xC8\xCB\xD0\xD5\xC3\xFB,\xC1\xAA\xCF\xB5"
    "\xB5\xE7\xBB\xB0,\xCB\xF9\xCA\xF4\xD0\xD0\xD2\xB5,\xC6\xF3\xD2\xB5\xB9\xE6\xC4\xA3,\xD0\xC5"
    "\xCF\xA2\xC0\xB4\xD4\xB4\xC7\xFE\xB5\xC0,\xB9\xD8\xBC\xFC\xD0\xE8\xC7\xF3,\xD0\xE8\xC7\xF3"
    "\xD3\xC5\xCF\xC8\xBC\xB6\r\n\xBA\xBC\xD6\xDD\xBA\xE3\xB4\xEF\xBE\xAB\xC3\xDC\xBB\xFA\xD0"
    "\xB5\xD3\xD0\xCF\xDE\xB9\xAB\xCB\xBE,\xC0\xEE\xC3\xF7,13812345678,\xD6\xC6\xD4\xEC\xD2\xB5,"
    "100-500\xC8\xCB,\xD5\xB9\xBB\xE1,\xB2\xC9\xB9\xBA\xCA\xFD\xBF\xD8\xBB\xFA\xB4\xB2,\xB8\xDF"
    "\r\n";

static void expect_str_at(const char* got, const char* want, const char* what, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s = \"%s\"", what, want);
  check_at(got != NULL && strcmp(got, want) == 0, __FILE__, line, expected, "\"%s\"",
           got ? got : "(NULL)");
}
#define EXPECT_STR(got, want, what) expect_str_at((got), (want), (what), __LINE__)

static void expect_int_at(const crm_record* r, const char* field, int64_t want, int line) {
  char expected[256];
  int64_t got = rec_int(r, field);
  snprintf(expected, sizeof expected, "report \"%s\" = %" PRId64, field, want);
  check_at(got == want, __FILE__, line, expected, "%" PRId64 " (errors: %s)", got,
           rtext(r, "errors"));
}
#define EXPECT_INT(rec, field, want) expect_int_at((rec), (field), (want), __LINE__)

static void path_of(char* out, size_t cap, const char* name) { join_path(out, cap, g_root, name); }

static void write_file(const char* path, const char* data, size_t len) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL, "cannot create %s", path);
  if (!f) return;
  CHECK(fwrite(data, 1, len, f) == len, "short write to %s", path);
  fclose(f);
}

/* The whole file, malloc'd and NUL-terminated ("" when missing). */
static char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  char* buf;
  size_t n = 0, cap = 4096, got;
  buf = (char*)malloc(cap);
  if (!buf) exit(2);
  if (f) {
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
      n += got;
      if (cap - n - 1 == 0) {
        cap *= 2;
        buf = (char*)realloc(buf, cap);
        if (!buf) exit(2);
      }
    }
    fclose(f);
  }
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/* Replaces the first `from` in the malloc'd `s` by `to`; returns the new string. */
static char* replace(char* s, const char* from, const char* to) {
  char* at = strstr(s, from);
  char* out;
  size_t head, fl = strlen(from), tl = strlen(to);
  CHECK(at != NULL, "\"%s\" is in the text", from);
  if (!at) return s;
  head = (size_t)(at - s);
  out = (char*)malloc(strlen(s) - fl + tl + 1);
  if (!out) exit(2);
  memcpy(out, s, head);
  memcpy(out + head, to, tl);
  strcpy(out + head + tl, at + fl);
  free(s);
  return out;
}

static int64_t customers(crm_session* s) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  int64_t n = -1;
  CHECK_OK(crm_customer_count(s, &q, &n));
  return n;
}

static const char* customer_field(crm_session* s, const char* id, const char* field) {
  static char buf[512];
  crm_record* r = NULL;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  snprintf(buf, sizeof buf, "%s", rtext(r, field));
  crm_record_free(r);
  return buf;
}

static crm_record* import_file(crm_session* s, const char* path, const crm_import_options* o) {
  crm_record* rep = NULL;
  int rc = crm_customer_import(s, path, o, &rep);
  CHECK(rc == CRM_OK && rep != NULL, "crm_customer_import(%s): %s: %s", path, sname(rc),
        crm_errmsg());
  return rep;
}

static crm_record* import_text(crm_session* s, const char* text, const crm_import_options* o) {
  crm_record* rep = NULL;
  int rc = crm_customer_import_buffer(s, text, strlen(text), o, &rep);
  CHECK(rc == CRM_OK && rep != NULL, "crm_customer_import_buffer: %s: %s", sname(rc), crm_errmsg());
  return rep;
}

static void test_gbk(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_record* rep;
  char path[700];
  section("a GBK file, detected and declared");
  if (!open_memory_db(&db, &admin, T0)) return;
  CHECK(sizeof kGbkFile - 1 == 162, "the GBK sample is %u bytes", (unsigned)(sizeof kGbkFile - 1));
  path_of(path, sizeof path, "excel-gbk.csv");
  write_file(path, kGbkFile, sizeof kGbkFile - 1);

  /* Declared UTF-8: refused at the header, nothing written. */
  o.encoding = "utf-8";
  rep = NULL;
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  CHECK(rep == NULL, "no report after a refusal");
  CHECK(strstr(crm_errmsg(), "encoding") != NULL, "the message says why: %s", crm_errmsg());
  CHECK(customers(admin) == 0, "nothing imported");

  /* Not declared: detected. */
  rep = import_file(admin, path, NULL);
  EXPECT_INT(rep, "rows", 1);
  EXPECT_INT(rep, "inserted", 1);
  EXPECT_STR(rtext(rep, "encoding"), "gb18030", "detected encoding");
  EXPECT_STR(rtext(rep, "key"), "phone", "auto key");
  EXPECT_STR(rtext(rep, "errors"), "[]", "no errors");
  crm_record_free(rep);
  EXPECT_STR(customer_field(admin, "C0001", "name"), "杭州恒达精密机械有限公司",
             "name read from GBK");

  /* Declared "gbk": the same file again is unchanged. */
  o.encoding = "gbk";
  rep = import_file(admin, path, &o);
  EXPECT_INT(rep, "unchanged", 1);
  EXPECT_INT(rep, "inserted", 0);
  EXPECT_STR(rtext(rep, "encoding"), "gb18030", "declared encoding");
  crm_record_free(rep);
  CHECK(customers(admin) == 1, "still one customer");

  crm_session_close(admin);
  crm_db_close(db);
}

static void test_error_file(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_record* rep;
  char path[700], errors[700], fixed_path[700];
  char* err;
  size_t len = 0;
  static const char file[] =
      HEADER_ZH ROW("杭州恒达精密机械有限公司", "13812345678",
                    "") "某科技公司,李明,12345,not-an-email,制造业,100-500人,展会,采购,高\r\n";
  section("the error file, read back and imported again");
  if (!open_memory_db(&db, &admin, T0)) return;
  path_of(path, sizeof path, "customers.csv");
  path_of(errors, sizeof errors, "customers-errors.csv");
  write_file(path, file, sizeof file - 1);
  o.error_path = errors;
  rep = import_file(admin, path, &o);
  EXPECT_INT(rep, "rows", 2);
  EXPECT_INT(rep, "inserted", 1);
  EXPECT_INT(rep, "rejected", 1);
  EXPECT_INT(rep, "error_rows", 1);
  EXPECT_INT(rep, "cancelled", 0);
  CHECK(strncmp(rtext(rep, "errors"), "[{\"row\":3,\"message_en\":\"row 3: ", 31) == 0,
        "errors JSON names row 3: %s", rtext(rep, "errors"));
  CHECK(strstr(rtext(rep, "errors"), "\"message_zh\":\"第 3 行：") != NULL,
        "errors JSON in Chinese: %s", rtext(rep, "errors"));
  crm_record_free(rep);

  err = read_file(errors, &len);
  CHECK(strncmp(err,
                "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,"
                "需求优先级,错误说明\r\n某科技公司,李明,12345,not-an-email,",
                strlen("客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,"
                       "关键需求,需求优先级,错误说明\r\n某科技公司,李明,12345,not-an-email,")) == 0,
        "the error file holds the header, a reason column and the row as it was: %s", err);
  /* The reason names every failing field, the key (the phone) included. */
  CHECK(strstr(err, ",采购,高,客户全称") != NULL && strstr(err, "；联系电话") != NULL &&
            strstr(err, "；电子邮箱") != NULL,
        "the reason names the name, the phone and the e-mail: %s", err);
  CHECK(strstr(err, "杭州恒达") == NULL, "the good row is not in the error file: %s", err);

  /* Corrected in place and imported as it is (the reason column is skipped). */
  err = replace(err, "某科技公司", "苏州科创电子科技有限公司");
  err = replace(err, ",12345,", ",13600001111,");
  err = replace(err, "not-an-email", "li@kc.cn");
  path_of(fixed_path, sizeof fixed_path, "customers-errors-fixed.csv");
  write_file(fixed_path, err, strlen(err));
  free(err);
  o.error_path = NULL;
  rep = import_file(admin, fixed_path, &o);
  EXPECT_INT(rep, "inserted", 1);
  EXPECT_INT(rep, "rejected", 0);
  crm_record_free(rep);
  EXPECT_STR(customer_field(admin, "C0002", "name"), "苏州科创电子科技有限公司",
             "the corrected name");
  EXPECT_STR(customer_field(admin, "C0002", "email"), "l***@kc.cn", "the corrected e-mail, masked");

  /* The whole original file again: the good row is unchanged, the bad
   * one still rejected; nothing new. */
  rep = import_file(admin, path, NULL);
  EXPECT_INT(rep, "unchanged", 1);
  EXPECT_INT(rep, "rejected", 1);
  EXPECT_INT(rep, "error_rows", 0); /* no error file asked for */
  crm_record_free(rep);
  CHECK(customers(admin) == 2, "two customers, %" PRId64 " found", customers(admin));

  crm_session_close(admin);
  crm_db_close(db);
}

struct Progress {
  int calls, stop_at;
  int64_t done[8], total[8];
};
static int on_progress(void* ctx, int64_t done, int64_t total) {
  struct Progress* p = (struct Progress*)ctx;
  if (p->calls < 8) {
    p->done[p->calls] = done;
    p->total[p->calls] = total;
  }
  p->calls++;
  return p->calls >= p->stop_at ? 1 : 0;
}

static void test_progress_and_modes(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_record* rep;
  struct Progress p;
  static const char seven[] = HEADER_ZH ROW("杭州恒达精密机械第一分厂有限公司", "13812345670", "")
      ROW("杭州恒达精密机械第二分厂有限公司", "13812345671", "")
          ROW("杭州恒达精密机械第三分厂有限公司", "13812345672", "")
              ROW("杭州恒达精密机械第四分厂有限公司", "13812345673", "")
                  ROW("杭州恒达精密机械第五分厂有限公司", "13812345674", "")
                      ROW("杭州恒达精密机械第六分厂有限公司", "13812345675", "")
                          ROW("杭州恒达精密机械第七分厂有限公司", "13812345676", "");
  static const char* const mapping[] = {"公司", "name", "备注", ""};
  section("progress that stops, modes, mapping");
  if (!open_memory_db(&db, &admin, T0)) return;

  memset(&p, 0, sizeof p);
  p.stop_at = 2;
  o.batch_rows = 3;
  o.progress = on_progress;
  o.progress_ctx = &p;
  rep = import_text(admin, seven, &o);
  EXPECT_INT(rep, "cancelled", 1);
  EXPECT_INT(rep, "rows", 6);
  EXPECT_INT(rep, "inserted", 6);
  crm_record_free(rep);
  CHECK(p.calls == 2, "progress called twice, then stopped: %d calls", p.calls);
  CHECK(p.done[0] == 3 && p.total[0] == 7, "first call (3, 7): (%" PRId64 ", %" PRId64 ")",
        p.done[0], p.total[0]);
  CHECK(p.done[1] == 6 && p.total[1] == 7, "second call (6, 7): (%" PRId64 ", %" PRId64 ")",
        p.done[1], p.total[1]);
  CHECK(customers(admin) == 6, "the two batches before the stop are committed: %" PRId64,
        customers(admin));

  /* The rest, without progress: batch_rows 0 is the default. */
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  rep = import_text(admin, seven, &o);
  EXPECT_INT(rep, "inserted", 1);
  EXPECT_INT(rep, "unchanged", 6);
  crm_record_free(rep);

  /* dry_run writes nothing; update changes by key; insert counts a duplicate. */
  o.mode = "dry_run";
  rep = import_text(admin, HEADER_ZH ROW("宁波海天塑机集团有限公司", "13987654321", ""), &o);
  EXPECT_INT(rep, "inserted", 1);
  crm_record_free(rep);
  CHECK(customers(admin) == 7, "dry_run wrote nothing: %" PRId64, customers(admin));
  o.mode = "update";
  rep = import_text(admin, "联系电话,关键需求\r\n+86 138-1234-5670,采购五轴加工中心\r\n", &o);
  EXPECT_INT(rep, "updated", 1);
  crm_record_free(rep);
  EXPECT_STR(customer_field(admin, "C0001", "key_needs"), "采购五轴加工中心", "updated by phone");
  o.mode = "insert";
  rep =
      import_text(admin, HEADER_ZH ROW("杭州恒达精密机械（集团）有限公司", "13812345670", ""), &o);
  EXPECT_INT(rep, "duplicates", 1);
  CHECK(strstr(rtext(rep, "errors"), "already exists as C0001") != NULL, "why: %s",
        rtext(rep, "errors"));
  crm_record_free(rep);

  /* A mapping names a column the labels do not and skips another. */
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.mapping = mapping;
  o.mapping_count = 2;
  rep = import_text(admin,
                    "公司,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,需求优先级,"
                    "备注\r\n宁波海天塑机集团有限公司,李明,13987654321,制造业,100-500人,展会,"
                    "采购注塑机,高,老客户介绍\r\n",
                    &o);
  EXPECT_INT(rep, "inserted", 1);
  crm_record_free(rep);
  EXPECT_STR(customer_field(admin, "C0008", "name"), "宁波海天塑机集团有限公司", "mapped name");

  crm_session_close(admin);
  crm_db_close(db);
}

struct Buffer {
  char* data;
  size_t len, cap;
  int stop;
};
static int collect(void* ctx, const char* data, size_t len) {
  struct Buffer* b = (struct Buffer*)ctx;
  if (b->stop) return 1;
  if (b->len + len + 1 > b->cap) {
    b->cap = (b->len + len + 1) * 2;
    b->data = (char*)realloc(b->data, b->cap);
    if (!b->data) exit(2);
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

static void test_export_round_trip(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_db* db2 = NULL;
  crm_session* admin2 = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_csv_options co = CRM_CSV_OPTIONS_INIT;
  crm_record* rep;
  struct Buffer b = {NULL, 0, 0, 0};
  int64_t rows = -1;
  int english, gbk;
  section("export CSV, import it back");
  if (!open_memory_db(&db, &admin, T0)) return;
  rep = import_text(admin,
                    "客户全称,联系人姓名,联系电话,电子邮箱,所属行业,企业规模,信息来源渠道,关键需求,"
                    "需求优先级,外部编号\r\n"
                    "杭州恒达精密机械有限公司,李明,13812345678,li@hd.cn,制造业,100-500人,展会,"
                    "\"采购数控机床，希望年内完成选型\",高,ERP-001\r\n"
                    "宁波海天塑机集团有限公司,王芳,13987654321,wang@ht.cn,制造业,100-500人,展会,"
                    "采购注塑机,中,ERP-002\r\n",
                    NULL);
  EXPECT_INT(rep, "inserted", 2);
  crm_record_free(rep);

  for (english = 0; english <= 1; english++)
    for (gbk = 0; gbk <= 1; gbk++) {
      co.english_headers = english;
      co.encoding = gbk ? "gbk" : NULL;
      co.bom = gbk ? 0 : 1;
      b.len = 0;
      rows = -1;
      CHECK_OK(crm_customer_export_csv(admin, &q, 1, &co, collect, &b, &rows));
      CHECK(rows == 2, "2 rows exported, %" PRId64 " (english=%d gbk=%d)", rows, english, gbk);
      if (!b.data) continue;
      if (!gbk)
        CHECK(strncmp(b.data, english ? "\xEF\xBB\xBFid,name," : "\xEF\xBB\xBF客户编号,客户全称,",
                      english ? 11 : 3 + strlen("客户编号,客户全称,")) == 0,
              "the header: %.60s", b.data);
      else
        CHECK(strstr(b.data, "杭州") == NULL, "GBK bytes, not UTF-8: %.60s", b.data);
      o.mode = "upsert";
      o.key = "external_id";
      rep = NULL;
      CHECK_OK(crm_customer_import_buffer(admin, b.data, b.len, &o, &rep));
      EXPECT_INT(rep, "unchanged", 2);
      EXPECT_INT(rep, "rejected", 0);
      EXPECT_STR(rtext(rep, "encoding"), gbk ? "gb18030" : "utf-8", "the export's encoding");
      crm_record_free(rep);
    }
  CHECK(customers(admin) == 2, "still two customers");

  /* Into an empty database: the same customers. */
  co = (crm_csv_options)CRM_CSV_OPTIONS_INIT;
  b.len = 0;
  CHECK_OK(crm_customer_export_csv(admin, &q, 1, &co, collect, &b, NULL));
  CHECK_OK(crm_db_open(":memory:", NULL, &db2));
  CHECK_OK(crm_db_clock_fixed(db2, T0));
  CHECK_OK(crm_session_open(db2, 1, &admin2));
  if (admin2 && b.data) {
    rep = NULL;
    CHECK_OK(crm_customer_import_buffer(admin2, b.data, b.len, NULL, &rep));
    EXPECT_INT(rep, "inserted", 2);
    crm_record_free(rep);
    EXPECT_STR(customer_field(admin2, "C0001", "key_needs"), "采购数控机床，希望年内完成选型",
               "a quoted comma survives");
    EXPECT_STR(customer_field(admin2, "C0002", "contact_name"), "王芳", "the contact");
    EXPECT_STR(customer_field(admin2, "C0002", "email"), "w***@ht.cn",
               "the e-mail (masked when read)");
  }
  crm_session_close(admin2);
  crm_db_close(db2);

  /* Masked unless in clear. */
  b.len = 0;
  CHECK_OK(crm_customer_export_csv(admin, &q, 0, NULL, collect, &b, NULL));
  CHECK(b.data && strstr(b.data, "138****5678") != NULL && strstr(b.data, "13812345678") == NULL,
        "masked phone: %s", b.data ? b.data : "");

  /* A writer that stops. */
  b.stop = 1;
  rows = -1;
  CHECK_FAIL(crm_customer_export_csv(admin, &q, 0, NULL, collect, &b, &rows), CRM_ERR_STATE);
  CHECK(rows == 0, "no rows written by a stopped export: %" PRId64, rows);
  b.stop = 0;
  co.encoding = "latin1";
  CHECK_FAIL(crm_customer_export_csv(admin, &q, 0, &co, collect, &b, NULL), CRM_ERR_INVALID_ARG);
  co = (crm_csv_options)CRM_CSV_OPTIONS_INIT;
  co.size = 4;
  CHECK_FAIL(crm_customer_export_csv(admin, &q, 0, &co, collect, &b, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_export_csv(admin, &q, 0, NULL, NULL, &b, NULL), CRM_ERR_INVALID_ARG);
  free(b.data);

  crm_session_close(admin);
  crm_db_close(db);
}

static void test_migration(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_record* rep = NULL;
  crm_record* summary = NULL;
  crm_cursor* mismatches = NULL;
  const crm_record* row = NULL;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  char path[700], changed[700], errors[700];
  char* text;
  int n = 0;
  static const char history[] =
      "记录编号,客户全称,跟进时间,跟进人,跟进方式,沟通内容,下一步计划\r\n"
      "H-3,杭州恒达精密机械有限公司,2026-03-05 15:30,admin,拜访,现场演示样机,报价\r\n"
      "H-1,杭州恒达精密机械有限公司,2026-01-10 09:00,admin,电话,初次沟通需求,\r\n"
      "H-2,宁波海天塑机集团有限公司,2026-02-01 10:00:30,admin,邮件,发送资料,\r\n"
      "H-4,不存在的公司,2026-02-02 10:00,admin,电话,问候,\r\n";
  section("follow-up history: migrate, again, verify");
  if (!open_memory_db(&db, &admin, T0)) return;
  rep = import_text(admin,
                    HEADER_ZH ROW("杭州恒达精密机械有限公司", "13812345678", "")
                        ROW("宁波海天塑机集团有限公司", "13987654321", ""),
                    NULL);
  crm_record_free(rep);
  path_of(path, sizeof path, "history.csv");
  path_of(errors, sizeof errors, "history-errors.csv");
  write_file(path, history, sizeof history - 1);

  o.error_path = errors;
  rep = NULL;
  CHECK_OK(crm_followup_migrate(admin, path, &o, &rep));
  EXPECT_INT(rep, "rows", 4);
  EXPECT_INT(rep, "migrated", 3);
  EXPECT_INT(rep, "rejected", 1);
  EXPECT_INT(rep, "error_rows", 1);
  EXPECT_STR(rtext(rep, "key"), "name", "the customer key");
  CHECK(strstr(rtext(rep, "errors"), "\"row\":5") != NULL, "row 5 rejected: %s",
        rtext(rep, "errors"));
  crm_record_free(rep);
  text = read_file(errors, NULL);
  CHECK(strstr(text, "H-4,不存在的公司") != NULL && strstr(text, "错误说明") != NULL,
        "the rejected row in the error file: %s", text);
  free(text);

  /* In time order, with the original time. */
  {
    crm_cursor* c = NULL;
    CHECK_OK(crm_customer_followups(admin, "C0001", &c));
    while (c && crm_cursor_next(c, &row) == CRM_OK) {
      if (n == 0) EXPECT_STR(rtext(row, "summary"), "初次沟通需求", "the oldest first");
      if (n == 0)
        CHECK(rec_int(row, "contacted_at") == INT64_C(1768006800000),
              "2026-01-10 09:00 Shanghai: %" PRId64, rec_int(row, "contacted_at"));
      n++;
    }
    crm_cursor_close(c);
    CHECK(n == 2, "two records for C0001, %d", n);
  }

  /* Again: nothing added. */
  o.error_path = NULL;
  rep = NULL;
  CHECK_OK(crm_followup_migrate(admin, path, &o, &rep));
  EXPECT_INT(rep, "migrated", 0);
  EXPECT_INT(rep, "unchanged", 3);
  crm_record_free(rep);

  /* Verified against the same file: every sampled row with a record matches. */
  CHECK_OK(crm_followup_migrate_verify(admin, path, NULL, 3, 7, &summary, &mismatches));
  EXPECT_INT(summary, "rows", 4);
  EXPECT_INT(summary, "sampled", 3);
  n = 0;
  while (mismatches && crm_cursor_next(mismatches, &row) == CRM_OK) {
    n++;
    CHECK(rec_int(row, "row") == 5 && strcmp(rtext(row, "field"), "row") == 0,
          "only the rejected row (5) may mismatch, as \"row\": row %" PRId64 " field %s",
          rec_int(row, "row"), rtext(row, "field"));
    EXPECT_STR(rtext(row, "expected"), "a valid row", "what a valid source row gives");
    CHECK(strstr(rtext(row, "stored"), "不存在的公司") != NULL, "why it is not valid: %s",
          rtext(row, "stored"));
  }
  CHECK(rec_int(summary, "matched") == 3 - n, "matched %" PRId64 " = sampled − mismatched rows %d",
        rec_int(summary, "matched"), n);
  EXPECT_INT(summary, "cancelled", 0);
  crm_cursor_close(mismatches);
  crm_record_free(summary);

  /* A progress callback that stops: nothing compared, "cancelled". */
  {
    crm_import_options vo = CRM_IMPORT_OPTIONS_INIT;
    struct Progress p;
    memset(&p, 0, sizeof p);
    p.stop_at = 1;
    vo.progress = on_progress;
    vo.progress_ctx = &p;
    CHECK_OK(crm_followup_migrate_verify(admin, path, &vo, 3, 7, &summary, &mismatches));
    CHECK(p.calls == 1 && p.done[0] == 4 && p.total[0] == 4,
          "one call after the last of 4 rows: %d calls, (%" PRId64 ", %" PRId64 ")", p.calls,
          p.done[0], p.total[0]);
    EXPECT_INT(summary, "cancelled", 1);
    EXPECT_INT(summary, "sampled", 0);
    CHECK(crm_cursor_next(mismatches, &row) == CRM_DONE, "no mismatches when nothing compared");
    crm_cursor_close(mismatches);
    crm_record_free(summary);
  }

  /* A source that says otherwise: the field that differs. */
  text = read_file(path, NULL);
  text = replace(text, "初次沟通需求", "初次沟通预算");
  path_of(changed, sizeof changed, "history-changed.csv");
  write_file(changed, text, strlen(text));
  free(text);
  summary = NULL;
  mismatches = NULL;
  CHECK_OK(crm_followup_migrate_verify(admin, changed, NULL, 4, 1, &summary, &mismatches));
  EXPECT_INT(summary, "sampled", 4);
  EXPECT_INT(summary, "matched", 2);
  n = 0;
  while (mismatches && crm_cursor_next(mismatches, &row) == CRM_OK) {
    if (rec_int(row, "row") == 3) {
      EXPECT_STR(rtext(row, "field"), "summary", "the differing field");
      EXPECT_STR(rtext(row, "expected"), "初次沟通预算", "what the source says");
      EXPECT_STR(rtext(row, "stored"), "初次沟通需求", "what was stored");
      n++;
    }
  }
  CHECK(n == 1, "one mismatch for row 3, %d", n);
  crm_cursor_close(mismatches);
  crm_record_free(summary);

  /* Bad arguments. */
  summary = NULL;
  mismatches = NULL;
  CHECK_FAIL(crm_followup_migrate_verify(admin, path, NULL, 0, 1, &summary, &mismatches),
             CRM_ERR_INVALID_ARG);
  CHECK(summary == NULL && mismatches == NULL, "nothing returned after a failure");
  CHECK_FAIL(crm_followup_migrate_verify(admin, path, NULL, 3, 1, NULL, &mismatches),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_migrate_verify(admin, path, NULL, 3, 1, &summary, NULL),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_followup_migrate(admin, NULL, NULL, &rep), CRM_ERR_INVALID_ARG);
  o.mode = "replace";
  CHECK_FAIL(crm_followup_migrate(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);

  crm_session_close(admin);
  crm_db_close(db);
}

static void test_bad_options(void) {
  crm_db* db = NULL;
  crm_session* admin = NULL;
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_record* rep = NULL;
  char path[700], missing[700];
  static const char file[] = HEADER_ZH ROW("杭州恒达精密机械有限公司", "13812345678", "");
  section("refused up front");
  if (!open_memory_db(&db, &admin, T0)) return;
  path_of(path, sizeof path, "ok.csv");
  write_file(path, file, sizeof file - 1);
  path_of(missing, sizeof missing, "no-such-file.csv");

  o.mode = "merge";
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "merge") != NULL, "names the mode: %s", crm_errmsg());
  CHECK(strstr(crm_errmsg_zh(), "导入模式") != NULL, "in Chinese: %s", crm_errmsg_zh());
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.encoding = "latin1";
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "latin1") != NULL, "names the encoding: %s", crm_errmsg());
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.key = "fax";
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  o.key = "external_id"; /* not a column of the file */
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "not a column") != NULL, "says so: %s", crm_errmsg());
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.batch_rows = -1;
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  o.batch_rows = 100001;
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  o.batch_rows = 100000; /* the boundary itself is fine */
  rep = import_file(admin, path, &o);
  EXPECT_INT(rep, "inserted", 1);
  crm_record_free(rep);
  rep = NULL;
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.mapping_count = 1; /* no array */
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  o.mapping_count = -1;
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  o = (crm_import_options)CRM_IMPORT_OPTIONS_INIT;
  o.size = sizeof(size_t);
  CHECK_FAIL(crm_customer_import(admin, path, &o, &rep), CRM_ERR_INVALID_ARG);
  CHECK(rep == NULL, "no report after a refusal");

  CHECK_FAIL(crm_customer_import(admin, missing, NULL, &rep), CRM_ERR_CANTOPEN);
  CHECK_FAIL(crm_customer_import(admin, NULL, NULL, &rep), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_import(admin, path, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_import(NULL, path, NULL, &rep), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_import_buffer(admin, NULL, 5, NULL, &rep), CRM_ERR_INVALID_ARG);
  /* Empty: refused, with or without a pointer. */
  CHECK_FAIL(crm_customer_import_buffer(admin, NULL, 0, NULL, &rep), CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "empty") != NULL, "says it is empty: %s", crm_errmsg());
  /* Bad headers: unknown, read-only, repeated. */
  CHECK_FAIL(crm_customer_import_buffer(admin, "客户全称,客户名称X\r\n",
                                        strlen("客户全称,客户名称X\r\n"), NULL, &rep),
             CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg_zh(), "未知的列") != NULL, "unknown column: %s", crm_errmsg_zh());
  CHECK_FAIL(crm_customer_import_buffer(admin, "客户全称,创建时间\r\n",
                                        strlen("客户全称,创建时间\r\n"), NULL, &rep),
             CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "created_at") != NULL, "read-only column: %s", crm_errmsg());
  CHECK_FAIL(crm_customer_import_buffer(admin, "客户全称,name\r\n", strlen("客户全称,name\r\n"),
                                        NULL, &rep),
             CRM_ERR_INVALID_ARG);
  CHECK(strstr(crm_errmsg(), "are both name") != NULL, "repeated column: %s", crm_errmsg());
  CHECK(customers(admin) == 1, "one customer after all the refusals: %" PRId64, customers(admin));

  crm_session_close(admin);
  crm_db_close(db);
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_import_test")) return 1;
  test_gbk();
  test_error_file();
  test_progress_and_modes();
  test_export_round_trip();
  test_migration();
  test_bad_options();
  rm_rf(g_root);
  return harness_finish();
}
