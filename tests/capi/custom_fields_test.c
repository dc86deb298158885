/*
 * custom_fields_test.c — the 0.3 additions to libcrm's C interface
 * (capi/crm.h), written in plain C99 as a host would call them:
 *
 *   - custom fields: crm_custom_field_define / _retire / _list, values written
 *     with crm_record_set_* and read back, validation errors, retirement,
 *     history rows and enum values in the dictionary;
 *   - field filters and sort of crm_customer_query (filters, filter_count,
 *     sort), crm_customer_count, page tokens, and a 0.2-sized query;
 *   - tags by label (crm_customer_tag_add_label / _remove_label) and the
 *     setting "tags.create_on_attach" (crm_setting_get / _set).
 *
 * Every expectation comes from crm.h.  Time is read from a fixed clock.
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

/* Opens a database with its clock frozen at `now` and an admin session. */
static int open_db(const char *name, int64_t now, crm_db **db, crm_session **admin) {
  char path[800];
  *db = NULL;
  *admin = NULL;
  db_path_in(g_root, path, sizeof path, name);
  CHECK_OK(crm_db_open(path, NULL, db));
  if (!*db) return 0;
  CHECK_OK(crm_db_clock_fixed(*db, now));
  CHECK_OK(crm_session_open(*db, 1, admin));
  return *admin != NULL;
}

/* A complete, valid customer form (R1.1) without custom values. */
static crm_record *base_form(const char *name) {
  crm_record *r = new_record();
  set_text(r, "name", name);
  set_text(r, "contact_name", "王建国");
  set_text(r, "phone", "138 1234 5678");
  set_text(r, "industry", "制造业");
  set_text(r, "scale", "100-500人");
  set_text(r, "source", "展会");
  set_text(r, "key_needs", "采购五轴联动加工中心2台");
  set_text(r, "priority", "高");
  return r;
}

/* Creates the customer of `form`; its id goes to `id` ("" on failure). */
static void create_ok_at(crm_session *s, const crm_record *form, char *id, size_t cap,
                         const char *what, int line) {
  char *out = NULL;
  int rc = crm_customer_create(s, form, &out);
  char expected[256];
  int32_t i, n = crm_error_field_count();
  char fields[512] = "";
  for (i = 0; i < n && strlen(fields) < sizeof fields - 80; i++) {
    strcat(fields, " ");
    strncat(fields, crm_error_field_name(i), 30);
    strcat(fields, ":");
    strncat(fields, crm_error_field_code(i), 30);
  }
  snprintf(expected, sizeof expected, "%s: crm_customer_create returns CRM_OK", what);
  check_at(rc == CRM_OK && out != NULL, __FILE__, line, expected, "%s: %s%s", sname(rc),
           crm_errmsg(), fields);
  snprintf(id, cap, "%s", out ? out : "");
  crm_free(out);
}
#define CREATE_OK(s, form, id, what) create_ok_at((s), (form), (id), sizeof(id), (what), __LINE__)

static crm_record *get_customer(crm_session *s, const char *id) {
  crm_record *r = NULL;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK && r != NULL, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  return r;
}

static int64_t version_of(crm_session *s, const char *id) {
  crm_record *r = get_customer(s, id);
  int64_t v = rec_int(r, "version");
  crm_record_free(r);
  return v;
}

static int64_t count_all(crm_session *s) {
  int64_t n = -1;
  int rc = crm_customer_count(s, NULL, &n);
  CHECK(rc == CRM_OK, "crm_customer_count(NULL): %s: %s", sname(rc), crm_errmsg());
  return n;
}

/* The type of a field in a record: CRM_TYPE_*, or -1 when absent. */
static int32_t rtype(const crm_record *r, const char *field) {
  int32_t t = -1;
  if (!r || crm_record_type(r, field, &t) != CRM_OK) return -1;
  return t;
}

/* The rows of a customer's history, as "kind field before after" lines
 * joined by '|' (values "-" for NULL).  Static buffer. */
static const char *history_of(crm_session *s, const char *id, int *rows) {
  static char buf[8192];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int rc = crm_customer_history(s, id, &c);
  buf[0] = '\0';
  *rows = 0;
  if (rc != CRM_OK) {
    CHECK(0, "crm_customer_history(%s): %s: %s", id, sname(rc), crm_errmsg());
    return "(error)";
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    const char *f = rtext(row, "field"), *b = rtext(row, "before"), *a = rtext(row, "after");
    if (used < sizeof buf)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s %s %s %s", *rows ? "|" : "",
                               rtext(row, "kind"), strcmp(f, "(null)") ? f : "-",
                               strcmp(b, "(null)") ? b : "-", strcmp(a, "(null)") ? a : "-");
    ++*rows;
  }
  CHECK(rc == CRM_DONE, "history cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return buf;
}

/* The last history row of a customer, as "kind field before after". */
static const char *last_history(crm_session *s, const char *id) {
  static char last[1024];
  int rows = 0;
  const char *all = history_of(s, id, &rows);
  const char *p = strrchr(all, '|');
  snprintf(last, sizeof last, "%s", p ? p + 1 : all);
  return last;
}

static int history_rows(crm_session *s, const char *id) {
  int rows = 0;
  history_of(s, id, &rows);
  return rows;
}

/* ------------------------------------------------------------------------ */
/* Validation errors                                                        */
/* ------------------------------------------------------------------------ */

/* The last error's field errors as " name:code" pairs.  Call it first thing
 * after the failed call. */
static const char *field_errors(void) {
  static char buf[1024];
  int32_t i, n = crm_error_field_count();
  size_t used = 0;
  buf[0] = '\0';
  for (i = 0; i < n && used < sizeof buf; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, " %s:%s", crm_error_field_name(i),
                             crm_error_field_code(i));
  return buf;
}

/* `rc` must be CRM_ERR_VALIDATION naming exactly the (field, code) pairs of
 * `pairs` (in any order), each with messages in both languages. */
static void expect_invalid_at(int rc, const char *const *pairs, int n, const char *what,
                              int line) {
  char expected[512];
  const char *got;
  int32_t count = crm_error_field_count(), i;
  int k, messages_ok = 1;
  for (i = 0; i < count; i++) {
    const char *en = crm_error_field_message(i), *zh = crm_error_field_message_zh(i);
    if (!en || !*en || !zh || !*zh) messages_ok = 0;
  }
  got = field_errors();
  snprintf(expected, sizeof expected, "%s: CRM_ERR_VALIDATION with %d field error(s)", what, n);
  check_at(rc == CRM_ERR_VALIDATION && count == n, __FILE__, line, expected,
           "%s (%d) with %d field error(s):%s", sname(rc), rc, (int)count, got);
  for (k = 0; k < n; k++) {
    char pair[160];
    snprintf(pair, sizeof pair, " %s:%s", pairs[2 * k], pairs[2 * k + 1]);
    snprintf(expected, sizeof expected, "%s: field error%s", what, pair);
    /* each pair is followed by a space or the end of the list */
    {
      const char *p = strstr(got, pair);
      size_t len = strlen(pair);
      int found = 0;
      while (p && !found) {
        if (p[len] == '\0' || p[len] == ' ') found = 1;
        else p = strstr(p + 1, pair);
      }
      check_at(found, __FILE__, line, expected, "field errors:%s", got);
    }
  }
  snprintf(expected, sizeof expected, "%s: every field error has messages in English and Chinese",
           what);
  check_at(messages_ok, __FILE__, line, expected, "an empty message among:%s", got);
}
#define EXPECT_INVALID(call, what, ...)                                    \
  do {                                                                     \
    static const char *const pairs_[] = {__VA_ARGS__};                     \
    int rc_ = (call);                                                      \
    expect_invalid_at(rc_, pairs_, (int)(sizeof pairs_ / sizeof pairs_[0]) / 2, (what), \
                      __LINE__);                                           \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Custom field definitions                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  int found;
  char type[32], label_zh[160], label_en[160], dict[96];
  int32_t max_chars_type, decimals_type, dict_type;
  int64_t required, max_chars, decimals, retired, created_at;
} FieldRow;

/* The row of crm_custom_field_list for `name` ("custom.x"). */
static FieldRow field_row(crm_session *s, const char *name, int include_retired) {
  FieldRow f;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int rc;
  memset(&f, 0, sizeof f);
  rc = crm_custom_field_list(s, include_retired, &c);
  CHECK(rc == CRM_OK, "crm_custom_field_list: %s: %s", sname(rc), crm_errmsg());
  while (c && (rc = crm_cursor_next(c, &row)) == CRM_OK) {
    if (strcmp(rtext(row, "name"), name) != 0) continue;
    f.found++;
    snprintf(f.type, sizeof f.type, "%s", rtext(row, "type"));
    snprintf(f.label_zh, sizeof f.label_zh, "%s", rtext(row, "label_zh"));
    snprintf(f.label_en, sizeof f.label_en, "%s", rtext(row, "label_en"));
    snprintf(f.dict, sizeof f.dict, "%s", rtext(row, "dict"));
    f.required = rec_int(row, "required");
    f.max_chars = rec_int(row, "max_chars");
    f.decimals = rec_int(row, "decimals");
    f.retired = rec_int(row, "retired");
    f.created_at = rec_int(row, "created_at");
    f.max_chars_type = rtype(row, "max_chars");
    f.decimals_type = rtype(row, "decimals");
    f.dict_type = rtype(row, "dict");
  }
  crm_cursor_close(c);
  return f;
}

/* The names of crm_custom_field_list, in order, joined by ' '. */
static const char *field_names(crm_session *s, int include_retired) {
  static char buf[2048];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int rc = crm_custom_field_list(s, include_retired, &c);
  buf[0] = '\0';
  if (rc != CRM_OK) {
    CHECK(0, "crm_custom_field_list(%d): %s: %s", (int)include_retired, sname(rc), crm_errmsg());
    return "(error)";
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK)
    if (used < sizeof buf)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? " " : "",
                               rtext(row, "name"));
  CHECK(rc == CRM_DONE, "crm_custom_field_list cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return buf;
}

static void define_ok_at(crm_session *s, const crm_custom_field *def, int line) {
  int rc = crm_custom_field_define(s, def);
  char expected[256];
  snprintf(expected, sizeof expected, "crm_custom_field_define(%s) returns CRM_OK",
           def->name ? def->name : "NULL");
  check_at(rc == CRM_OK, __FILE__, line, expected, "%s: %s", sname(rc), crm_errmsg());
}
#define DEFINE_OK(s, def) define_ok_at((s), (def), __LINE__)

/* A refused definition must define nothing. */
static void define_fails_at(crm_session *s, crm_session *admin, const crm_custom_field *def,
                            int want, const char *what, int line) {
  static char before[2048];
  char expected[512];
  const char *after;
  int rc;
  snprintf(before, sizeof before, "%s", field_names(admin, 1));
  rc = crm_custom_field_define(s, def);
  snprintf(expected, sizeof expected, "%s: crm_custom_field_define returns %s", what,
           sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
  after = field_names(admin, 1);
  check_at(strcmp(before, after) == 0, __FILE__, line, "a refused definition defines nothing",
           "%s: fields [%s] became [%s]", what, before, after);
}
#define DEFINE_FAILS(s, admin, def, want, what) \
  define_fails_at((s), (admin), (def), (want), (what), __LINE__)

static const char *const kRanges[] = {"50万以下", "50-200万", "200万以上"};

/* The six fields most tests use; `decimals` is the decimal field's option. */
static void define_standard_fields(crm_session *admin) {
  crm_custom_field d = CRM_CUSTOM_FIELD_INIT;
  d.name = "budget";
  d.type = "decimal";
  d.label_zh = "预算金额（万元）";
  d.label_en = "Budget (10k CNY)";
  DEFINE_OK(admin, &d);

  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "custom.budget_range"; /* the prefix is optional */
  d.type = "enum";
  d.label_zh = "客户预算范围";
  d.label_en = "Budget range";
  d.values = kRanges;
  d.value_count = 3;
  DEFINE_OK(admin, &d);

  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "annual_orders";
  d.type = "integer";
  d.label_zh = "年采购次数";
  DEFINE_OK(admin, &d);

  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "contract_due";
  d.type = "date";
  d.label_zh = "合同到期日";
  d.label_en = "Contract due";
  DEFINE_OK(admin, &d);

  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "is_listed";
  d.type = "boolean";
  d.label_zh = "是否上市";
  d.label_en = "Listed";
  DEFINE_OK(admin, &d);

  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "decision_maker_info";
  d.type = "text";
  d.label_zh = "决策人信息";
  d.label_en = "Decision maker";
  d.max_chars = 50;
  DEFINE_OK(admin, &d);
}

static void test_define(void) {
  static const char *const dup_values[] = {"国企", "民企", "国企"};
  static const char *const dup_case[] = {"OEM", "oem"};
  static const char *const null_entry[] = {"国企", NULL};
  static const char *const two_values[] = {"是", "否"};
  static const char *many[201];
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL, *dead = NULL;
  crm_custom_field d;
  FieldRow f;
  int64_t rep_id;
  int k;
  char name40[41], name41[42], label51[51 * 3 + 1];
  section("defining custom fields");
  if (!open_db("define", T0, &db, &admin)) return;
  rep_id = add_user(admin, "li.na", "李娜", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));

  CHECK(strcmp(field_names(admin, 1), "") == 0, "a new database has no custom fields: [%s]",
        field_names(admin, 1));

  /* Each type. */
  define_standard_fields(admin);
  CHECK(strcmp(field_names(admin, 0),
               "custom.budget custom.budget_range custom.annual_orders custom.contract_due "
               "custom.is_listed custom.decision_maker_info") == 0,
        "fields in definition order: [%s]", field_names(admin, 0));
  CHECK(strcmp(field_names(rep, 0), field_names(admin, 0)) == 0,
        "every user may list the definitions");

  f = field_row(admin, "custom.budget", 0);
  CHECK(f.found == 1 && strcmp(f.type, "decimal") == 0 && strcmp(f.label_zh, "预算金额（万元）") == 0 &&
            strcmp(f.label_en, "Budget (10k CNY)") == 0 && f.required == 0 && f.decimals == 2 &&
            f.max_chars_type == CRM_TYPE_NULL && f.dict_type == CRM_TYPE_NULL && f.retired == 0 &&
            f.created_at == T0,
        "custom.budget row: found %d, type %s, labels %s/%s, required %" PRId64
        ", decimals %" PRId64 " (-1 means 2), max_chars type %d, dict type %d, retired %" PRId64
        ", created_at %" PRId64,
        f.found, f.type, f.label_zh, f.label_en, f.required, f.decimals, (int)f.max_chars_type,
        (int)f.dict_type, f.retired, f.created_at);
  f = field_row(admin, "custom.budget_range", 0);
  CHECK(f.found == 1 && strcmp(f.type, "enum") == 0 && strcmp(f.dict, "custom.budget_range") == 0 &&
            f.max_chars_type == CRM_TYPE_NULL && f.decimals_type == CRM_TYPE_NULL,
        "custom.budget_range row: type %s, dict %s, max_chars type %d, decimals type %d", f.type,
        f.dict, (int)f.max_chars_type, (int)f.decimals_type);
  f = field_row(admin, "custom.annual_orders", 0);
  CHECK(f.found == 1 && strcmp(f.type, "integer") == 0 && strcmp(f.label_en, "annual_orders") == 0 &&
            f.dict_type == CRM_TYPE_NULL,
        "custom.annual_orders row: type %s, label_en %s (NULL means the name)", f.type, f.label_en);
  f = field_row(admin, "custom.contract_due", 0);
  CHECK(f.found == 1 && strcmp(f.type, "date") == 0, "custom.contract_due row: type %s", f.type);
  f = field_row(admin, "custom.is_listed", 0);
  CHECK(f.found == 1 && strcmp(f.type, "boolean") == 0, "custom.is_listed row: type %s", f.type);
  f = field_row(admin, "custom.decision_maker_info", 0);
  CHECK(f.found == 1 && strcmp(f.type, "text") == 0 && f.max_chars == 50 &&
            f.decimals_type == CRM_TYPE_NULL,
        "custom.decision_maker_info row: type %s, max_chars %" PRId64, f.type, f.max_chars);

  /* Defaults: text 200 characters; decimals given explicitly; required. */
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "remark";
  d.type = "text";
  d.label_zh = "补充说明";
  DEFINE_OK(admin, &d);
  f = field_row(admin, "custom.remark", 0);
  CHECK(f.max_chars == 200, "max_chars 0 means 200, got %" PRId64, f.max_chars);
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "exchange_rate";
  d.type = "decimal";
  d.label_zh = "结算汇率";
  d.decimals = 4;
  DEFINE_OK(admin, &d);
  f = field_row(admin, "custom.exchange_rate", 0);
  CHECK(f.decimals == 4, "decimals 4 kept, got %" PRId64, f.decimals);
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "whole_units";
  d.type = "decimal";
  d.label_zh = "整数金额";
  d.decimals = 0;
  DEFINE_OK(admin, &d);
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "tax_id";
  d.type = "text";
  d.label_zh = "统一社会信用代码";
  d.required = 1;
  d.max_chars = 18;
  DEFINE_OK(admin, &d);
  f = field_row(admin, "custom.tax_id", 0);
  CHECK(f.required == 1 && f.max_chars == 18, "required %" PRId64 ", max_chars %" PRId64,
        f.required, f.max_chars);
  /* A name of exactly 40 characters. */
  memset(name40, 'a', 40);
  name40[40] = '\0';
  memcpy(name40, "z_", 2);
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = name40;
  d.type = "integer";
  d.label_zh = "四十字符字段名";
  DEFINE_OK(admin, &d);

  /* Non-administrators cannot define fields. */
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "region";
  d.type = "text";
  d.label_zh = "销售区域";
  DEFINE_FAILS(rep, admin, &d, CRM_ERR_PERMISSION, "a sales user");

  /* Bad names. */
  {
    static const char *const bad_names[] = {"",       "1budget",  "_budget", "Budget",
                                            "budget-x", "budget x", "预算",    "custom.",
                                            "custom.Budget", "custom.custom.x", "x."};
    size_t i;
    memset(name41, 'b', 41);
    name41[41] = '\0';
    for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
      char what[96];
      d.name = bad_names[i];
      snprintf(what, sizeof what, "name \"%s\"", bad_names[i]);
      DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, what);
    }
    d.name = name41;
    DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a 41-character name");
    d.name = NULL;
    DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a NULL name");
  }
  d.name = "region";

  /* Bad types. */
  d.type = "money";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "type money");
  d.type = "";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "type \"\"");
  d.type = "phone"; /* a built-in type, not one a custom field may have */
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "type phone");
  d.type = NULL;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a NULL type");
  d.type = "text";

  /* Bad labels. */
  d.label_zh = NULL;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a NULL label_zh");
  d.label_zh = "";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "an empty label_zh");
  d.label_zh = "   ";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a blank label_zh");
  label51[0] = '\0';
  for (k = 0; k < 51; k++) strcat(label51, "区");
  d.label_zh = label51;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a 51-character label_zh");
  d.label_zh = "\xC3\x28";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "label_zh not UTF-8");
  d.label_zh = "销售区域";
  d.label_en = label51;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a 51-character label_en");
  d.label_en = NULL;

  /* Options for the wrong type, and options out of range. */
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "region";
  d.label_zh = "销售区域";
  d.type = "integer";
  d.max_chars = 100;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "max_chars on an integer field");
  d.type = "text";
  d.max_chars = 0;
  d.decimals = 2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "decimals on a text field");
  d.type = "date";
  d.decimals = 0;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "decimals 0 on a date field");
  d.decimals = -1;
  d.type = "boolean";
  d.values = two_values;
  d.value_count = 2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "values on a boolean field");
  d.type = "text";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "values on a text field");
  d.values = NULL;
  d.value_count = 0;
  d.max_chars = 2001;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "max_chars 2001");
  d.max_chars = -1;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "max_chars -1");
  d.max_chars = 0;
  d.type = "decimal";
  d.decimals = 7;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "decimals 7");
  d.decimals = -2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "decimals -2");
  d.decimals = -1;

  /* Enumerations: 1 to 200 values, distinct, none NULL. */
  d.type = "enum";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "an enum without values");
  d.values = dup_values;
  d.value_count = 3;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "an enum with a value twice");
  d.values = dup_case;
  d.value_count = 2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "an enum with OEM and oem");
  d.values = null_entry;
  d.value_count = 2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "an enum with a NULL value");
  d.values = NULL;
  d.value_count = 2;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "value_count 2 with a NULL array");
  d.values = dup_values;
  d.value_count = -1;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "value_count -1");
  for (k = 0; k < 201; k++) {
    static char texts[201][16];
    snprintf(texts[k], sizeof texts[k], "区域%d", k);
    many[k] = texts[k];
  }
  d.values = many;
  d.value_count = 201;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "201 values");
  d.value_count = 200;
  d.name = "sales_zone";
  d.label_zh = "销售大区";
  DEFINE_OK(admin, &d); /* 200 is allowed */

  /* The struct's size. */
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "region";
  d.type = "text";
  d.label_zh = "销售区域";
  d.size = 0;
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "size 0");
  d.size = sizeof(size_t);
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "size 8");
  d.size = offsetof(crm_custom_field, decimals);
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_INVALID_ARG, "a size that ends before decimals");
  d.size = sizeof d;

  /* NULL and closed sessions. */
  DEFINE_FAILS(NULL, admin, &d, CRM_ERR_INVALID_ARG, "a NULL session");
  DEFINE_FAILS(admin, admin, NULL, CRM_ERR_INVALID_ARG, "a NULL definition");
  CHECK_OK(crm_session_open(db, 1, &dead));
  crm_session_close(dead);
  DEFINE_FAILS(dead, admin, &d, CRM_ERR_STATE, "a closed session");

  /* Names are never reused; labels belong to one field. */
  d = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  d.name = "budget";
  d.type = "integer";
  d.label_zh = "预算";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "the name budget again");
  d.name = "custom.budget";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "the name custom.budget again");
  CHECK_OK(crm_custom_field_retire(admin, "custom.remark"));
  d.name = "remark";
  d.label_zh = "备注说明";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "a retired name");
  d.name = "company_name";
  d.label_zh = "客户全称"; /* the built-in label of "name" */
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "label_zh 客户全称");
  d.label_zh = "公司名称";
  d.label_en = "Full legal name"; /* the English label of "name" */
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "label_en Full legal name");
  d.label_en = NULL;
  d.label_zh = "联系电话"; /* phone */
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "label_zh 联系电话");
  d.label_zh = "客户预算范围"; /* custom.budget_range */
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "the label of another custom field");
  d.label_zh = "公司名称";
  d.label_en = "Budget range";
  DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "the English label of another custom field");

  {
    char want[512];
    snprintf(want, sizeof want,
             "custom.budget custom.budget_range custom.annual_orders custom.contract_due "
             "custom.is_listed custom.decision_maker_info custom.remark custom.exchange_rate "
             "custom.whole_units custom.tax_id custom.%s custom.sales_zone",
             name40);
    CHECK(strcmp(field_names(admin, 1), want) == 0, "after the refused definitions: [%s]",
          field_names(admin, 1));
  }

  /* crm_custom_field_list: NULL arguments. */
  {
    crm_cursor *c = NULL;
    CHECK_FAIL(crm_custom_field_list(NULL, 0, &c), CRM_ERR_INVALID_ARG);
    CHECK(c == NULL, "a refused crm_custom_field_list returned a cursor");
    CHECK_FAIL(crm_custom_field_list(admin, 0, NULL), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_custom_field_list(dead, 0, &c), CRM_ERR_STATE);
  }

  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Values: write, read back, validate, retire, history, dictionary          */
/* ------------------------------------------------------------------------ */

static void expect_text_at(const crm_record *r, const char *field, const char *want,
                           const char *what, int line) {
  char expected[256];
  const char *got = rtext(r, field);
  int32_t t = rtype(r, field);
  snprintf(expected, sizeof expected, "%s: %s is text \"%s\"", what, field, want);
  check_at(t == CRM_TYPE_TEXT && strcmp(got, want) == 0, __FILE__, line, expected,
           "type %d, value %s", (int)t, got);
}
#define EXPECT_TEXT(r, field, want, what) expect_text_at((r), (field), (want), (what), __LINE__)

static void expect_int_at(const crm_record *r, const char *field, int64_t want, const char *what,
                          int line) {
  char expected[256];
  int32_t t = rtype(r, field);
  int64_t got = rec_int(r, field);
  snprintf(expected, sizeof expected, "%s: %s is the integer %" PRId64, what, field, want);
  check_at(t == CRM_TYPE_INT && got == want, __FILE__, line, expected, "type %d, value %" PRId64
           " (%s)", (int)t, got, rtext(r, field));
}
#define EXPECT_INT(r, field, want, what) expect_int_at((r), (field), (want), (what), __LINE__)

static void expect_null_at(const crm_record *r, const char *field, const char *what, int line) {
  char expected[256];
  int32_t t = rtype(r, field);
  snprintf(expected, sizeof expected, "%s: %s is present and NULL", what, field);
  check_at(t == CRM_TYPE_NULL, __FILE__, line, expected, "type %d (-1 = absent), value %s",
           (int)t, rtext(r, field));
}
#define EXPECT_NULL(r, field, what) expect_null_at((r), (field), (what), __LINE__)

/* Updates one custom field of a customer; the update must succeed. */
static void update_text_at(crm_session *s, const char *id, const char *field, const char *value,
                           int line) {
  crm_record *r = new_record();
  int rc;
  char expected[256];
  if (value)
    set_text(r, field, value);
  else
    crm_record_set_null(r, field);
  rc = crm_customer_update(s, id, r, NULL);
  snprintf(expected, sizeof expected, "update %s %s = %s returns CRM_OK", id, field,
           value ? value : "NULL");
  check_at(rc == CRM_OK, __FILE__, line, expected, "%s: %s%s", sname(rc), crm_errmsg(),
           field_errors());
  crm_record_free(r);
}
#define UPDATE_TEXT(s, id, field, value) update_text_at((s), (id), (field), (value), __LINE__)

static void test_values(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_record *form, *c, *r;
  crm_cursor *cur = NULL;
  const crm_record *row = NULL;
  char a[16], b[16], e[16];
  int64_t rep_id, v0;
  int rows0;
  section("custom values: write and read");
  if (!open_db("values", T0, &db, &admin)) return;
  rep_id = add_user(admin, "zhang.wei", "张伟", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  define_standard_fields(admin);
  {
    crm_custom_field d = CRM_CUSTOM_FIELD_INIT;
    d.name = "exchange_rate";
    d.type = "decimal";
    d.label_zh = "结算汇率";
    d.decimals = 4;
    DEFINE_OK(admin, &d);
  }

  /* Every type, through every setter that takes it; a sales user writes. */
  form = base_form("杭州恒达精密机械有限公司");
  set_text(form, "custom.budget", "35.5");
  set_text(form, "custom.budget_range", "50万以下");
  set_int(form, "custom.annual_orders", 12);
  set_text(form, "custom.contract_due", "2027-03-31");
  set_text(form, "custom.is_listed", "是");
  set_text(form, "custom.decision_maker_info", "总经理王建国拍板");
  CHECK_OK(crm_record_set_real(form, "custom.exchange_rate", 7.1234));
  CREATE_OK(rep, form, a, "a customer with every custom type");
  crm_record_free(form);
  c = get_customer(rep, a);
  EXPECT_TEXT(c, "custom.budget", "35.50", "decimal set as text");
  EXPECT_TEXT(c, "custom.budget_range", "50万以下", "enum");
  EXPECT_INT(c, "custom.annual_orders", 12, "integer set as an integer");
  EXPECT_TEXT(c, "custom.contract_due", "2027-03-31", "date");
  EXPECT_INT(c, "custom.is_listed", 1, "boolean set as 是");
  EXPECT_TEXT(c, "custom.decision_maker_info", "总经理王建国拍板", "text");
  EXPECT_TEXT(c, "custom.exchange_rate", "7.1234", "decimal(4) set as a real");
  EXPECT_TEXT(c, "name", "杭州恒达精密机械有限公司", "built-in fields are unchanged");
  crm_record_free(c);

  /* Unset fields are present as NULL; other setters. */
  form = base_form("苏州纳微科技股份有限公司");
  set_int(form, "custom.budget", 45);
  set_text(form, "custom.annual_orders", "7");
  set_text(form, "custom.is_listed", "false");
  CREATE_OK(rep, form, b, "a customer with some custom values");
  crm_record_free(form);
  c = get_customer(rep, b);
  EXPECT_TEXT(c, "custom.budget", "45.00", "decimal set as an integer");
  EXPECT_INT(c, "custom.annual_orders", 7, "integer set as digits");
  EXPECT_INT(c, "custom.is_listed", 0, "boolean set as false");
  EXPECT_NULL(c, "custom.budget_range", "unset enum");
  EXPECT_NULL(c, "custom.contract_due", "unset date");
  EXPECT_NULL(c, "custom.decision_maker_info", "unset text");
  EXPECT_NULL(c, "custom.exchange_rate", "unset decimal");
  crm_record_free(c);

  /* Booleans and decimals in their other spellings. */
  UPDATE_TEXT(rep, b, "custom.is_listed", "yes");
  c = get_customer(rep, b);
  EXPECT_INT(c, "custom.is_listed", 1, "boolean set as yes");
  crm_record_free(c);
  UPDATE_TEXT(rep, b, "custom.is_listed", "否");
  c = get_customer(rep, b);
  EXPECT_INT(c, "custom.is_listed", 0, "boolean set as 否");
  crm_record_free(c);
  UPDATE_TEXT(rep, b, "custom.is_listed", "true");
  c = get_customer(rep, b);
  EXPECT_INT(c, "custom.is_listed", 1, "boolean set as true");
  crm_record_free(c);
  UPDATE_TEXT(rep, b, "custom.is_listed", "no");
  c = get_customer(rep, b);
  EXPECT_INT(c, "custom.is_listed", 0, "boolean set as no");
  crm_record_free(c);
  r = new_record();
  set_int(r, "custom.is_listed", 1);
  CHECK_OK(crm_record_set_real(r, "custom.budget", 0.1));
  CHECK_OK(crm_customer_update(rep, b, r, NULL));
  crm_record_free(r);
  c = get_customer(rep, b);
  EXPECT_INT(c, "custom.is_listed", 1, "boolean set as the integer 1");
  EXPECT_TEXT(c, "custom.budget", "0.10", "decimal set as the real 0.1");
  crm_record_free(c);
  r = new_record();
  CHECK_OK(crm_record_set_real(r, "custom.budget", 1280.25));
  CHECK_OK(crm_customer_update(rep, b, r, NULL));
  crm_record_free(r);
  c = get_customer(rep, b);
  EXPECT_TEXT(c, "custom.budget", "1280.25", "decimal set as the real 1280.25");
  crm_record_free(c);
  UPDATE_TEXT(rep, b, "custom.budget", "260");
  c = get_customer(rep, b);
  EXPECT_TEXT(c, "custom.budget", "260.00", "decimal set as \"260\"");
  crm_record_free(c);

  /* List rows carry the custom fields too. */
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    int n = 0;
    CHECK_OK(crm_customer_list(rep, &q, &cur));
    while (cur && crm_cursor_next(cur, &row) == CRM_OK) {
      if (strcmp(rtext(row, "id"), a) == 0) {
        EXPECT_TEXT(row, "custom.budget", "35.50", "list row");
        EXPECT_INT(row, "custom.is_listed", 1, "list row");
      } else {
        EXPECT_NULL(row, "custom.contract_due", "list row");
      }
      n++;
    }
    crm_cursor_close(cur);
    cur = NULL;
    CHECK(n == 2, "2 customers listed, got %d", n);
  }

  /* Clearing an optional value. */
  UPDATE_TEXT(rep, b, "custom.annual_orders", NULL);
  c = get_customer(rep, b);
  EXPECT_NULL(c, "custom.annual_orders", "a cleared integer");
  crm_record_free(c);

  section("custom values: validation");
  {
    int64_t before = count_all(rep);
    crm_record *bad = base_form("上海云启信息技术有限公司");
    char *out = NULL;
    set_text(bad, "custom.no_such_field", "x");
    set_text(bad, "custom.budget", "三十五万");
    set_text(bad, "custom.is_listed", "maybe");
    set_text(bad, "custom.contract_due", "2027-02-30");
    set_text(bad, "custom.budget_range", "500万以上");
    set_text(bad, "custom.decision_maker_info",
             "董事长王建国、总经理李娜、副总经理周强、采购总监徐春燕、财务总监赵明辉、"
             "技术总监刘洋共同决策，并报集团董事会审批");
    set_int(bad, "custom.contract_due", 20270331); /* replaces the text */
    EXPECT_INVALID(crm_customer_create(rep, bad, &out), "a create with 6 bad custom values",
                   "custom.no_such_field", "unknown_field", "custom.budget", "invalid_number",
                   "custom.is_listed", "invalid_boolean", "custom.contract_due", "wrong_type",
                   "custom.budget_range", "unknown_value", "custom.decision_maker_info",
                   "too_long");
    CHECK(out == NULL, "a refused create returned an id: %s", out ? out : "");
    CHECK(count_all(rep) == before, "a refused create wrote a customer: %" PRId64 " -> %" PRId64,
          before, count_all(rep));
    set_text(bad, "custom.contract_due", "2027-02-30");
    set_text(bad, "custom.decision_maker_info", "董事长王建国");
    set_text(bad, "phone", "12345");
    EXPECT_INVALID(crm_customer_create(rep, bad, &out), "custom and built-in errors together",
                   "custom.no_such_field", "unknown_field", "custom.budget", "invalid_number",
                   "custom.is_listed", "invalid_boolean", "custom.contract_due", "invalid_date",
                   "custom.budget_range", "unknown_value", "phone", "invalid_phone");
    CHECK(count_all(rep) == before, "a refused create wrote a customer");
    crm_free(out);
    crm_record_free(bad);

    /* More precise than the field keeps; wrong types. */
    bad = new_record();
    set_text(bad, "custom.budget", "35.505");
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "35.505 at two decimals",
                   "custom.budget", "invalid_number");
    crm_record_free(bad);
    bad = new_record();
    CHECK_OK(crm_record_set_real(bad, "custom.budget", 0.125));
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "the real 0.125 at two decimals",
                   "custom.budget", "invalid_number");
    crm_record_free(bad);
    bad = new_record();
    set_text(bad, "custom.exchange_rate", "7.12345");
    set_int(bad, "custom.is_listed", 2);
    set_int(bad, "custom.decision_maker_info", 42);
    set_text(bad, "custom.undefined", "1");
    v0 = version_of(rep, a);
    rows0 = history_rows(rep, a);
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "an update with 4 bad values",
                   "custom.exchange_rate", "invalid_number", "custom.is_listed",
                   "invalid_boolean", "custom.decision_maker_info", "wrong_type",
                   "custom.undefined", "unknown_field");
    crm_record_free(bad);
    /* ... and nothing written, not even the valid value beside them. */
    bad = new_record();
    set_text(bad, "custom.budget", "99");
    set_text(bad, "custom.is_listed", "也许");
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "one good and one bad value",
                   "custom.is_listed", "invalid_boolean");
    crm_record_free(bad);
    CHECK(version_of(rep, a) == v0 && history_rows(rep, a) == rows0,
          "refused updates wrote: version %" PRId64 " -> %" PRId64 ", history %d -> %d rows", v0,
          version_of(rep, a), rows0, history_rows(rep, a));
    c = get_customer(rep, a);
    EXPECT_TEXT(c, "custom.budget", "35.50", "after refused updates");
    EXPECT_INT(c, "custom.is_listed", 1, "after refused updates");
    crm_record_free(c);
  }

  section("custom values: history");
  CHECK_OK(crm_db_clock_fixed(db, T0 + 60000));
  v0 = version_of(rep, b);
  r = new_record();
  set_text(r, "custom.budget_range", "200万以上");
  set_text(r, "custom.contract_due", "2027-06-30");
  CHECK_OK(crm_customer_update(rep, b, r, NULL));
  crm_record_free(r);
  CHECK(version_of(rep, b) == v0 + 1, "one update, one version: %" PRId64 " -> %" PRId64, v0,
        version_of(rep, b));
  CHECK_OK(crm_db_clock_fixed(db, T0 + 120000));
  UPDATE_TEXT(rep, b, "custom.budget", "300");
  {
    int rows = 0;
    const char *h = history_of(rep, b, &rows);
    const char *want =
        "create - - -|update custom.is_listed 0 1|update custom.is_listed 1 0|"
        "update custom.is_listed 0 1|update custom.is_listed 1 0|"
        "update custom.is_listed 0 1|update custom.budget 45.00 0.10|"
        "update custom.budget 0.10 1280.25|update custom.budget 1280.25 260.00|"
        "update custom.annual_orders 7 -|update custom.budget_range - 200万以上|"
        "update custom.contract_due - 2027-06-30|update custom.budget 260.00 300.00";
    CHECK(strcmp(h, want) == 0, "history of %s:\n      %s\n    expected\n      %s", b, h, want);
  }
  /* The same changes through crm_history_list, with the instant and actor. */
  {
    crm_history_query hq = CRM_HISTORY_QUERY_INIT;
    int n = 0, ok = 1;
    hq.customer = b;
    hq.since_ms = T0 + 60000;
    CHECK_OK(crm_history_list(admin, &hq, &cur));
    while (cur && crm_cursor_next(cur, &row) == CRM_OK) {
      const char *field = rtext(row, "field");
      if (strncmp(field, "custom.", 7) != 0 || rec_int(row, "actor") != rep_id ||
          strcmp(rtext(row, "customer"), b) != 0 || strcmp(rtext(row, "kind"), "update") != 0)
        ok = 0;
      if (n == 2 && (rec_int(row, "at") != T0 + 120000 ||
                     strcmp(rtext(row, "before"), "260.00") != 0 ||
                     strcmp(rtext(row, "after"), "300.00") != 0))
        ok = 0;
      n++;
    }
    crm_cursor_close(cur);
    cur = NULL;
    CHECK(n == 3 && ok, "crm_history_list since T0+60s: %d custom rows (expected 3), rows %s", n,
          ok ? "as expected" : "not as expected");
  }
  /* Writing back a record read from the library changes nothing. */
  v0 = version_of(rep, b);
  rows0 = history_rows(rep, b);
  c = get_customer(rep, b);
  {
    int64_t nv = -1;
    CHECK_OK(crm_customer_update(rep, b, c, &nv));
    CHECK(nv == v0 && history_rows(rep, b) == rows0,
          "a record written back: version %" PRId64 " -> %" PRId64 ", history %d -> %d", v0, nv,
          rows0, history_rows(rep, b));
  }
  crm_record_free(c);

  section("custom values: enum values in the dictionary");
  {
    char got[512] = "";
    int rc;
    CHECK_OK(crm_dict_list(rep, "custom.budget_range", &cur));
    while (cur && (rc = crm_cursor_next(cur, &row)) == CRM_OK) {
      strcat(got, rtext(row, "code"));
      strcat(got, " ");
    }
    crm_cursor_close(cur);
    cur = NULL;
    CHECK(strcmp(got, "50万以下 50-200万 200万以上 ") == 0,
          "the values of custom.budget_range, in order: %s", got);
    CHECK_FAIL(crm_dict_add(rep, "custom.budget_range", "500万以上", "500万以上", "Over 5M"),
               CRM_ERR_PERMISSION);
    CHECK_OK(crm_dict_add(admin, "custom.budget_range", "500万以上", "500万以上", "Over 5M"));
    CHECK_FAIL(crm_dict_add(admin, "custom.budget_range", "500万以上", "500万以上", "Over 5M"),
               CRM_ERR_CONFLICT);
    CHECK_FAIL(crm_dict_add(admin, "custom.no_such_field", "x", "x", "x"), CRM_ERR_NOT_FOUND);
    got[0] = '\0';
    CHECK_OK(crm_dict_list(rep, "custom.budget_range", &cur));
    while (cur && crm_cursor_next(cur, &row) == CRM_OK) {
      strcat(got, rtext(row, "code"));
      strcat(got, " ");
    }
    crm_cursor_close(cur);
    cur = NULL;
    CHECK(strcmp(got, "50万以下 50-200万 200万以上 500万以上 ") == 0,
          "the extended values, in order: %s", got);
    UPDATE_TEXT(rep, a, "custom.budget_range", "500万以上");
    c = get_customer(rep, a);
    EXPECT_TEXT(c, "custom.budget_range", "500万以上", "a value added with crm_dict_add");
    crm_record_free(c);
    UPDATE_TEXT(rep, a, "custom.budget_range", "50万以下");
    UPDATE_TEXT(rep, a, "custom.budget_range", "Over 5M"); /* its English label */
    c = get_customer(rep, a);
    EXPECT_TEXT(c, "custom.budget_range", "500万以上", "a value given by its English label");
    crm_record_free(c);
  }

  section("custom values: retirement");
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    crm_field_filter flt[1];
    FieldRow f;
    int64_t n = -1;
    crm_record *bad;
    form = base_form("宁波盈朗家纺有限公司");
    set_text(form, "custom.decision_maker_info", "董事长徐春燕决策");
    CREATE_OK(rep, form, e, "a third customer");
    crm_record_free(form);
    /* a: "总经理王建国拍板", b: none, e: "董事长徐春燕决策" */
    CHECK_FAIL(crm_custom_field_retire(rep, "decision_maker_info"), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_custom_field_retire(admin, "no_such_field"), CRM_ERR_NOT_FOUND);
    CHECK_FAIL(crm_custom_field_retire(admin, NULL), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_custom_field_retire(NULL, "decision_maker_info"), CRM_ERR_INVALID_ARG);
    CHECK_OK(crm_custom_field_retire(admin, "custom.decision_maker_info"));
    CHECK_OK(crm_custom_field_retire(admin, "decision_maker_info")); /* twice: CRM_OK */

    f = field_row(admin, "custom.decision_maker_info", 0);
    CHECK(f.found == 0, "retired fields are not listed without include_retired");
    f = field_row(admin, "custom.decision_maker_info", 1);
    CHECK(f.found == 1 && f.retired == 1, "retired field listed with include_retired: found %d, "
          "retired %" PRId64, f.found, f.retired);
    CHECK(strcmp(field_names(admin, 0),
                 "custom.budget custom.budget_range custom.annual_orders custom.contract_due "
                 "custom.is_listed custom.exchange_rate") == 0,
          "active fields: [%s]", field_names(admin, 0));

    /* Values are still read. */
    c = get_customer(rep, a);
    EXPECT_TEXT(c, "custom.decision_maker_info", "总经理王建国拍板", "a retired field's value");
    crm_record_free(c);

    /* New values are refused; nothing else of the update is written. */
    v0 = version_of(rep, a);
    bad = new_record();
    set_text(bad, "custom.decision_maker_info", "总经理李娜拍板");
    set_text(bad, "key_needs", "增加两台加工中心");
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "a new value of a retired field",
                   "custom.decision_maker_info", "retired_field");
    crm_record_free(bad);
    bad = new_record();
    crm_record_set_null(bad, "custom.decision_maker_info");
    EXPECT_INVALID(crm_customer_update(rep, a, bad, NULL), "clearing a retired field",
                   "custom.decision_maker_info", "retired_field");
    crm_record_free(bad);
    bad = new_record();
    set_text(bad, "custom.decision_maker_info", "董事长决策");
    EXPECT_INVALID(crm_customer_update(rep, b, bad, NULL),
                   "a retired field set where it had no value", "custom.decision_maker_info",
                   "retired_field");
    crm_record_free(bad);
    bad = base_form("南京泰安光电科技有限公司");
    set_text(bad, "custom.decision_maker_info", "董事长决策");
    {
      int64_t before = count_all(rep);
      EXPECT_INVALID(crm_customer_create(rep, bad, NULL), "a create with a retired field",
                     "custom.decision_maker_info", "retired_field");
      CHECK(count_all(rep) == before, "a refused create wrote a customer");
    }
    crm_record_free(bad);
    CHECK(version_of(rep, a) == v0, "refused updates changed the version: %" PRId64 " -> %" PRId64,
          v0, version_of(rep, a));

    /* Writing back the record read, or the same value, is accepted. */
    c = get_customer(rep, a);
    set_text(c, "key_needs", "增加两台加工中心");
    CHECK_OK(crm_customer_update(rep, a, c, NULL));
    crm_record_free(c);
    UPDATE_TEXT(rep, a, "custom.decision_maker_info", "总经理王建国拍板");
    c = get_customer(rep, a);
    EXPECT_TEXT(c, "custom.decision_maker_info", "总经理王建国拍板", "after writing back");
    EXPECT_TEXT(c, "key_needs", "增加两台加工中心", "the other change of the write-back");
    crm_record_free(c);

    /* Still filtered and sorted on. */
    flt[0].field = "custom.decision_maker_info";
    flt[0].op = "contains";
    flt[0].value = "决策";
    q.filters = flt;
    q.filter_count = 1;
    CHECK_OK(crm_customer_count(rep, &q, &n));
    CHECK(n == 1, "contains 决策 on a retired field: %" PRId64 " customers, expected 1", n);
    flt[0].op = "not_null";
    CHECK_OK(crm_customer_count(rep, &q, &n));
    CHECK(n == 2, "not_null on a retired field: %" PRId64 " customers, expected 2", n);
    q.filter_count = 0;
    q.sort = "-custom.decision_maker_info";
    CHECK_OK(crm_customer_list(rep, &q, &cur));
    {
      char got[128] = "";
      while (cur && crm_cursor_next(cur, &row) == CRM_OK) {
        strcat(got, rtext(row, "id"));
        strcat(got, " ");
      }
      crm_cursor_close(cur);
      cur = NULL;
      {
        char want[128];
        /* "董…" (U+8463) sorts after "总…" (U+603B) descending, b has none */
        snprintf(want, sizeof want, "%s %s %s ", e, a, b);
        CHECK(strcmp(got, want) == 0, "sorted on a retired field: %s, expected %s", got, want);
      }
    }

    /* Its name stays taken. */
    {
      crm_custom_field d = CRM_CUSTOM_FIELD_INIT;
      d.name = "decision_maker_info";
      d.type = "text";
      d.label_zh = "关键决策人";
      DEFINE_FAILS(admin, admin, &d, CRM_ERR_CONFLICT, "the name of a retired field");
    }
  }

  section("required custom fields");
  {
    crm_custom_field d = CRM_CUSTOM_FIELD_INIT;
    crm_record *bad;
    char g[16];
    int64_t before;
    d.name = "tax_id";
    d.type = "text";
    d.label_zh = "统一社会信用代码";
    d.label_en = "Unified social credit code";
    d.required = 1;
    d.max_chars = 18;
    DEFINE_OK(admin, &d);
    /* Older customers are not made invalid: they can still change. */
    UPDATE_TEXT(rep, b, "key_needs", "采购SMT贴片生产线");
    c = get_customer(rep, b);
    EXPECT_NULL(c, "custom.tax_id", "an older customer");
    crm_record_free(c);
    /* New customers must have a value. */
    before = count_all(rep);
    bad = base_form("合肥德盛种业集团有限公司");
    EXPECT_INVALID(crm_customer_create(rep, bad, NULL), "a create without the required field",
                   "custom.tax_id", "required");
    set_text(bad, "custom.tax_id", "   ");
    EXPECT_INVALID(crm_customer_create(rep, bad, NULL), "a blank required field",
                   "custom.tax_id", "required");
    crm_record_set_null(bad, "custom.tax_id");
    set_text(bad, "custom.budget", "abc");
    EXPECT_INVALID(crm_customer_create(rep, bad, NULL), "a NULL required field and a bad budget",
                   "custom.tax_id", "required", "custom.budget", "invalid_number");
    CHECK(count_all(rep) == before, "refused creates wrote a customer");
    set_text(bad, "custom.tax_id", "91340100MA2N0XYZ1K");
    crm_record_unset(bad, "custom.budget");
    CREATE_OK(rep, bad, g, "a create with the required field");
    crm_record_free(bad);
    /* No customer's value can be cleared. */
    v0 = version_of(rep, g);
    bad = new_record();
    crm_record_set_null(bad, "custom.tax_id");
    EXPECT_INVALID(crm_customer_update(rep, g, bad, NULL), "clearing a required field",
                   "custom.tax_id", "required");
    crm_record_free(bad);
    CHECK(version_of(rep, g) == v0, "a refused clear changed the version");
    c = get_customer(rep, g);
    EXPECT_TEXT(c, "custom.tax_id", "91340100MA2N0XYZ1K", "after a refused clear");
    crm_record_free(c);
    /* Retired, it is no longer required. */
    CHECK_OK(crm_custom_field_retire(admin, "tax_id"));
    bad = base_form("广州市嘉通信息技术有限公司");
    CREATE_OK(rep, bad, g, "a create once the required field is retired");
    crm_record_free(bad);
  }

  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Filters and sort                                                         */
/* ------------------------------------------------------------------------ */

#define NCUST 8
static char g_ids[NCUST + 4][16]; /* the customers of the list tests, by index */
static int g_nids = 0;

/* "2 0 3" for a list of ids, by their index in g_ids ("?C0099" if unknown). */
static const char *index_of(const char *id) {
  static char buf[32];
  int k;
  for (k = 0; k < g_nids; k++)
    if (strcmp(g_ids[k], id) == 0) {
      snprintf(buf, sizeof buf, "%d", k);
      return buf;
    }
  snprintf(buf, sizeof buf, "?%s", id);
  return buf;
}

/* Appends each row's index to a list and counts rows seen twice. */
typedef struct {
  char *out;
  size_t cap, used;
  char seen[64][16];
  int nseen, dups;
} IndexList;

static void append_index(const crm_record *row, void *ctx) {
  IndexList *l = (IndexList *)ctx;
  const char *id = rtext(row, "id");
  int k;
  for (k = 0; k < l->nseen; k++)
    if (strcmp(l->seen[k], id) == 0) ++l->dups;
  if (l->nseen < 64) snprintf(l->seen[l->nseen++], sizeof l->seen[0], "%s", id);
  if (l->used < l->cap)
    l->used += (size_t)snprintf(l->out + l->used, l->cap - l->used, "%s%s", l->used ? " " : "",
                                index_of(id));
}

/* Lists every page of `base`; writes the indexes of the rows to `out` as
 * "2 0 3".  Returns the number of pages (-1 on error), and sets *dups to
 * the number of rows seen twice. */
static int list_pages(crm_session *s, const crm_customer_query *base, char *out, size_t cap,
                      int *dups) {
  IndexList l;
  int pages;
  memset(&l, 0, sizeof l);
  l.out = out;
  l.cap = cap;
  out[0] = '\0';
  pages = walk_customer_pages(s, base, append_index, &l, out, cap);
  *dups = l.dups;
  return pages;
}

/* The query must list exactly `want` ("2 0 3", "" for none), in that order,
 * in pages of q->page_size without duplicates, and count as many. */
static void expect_list_at(crm_session *s, const crm_customer_query *q, const char *want,
                           const char *what, int line) {
  char got[512], expected[640];
  int n = 0, pages, dups = 0, want_pages, per = q->page_size > 0 ? q->page_size : 50, rc;
  int64_t count = -1;
  const char *p;
  for (p = want; *p; p++)
    if ((p == want || p[-1] == ' ') && *p != ' ') n++;
  want_pages = n == 0 ? 1 : (n + per - 1) / per;
  pages = list_pages(s, q, got, sizeof got, &dups);
  snprintf(expected, sizeof expected, "%s lists [%s]", what, want);
  check_at(strcmp(got, want) == 0, __FILE__, line, expected, "listed [%s]", got);
  snprintf(expected, sizeof expected, "%s: %d row(s) in %d page(s) of %d, none twice", what, n,
           want_pages, per);
  check_at(pages == want_pages && dups == 0, __FILE__, line, expected,
           "%d page(s), %d duplicate(s)", pages, dups);
  rc = crm_customer_count(s, q, &count);
  snprintf(expected, sizeof expected, "%s: crm_customer_count gives %d", what, n);
  check_at(rc == CRM_OK && count == n, __FILE__, line, expected, "%s, %" PRId64, sname(rc),
           count);
}
#define EXPECT_LIST(s, q, want, what) expect_list_at((s), (q), (want), (what), __LINE__)

/* One filter, listed in pages of 2 in id order. */
static void expect_filter_at(crm_session *s, const char *field, const char *op, const char *value,
                             const char *want, int line) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_field_filter f;
  char what[256];
  f.field = field;
  f.op = op;
  f.value = value;
  q.filters = &f;
  q.filter_count = 1;
  q.page_size = 2;
  snprintf(what, sizeof what, "filter %s %s %s", field, op, value ? value : "(NULL)");
  expect_list_at(s, &q, want, what, line);
}
#define EXPECT_FILTER(s, field, op, value, want) \
  expect_filter_at((s), (field), (op), (value), (want), __LINE__)

/* A refused query: list and count both fail with `want`. */
static void expect_refused_at(crm_session *s, const crm_customer_query *q, int want,
                              const char *what, int line) {
  crm_cursor *c = NULL;
  int64_t n = -7;
  char expected[256];
  int rc = crm_customer_list(s, q, &c);
  snprintf(expected, sizeof expected, "%s: crm_customer_list returns %s", what, sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
  check_at(c == NULL, __FILE__, line, "a refused list returns no cursor", "%s: a cursor", what);
  crm_cursor_close(c);
  rc = crm_customer_count(s, q, &n);
  snprintf(expected, sizeof expected, "%s: crm_customer_count returns %s", what, sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
}
#define EXPECT_REFUSED(s, q, want, what) expect_refused_at((s), (q), (want), (what), __LINE__)

static void expect_bad_filter_at(crm_session *s, const char *field, const char *op,
                                 const char *value, int line) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_field_filter f;
  char what[256];
  f.field = field;
  f.op = op;
  f.value = value;
  q.filters = &f;
  q.filter_count = 1;
  snprintf(what, sizeof what, "filter %s %s %s", field ? field : "(NULL)", op ? op : "(NULL)",
           value ? value : "(NULL)");
  expect_refused_at(s, &q, CRM_ERR_INVALID_ARG, what, line);
}
#define EXPECT_BAD_FILTER(s, field, op, value) \
  expect_bad_filter_at((s), (field), (op), (value), __LINE__)

/* The list test's customers.  Created at T0 + i s (6 and 7 at the same
 * instant), entry_date 2026-11-(20-i); 1 and 5 belong to the sales user. */
static const struct {
  const char *name, *phone, *email, *industry;
  const char *budget, *range, *orders, *due, *listed, *note;
} kCust[NCUST] = {
    {"杭州恒达精密机械有限公司", "13812345678", NULL, "制造业", "35.5", "50万以下", "5",
     "2027-03-31", "0", "总经理王建国拍板"},
    {"苏州纳微科技股份有限公司", "13912345678", "purchase@nawei-tech.com", "electronics", "120",
     "50-200万", "12", "2027-06-30", "1", "采购总监李娜负责"},
    {"上海云启信息技术有限公司", "021-62345678", NULL, "software", "9.5", "50万以下", "3",
     "2026-12-31", "0", NULL},
    {"宁波盈朗家纺有限公司", "0574-88928471", "xuchunyan@yinglang.cn", "textiles", "45",
     "50万以下", NULL, NULL, NULL, "董事长徐春燕决策"},
    {"南京泰安光电科技有限公司", "13800138000", NULL, "electronics", NULL, NULL, "7",
     "2027-01-15", "1", NULL},
    {"深圳市鼎新软件技术有限公司", "13912340000", "dingxin@dx-soft.cn", "software", "260",
     "200万以上", "20", "2027-03-31", "0", "总经理拍板"},
    {"合肥德盛种业集团有限公司", "13712345678", NULL, "agriculture", NULL, NULL, NULL, NULL, NULL,
     NULL},
    {"广州市嘉通信息技术有限公司", "020-83001234", "jt@jiatong-it.com", "software", "80",
     "50-200万", "1", "2027-09-01", "1", "技术总监把关"},
};

static void create_list_customers(crm_db *db, crm_session *admin, int64_t rep_id) {
  int i;
  for (i = 0; i < NCUST; i++) {
    crm_record *r = base_form(kCust[i].name);
    char date[16], what[64];
    snprintf(date, sizeof date, "2026-11-%02d", 20 - i);
    set_text(r, "phone", kCust[i].phone);
    if (kCust[i].email) set_text(r, "email", kCust[i].email);
    set_text(r, "industry", kCust[i].industry);
    set_text(r, "entry_date", date);
    if (i == 1 || i == 5) set_int(r, "owner", rep_id);
    if (kCust[i].budget) set_text(r, "custom.budget", kCust[i].budget);
    if (kCust[i].range) set_text(r, "custom.budget_range", kCust[i].range);
    if (kCust[i].orders) set_text(r, "custom.annual_orders", kCust[i].orders);
    if (kCust[i].due) set_text(r, "custom.contract_due", kCust[i].due);
    if (kCust[i].listed) set_text(r, "custom.is_listed", kCust[i].listed);
    if (kCust[i].note) set_text(r, "custom.decision_maker_info", kCust[i].note);
    CHECK_OK(crm_db_clock_fixed(db, T0 + 1000 * (i == 7 ? 6 : i)));
    snprintf(what, sizeof what, "list customer %d", i);
    CREATE_OK(admin, r, g_ids[i], what);
    crm_record_free(r);
  }
  g_nids = NCUST;
}

static void test_filters(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  int64_t rep_id;
  char owner[32], created[32];
  section("field filters");
  if (!open_db("filters", T0, &db, &admin)) return;
  rep_id = add_user(admin, "lin.hao", "林浩", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  define_standard_fields(admin);
  create_list_customers(db, admin, rep_id);

  /* The administrator sees every customer (R3.1), so the filters below are
   * checked on all eight; a sales user's filters only see their own. */
  EXPECT_FILTER(rep, "custom.budget", ">", "45", "1 5");
  EXPECT_FILTER(rep, "custom.budget_range", "=", "50万以下", "");
  EXPECT_FILTER(rep, "industry", "=", "software", "5");
  /* Rows are masked, but filters compare the stored clear values (R3.6). */
  EXPECT_FILTER(rep, "phone", "=", "+86 139-1234-5678", "1");
  EXPECT_FILTER(rep, "email", "=", "purchase@nawei-tech.com", "1");
  EXPECT_FILTER(rep, "email", "contains", "nawei", "1");
  {
    int64_t n = -1;
    CHECK_OK(crm_customer_count(rep, NULL, &n));
    CHECK(n == 2, "a sales user counts %" PRId64 " customers, expected their own 2", n);
  }

  /* "=" on custom fields of every type. */
  EXPECT_FILTER(admin, "custom.budget_range", "=", "50万以下", "0 2 3");
  EXPECT_FILTER(admin, "custom.budget", "=", "45", "3");
  EXPECT_FILTER(admin, "custom.budget", "=", "35.5", "0");
  EXPECT_FILTER(admin, "custom.budget", "=", "35.50", "0");
  EXPECT_FILTER(admin, "custom.annual_orders", "=", "12", "1");
  EXPECT_FILTER(admin, "custom.contract_due", "=", "2027-03-31", "0 5");
  EXPECT_FILTER(admin, "custom.is_listed", "=", "1", "1 4 7");
  EXPECT_FILTER(admin, "custom.is_listed", "=", "是", "1 4 7");
  EXPECT_FILTER(admin, "custom.is_listed", "=", "false", "0 2 5");
  EXPECT_FILTER(admin, "custom.decision_maker_info", "=", "总经理拍板", "5");

  /* "!=" also matches customers without a value. */
  EXPECT_FILTER(admin, "custom.budget_range", "!=", "50万以下", "1 4 5 6 7");
  EXPECT_FILTER(admin, "custom.annual_orders", "!=", "5", "1 2 3 4 5 6 7");
  EXPECT_FILTER(admin, "custom.is_listed", "!=", "1", "0 2 3 5 6");
  EXPECT_FILTER(admin, "custom.budget", "!=", "45.00", "0 1 2 4 5 6 7");

  /* Order comparisons: decimals compare as numbers (9.5 < 45 < 120). */
  EXPECT_FILTER(admin, "custom.budget", "<", "45", "0 2");
  EXPECT_FILTER(admin, "custom.budget", "<=", "45", "0 2 3");
  EXPECT_FILTER(admin, "custom.budget", ">", "45", "1 5 7");
  EXPECT_FILTER(admin, "custom.budget", ">=", "80", "1 5 7");
  EXPECT_FILTER(admin, "custom.budget", ">", "100", "1 5");
  EXPECT_FILTER(admin, "custom.budget", "<", "10", "2");
  EXPECT_FILTER(admin, "custom.annual_orders", ">=", "5", "0 1 4 5");
  EXPECT_FILTER(admin, "custom.annual_orders", "<", "5", "2 7");
  EXPECT_FILTER(admin, "custom.annual_orders", "<=", "3", "2 7");
  EXPECT_FILTER(admin, "custom.annual_orders", ">", "12", "5");
  EXPECT_FILTER(admin, "custom.contract_due", "<", "2027-03-31", "2 4");
  EXPECT_FILTER(admin, "custom.contract_due", ">=", "2027-03-31", "0 1 5 7");
  EXPECT_FILTER(admin, "custom.contract_due", "<=", "2027-01-15", "2 4");
  EXPECT_FILTER(admin, "custom.contract_due", ">", "2027-06-30", "7");

  /* null / not_null (the value is ignored). */
  EXPECT_FILTER(admin, "custom.budget", "null", NULL, "4 6");
  EXPECT_FILTER(admin, "custom.budget", "not_null", NULL, "0 1 2 3 5 7");
  EXPECT_FILTER(admin, "custom.decision_maker_info", "null", "ignored", "2 4 6");
  EXPECT_FILTER(admin, "custom.is_listed", "not_null", "", "0 1 2 4 5 7");
  EXPECT_FILTER(admin, "custom.budget_range", "null", NULL, "4 6");

  /* contains on text. */
  EXPECT_FILTER(admin, "custom.decision_maker_info", "contains", "总经理", "0 5");
  EXPECT_FILTER(admin, "custom.decision_maker_info", "contains", "决策", "3");
  EXPECT_FILTER(admin, "custom.decision_maker_info", "contains", "CFO", "");

  /* Built-in fields. */
  EXPECT_FILTER(admin, "industry", "=", "software", "2 5 7");
  EXPECT_FILTER(admin, "industry", "=", "制造业", "0");
  EXPECT_FILTER(admin, "industry", "!=", "software", "0 1 3 4 6");
  EXPECT_FILTER(admin, "email", "null", NULL, "0 2 4 6");
  EXPECT_FILTER(admin, "email", "not_null", NULL, "1 3 5 7");
  EXPECT_FILTER(admin, "email", "!=", "purchase@nawei-tech.com", "0 2 3 4 5 6 7");
  EXPECT_FILTER(admin, "email", "=", "purchase@nawei-tech.com", "1");
  EXPECT_FILTER(admin, "email", "contains", "nawei", "1");
  EXPECT_FILTER(admin, "name", "contains", "科技", "1 4");
  EXPECT_FILTER(admin, "key_needs", "contains", "加工中心", "0 1 2 3 4 5 6 7");
  EXPECT_FILTER(admin, "phone", "=", "138 1234 5678", "0");
  EXPECT_FILTER(admin, "phone", "=", "+86 139-1234-5678", "1");
  EXPECT_FILTER(admin, "phone", "=", "+8613912345678", "1");
  EXPECT_FILTER(admin, "phone", "=", "021 6234 5678", "2");
  EXPECT_FILTER(admin, "phone", "=", "０５７４－８８９２８４７１", "3");
  EXPECT_FILTER(admin, "phone", "!=", "021-62345678", "0 1 3 4 5 6 7");
  EXPECT_FILTER(admin, "entry_date", "<", "2026-11-15", "6 7");
  EXPECT_FILTER(admin, "entry_date", ">=", "2026-11-18", "0 1 2");
  EXPECT_FILTER(admin, "entry_date", "=", "2026-11-17", "3");
  EXPECT_FILTER(admin, "entry_date", "<=", "2026-11-14", "6 7");
  EXPECT_FILTER(admin, "entry_date", ">", "2026-11-19", "0");
  snprintf(created, sizeof created, "%" PRId64, T0 + 4000);
  EXPECT_FILTER(admin, "created_at", ">=", created, "4 5 6 7");
  EXPECT_FILTER(admin, "created_at", "<", created, "0 1 2 3");
  snprintf(owner, sizeof owner, "%" PRId64, rep_id);
  EXPECT_FILTER(admin, "owner", "=", owner, "1 5");
  EXPECT_FILTER(admin, "owner", "!=", owner, "0 2 3 4 6 7");
  EXPECT_FILTER(admin, "id", "=", g_ids[2], "2");
  EXPECT_FILTER(admin, "priority", "=", "高", "0 1 2 3 4 5 6 7");
  EXPECT_FILTER(admin, "type", "=", "意向客户", "");

  /* Several filters: all must hold; with the 0.2 list-view filters too. */
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    crm_field_filter f[3];
    f[0].field = "industry";
    f[0].op = "=";
    f[0].value = "software";
    f[1].field = "custom.budget";
    f[1].op = ">";
    f[1].value = "50";
    f[2].field = "custom.is_listed";
    f[2].op = "=";
    f[2].value = "0";
    q.filters = f;
    q.page_size = 2;
    q.filter_count = 2;
    EXPECT_LIST(admin, &q, "5 7", "software and budget > 50");
    q.filter_count = 3;
    EXPECT_LIST(admin, &q, "5", "software, budget > 50, not listed");
    q.filter_count = 2;
    q.owner = rep_id;
    EXPECT_LIST(admin, &q, "5", "software and budget > 50, owner lin.hao");
    q.owner = 0;
    q.filter_count = 1;
    q.name_contains = "信息技术";
    EXPECT_LIST(admin, &q, "2 7", "software, name contains 信息技术");
    q.name_contains = NULL;
    q.industry = "electronics";
    q.filters = f + 1;
    EXPECT_LIST(admin, &q, "1", "industry electronics (0.2) and budget > 50");
    q.industry = NULL;
    q.created_from_ms = T0 + 2000;
    q.created_to_ms = T0 + 6000;
    EXPECT_LIST(admin, &q, "5", "created in [T0+2s, T0+6s) and budget > 50");
    q.created_from_ms = 0;
    q.created_to_ms = 0;
    /* 16 conditions are allowed, 17 are not. */
    {
      crm_field_filter many[17];
      int k;
      for (k = 0; k < 17; k++) {
        many[k].field = "custom.budget";
        many[k].op = "not_null";
        many[k].value = NULL;
      }
      q.filters = many;
      q.filter_count = 16;
      EXPECT_LIST(admin, &q, "0 1 2 3 5 7", "16 conditions");
      q.filter_count = 17;
      EXPECT_REFUSED(rep, &q, CRM_ERR_INVALID_ARG, "17 conditions");
    }
    /* filter_count 0: the array is not read. */
    q.filters = f;
    f[0].field = "no_such_field";
    q.filter_count = 0;
    EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "filter_count 0 with a bad filter in the array");
  }

  /* Filters see changes at once. */
  UPDATE_TEXT(admin, g_ids[6], "custom.budget", "1.5");
  EXPECT_FILTER(admin, "custom.budget", "<", "10", "2 6");
  UPDATE_TEXT(admin, g_ids[6], "custom.budget", NULL);
  EXPECT_FILTER(admin, "custom.budget", "null", NULL, "4 6");

  /* crm_customer_count with and without filters. */
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    crm_field_filter f;
    int64_t n = -1;
    f.field = "custom.budget_range";
    f.op = "=";
    f.value = "50-200万";
    q.filters = &f;
    q.filter_count = 1;
    q.page_size = 1; /* ignored */
    q.after = "not a token"; /* ignored */
    CHECK_OK(crm_customer_count(admin, &q, &n));
    CHECK(n == 2, "count of budget_range = 50-200万: %" PRId64 ", expected 2", n);
    CHECK_OK(crm_customer_count(admin, NULL, &n));
    CHECK(n == NCUST, "count of everyone: %" PRId64, n);
    CHECK_OK(crm_customer_archive(admin, g_ids[7], "重复录入"));
    q.after = NULL;
    CHECK_OK(crm_customer_count(admin, &q, &n));
    CHECK(n == 1, "archived customers are not counted: %" PRId64 ", expected 1", n);
    q.include_archived = 1;
    CHECK_OK(crm_customer_count(admin, &q, &n));
    CHECK(n == 2, "include_archived counts them: %" PRId64 ", expected 2", n);
    EXPECT_FILTER(admin, "custom.budget_range", "=", "50-200万", "1");
  }

  /* Refused filters. */
  EXPECT_BAD_FILTER(rep, "custom.no_such_field", "=", "1");
  EXPECT_BAD_FILTER(rep, "no_such_field", "=", "1");
  EXPECT_BAD_FILTER(rep, "phone_display", "=", "138 1234 5678");
  EXPECT_BAD_FILTER(rep, "custom.budget", "==", "45");
  EXPECT_BAD_FILTER(rep, "custom.budget", "like", "45");
  EXPECT_BAD_FILTER(rep, "custom.budget", "", "45");
  EXPECT_BAD_FILTER(rep, "custom.budget", "NULL", NULL);
  EXPECT_BAD_FILTER(rep, "custom.budget_range", "<", "50-200万");
  EXPECT_BAD_FILTER(rep, "custom.budget_range", ">=", "50万以下");
  EXPECT_BAD_FILTER(rep, "industry", "<", "software");
  EXPECT_BAD_FILTER(rep, "custom.budget_range", "=", "一千万");
  EXPECT_BAD_FILTER(rep, "industry", "=", "不存在的行业");
  EXPECT_BAD_FILTER(rep, "custom.budget", ">", "abc");
  EXPECT_BAD_FILTER(rep, "custom.budget", "=", "35.555");
  EXPECT_BAD_FILTER(rep, "custom.contract_due", "<", "2027-13-01");
  EXPECT_BAD_FILTER(rep, "custom.contract_due", "=", "明年");
  EXPECT_BAD_FILTER(rep, "custom.is_listed", "=", "maybe");
  EXPECT_BAD_FILTER(rep, "entry_date", ">", "2026-02-30");
  EXPECT_BAD_FILTER(rep, "phone", "=", "12345");
  EXPECT_BAD_FILTER(rep, "custom.budget", "contains", "45");
  EXPECT_BAD_FILTER(rep, NULL, "=", "1");
  EXPECT_BAD_FILTER(rep, "custom.budget", NULL, "1");
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    crm_field_filter f;
    f.field = "custom.budget";
    f.op = "not_null";
    f.value = NULL;
    q.filters = &f;
    q.filter_count = -1;
    EXPECT_REFUSED(rep, &q, CRM_ERR_INVALID_ARG, "filter_count -1");
    q.filter_count = INT32_MIN;
    EXPECT_REFUSED(rep, &q, CRM_ERR_INVALID_ARG, "filter_count INT32_MIN");
    q.filters = NULL;
    q.filter_count = 1;
    EXPECT_REFUSED(rep, &q, CRM_ERR_INVALID_ARG, "filter_count 1 with a NULL array");
  }

  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* The order of `n` indexes by name (strcmp), ascending or descending. */
static const char *by_name(int descending) {
  static char buf[64];
  int order[NCUST], i, j;
  size_t used = 0;
  for (i = 0; i < NCUST; i++) order[i] = i;
  for (i = 1; i < NCUST; i++)
    for (j = i; j > 0; j--) {
      int c = strcmp(kCust[order[j - 1]].name, kCust[order[j]].name);
      if (descending ? c < 0 : c > 0) {
        int t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
    }
  buf[0] = '\0';
  for (i = 0; i < NCUST; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%d", i ? " " : "", order[i]);
  return buf;
}

static void test_sort(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_cursor *c = NULL;
  const char *next = NULL;
  char token[256], asc[64], desc[64];
  int i;
  static const int touched[4] = {3, 0, 6, 1};
  section("sort and paging");
  if (!open_db("sort", T0, &db, &admin)) return;
  define_standard_fields(admin);
  create_list_customers(db, admin, 1);
  /* Changed later, in this order: updated_at differs from the id order. */
  for (i = 0; i < 4; i++) {
    CHECK_OK(crm_db_clock_fixed(db, T0 + 100000 + 1000 * i));
    UPDATE_TEXT(admin, g_ids[touched[i]], "key_needs", "需求已复核");
  }

  q.page_size = 2;
  EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "default order (id)");
  q.sort = "id";
  EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "sort id");
  q.sort = "-id";
  EXPECT_LIST(admin, &q, "7 6 5 4 3 2 1 0", "sort -id");
  snprintf(asc, sizeof asc, "%s", by_name(0));
  snprintf(desc, sizeof desc, "%s", by_name(1));
  q.sort = "name";
  EXPECT_LIST(admin, &q, asc, "sort name");
  q.sort = "-name";
  EXPECT_LIST(admin, &q, desc, "sort -name");
  q.sort = "created_at"; /* 6 and 7 were created at the same instant: by id */
  EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "sort created_at");
  q.sort = "entry_date";
  EXPECT_LIST(admin, &q, "7 6 5 4 3 2 1 0", "sort entry_date");
  q.sort = "-entry_date";
  EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "sort -entry_date");
  q.sort = "-updated_at";
  EXPECT_LIST(admin, &q, "1 6 0 3 7 5 4 2", "sort -updated_at");
  q.sort = "updated_at";
  EXPECT_LIST(admin, &q, "2 4 5 7 3 0 6 1", "sort updated_at");
  q.sort = "custom.budget"; /* numerically; 4 and 6 have none: last, by id */
  EXPECT_LIST(admin, &q, "2 0 3 7 1 5 4 6", "sort custom.budget");
  q.sort = "-custom.budget";
  EXPECT_LIST(admin, &q, "5 1 7 3 0 2 4 6", "sort -custom.budget");
  q.page_size = 3;
  EXPECT_LIST(admin, &q, "5 1 7 3 0 2 4 6", "sort -custom.budget, 3 per page");
  q.page_size = 1;
  EXPECT_LIST(admin, &q, "5 1 7 3 0 2 4 6", "sort -custom.budget, 1 per page");
  q.page_size = 0;
  EXPECT_LIST(admin, &q, "5 1 7 3 0 2 4 6", "sort -custom.budget, one page");
  q.page_size = 2;
  q.sort = "custom.contract_due"; /* 0 and 5 share 2027-03-31: by id */
  EXPECT_LIST(admin, &q, "2 4 0 5 1 7 3 6", "sort custom.contract_due");
  q.sort = "custom.annual_orders";
  EXPECT_LIST(admin, &q, "7 2 0 4 1 5 3 6", "sort custom.annual_orders");
  q.sort = "-custom.annual_orders";
  EXPECT_LIST(admin, &q, "5 1 4 0 2 7 3 6", "sort -custom.annual_orders");

  /* Sort with filters. */
  {
    crm_field_filter f;
    f.field = "industry";
    f.op = "=";
    f.value = "software";
    q.filters = &f;
    q.filter_count = 1;
    q.sort = "-custom.budget";
    EXPECT_LIST(admin, &q, "5 7 2", "software by -custom.budget");
    f.field = "custom.budget";
    f.op = ">=";
    f.value = "45";
    q.sort = "name";
    {
      char want[64] = "";
      const char *p;
      /* the names order restricted to 1 3 5 7 */
      for (p = asc; *p; p++)
        if (*p == '1' || *p == '3' || *p == '5' || *p == '7') {
          size_t len = strlen(want);
          if (len) want[len++] = ' ';
          want[len] = *p;
          want[len + 1] = '\0';
        }
      EXPECT_LIST(admin, &q, want, "budget >= 45 by name");
    }
    q.filters = NULL;
    q.filter_count = 0;
  }

  /* Unsortable orders. */
  {
    static const char *const bad[] = {"phone", "email", "industry", "custom.no_such_field",
                                      "budget", "--name", "name ", "NAME", "-custom.nope"};
    size_t k;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
      char what[64];
      q.sort = bad[k];
      snprintf(what, sizeof what, "sort \"%s\"", bad[k]);
      {
        crm_cursor *cc = NULL;
        int rc = crm_customer_list(admin, &q, &cc);
        char expected[128];
        snprintf(expected, sizeof expected, "%s: crm_customer_list returns CRM_ERR_INVALID_ARG",
                 what);
        check_fail_at(rc, CRM_ERR_INVALID_ARG, expected, __FILE__, __LINE__);
        CHECK(cc == NULL, "%s: a refused list returned a cursor", what);
        crm_cursor_close(cc);
      }
    }
  }

  /* A token belongs to its order and filters. */
  {
    crm_customer_query r;
    crm_field_filter f, g;
    q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
    q.page_size = 2;
    q.sort = "custom.budget";
    CHECK_OK(crm_customer_list(admin, &q, &c));
    CHECK_OK(crm_cursor_next_page(c, &next));
    CHECK(next != NULL, "sort custom.budget in pages of 2 has a second page");
    snprintf(token, sizeof token, "%s", next ? next : "");
    crm_cursor_close(c);
    c = NULL;
    q.after = token;
    CHECK_OK(crm_customer_list(admin, &q, &c)); /* its own query: fine */
    crm_cursor_close(c);
    c = NULL;
    r = q;
    {
      crm_cursor *cc = NULL;
      r.sort = "-custom.budget";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      CHECK(cc == NULL, "a refused list returned a cursor");
      r.sort = NULL;
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      CHECK(cc == NULL, "a refused list returned a cursor");
      r.sort = "name";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r.sort = "custom.annual_orders";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r = q;
      f.field = "custom.budget";
      f.op = "not_null";
      f.value = NULL;
      r.filters = &f;
      r.filter_count = 1;
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      CHECK(cc == NULL, "a refused list returned a cursor");

      /* A token made with filters: other filters or values are refused. */
      q.after = NULL;
      f.field = "custom.budget";
      f.op = ">";
      f.value = "5";
      q.filters = &f;
      q.filter_count = 1;
      CHECK_OK(crm_customer_list(admin, &q, &c));
      CHECK_OK(crm_cursor_next_page(c, &next));
      CHECK(next != NULL, "budget > 5 in pages of 2 has a second page");
      snprintf(token, sizeof token, "%s", next ? next : "");
      crm_cursor_close(c);
      c = NULL;
      q.after = token;
      CHECK_OK(crm_customer_list(admin, &q, &c));
      crm_cursor_close(c);
      c = NULL;
      r = q;
      g = f;
      g.value = "6";
      r.filters = &g;
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      g = f;
      g.op = ">=";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      g = f;
      g.field = "custom.annual_orders";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r = q;
      r.filter_count = 0;
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r = q;
      r.page_size = 3;
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r = q;
      r.after = "p2.0.1.i5.0000000000000000";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      r.after = "garbage";
      CHECK_FAIL(crm_customer_list(admin, &r, &cc), CRM_ERR_INVALID_ARG);
      CHECK(cc == NULL, "a refused list returned a cursor");
      /* the same filter from another array */
      r = q;
      g = f;
      r.filters = &g;
      CHECK_OK(crm_customer_list(admin, &r, &c));
      crm_cursor_close(c);
      c = NULL;
    }
  }

  /* Stable under inserts between pages. */
  {
    char seen[512] = "", first[64] = "";
    int pages = 0, rows = 0, dups = 0;
    crm_record *r1, *r2;
    q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
    q.page_size = 2;
    q.sort = "custom.budget";
    CHECK_OK(crm_customer_list(admin, &q, &c));
    {
      const crm_record *row = NULL;
      while (c && crm_cursor_next(c, &row) == CRM_OK) {
        strcat(first, index_of(rtext(row, "id")));
        strcat(first, " ");
      }
    }
    CHECK_OK(crm_cursor_next_page(c, &next));
    snprintf(token, sizeof token, "%s", next ? next : "");
    crm_cursor_close(c);
    c = NULL;
    CHECK(strcmp(first, "2 0 ") == 0, "first page by budget: %s", first);
    /* One that sorts before the position (not seen), one after it (seen). */
    CHECK_OK(crm_db_clock_fixed(db, T0 + 200000));
    r1 = base_form("成都天府云数据科技有限公司");
    set_text(r1, "custom.budget", "1");
    CREATE_OK(admin, r1, g_ids[8], "an insert before the position");
    r2 = base_form("武汉光谷激光设备有限公司");
    set_text(r2, "custom.budget", "100");
    CREATE_OK(admin, r2, g_ids[9], "an insert after the position");
    g_nids = 10;
    crm_record_free(r1);
    crm_record_free(r2);
    q.after = token;
    {
      crm_customer_query p = q;
      char tok[256];
      for (;;) {
        const crm_record *row = NULL;
        const char *nx = NULL;
        if (crm_customer_list(admin, &p, &c) != CRM_OK) {
          CHECK(0, "a page after the inserts: %s", crm_errmsg());
          break;
        }
        pages++;
        while (crm_cursor_next(c, &row) == CRM_OK) {
          const char *ix = index_of(rtext(row, "id"));
          char pat[48];
          snprintf(pat, sizeof pat, " %s ", ix);
          {
            char padded[520];
            snprintf(padded, sizeof padded, " %s", seen);
            if (strstr(padded, pat)) dups++;
          }
          strcat(seen, ix);
          strcat(seen, " ");
          rows++;
        }
        crm_cursor_next_page(c, &nx);
        if (!nx) {
          crm_cursor_close(c);
          c = NULL;
          break;
        }
        snprintf(tok, sizeof tok, "%s", nx);
        crm_cursor_close(c);
        c = NULL;
        p.after = tok;
      }
    }
    CHECK(strcmp(seen, "3 7 9 1 5 4 6 ") == 0 && dups == 0,
          "the pages after the inserts: %s(%d duplicates), expected 3 7 9 1 5 4 6", seen, dups);
    (void)pages;
    (void)rows;
  }

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* A caller compiled against the 0.2 layout                                 */
/* ------------------------------------------------------------------------ */

static void test_v02_layout(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  char got[256];
  int pages, dups = 0;
  int64_t n = -1;
  section("a 0.2-sized crm_customer_query");
  if (!open_db("v02", T0, &db, &admin)) return;
  define_standard_fields(admin);
  create_list_customers(db, admin, 1);

  /* Its size ends before filters: the fields after it are not read. */
  q.size = offsetof(crm_customer_query, filters);
  q.page_size = 3;
  q.filters = NULL; /* invalid if read: a count without an array ... */
  q.filter_count = 5;
  q.sort = "no such order"; /* ... and an order that does not exist */
  EXPECT_LIST(admin, &q, "0 1 2 3 4 5 6 7", "a 0.2-sized query (poisoned 0.3 fields)");
  q.industry = "software"; /* a 0.2 field: applied */
  EXPECT_LIST(admin, &q, "2 5 7", "a 0.2-sized query, industry software");
  q.industry = NULL;
  q.name_contains = "科技";
  CHECK_OK(crm_customer_count(admin, &q, &n));
  CHECK(n == 2, "a 0.2-sized query counts name_contains 科技: %" PRId64 ", expected 2", n);
  q.name_contains = NULL;

  /* The same through a struct followed by garbage bytes. */
  {
    union {
      crm_customer_query full;
      unsigned char raw[sizeof(crm_customer_query) + 64];
    } u;
    crm_customer_query init = CRM_CUSTOMER_QUERY_INIT;
    init.page_size = 2;
    memset(u.raw, 0xFF, sizeof u.raw);
    memcpy(u.raw, &init, offsetof(crm_customer_query, filters));
    u.full.size = offsetof(crm_customer_query, filters);
    pages = list_pages(admin, &u.full, got, sizeof got, &dups);
    CHECK(pages == 4 && strcmp(got, "0 1 2 3 4 5 6 7") == 0 && dups == 0,
          "0.2 struct followed by 0xFF bytes: %d pages, [%s]", pages, got);
    CHECK_OK(crm_customer_count(admin, &u.full, &n));
    CHECK(n == NCUST, "0.2 struct followed by 0xFF bytes counts %" PRId64, n);
  }

  /* The full 0.3 size reads them. */
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.filters = NULL;
  q.filter_count = 5;
  EXPECT_REFUSED(admin, &q, CRM_ERR_INVALID_ARG, "the same fields in a 0.3-sized query");
  q.filter_count = 0;
  q.sort = "no such order";
  {
    crm_cursor *c = NULL;
    CHECK_FAIL(crm_customer_list(admin, &q, &c), CRM_ERR_INVALID_ARG);
  }

  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Tags by label and settings                                               */
/* ------------------------------------------------------------------------ */

/* The tags a customer carries as "category:label" in crm_customer_tags'
 * order, joined by ' '. */
static const char *tags_of(crm_session *s, const char *id) {
  static char buf[1024];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int rc = crm_customer_tags(s, id, &c);
  buf[0] = '\0';
  if (rc != CRM_OK) {
    CHECK(0, "crm_customer_tags(%s): %s: %s", id, sname(rc), crm_errmsg());
    return "(error)";
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK)
    if (used < sizeof buf)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s:%s", used ? " " : "",
                               rtext(row, "category"), rtext(row, "label"));
  crm_cursor_close(c);
  return buf;
}

static int64_t tag_id(crm_session *s, const char *category, const char *label) {
  int64_t id = 0;
  int rc = crm_tag_find(s, category, label, &id);
  return rc == CRM_OK ? id : rc;
}

static int count_tags(crm_session *s) {
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int n = 0;
  if (crm_tag_list(s, NULL, &c) != CRM_OK) return -1;
  while (crm_cursor_next(c, &row) == CRM_OK) n++;
  crm_cursor_close(c);
  return n;
}

/* The setting's value ("(error: …)" if the call fails).  Static buffer. */
static const char *setting(crm_session *s, const char *name) {
  static char buf[128];
  char *v = NULL;
  int rc = crm_setting_get(s, name, &v);
  if (rc != CRM_OK)
    snprintf(buf, sizeof buf, "(error: %s)", sname(rc));
  else
    snprintf(buf, sizeof buf, "%s", v ? v : "(NULL)");
  crm_free(v); /* OWNED */
  return buf;
}

/* A refused attach or detach by label writes nothing and creates no tag. */
static void label_fails_at(crm_session *s, crm_session *reader, int add, const char *id,
                           const char *category, const char *label, int want, const char *watch,
                           int line) {
  char expected[512], tags_before[1024];
  int64_t v0 = version_of(reader, watch), out = -77;
  int h0 = history_rows(reader, watch), t0 = count_tags(reader), rc;
  snprintf(tags_before, sizeof tags_before, "%s", tags_of(reader, watch));
  rc = add ? crm_customer_tag_add_label(s, id, category, label, &out)
           : crm_customer_tag_remove_label(s, id, category, label);
  snprintf(expected, sizeof expected, "crm_customer_tag_%s_label(%s, %s, %s) returns %s",
           add ? "add" : "remove", id ? id : "NULL", category ? category : "NULL",
           label ? label : "NULL", sname(want));
  check_fail_at(rc, want, expected, __FILE__, line);
  snprintf(expected, sizeof expected, "a refused %s by label writes nothing",
           add ? "attach" : "detach");
  check_at(version_of(reader, watch) == v0 && history_rows(reader, watch) == h0 &&
               count_tags(reader) == t0 && strcmp(tags_of(reader, watch), tags_before) == 0,
           __FILE__, line, expected,
           "version %" PRId64 " -> %" PRId64 ", history %d -> %d, tags defined %d -> %d, "
           "carried [%s] -> [%s]",
           v0, version_of(reader, watch), h0, history_rows(reader, watch), t0, count_tags(reader),
           tags_before, tags_of(reader, watch));
}
#define ADD_LABEL_FAILS(s, id, cat, label, want, watch) \
  label_fails_at((s), (s), 1, (id), (cat), (label), (want), (watch), __LINE__)
#define REMOVE_LABEL_FAILS(s, id, cat, label, want, watch) \
  label_fails_at((s), (s), 0, (id), (cat), (label), (want), (watch), __LINE__)

static void test_tags_by_label(void) {
  char path[800], id[16], other[16];
  crm_db *db = NULL, *db2 = NULL;
  crm_session *admin = NULL, *rep = NULL, *rep2 = NULL, *dead = NULL;
  int64_t rep_id, out = 0, v0;
  int t0;
  char *v = NULL;
  section("tags by label and the setting tags.create_on_attach");
  db_path_in(g_root, path, sizeof path, "tags");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, T0));
  CHECK_OK(crm_session_open(db, 1, &admin));
  if (!admin) return;
  rep_id = add_user(admin, "wang.fang", "王芳", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  create_customer_with(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, id,
                       sizeof id);
  create_customer_with(rep, "苏州纳微科技股份有限公司", "李娜", "13912345678", NULL, other,
                       sizeof other);

  /* The setting: "0" by default, readable by everyone; OWNED strings. */
  CHECK(strcmp(setting(admin, "tags.create_on_attach"), "0") == 0,
        "tags.create_on_attach defaults to \"0\", got %s", setting(admin, "tags.create_on_attach"));
  CHECK(strcmp(setting(rep, "tags.create_on_attach"), "0") == 0,
        "a sales user reads the setting: %s", setting(rep, "tags.create_on_attach"));
  CHECK_FAIL(crm_setting_get(admin, "tags.no_such_setting", &v), CRM_ERR_NOT_FOUND);
  crm_free(v);
  v = NULL;
  CHECK_FAIL(crm_setting_get(admin, "", &v), CRM_ERR_NOT_FOUND);
  crm_free(v);
  v = NULL;
  CHECK_FAIL(crm_setting_get(NULL, "tags.create_on_attach", &v), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_get(admin, NULL, &v), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_get(admin, "tags.create_on_attach", NULL), CRM_ERR_INVALID_ARG);
  crm_free(v);
  v = NULL;
  CHECK_FAIL(crm_setting_set(rep, "tags.create_on_attach", "1"), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_setting_set(admin, "tags.no_such_setting", "1"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_setting_set(admin, "tags.create_on_attach", "2"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, "tags.create_on_attach", "yes"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, "tags.create_on_attach", ""), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, "tags.create_on_attach", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(admin, NULL, "1"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_setting_set(NULL, "tags.create_on_attach", "1"), CRM_ERR_INVALID_ARG);
  CHECK(strcmp(setting(admin, "tags.create_on_attach"), "0") == 0,
        "refused sets leave \"0\", got %s", setting(admin, "tags.create_on_attach"));
  CHECK_OK(crm_session_open(db, 1, &dead));
  crm_session_close(dead);
  CHECK_FAIL(crm_setting_get(dead, "tags.create_on_attach", &v), CRM_ERR_STATE);
  CHECK_FAIL(crm_setting_set(dead, "tags.create_on_attach", "1"), CRM_ERR_STATE);
  crm_free(v);
  v = NULL;

  /* Attach by label, with and without the category (code or label). */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 1000));
  out = 0;
  CHECK_OK(crm_customer_tag_add_label(rep, id, NULL, "高潜力", &out));
  CHECK(out > 0 && out == tag_id(rep, "value", "高潜力"),
        "out_tag_id %" PRId64 " is the id of value:高潜力 (%" PRId64 ")", out,
        tag_id(rep, "value", "高潜力"));
  CHECK(strcmp(last_history(rep, id), "tag tags - value:高潜力") == 0,
        "history of an attach by label: %s", last_history(rep, id));
  CHECK_OK(crm_customer_tag_add_label(rep, id, "industry", "制造业", NULL));
  out = 0;
  CHECK_OK(crm_customer_tag_add_label(rep, id, "需求", "采购设备", &out));
  CHECK(out == tag_id(rep, "need", "采购设备"), "out_tag_id of need:采购设备: %" PRId64, out);
  CHECK_OK(crm_customer_tag_add_label(rep, id, "", "高优先级", NULL));
  {
    const char *t = tags_of(rep, id);
    CHECK(strstr(t, "industry:制造业") && strstr(t, "need:采购设备") &&
              strstr(t, "priority:高优先级") && strstr(t, "value:高潜力"),
          "four tags attached by label: %s", t);
  }
  /* Attaching a tag it carries does nothing. */
  v0 = version_of(rep, id);
  out = 0;
  CHECK_OK(crm_customer_tag_add_label(rep, id, "行业", "制造业", &out));
  CHECK(out == tag_id(rep, "industry", "制造业") && version_of(rep, id) == v0,
        "attach again: out %" PRId64 ", version %" PRId64 " -> %" PRId64, out, v0,
        version_of(rep, id));

  /* Unknown labels and categories; ambiguous labels. */
  ADD_LABEL_FAILS(rep, id, NULL, "新能源", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "industry", "新能源", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "region", "华东", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "industry", "高潜力", CRM_ERR_NOT_FOUND, id); /* another category's */
  CHECK_OK(crm_tag_define(admin, "industry", "其他", NULL));
  CHECK_OK(crm_tag_define(admin, "need", "其他", NULL));
  ADD_LABEL_FAILS(rep, id, NULL, "其他", CRM_ERR_CONFLICT, id);
  CHECK_OK(crm_customer_tag_add_label(rep, other, "need", "其他", NULL));
  ADD_LABEL_FAILS(rep, "C0999", "industry", "制造业", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, NULL, "industry", "制造业", CRM_ERR_INVALID_ARG, id);
  ADD_LABEL_FAILS(rep, id, "industry", NULL, CRM_ERR_INVALID_ARG, id);
  label_fails_at(NULL, rep, 1, id, "industry", "互联网", CRM_ERR_INVALID_ARG, id, __LINE__);

  /* Detach by label. */
  CHECK_OK(crm_db_clock_fixed(db, T0 + 2000));
  CHECK_OK(crm_customer_tag_remove_label(rep, id, "价值", "高潜力"));
  CHECK(strstr(tags_of(rep, id), "value:高潜力") == NULL, "高潜力 detached: %s", tags_of(rep, id));
  CHECK(strcmp(last_history(rep, id), "tag tags value:高潜力 -") == 0,
        "history of a detach by label: %s", last_history(rep, id));
  v0 = version_of(rep, id);
  CHECK_OK(crm_customer_tag_remove_label(rep, id, NULL, "高潜力")); /* not carried: nothing */
  CHECK(version_of(rep, id) == v0, "detaching a tag not carried changed the version");
  REMOVE_LABEL_FAILS(rep, id, NULL, "新能源", CRM_ERR_NOT_FOUND, id);
  REMOVE_LABEL_FAILS(rep, id, "industry", "新能源", CRM_ERR_NOT_FOUND, id);
  REMOVE_LABEL_FAILS(rep, id, NULL, "其他", CRM_ERR_CONFLICT, id);
  REMOVE_LABEL_FAILS(rep, NULL, "industry", "制造业", CRM_ERR_INVALID_ARG, id);
  REMOVE_LABEL_FAILS(rep, id, "industry", NULL, CRM_ERR_INVALID_ARG, id);

  /* With the setting on, an unknown label in a given category is created
   * and attached — by any user. */
  CHECK_OK(crm_setting_set(admin, "tags.create_on_attach", "1"));
  CHECK(strcmp(setting(rep, "tags.create_on_attach"), "1") == 0, "the setting is now %s",
        setting(rep, "tags.create_on_attach"));
  CHECK_OK(crm_db_clock_fixed(db, T0 + 3000));
  t0 = count_tags(rep);
  v0 = version_of(rep, id);
  out = 0;
  CHECK_OK(crm_customer_tag_add_label(rep, id, "industry", "新能源", &out));
  CHECK(out > 0 && out == tag_id(rep, "industry", "新能源"),
        "created tag: out_tag_id %" PRId64 ", crm_tag_find %" PRId64, out,
        tag_id(rep, "industry", "新能源"));
  CHECK(count_tags(rep) == t0 + 1, "one tag created: %d -> %d", t0, count_tags(rep));
  CHECK(strstr(tags_of(rep, id), "industry:新能源") != NULL, "and attached: %s", tags_of(rep, id));
  CHECK(version_of(rep, id) == v0 + 1, "one new version: %" PRId64 " -> %" PRId64, v0,
        version_of(rep, id));
  CHECK(strcmp(last_history(rep, id), "tag tags - industry:新能源") == 0,
        "history of a created tag: %s", last_history(rep, id));
  /* Found, not created again, for the next customer. */
  {
    int64_t again = 0;
    CHECK_OK(crm_customer_tag_add_label(rep, other, "行业", "新能源", &again));
    CHECK(again == out && count_tags(rep) == t0 + 1,
          "the same label again: id %" PRId64 " (expected %" PRId64 "), %d tags", again, out,
          count_tags(rep));
  }
  /* The category by its label; the label normalised like tag labels. */
  out = 0;
  CHECK_OK(crm_customer_tag_add_label(rep, id, "需求", "  融资租赁 ", &out));
  CHECK(out > 0 && out == tag_id(rep, "need", "融资租赁"),
        "created need:融资租赁: out %" PRId64 ", find %" PRId64, out,
        tag_id(rep, "need", "融资租赁"));
  /* Still refused: no category, an unknown category, a bad label, detaching. */
  ADD_LABEL_FAILS(rep, id, NULL, "储能设备", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "", "储能设备", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "region", "华东", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep, id, "industry", "   ", CRM_ERR_INVALID_ARG, id);
  REMOVE_LABEL_FAILS(rep, id, "industry", "储能设备", CRM_ERR_NOT_FOUND, id);
  CHECK(tag_id(rep, "industry", "储能设备") == CRM_ERR_NOT_FOUND,
        "no tag 储能设备 was created");

  /* The setting is in the database: another handle sees it. */
  CHECK_OK(crm_db_open(path, NULL, &db2));
  CHECK_OK(crm_db_clock_fixed(db2, T0 + 4000));
  CHECK_OK(crm_session_open(db2, rep_id, &rep2));
  CHECK(strcmp(setting(rep2, "tags.create_on_attach"), "1") == 0,
        "another handle reads %s", setting(rep2, "tags.create_on_attach"));
  CHECK_OK(crm_customer_tag_add_label(rep2, other, "value", "战略客户", &out));
  CHECK(out == tag_id(rep, "value", "战略客户"), "created through another handle: %" PRId64, out);

  /* An archived customer: refused, and no stray tag. */
  CHECK_OK(crm_customer_archive(admin, other, "重复录入"));
  t0 = count_tags(rep);
  CHECK_FAIL(crm_customer_tag_add_label(rep, other, "need", "数字化改造", &out), CRM_ERR_STATE);
  CHECK(count_tags(rep) == t0 && tag_id(rep, "need", "数字化改造") == CRM_ERR_NOT_FOUND,
        "an attach refused for an archived customer created a tag: %d -> %d", t0,
        count_tags(rep));
  CHECK_FAIL(crm_customer_tag_remove_label(rep, other, "industry", "新能源"), CRM_ERR_STATE);

  /* Off again: unknown labels are errors again. */
  CHECK_OK(crm_setting_set(admin, "tags.create_on_attach", "0"));
  CHECK(strcmp(setting(rep2, "tags.create_on_attach"), "0") == 0, "off again: %s",
        setting(rep2, "tags.create_on_attach"));
  ADD_LABEL_FAILS(rep, id, "industry", "氢能源", CRM_ERR_NOT_FOUND, id);
  ADD_LABEL_FAILS(rep2, id, "industry", "氢能源", CRM_ERR_NOT_FOUND, id);

  crm_session_close(rep2);
  CHECK_OK(crm_db_close(db2));
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_custom_fields")) return 1;
  test_define();
  test_values();
  test_filters();
  test_sort();
  test_v02_layout();
  test_tags_by_label();
  rm_rf(g_root);
  return harness_finish();
}
