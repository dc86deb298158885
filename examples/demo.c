/*
 * crm_demo — a small host program that uses libcrm through its C interface.
 *
 *   crm_demo [path.db [customers.csv]]
 *
 * It (re)creates the database file (default crm_demo.db in the current
 * directory), freezes the clock at 2026-11-23 09:00 Asia/Shanghai so that the
 * output is the same on every run, and then walks through what a sales team
 * does with the library:
 *
 *   1. the administrator defines the departments (销售中心 above 华北 / 华东 /
 *      华南销售部, 客服部, 市场部), creates the users and makes each
 *      department's head its supervisor; two custom fields;
 *   2. 240 customers from a 《客户信息登记表》 export are loaded in one
 *      explicit transaction;
 *   3. a sales rep lists their (own) customers, phones masked, one page at a
 *      time;
 *   4. a record with many bad fields is rejected, naming every failing field,
 *      and nothing is saved;
 *   5. two sessions update the same customer: the stale one gets
 *      CRM_ERR_CONFLICT; the new phone is read back through an unmask with a
 *      reason; then the customer moves from 潜在客户 to 意向客户；
 *   6. the customer's change history;
 *   7-10. tags, contacts, custom fields, and a week of follow-ups with
 *      reminders;
 *   11. permissions, privacy and audit: the same list seen by a rep, their
 *      manager and the head of 销售中心; not found versus not allowed; an
 *      unmask; a cross-department access request approved and expiring; a
 *      leaving rep's customers transferred; the customer's audit rows and
 *      the audit chain verified;
 *   12. leads (线索): assignment rules by region and industry, leads captured
 *      from 官网 / 展会 / 电话 / 转介绍 with a duplicate, behaviour scoring to
 *      高价值线索 and its explanation, screening that assigns them, a
 *      conversion into a customer, the funnel and the messages about leads;
 *   13. automation rules (自动化规则): the four shipped templates (disabled),
 *      高潜力 → 销售经理 switched on, a custom rule for priority-高 customers
 *      entering 意向 that tags and plans (and so sets off the template), a
 *      malformed rule refused with the path of the mistake, the run log, the
 *      automation messages, and a simulation of a customer's first three
 *      days on a scratch copy.
 *
 * Only the bulk-load time differs between runs.  The program exits with
 * status 1 if the library does anything other than what crm.h promises, so
 * it doubles as a smoke test.
 */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"

#ifndef CRM_DEMO_DATA /* set by examples/CMakeLists.txt */
#define CRM_DEMO_DATA "sample_customers.csv"
#endif

/* 2026-11-23 09:00 Asia/Shanghai = 2026-11-23T01:00:00Z. */
static const int64_t DEMO_NOW_MS = INT64_C(1795395600000);
static const int64_t MINUTE_MS = INT64_C(60000);

/* Set when the library breaks a promise of crm.h; the demo goes on but
 * exits with status 1. */
static int g_contract_failures = 0;

/* ======================================================================== */
/* Small utilities                                                          */
/* ======================================================================== */

static char* xstrdup(const char* s) {
  size_t n = strlen(s ? s : "") + 1;
  char* p = (char*)malloc(n);
  if (!p) {
    fputs("out of memory\n", stderr);
    exit(1);
  }
  memcpy(p, s ? s : "", n);
  return p;
}

static double monotonic_seconds(void) {
#if defined(CLOCK_MONOTONIC)
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#else
  return (double)clock() / CLOCKS_PER_SEC;
#endif
}

/* Decode one UTF-8 sequence; returns its length (at least 1). */
static int utf8_decode(const unsigned char* s, unsigned long* cp) {
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0 && s[1]) {
    *cp = ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2]) {
    *cp =
        ((unsigned long)(s[0] & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return 3;
  }
  if ((s[0] & 0xF8) == 0xF0 && s[1] && s[2] && s[3]) {
    *cp = ((unsigned long)(s[0] & 0x07) << 18) | ((unsigned long)(s[1] & 0x3F) << 12) |
          ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
  }
  *cp = 0xFFFD;
  return 1;
}

/* Columns a code point takes in a terminal: CJK ideographs, full-width forms
 * and CJK punctuation take two, everything else here one. */
static int cp_width(unsigned long cp) {
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

static int display_width(const char* s) {
  int w = 0;
  const unsigned char* p = (const unsigned char*)s;
  while (*p) {
    unsigned long cp;
    p += utf8_decode(p, &cp);
    w += cp_width(cp);
  }
  return w;
}

static int utf8_length(const char* s) {
  int n = 0;
  const unsigned char* p = (const unsigned char*)s;
  while (*p) {
    unsigned long cp;
    p += utf8_decode(p, &cp);
    n++;
  }
  return n;
}

/* Print s and pad it with spaces to `width` terminal columns. */
static void print_padded(const char* s, int width) {
  int pad = width - display_width(s);
  fputs(s, stdout);
  while (pad-- > 0) putchar(' ');
}

/* Format UTC milliseconds as Beijing time.  Asia/Shanghai has had a fixed
 * +08:00 offset without daylight saving since 1991, so no tz database is
 * needed here.  (days_to_civil is Howard Hinnant's civil_from_days.) */
static void format_beijing(int64_t ms, char* buf, size_t size) {
  int64_t secs = ms / 1000 + 8 * 3600;
  int64_t days = secs / 86400, rem = secs % 86400, era, doe, yoe, y, doy, mp, d, m;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  days += 719468;
  era = (days >= 0 ? days : days - 146096) / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", (int)y, (int)m, (int)d, (int)(rem / 3600),
           (int)(rem % 3600 / 60));
}

static void heading(const char* title) { printf("\n==== %s ====\n\n", title); }

/* ======================================================================== */
/* Errors                                                                   */
/* ======================================================================== */

/* The last error is only valid until the next libcrm call on this thread, so
 * copy it before doing anything else. */
#define MAX_FIELD_ERRORS 32
typedef struct {
  int status;
  char message[512];
  char message_zh[512];
  int field_count;
  struct {
    char name[64], label[128], code[64], message[256], message_zh[256];
  } fields[MAX_FIELD_ERRORS];
} error_snapshot;

static const char* field_label_zh(const char* entity, const char* field);

static void copy_str(char* dst, size_t size, const char* src) {
  snprintf(dst, size, "%s", src ? src : "(null)");
}

static void snapshot_error(int status, error_snapshot* e) {
  int32_t i, n;
  memset(e, 0, sizeof *e);
  e->status = status;
  copy_str(e->message, sizeof e->message, crm_errmsg());
  copy_str(e->message_zh, sizeof e->message_zh, crm_errmsg_zh());
  n = crm_error_field_count();
  if (n > MAX_FIELD_ERRORS) n = MAX_FIELD_ERRORS;
  for (i = 0; i < n; i++) {
    copy_str(e->fields[i].name, sizeof e->fields[i].name, crm_error_field_name(i));
    copy_str(e->fields[i].label, sizeof e->fields[i].label, crm_error_field_label_zh(i));
    copy_str(e->fields[i].code, sizeof e->fields[i].code, crm_error_field_code(i));
    copy_str(e->fields[i].message, sizeof e->fields[i].message, crm_error_field_message(i));
    copy_str(e->fields[i].message_zh, sizeof e->fields[i].message_zh,
             crm_error_field_message_zh(i));
  }
  e->field_count = n < 0 ? 0 : n;
}

static void print_error(const error_snapshot* e, const char* indent) {
  int i;
  printf("%s状态 (status):  %s (%d)\n", indent, crm_status_name(e->status), e->status);
  printf("%s错误信息 (zh):  %s\n", indent, e->message_zh);
  printf("%sMessage (en):   %s\n", indent, e->message);
  for (i = 0; i < e->field_count; i++) {
    printf("%s  %d. %s %s [%s]\n", indent, i + 1,
           e->fields[i].label[0] ? e->fields[i].label : e->fields[i].name, e->fields[i].name,
           e->fields[i].code);
    printf("%s     %s\n", indent, e->fields[i].message_zh);
    printf("%s     %s\n", indent, e->fields[i].message);
  }
}

/* Report a failed call and stop: for steps the rest of the demo needs. */
static void fail(const char* what, int status) {
  error_snapshot e;
  snapshot_error(status, &e);
  fprintf(stdout, "\n失败 (failed): %s\n", what);
  print_error(&e, "  ");
  exit(1);
}

#define CHECK(call)                      \
  do {                                   \
    int rc_ = (call);                    \
    if (rc_ != CRM_OK) fail(#call, rc_); \
  } while (0)

static void contract_failure(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("\n  !! 与 crm.h 不符 (library does not match crm.h): ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  g_contract_failures++;
}

/* ======================================================================== */
/* Reading records                                                          */
/* ======================================================================== */

/* Any field as text ("" when absent or NULL).  Returns buf. */
static const char* field_str(const crm_record* r, const char* field, char* buf, size_t size) {
  int32_t type;
  buf[0] = '\0';
  if (crm_record_type(r, field, &type) != CRM_OK) return buf;
  if (type == CRM_TYPE_TEXT) {
    const char* s = NULL;
    if (crm_record_get_text(r, field, &s) == CRM_OK && s) copy_str(buf, size, s);
  } else if (type == CRM_TYPE_INT) {
    int64_t v = 0;
    crm_record_get_int(r, field, &v);
    snprintf(buf, size, "%lld", (long long)v);
  } else if (type == CRM_TYPE_REAL) {
    double v = 0;
    crm_record_get_real(r, field, &v);
    snprintf(buf, size, "%g", v);
  }
  return buf;
}

static int64_t field_int(const crm_record* r, const char* field) {
  int64_t v = 0;
  int rc = crm_record_get_int(r, field, &v);
  if (rc != CRM_OK) fail(field, rc);
  return v;
}

/* The Chinese label of a dictionary code, or the code itself. */
static const char* dict_label(crm_session* s, const char* dict, const char* code) {
  const char* label = NULL;
  if (!code || !*code) return "";
  if (crm_dict_label(s, dict, code, &label) == CRM_OK && label) return label;
  return code;
}

/* Fields whose values are dictionary codes. */
static const char* dict_of_field(const char* field) {
  static const char* const map[][2] = {{"industry", "industry"},  {"scale", "scale"},
                                       {"type", "customer_type"}, {"source", "source"},
                                       {"priority", "priority"},  {"role", "role"}};
  size_t i;
  for (i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(field, map[i][0]) == 0) return map[i][1];
  return NULL;
}

/* A field's Chinese label from the field registry ("phone" -> "联系电话"). */
static const char* field_label_zh(const char* entity, const char* field) {
  int32_t i, n = 0;
  if (crm_field_count(entity, &n) != CRM_OK) return field;
  for (i = 0; i < n; i++) {
    const char *name = NULL, *label = NULL;
    if (crm_field_info(entity, i, &name, NULL, &label, NULL, NULL) == CRM_OK && name &&
        strcmp(name, field) == 0)
      return label && *label ? label : field;
  }
  return field;
}

/* ======================================================================== */
/* A table that measures its cells before printing (CJK-aware)              */
/* ======================================================================== */

#define TABLE_MAX_COLS 10
#define TABLE_MAX_ROWS 64
typedef struct {
  int ncols, nrows;
  const char* head[TABLE_MAX_COLS];
  char* cell[TABLE_MAX_ROWS][TABLE_MAX_COLS];
} table;

static void table_init(table* t, int ncols, ...) {
  va_list ap;
  int i;
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  va_start(ap, ncols);
  for (i = 0; i < ncols; i++) t->head[i] = va_arg(ap, const char*);
  va_end(ap);
}

/* Append a row; takes ncols const char * values (copied). */
static void table_add(table* t, ...) {
  va_list ap;
  int i;
  if (t->nrows == TABLE_MAX_ROWS) return;
  va_start(ap, t);
  for (i = 0; i < t->ncols; i++) t->cell[t->nrows][i] = xstrdup(va_arg(ap, const char*));
  va_end(ap);
  t->nrows++;
}

static void table_print(table* t, const char* indent) {
  int w[TABLE_MAX_COLS], i, r, total = 0;
  for (i = 0; i < t->ncols; i++) {
    w[i] = display_width(t->head[i]);
    for (r = 0; r < t->nrows; r++) {
      int cw = display_width(t->cell[r][i]);
      if (cw > w[i]) w[i] = cw;
    }
    total += w[i] + (i ? 2 : 0);
  }
  fputs(indent, stdout);
  for (i = 0; i < t->ncols; i++) {
    if (i) fputs("  ", stdout);
    if (i == t->ncols - 1)
      fputs(t->head[i], stdout);
    else
      print_padded(t->head[i], w[i]);
  }
  printf("\n%s", indent);
  for (i = 0; i < total; i++) putchar('-');
  putchar('\n');
  for (r = 0; r < t->nrows; r++) {
    fputs(indent, stdout);
    for (i = 0; i < t->ncols; i++) {
      if (i) fputs("  ", stdout);
      if (i == t->ncols - 1)
        fputs(t->cell[r][i], stdout);
      else
        print_padded(t->cell[r][i], w[i]);
    }
    putchar('\n');
  }
}

static void table_free(table* t) {
  int i, r;
  for (r = 0; r < t->nrows; r++)
    for (i = 0; i < t->ncols; i++) free(t->cell[r][i]);
  t->nrows = 0;
}

/* ======================================================================== */
/* Users                                                                    */
/* ======================================================================== */

typedef struct {
  const char *login, *name, *department, *role;
  int64_t id;
} demo_user;

static demo_user g_users[] = {
    {"zhangwei", "张伟", "华北销售部", "sales", 0},
    {"liuyang", "刘洋", "华北销售部", "sales", 0},
    {"chenjing", "陈静", "华东销售部", "sales", 0},
    {"wanglei", "王磊", "华东销售部", "sales", 0},
    {"huangmin", "黄敏", "华南销售部", "sales", 0},
    {"linhao", "林浩", "华南销售部", "sales", 0},
    {"sunzhigang", "孙志刚", "销售中心", "sales_manager", 0},
    {"wangfang", "王芳", "华北销售部", "sales_manager", 0},
    {"zhaoli", "赵丽", "客服部", "service", 0},
    {"zhoutao", "周涛", "市场部", "marketing", 0},
    {"lina", "李娜", "华东销售部", "sales_manager", 0},
    {"wugang", "吴刚", "华南销售部", "sales_manager", 0},
};
#define N_USERS ((int)(sizeof g_users / sizeof g_users[0]))

static const demo_user* user_by_name(const char* name) {
  int i;
  for (i = 0; i < N_USERS; i++)
    if (strcmp(g_users[i].name, name) == 0 || strcmp(g_users[i].login, name) == 0)
      return &g_users[i];
  return NULL;
}

static const char* user_name(int64_t id) {
  int i;
  if (id == 1) return "管理员";
  for (i = 0; i < N_USERS; i++)
    if (g_users[i].id == id) return g_users[i].name;
  return "?";
}

/* The organisation (部门): users must belong to a department that exists,
 * and a department's supervisor (部门主管) reads, approves and transfers the
 * customers of the department and of those below it.  Parents come first. */
static const struct {
  const char *name, *parent, *supervisor; /* supervisor: a login */
} g_departments[] = {
    {"销售中心", NULL, "sunzhigang"},   {"华北销售部", "销售中心", "wangfang"},
    {"华东销售部", "销售中心", "lina"}, {"华南销售部", "销售中心", "wugang"},
    {"客服部", NULL, "zhaoli"},         {"市场部", NULL, "zhoutao"},
};
#define N_DEPARTMENTS ((int)(sizeof g_departments / sizeof g_departments[0]))

/* Departments first (a user names one), then the users, then each
 * department's supervisor (who must be an active user). */
static void create_organisation(crm_session* admin) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char names[N_DEPARTMENTS][64];
  int depth[N_DEPARTMENTS], seen = 0;
  table t;
  int i;
  for (i = 0; i < N_DEPARTMENTS; i++)
    CHECK(crm_department_define(admin, g_departments[i].name, g_departments[i].parent, 0, NULL));

  table_init(&t, 5, "编号", "登录名", "姓名", "部门", "角色");
  for (i = 0; i < N_USERS; i++) {
    crm_record* u = NULL;
    char id[32];
    CHECK(crm_record_new(&u));
    CHECK(crm_record_set_text(u, "login", g_users[i].login));
    CHECK(crm_record_set_text(u, "name", g_users[i].name));
    CHECK(crm_record_set_text(u, "department", g_users[i].department));
    CHECK(crm_record_set_text(u, "role", g_users[i].role));
    CHECK(crm_user_create(admin, u, &g_users[i].id));
    crm_record_free(u);
    snprintf(id, sizeof id, "%lld", (long long)g_users[i].id);
    table_add(&t, id, g_users[i].login, g_users[i].name, g_users[i].department,
              dict_label(admin, "role", g_users[i].role));
  }
  for (i = 0; i < N_DEPARTMENTS; i++)
    CHECK(crm_department_update(admin, g_departments[i].name, NULL,
                                user_by_name(g_departments[i].supervisor)->id));

  printf("  组织架构 (departments, parents first):\n\n");
  {
    table d;
    table_init(&d, 3, "部门", "部门主管 (supervisor)", "在职人数");
    CHECK(crm_department_list(admin, &c));
    while (crm_cursor_next(c, &row) == CRM_OK && seen < N_DEPARTMENTS) {
      char name[64], parent[64], sup[64], members[16], label[96];
      int k, level = 0;
      field_str(row, "name", name, sizeof name);
      field_str(row, "parent", parent, sizeof parent);
      field_str(row, "supervisor_name", sup, sizeof sup);
      field_str(row, "members", members, sizeof members);
      for (k = 0; k < seen; k++)
        if (parent[0] && strcmp(names[k], parent) == 0) level = depth[k] + 1;
      copy_str(names[seen], sizeof names[0], name);
      depth[seen++] = level;
      snprintf(label, sizeof label, "%s%s", level ? "└ " : "", name);
      {
        char indented[128];
        snprintf(indented, sizeof indented, "%*s%s", level * 2, "", label);
        table_add(&d, indented, sup[0] ? sup : "-", members);
      }
    }
    crm_cursor_close(c);
    table_print(&d, "  ");
    table_free(&d);
  }
  if (seen != N_DEPARTMENTS)
    contract_failure("crm_department_list returned %d departments, expected %d", seen,
                     N_DEPARTMENTS);
  printf("\n  用户 (users):\n\n");
  table_print(&t, "  ");
  table_free(&t);
  printf(
      "\n  共 %d 个部门、%d 个用户，均由管理员（用户 1）创建"
      " (%d departments and %d users created by admin, user 1)\n",
      N_DEPARTMENTS, N_USERS, N_DEPARTMENTS, N_USERS);
}

/* ======================================================================== */
/* Custom fields (自定义字段)                                                */
/* ======================================================================== */

/* Two fields the company's form has and the library does not: 客户预算范围
 * (a list) and 年度预算 in 万元 (an exact decimal).  No schema change. */
static void define_custom_fields(crm_session* admin) {
  static const char* const budgets[] = {"10万以下", "10-50万", "50-100万", "100万以上"};
  crm_custom_field f = CRM_CUSTOM_FIELD_INIT;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  table t;
  f.name = "budget_range";
  f.type = "enum";
  f.label_zh = "客户预算范围";
  f.label_en = "Budget range";
  f.values = budgets;
  f.value_count = 4;
  CHECK(crm_custom_field_define(admin, &f));
  f = (crm_custom_field)CRM_CUSTOM_FIELD_INIT;
  f.name = "annual_budget";
  f.type = "decimal";
  f.label_zh = "年度预算（万元）";
  f.label_en = "Annual budget (10k CNY)";
  f.decimals = 1;
  CHECK(crm_custom_field_define(admin, &f));

  table_init(&t, 4, "字段", "名称", "类型", "可选值 / 小数位");
  CHECK(crm_custom_field_list(admin, 0, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char name[64], label[64], type[16], extra[128] = "";
    int64_t decimals = 0;
    field_str(row, "name", name, sizeof name);
    field_str(row, "label_zh", label, sizeof label);
    field_str(row, "type", type, sizeof type);
    if (strcmp(type, "enum") == 0)
      snprintf(extra, sizeof extra, "%s / %s / %s / %s", budgets[0], budgets[1], budgets[2],
               budgets[3]);
    else if (crm_record_get_int(row, "decimals", &decimals) == CRM_OK)
      snprintf(extra, sizeof extra, "%lld 位小数", (long long)decimals);
    table_add(&t, name, label, type, extra);
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);
  printf(
      "\n  管理员在运行时定义了 2 个自定义字段，无需修改表结构\n"
      "  (two custom fields defined at run time; no schema change)\n");
}

/* ======================================================================== */
/* Counting customers (there is no count call: walk the pages)             */
/* ======================================================================== */

/* How many customers an owner has (0 = everyone's), counted by the library. */
static long count_customers(crm_session* s, int64_t owner) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  int64_t n = 0;
  q.owner = owner;
  CHECK(crm_customer_count(s, &q, &n));
  return (long)n;
}

/* ======================================================================== */
/* Bulk load from the 《客户信息登记表》 export                               */
/* ======================================================================== */

static void chomp(char* s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* Another file of the sample data, next to sample_customers.csv. */
static const char* sample_path(const char* name) {
  static char path[4096];
  const char* slash = strrchr(CRM_DEMO_DATA, '/');
  FILE* f;
  if (slash) {
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - CRM_DEMO_DATA), CRM_DEMO_DATA, name);
    if ((f = fopen(path, "rb")) != NULL) {
      fclose(f);
      return path;
    }
  }
  snprintf(path, sizeof path, "examples/%s", name);
  if ((f = fopen(path, "rb")) != NULL) {
    fclose(f);
    return path;
  }
  return name;
}

static FILE* open_sample(const char* explicit_path, const char** used) {
  static const char* const candidates[] = {CRM_DEMO_DATA, "sample_customers.csv",
                                           "examples/sample_customers.csv"};
  size_t i;
  FILE* f;
  if (explicit_path) {
    *used = explicit_path;
    return fopen(explicit_path, "rb");
  }
  for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
    if ((f = fopen(candidates[i], "rb")) != NULL) {
      *used = candidates[i];
      return f;
    }
  *used = CRM_DEMO_DATA;
  return NULL;
}

/* The sample file is a 《客户信息登记表》 export: Chinese headers, the
 * company's own column 客户预算范围 (a custom field, found by its label),
 * 负责人 as a person's name, and at the end a few rows as people really
 * type them wrong.  crm_customer_import validates every row exactly as an
 * interactive create, commits the good ones in batches and writes the bad
 * ones, unchanged, to an error file with a column saying why. */
static int demo_progress(void* ctx, int64_t done, int64_t total) {
  int* calls = (int*)ctx;
  (*calls)++;
  if (total > 0 && done > total) contract_failure("progress %lld of %lld", (long long)done,
                                                  (long long)total);
  return 0;
}

static void print_import_report(const crm_record* r) {
  printf("  读取 %lld 行：新增 %lld，更新 %lld，未变 %lld，拒绝 %lld，疑似重复 %lld"
         " (rows read, inserted, updated, unchanged, rejected, duplicates)\n",
         (long long)field_int(r, "rows"), (long long)field_int(r, "inserted"),
         (long long)field_int(r, "updated"), (long long)field_int(r, "unchanged"),
         (long long)field_int(r, "rejected"), (long long)field_int(r, "duplicates"));
}

static void print_file(const char* path, const char* indent) {
  FILE* f = fopen(path, "rb");
  char line[4096];
  if (!f) {
    printf("%s(无法打开 %s)\n", indent, path);
    return;
  }
  while (fgets(line, sizeof line, f)) {
    chomp(line);
    printf("%s%s\n", indent, line);
  }
  fclose(f);
}

static long load_customers(crm_session* admin, const char* csv_path, const char* db_path) {
  const char* path = NULL;
  FILE* f = open_sample(csv_path, &path);
  crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
  crm_record* report = NULL;
  char error_path[4096];
  int calls = 0;
  long loaded;
  double t0, t1;
  if (!f) {
    printf("  无法打开样例数据 (cannot open sample data): %s\n", path);
    exit(1);
  }
  fclose(f);
  /* Next to the database, not in the source tree. */
  snprintf(error_path, sizeof error_path, "%s.import-errors.csv", db_path);
  printf("  数据文件 (data file): %s\n", path);
  o.error_path = error_path;
  o.progress = demo_progress;
  o.progress_ctx = &calls;
  o.batch_rows = 100;
  t0 = monotonic_seconds();
  CHECK(crm_customer_import(admin, path, &o, &report));
  t1 = monotonic_seconds();
  {
    char enc[32], key[32];
    printf("  编码 (encoding): %s，匹配键 (key): %s，每批 100 行提交，进度回调 %d 次"
           " (batches of 100, %d progress calls)\n",
           field_str(report, "encoding", enc, sizeof enc), field_str(report, "key", key, sizeof key),
           calls, calls);
  }
  print_import_report(report);
  loaded = (long)field_int(report, "inserted");
  printf("  用时 %.1f 毫秒 (in %.1f ms)\n", (t1 - t0) * 1000.0, (t1 - t0) * 1000.0);
  if (field_int(report, "error_rows") > 0) {
    printf("\n  错误文件 (error file) %s —— 原行不变，末列说明原因，改正后可直接再导入:\n",
           error_path);
    print_file(error_path, "    ");
  }
  crm_record_free(report);

  /* The same file again changes nothing: rows already there are unchanged. */
  printf("\n  同一文件再导入一次 (the same file again, idempotent):\n");
  o.progress = NULL;
  o.error_path = NULL;
  CHECK(crm_customer_import(admin, path, &o, &report));
  print_import_report(report);
  if (field_int(report, "inserted") != 0)
    contract_failure("a second import inserted %lld rows", (long long)field_int(report, "inserted"));
  crm_record_free(report);
  return loaded;
}

/* ======================================================================== */
/* A sales rep's customer list                                              */
/* ======================================================================== */

/* Print one page; returns the number of rows and copies the next-page token
 * (NULL on the last page) into *next, which the caller frees. */
/* The list as the session's user sees it (no owner filter: a sales rep sees
 * their own customers only).  Every row must be owned by `expect_owner` and
 * show a masked phone. */
static int print_customer_page(crm_session* s, int64_t expect_owner, const char* after,
                               char** next) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_cursor* c = NULL;
  const crm_record* row;
  const char* token = NULL;
  table t;
  int rc, rows = 0;
  q.page_size = 20;
  q.after = after;
  CHECK(crm_customer_list(s, &q, &c));
  table_init(&t, 8, "编号", "客户全称", "所属行业", "企业规模", "联系人", "联系电话", "客户类型",
             "优先级");
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char id[32], name[256], ind[64], scale[64], contact[64], phone[64], type[64], prio[64];
    int64_t row_owner = 0;
    field_str(row, "id", id, sizeof id);
    field_str(row, "name", name, sizeof name);
    field_str(row, "industry", ind, sizeof ind);
    field_str(row, "scale", scale, sizeof scale);
    field_str(row, "contact_name", contact, sizeof contact);
    field_str(row, "phone_display", phone, sizeof phone);
    if (!phone[0]) field_str(row, "phone", phone, sizeof phone);
    field_str(row, "type", type, sizeof type);
    field_str(row, "priority", prio, sizeof prio);
    if (crm_record_get_int(row, "owner", &row_owner) == CRM_OK && row_owner != expect_owner)
      contract_failure("user %lld's list shows %s owned by %lld", (long long)expect_owner, id,
                       (long long)row_owner);
    if (!strstr(phone, "****"))
      contract_failure("%s's phone is not masked in a list: %s", id, phone);
    table_add(&t, id, name, dict_label(s, "industry", ind), dict_label(s, "scale", scale), contact,
              phone, dict_label(s, "customer_type", type), dict_label(s, "priority", prio));
    rows++;
  }
  if (rc != CRM_DONE) fail("crm_cursor_next", rc);
  table_print(&t, "  ");
  table_free(&t);
  CHECK(crm_cursor_next_page(c, &token));
  *next = token ? xstrdup(token) : NULL; /* the token dies with the cursor */
  crm_cursor_close(c);
  return rows;
}

static void show_rep_list(crm_db* db, crm_session* admin, const demo_user* rep) {
  crm_session* s = NULL;
  char *token = NULL, *token2 = NULL;
  long total;
  int rows1, rows2;
  CHECK(crm_session_open_login(db, rep->login, &s));
  printf("  以销售代表 %s (%s，用户 %lld) 的身份登录 (signed in as sales rep %s)\n", rep->name,
         rep->department, (long long)rep->id, rep->login);
  printf(
      "  销售代表只看到本人负责的客户，联系电话已脱敏 (a rep sees only their own customers;"
      " phones are masked)\n\n");
  total = count_customers(s, 0);
  if (total != count_customers(admin, rep->id))
    contract_failure("the rep counts %ld customers, the administrator %ld of theirs", total,
                     count_customers(admin, rep->id));
  rows1 = print_customer_page(s, rep->id, NULL, &token);
  printf("\n  第 1 页，共 %ld 个客户，本页 %d 个 (page 1 of their %ld customers, %d shown)\n",
         total, rows1, total, rows1);
  if (!token) {
    printf("  只有一页 (a single page)\n");
    crm_session_close(s);
    return;
  }
  printf("  下一页令牌 (next page token): %s\n\n", token);
  rows2 = print_customer_page(s, rep->id, token, &token2);
  printf("\n  第 2 页，本页 %d 个 (page 2: %d shown)%s\n", rows2, rows2,
         token2 ? "；后面还有 (more pages follow)" : "；已到最后一页 (last page)");
  if (rows1 + rows2 > total || (!token2 && rows1 + rows2 != total))
    contract_failure("pages hold %d + %d rows but the owner has %ld customers", rows1, rows2,
                     total);
  free(token);
  free(token2);
  crm_session_close(s);
}

/* ======================================================================== */
/* Contacts (联系人)                                                         */
/* ======================================================================== */

static int64_t add_demo_contact(crm_session* s, const char* customer, const char* name,
                                const char* title, const char* phone, int decision_maker) {
  crm_record* r = NULL;
  int64_t id = 0;
  CHECK(crm_record_new(&r));
  CHECK(crm_record_set_text(r, "name", name));
  CHECK(crm_record_set_text(r, "title", title));
  CHECK(crm_record_set_text(r, "phone", phone));
  CHECK(crm_record_set_int(r, "decision_maker", decision_maker));
  CHECK(crm_contact_add(s, customer, r, &id));
  crm_record_free(r);
  return id;
}

static void print_contacts(crm_session* s, const char* customer) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  CHECK(crm_customer_contacts(s, customer, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    const char *name = NULL, *title = NULL, *phone = NULL;
    int64_t primary = 0, dm = 0;
    CHECK(crm_record_get_text(row, "name", &name));
    CHECK(crm_record_get_text(row, "title", &title));
    CHECK(crm_record_get_text(row, "phone_display", &phone));
    CHECK(crm_record_get_int(row, "primary", &primary));
    CHECK(crm_record_get_int(row, "decision_maker", &dm));
    printf("    %s ", primary ? "★" : " ");
    print_padded(name ? name : "", 8);
    print_padded(title ? title : "-", 10);
    print_padded(phone ? phone : "-", 16);
    printf("%s\n", dm ? "决策人 (decision maker)" : "");
  }
  crm_cursor_close(c);
}

static void show_contacts(crm_db* db, const demo_user* rep, const char* customer) {
  crm_session* s = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  crm_record* cust = NULL;
  const char *title = NULL, *contact = NULL;
  int64_t cto = 0, majors = 0;

  CHECK(crm_session_open_login(db, rep->login, &s));
  printf("  客户 %s 的联系人 (contacts; ★ = 主要联系人 primary):\n", customer);
  add_demo_contact(s, customer, "周海涛", "采购总监", "13761234567", 0);
  cto = add_demo_contact(s, customer, "梁晓雯", "技术总监", "021-68881234", 1);
  print_contacts(s, customer);

  printf("\n  决策人梁晓雯成为主要联系人 (the decision maker becomes the primary contact):\n");
  CHECK(crm_contact_make_primary(s, cto));
  print_contacts(s, customer);
  CHECK(crm_customer_get(s, customer, &cust));
  CHECK(crm_record_get_text(cust, "contact_name", &contact));
  CHECK(crm_record_get_text(cust, "contact_title", &title));
  printf("\n  客户列表中的关键联系人 (key contact in the list view): %s，%s\n", contact,
         title ? title : "-");
  crm_record_free(cust);

  CHECK(crm_customer_history(s, customer, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    int64_t major = 0;
    CHECK(crm_record_get_int(row, "major", &major));
    majors += major;
  }
  crm_cursor_close(c);
  printf("  变更历史中的重大变更 (major changes in the history): %lld 条 (新增决策人)\n",
         (long long)majors);
  if (majors != 1) contract_failure("expected one major change, found %lld", (long long)majors);
  crm_session_close(s);
}

/* ======================================================================== */
/* Tags (标签)                                                               */
/* ======================================================================== */

/* "value:高潜力, need:采购设备" for a customer. */
static void tag_summary(crm_session* s, const char* id, char* buf, size_t size) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  size_t used = 0;
  buf[0] = '\0';
  CHECK(crm_customer_tags(s, id, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    const char *cat = NULL, *label = NULL;
    CHECK(crm_record_get_text(row, "category_label", &cat));
    CHECK(crm_record_get_text(row, "label", &label));
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s:%s", used ? "，" : "",
                             cat ? cat : "", label ? label : "");
  }
  crm_cursor_close(c);
}

static void show_tags(crm_db* db, const demo_user* rep) {
  crm_session* s = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  int64_t hot = 0, equipment = 0, filter[2];
  char ids[6][16], tags[256];
  int n = 0, i, shown = 0;

  CHECK(crm_session_open_login(db, rep->login, &s));
  CHECK(crm_tag_find(s, NULL, "高潜力", &hot));
  CHECK(crm_tag_find(s, "需求", "采购设备", &equipment));
  q.owner = rep->id;
  q.page_size = 6;
  CHECK(crm_customer_list(s, &q, &c));
  while (n < 6 && crm_cursor_next(c, &row) == CRM_OK) {
    const char* id = NULL;
    CHECK(crm_record_get_text(row, "id", &id));
    copy_str(ids[n++], sizeof ids[0], id);
  }
  crm_cursor_close(c);
  /* 高潜力 on the first three, 采购设备 on every other one. */
  for (i = 0; i < n; i++) {
    if (i < 3) CHECK(crm_customer_tag_add(s, ids[i], hot));
    if (i % 2 == 0) CHECK(crm_customer_tag_add(s, ids[i], equipment));
  }
  printf("  %s 给自己的 %d 个客户打上标签 (tags six of their customers):\n\n", rep->name, n);
  for (i = 0; i < n; i++) {
    tag_summary(s, ids[i], tags, sizeof tags);
    printf("    %s  %s\n", ids[i], tags[0] ? tags : "(无标签 / none)");
  }

  printf("\n  同时带有「高潜力」和「采购设备」的客户 (customers with both tags):\n");
  filter[0] = hot;
  filter[1] = equipment;
  q = (crm_customer_query)CRM_CUSTOMER_QUERY_INIT;
  q.owner = rep->id;
  q.tags_all = filter;
  q.tags_all_count = 2;
  CHECK(crm_customer_list(s, &q, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    const char *id = NULL, *name = NULL;
    CHECK(crm_record_get_text(row, "id", &id));
    CHECK(crm_record_get_text(row, "name", &name));
    printf("    %s  %s\n", id, name);
    shown++;
  }
  crm_cursor_close(c);
  if (shown != 2) contract_failure("the all-of filter returned %d customers, expected 2", shown);
  crm_session_close(s);
}

/* ======================================================================== */
/* A record with many bad fields                                            */
/* ======================================================================== */

static void show_bad_record(crm_session* admin, crm_session* rep, const demo_user* who) {
  static const char* const expected[] = {"name",       "phone",    "email",
                                         "entry_date", "priority", "key_needs"};
  /* 220 characters: over the 200-character limit of 关键需求. */
  static const char long_need[] =
      "客户计划在明年上半年完成全国十二个办事处的客户资料整合，要求统一客户档案、"
      "联系人及决策人信息，并与现有ERP系统的订单和回款数据对接；"
      "同时希望按客户价值自动分为A、B、C三类并设置跟进频次，超期未跟进时提醒销售经理；"
      "另需支持展会线索批量导入、24小时内自动分配给对应区域销售，"
      "以及客服工单的分类派发、超时升级和满意度回访，所有联系方式的查看都要留痕审计，"
      "数据需加密存储并每日备份，并在每月初自动生成上月的客户分级名册、销售漏斗和服务满意度报表，"
      "通过邮件发送给销售总监和客服经理。";
  crm_record* rec = NULL;
  char* new_id = NULL;
  long before, after;
  error_snapshot e;
  int rc, i, j;
  table t;

  printf(
      "  %s 录入一条有多处错误的《客户信息登记表》(%s enters a record with several bad "
      "fields):\n\n",
      who->name, who->login);
  before = count_customers(admin, 0);
  CHECK(crm_record_new(&rec));
  CHECK(crm_record_set_text(rec, "name", "某科技公司"));
  CHECK(crm_record_set_text(rec, "contact_name", "王建华"));
  CHECK(crm_record_set_text(rec, "phone", "12345678901"));
  CHECK(crm_record_set_text(rec, "email", "wang@"));
  CHECK(crm_record_set_text(rec, "industry", "制造业"));
  CHECK(crm_record_set_text(rec, "scale", "100-500人"));
  CHECK(crm_record_set_text(rec, "source", "展会"));
  CHECK(crm_record_set_text(rec, "key_needs", long_need));
  CHECK(crm_record_set_text(rec, "priority", "特急"));
  CHECK(crm_record_set_text(rec, "entry_date", "2026-02-30"));
  table_init(&t, 3, "字段", "输入值", "问题");
  table_add(&t, "客户全称 name", "某科技公司", "模糊名称 (vague name)");
  table_add(&t, "联系电话 phone", "12345678901", "不是有效号码 (not a valid number)");
  table_add(&t, "电子邮箱 email", "wang@", "缺少域名 (no domain)");
  table_add(&t, "录入日期 entry_date", "2026-02-30", "2月没有30日 (no such day)");
  table_add(&t, "需求优先级 priority", "特急", "不在 高/中/低 之中 (not high/medium/low)");
  {
    char len[64];
    snprintf(len, sizeof len, "(%d 个字 characters)", utf8_length(long_need));
    table_add(&t, "关键需求 key_needs", len, "超过 200 字 (over 200 characters)");
  }
  table_print(&t, "    ");
  table_free(&t);

  rc = crm_customer_create(rep, rec, &new_id);
  snapshot_error(rc, &e);
  crm_record_free(rec);
  printf("\n  crm_customer_create 返回 (returned):\n");
  print_error(&e, "    ");
  if (rc == CRM_OK) {
    contract_failure("the bad record was accepted as %s", new_id ? new_id : "?");
    crm_free(new_id);
  } else if (rc != CRM_ERR_VALIDATION) {
    contract_failure("expected CRM_ERR_VALIDATION, got %s", crm_status_name(rc));
  }
  for (i = 0; i < (int)(sizeof expected / sizeof expected[0]); i++) {
    int found = 0;
    for (j = 0; j < e.field_count; j++)
      if (strcmp(e.fields[j].name, expected[i]) == 0) found = 1;
    if (!found) contract_failure("field \"%s\" was not reported", expected[i]);
  }
  printf("\n  报告了 %d 个不合格字段 (%d failing fields reported)\n", e.field_count, e.field_count);

  after = count_customers(admin, 0);
  printf(
      "  客户总数：录入前 %ld，录入后 %ld —— %s\n", before, after,
      before == after ? "没有保存任何内容 (nothing was saved)" : "数量变了! (the count changed!)");
  if (before != after) contract_failure("a rejected record changed the customer count");
}

/* ======================================================================== */
/* Optimistic concurrency, a lifecycle step, and the history                */
/* ======================================================================== */

static void print_customer_summary(crm_session* s, const char* id) {
  crm_record* r = NULL;
  char name[256], contact[64], phone[64], type[64], prio[64], needs[1024];
  CHECK(crm_customer_get(s, id, &r));
  printf("    %s  %s\n", id, field_str(r, "name", name, sizeof name));
  printf("    联系人 %s，电话 %s，类型 %s，优先级 %s，版本 (version) %lld\n",
         field_str(r, "contact_name", contact, sizeof contact),
         field_str(r, "phone_display", phone, sizeof phone),
         dict_label(s, "customer_type", field_str(r, "type", type, sizeof type)),
         dict_label(s, "priority", field_str(r, "priority", prio, sizeof prio)),
         (long long)field_int(r, "version"));
  printf("    关键需求： %s\n", field_str(r, "key_needs", needs, sizeof needs));
  crm_record_free(r);
}

/* The first prospect (潜在客户) of an owner; the id is copied into buf. */
static void first_prospect(crm_session* s, int64_t owner, char* buf, size_t size) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int rc;
  q.owner = owner;
  q.type = "prospect";
  q.page_size = 1;
  CHECK(crm_customer_list(s, &q, &c));
  rc = crm_cursor_next(c, &row);
  if (rc != CRM_OK) {
    printf("  没有潜在客户 (no prospect found): %s\n", crm_status_name(rc));
    exit(1);
  }
  field_str(row, "id", buf, size);
  crm_cursor_close(c);
}

static void show_update_and_lifecycle(crm_db* db, const demo_user* rep, char* id, size_t id_size) {
  crm_session *pc = NULL, *phone_app = NULL;
  crm_record *r = NULL, *change = NULL;
  int64_t v1, v2 = 0, v3 = 0;
  char prio[64];
  error_snapshot e;
  int rc;

  CHECK(crm_session_open(db, rep->id, &pc));
  CHECK(crm_session_open(db, rep->id, &phone_app));
  first_prospect(pc, rep->id, id, id_size);

  printf("  %s 在电脑和手机上同时打开了客户 %s (two sessions open the same customer):\n\n",
         rep->name, id);
  print_customer_summary(pc, id);

  /* Both sessions read version v1. */
  CHECK(crm_customer_get(pc, id, &r));
  v1 = field_int(r, "version");
  crm_record_free(r);

  /* 09:25 — the PC session changes the phone number and the needs. */
  CHECK(crm_db_clock_fixed(db, DEMO_NOW_MS + 25 * MINUTE_MS));
  CHECK(crm_record_new(&change));
  CHECK(crm_record_set_int(change, "version", v1));
  CHECK(crm_record_set_text(change, "phone", "+86 139 1088 6620"));
  CHECK(crm_record_set_text(change, "key_needs",
                            "电话回访确认：需要统一管理经销商订单与回款，预算约80万元，"
                            "决策人为采购总监"));
  CHECK(crm_record_set_text(change, "priority", "高"));
  rc = crm_customer_update(pc, id, change, &v2);
  crm_record_free(change);
  printf(
      "\n  09:25 电脑端以版本 %lld 修改联系电话、关键需求、优先级 "
      "(PC updates with version %lld): %s，新版本 (new version) %lld\n",
      (long long)v1, (long long)v1, rc == CRM_OK ? "成功 (ok)" : crm_status_name(rc),
      (long long)v2);
  if (rc != CRM_OK) fail("crm_customer_update with the current version", rc);
  {
    /* Reads show the phone masked; the stored value takes an unmask with a
     * reason, which the audit log keeps. */
    char masked[64], clear[64];
    CHECK(crm_customer_get(pc, id, &r));
    field_str(r, "phone", masked, sizeof masked);
    crm_record_free(r);
    CHECK(crm_customer_unmask(pc, id, "核对刚录入的新号码", &r));
    field_str(r, "phone", clear, sizeof clear);
    crm_record_free(r);
    printf(
        "    读取时电话显示为 %s；查看完整号码（原因：核对刚录入的新号码）→ 存储为 %s\n"
        "    (reads show %s; unmasked with a reason, the stored E.164 value is %s)\n",
        masked, clear, masked, clear);
    if (strcmp(clear, "+8613910886620") != 0)
      contract_failure("the unmasked phone is %s, expected +8613910886620", clear);
    if (!strstr(masked, "****")) contract_failure("crm_customer_get shows the phone %s", masked);
  }

  /* 09:31 — the phone app still holds version v1. */
  CHECK(crm_db_clock_fixed(db, DEMO_NOW_MS + 31 * MINUTE_MS));
  CHECK(crm_record_new(&change));
  CHECK(crm_record_set_int(change, "version", v1));
  CHECK(crm_record_set_text(change, "priority", "低"));
  rc = crm_customer_update(phone_app, id, change, NULL);
  snapshot_error(rc, &e);
  crm_record_free(change);
  printf(
      "\n  09:31 手机端仍以旧版本 %lld 把优先级改为「低」(the phone app updates with the "
      "stale version %lld):\n",
      (long long)v1, (long long)v1);
  print_error(&e, "    ");
  if (rc != CRM_ERR_CONFLICT)
    contract_failure("a stale version gave %s, not CRM_ERR_CONFLICT", crm_status_name(rc));
  else
    printf("    → 被拒绝，电脑端的修改没有被覆盖 (rejected: the PC's change is not lost)\n");

  /* The usual answer to a conflict: reload, look again, re-apply if still
   * wanted.  Here the rep decides the priority stays 高. */
  CHECK(crm_customer_get(phone_app, id, &r));
  field_str(r, "priority", prio, sizeof prio);
  printf("    手机端重新读取后看到版本 %lld，优先级「%s」，决定保持不变 (reloads and keeps it)\n",
         (long long)field_int(r, "version"), dict_label(phone_app, "priority", prio));
  crm_record_free(r);

  /* 11:00 — the customer confirms the budget: 潜在客户 -> 意向客户. */
  CHECK(crm_db_clock_fixed(db, DEMO_NOW_MS + 120 * MINUTE_MS));
  CHECK(crm_customer_set_type(pc, id, "intent", "客户确认预算约80万元，要求下周三前提交方案"));
  printf(
      "\n  11:00 客户类型 潜在客户 → 意向客户 (prospect → intent)，原因："
      "客户确认预算约80万元，要求下周三前提交方案\n\n");
  print_customer_summary(pc, id);
  CHECK(crm_customer_get(pc, id, &r));
  v3 = field_int(r, "version");
  crm_record_free(r);
  if (v3 <= v2) contract_failure("version did not grow after set_type (%lld)", (long long)v3);

  crm_session_close(phone_app);
  crm_session_close(pc);
}

static void show_history(crm_db* db, const demo_user* rep, const char* id) {
  static const char* const kinds[][2] = {
      {"create", "创建"}, {"update", "修改"}, {"type", "类型变更"}, {"archive", "归档"}};
  crm_session* s = NULL;
  crm_cursor* c = NULL;
  const crm_record* row;
  int rc, created_fields = 0, type_rows = 0, other_rows = 0;
  char create_at[32] = "", create_actor[64] = "";

  CHECK(crm_session_open(db, rep->id, &s));
  CHECK(crm_customer_history(s, id, &c));
  printf(
      "  %s 查看客户 %s 的变更历史，最早的在前，电话同样脱敏 (oldest first; phones masked as in"
      " every read):\n\n",
      rep->name, id);
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char kind[32], field[64], before[512], after[512], reason[512], at[32], actor[64];
    const char *kind_zh, *dict;
    size_t k;
    field_str(row, "kind", kind, sizeof kind);
    field_str(row, "field", field, sizeof field);
    field_str(row, "before", before, sizeof before);
    field_str(row, "after", after, sizeof after);
    field_str(row, "reason", reason, sizeof reason);
    format_beijing(field_int(row, "at"), at, sizeof at);
    snprintf(actor, sizeof actor, "%s", user_name(field_int(row, "actor")));
    if (strcmp(kind, "create") == 0) {
      /* Creation is one row: the record itself is the first state. */
      created_fields++;
      snprintf(create_at, sizeof create_at, "%s", at);
      snprintf(create_actor, sizeof create_actor, "%s", actor);
      continue;
    }
    if (created_fields > 0 && other_rows == 0) {
      printf("  %s  ", create_at);
      print_padded(create_actor, 6);
      printf(" 创建 (create)，批量导入 (bulk load)\n");
    }
    other_rows++;
    if (strcmp(kind, "type") == 0) type_rows++;
    kind_zh = kind;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
      if (strcmp(kind, kinds[k][0]) == 0) kind_zh = kinds[k][1];
    if ((dict = dict_of_field(field)) != NULL) {
      char b[512], a[512];
      snprintf(b, sizeof b, "%s", dict_label(s, dict, before));
      snprintf(a, sizeof a, "%s", dict_label(s, dict, after));
      snprintf(before, sizeof before, "%s", b);
      snprintf(after, sizeof after, "%s", a);
    }
    printf("  %s  ", at);
    print_padded(actor, 6);
    printf(" %s (%s) %s %s:\n", kind_zh, kind, field_label_zh("customer", field), field);
    printf("        原值 (before): %s\n", before[0] ? before : "(空)");
    printf("        新值 (after):  %s\n", after[0] ? after : "(空)");
    if (reason[0]) printf("        原因 (reason): %s\n", reason);
  }
  if (rc != CRM_DONE) fail("crm_cursor_next (history)", rc);
  if (created_fields > 0 && other_rows == 0) {
    printf("  %s  ", create_at);
    print_padded(create_actor, 6);
    printf(" 创建 (create)\n");
  }
  crm_cursor_close(c);
  if (created_fields == 0) contract_failure("the history has no create rows");
  if (type_rows == 0) contract_failure("the history has no type-change row");
  crm_session_close(s);
}

/* ======================================================================== */
/* main                                                                     */
/* ======================================================================== */

/* Remove a previous run's database, but never a file that is not a libcrm
 * database (crm_demo some-important-file.xlsx must not destroy it). */
static void remove_old_database(const char* path) {
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  crm_db* old = NULL;
  FILE* f = fopen(path, "rb");
  const char* suffixes[] = {"-wal", "-shm", "-journal"};
  char side[1024];
  size_t i;
  int rc;
  if (!f) return;
  fclose(f);
  o.flags = CRM_OPEN_READONLY | CRM_OPEN_NOCREATE;
  rc = crm_db_open(path, &o, &old);
  if (rc == CRM_OK) crm_db_close(old);
  if (rc == CRM_ERR_NOTADB || rc == CRM_ERR_CORRUPT) {
    printf("%s 不是 libcrm 数据库，拒绝覆盖 (not a libcrm database; not overwriting it)\n", path);
    exit(1);
  }
  if (remove(path) != 0) {
    printf("无法删除旧的数据库 (cannot remove the old database): %s\n", path);
    exit(1);
  }
  for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
    remove(side);
  }
}

/* ======================================================================== */
/* Custom fields in the list view                                           */
/* ======================================================================== */

static long count_where(crm_session* s, int64_t owner, const char* field, const char* op,
                        const char* value) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_field_filter filter;
  int64_t n = 0;
  filter.field = field;
  filter.op = op;
  filter.value = value;
  q.owner = owner;
  q.filters = &filter;
  q.filter_count = 1;
  CHECK(crm_customer_count(s, &q, &n));
  return (long)n;
}

static void show_custom_fields(crm_db* db, const demo_user* rep) {
  static const char* const budgets[] = {"10万以下", "10-50万", "50-100万", "100万以上"};
  static const char* const amounts[] = {"186.5", "120", "95"};
  static const char* const expected[] = {"186.5", "120.0", "95.0"};
  crm_session* s = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_field_filter filter;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char ids[3][16], buf[32];
  long total, counted = 0, unset;
  int i, n = 0, rows = 0;
  table t;

  CHECK(crm_session_open_login(db, rep->login, &s));
  total = count_customers(s, rep->id);
  printf("  %s 的 %ld 个客户按「客户预算范围」统计 (their customers by budget range):\n\n",
         rep->name, total);
  table_init(&t, 2, "客户预算范围", "客户数");
  for (i = 0; i < 4; i++) {
    long k = count_where(s, rep->id, "custom.budget_range", "=", budgets[i]);
    snprintf(buf, sizeof buf, "%ld", k);
    table_add(&t, budgets[i], buf);
    counted += k;
  }
  unset = count_where(s, rep->id, "custom.budget_range", "null", NULL);
  snprintf(buf, sizeof buf, "%ld", unset);
  table_add(&t, "(未填写 / not given)", buf);
  table_print(&t, "  ");
  table_free(&t);
  if (counted + unset != total)
    contract_failure("budget counts %ld + %ld do not add up to %ld", counted, unset, total);

  /* The rep records the annual budget of three big-budget customers. */
  filter.field = "custom.budget_range";
  filter.op = "=";
  filter.value = "100万以上";
  q.owner = rep->id;
  q.filters = &filter;
  q.filter_count = 1;
  q.page_size = 3;
  CHECK(crm_customer_list(s, &q, &c));
  while (n < 3 && crm_cursor_next(c, &row) == CRM_OK) {
    const char* id = NULL;
    CHECK(crm_record_get_text(row, "id", &id));
    copy_str(ids[n++], sizeof ids[0], id);
  }
  crm_cursor_close(c);
  for (i = 0; i < n; i++) {
    crm_record* rec = NULL;
    CHECK(crm_record_new(&rec));
    CHECK(crm_record_set_text(rec, "custom.annual_budget", amounts[i]));
    CHECK(crm_customer_update(s, ids[i], rec, NULL));
    crm_record_free(rec);
  }
  printf("\n  为其中 %d 个客户填写「年度预算（万元）」(annual budget recorded for %d)\n", n, n);

  printf(
      "\n  预算 100万以上 的客户，按年度预算从高到低 (budget 100万以上, by annual budget,"
      " highest first):\n\n");
  q.page_size = 6;
  q.sort = "-custom.annual_budget";
  CHECK(crm_customer_list(s, &q, &c));
  table_init(&t, 4, "编号", "客户全称", "企业规模", "年度预算（万元）");
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char id[16], name[256], scale[64], amount[32];
    field_str(row, "id", id, sizeof id);
    field_str(row, "name", name, sizeof name);
    field_str(row, "scale", scale, sizeof scale);
    field_str(row, "custom.annual_budget", amount, sizeof amount);
    if (rows < n && (strcmp(id, ids[rows]) != 0 || strcmp(amount, expected[rows]) != 0))
      contract_failure("row %d is %s with %s, expected %s with %s", rows + 1, id, amount, ids[rows],
                       expected[rows]);
    if (rows >= n && amount[0]) contract_failure("%s has a budget but sorts after the rest", id);
    table_add(&t, id, name, dict_label(s, "scale", scale), amount[0] ? amount : "(未填写)");
    rows++;
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);
  printf("\n  未填写年度预算的客户排在最后 (customers without a value come last)\n");

  {
    crm_record* rec = NULL;
    error_snapshot e;
    int rc;
    CHECK(crm_record_new(&rec));
    CHECK(crm_record_set_text(rec, "custom.annual_budget", "一百万"));
    CHECK(crm_record_set_text(rec, "custom.budget_range", "200万以上"));
    rc = crm_customer_update(s, ids[0], rec, NULL);
    crm_record_free(rec);
    printf("\n  填写不合格的自定义字段 (bad custom values are rejected like any field):\n");
    if (rc != CRM_ERR_VALIDATION) contract_failure("expected CRM_ERR_VALIDATION, got %d", rc);
    snapshot_error(rc, &e);
    print_error(&e, "    ");
  }
  crm_session_close(s);
}

/* ======================================================================== */
/* Tiers, follow-ups, reminders (客户分层、跟进与提醒)                         */
/* ======================================================================== */

static const int64_t HOUR_MS = INT64_C(3600000);
static const int64_t DAY_MS = INT64_C(86400000);

static const char* reminder_label(const char* kind) {
  static const char* const labels[][2] = {
      {"plan_reminder", "跟进提醒"},    {"plan_overdue", "跟进逾期"},
      {"cadence_lapsed", "超期未跟进"}, {"unverified", "信息待核实"},
      {"review_due", "月度复核"},       {"major_change", "重大变更待更新"},
      {"escalation", "升级提醒"}};
  size_t i;
  for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], kind) == 0) return labels[i][1];
  return kind;
}

/* A plan for `customer` at `at` (Beijing time is DEMO_NOW + offsets). */
static int64_t demo_plan(crm_session* s, const char* customer, const char* method, int64_t at,
                         const char* goal, const char* points, const char* materials) {
  crm_record *f = NULL, *out = NULL;
  int64_t id = 0;
  const char* warning = NULL;
  char when[32];
  CHECK(crm_record_new(&f));
  CHECK(crm_record_set_text(f, "goal", goal));
  CHECK(crm_record_set_text(f, "method", method));
  CHECK(crm_record_set_int(f, "planned_at", at));
  if (points) CHECK(crm_record_set_text(f, "talking_points", points));
  if (materials) CHECK(crm_record_set_text(f, "materials", materials));
  CHECK(crm_followup_plan_create(s, customer, f, &out));
  CHECK(crm_record_get_int(out, "id", &id));
  format_beijing(at, when, sizeof when);
  printf("  计划 #%lld %s %s %s：%s\n", (long long)id, when, customer, method, goal);
  if (crm_record_get_text(out, "warning_message_zh", &warning) == CRM_OK && warning)
    printf("    ⚠ %s\n", warning);
  crm_record_free(out);
  crm_record_free(f);
  return id;
}

static void demo_complete(crm_session* s, int64_t plan, const char* summary, const char* feedback,
                          const char* next_step, int64_t next_at, const char* major) {
  crm_record *f = NULL, *out = NULL;
  CHECK(crm_record_new(&f));
  CHECK(crm_record_set_text(f, "summary", summary));
  if (feedback) CHECK(crm_record_set_text(f, "feedback", feedback));
  if (next_step) CHECK(crm_record_set_text(f, "next_step", next_step));
  if (next_at) CHECK(crm_record_set_int(f, "next_plan_at", next_at));
  if (major) CHECK(crm_record_set_text(f, "major_change", major));
  CHECK(crm_followup_plan_complete(s, plan, f, &out));
  crm_record_free(out);
  crm_record_free(f);
}

/* Ticks every hour from `from` to `to` (inclusive). */
static void tick_hours(crm_db* db, crm_session* admin, int64_t from, int64_t to, int64_t* fired) {
  int64_t t;
  for (t = from; t <= to; t += HOUR_MS) {
    crm_tick_report r = CRM_TICK_REPORT_INIT;
    CHECK(crm_db_clock_fixed(db, t));
    CHECK(crm_tick(admin, 0, &r));
    *fired += r.fired;
  }
}

static void show_week(crm_db* db, crm_session* admin, const demo_user* rep) {
  /* Annual purchase potential (万元) and likelihood of cooperation (%). */
  static const char* const scores[6][2] = {{"180", "85"}, {"120", "60"}, {"45", "50"},
                                           {"20", "75"},  {"150", "90"}, {"10", "20"}};
  crm_session* s = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_agenda_query aq = CRM_AGENDA_QUERY_INIT;
  crm_roster_query rq = CRM_ROSTER_QUERY_INIT;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char ids[6][16], when[32], buf[320];
  int64_t plan_visit, plan_call, plan_demo, plan_extra, next_plan = 0, fired = 0;
  long by_kind[7] = {0, 0, 0, 0, 0, 0, 0}, total = 0, acked = 0;
  static const char* const kinds[7] = {"plan_reminder", "plan_overdue", "cadence_lapsed",
                                       "unverified",    "review_due",   "major_change",
                                       "escalation"};
  int i, n = 0;
  table t;

  CHECK(crm_session_open_login(db, rep->login, &s));
  q.owner = rep->id;
  q.page_size = 6;
  CHECK(crm_customer_list(s, &q, &c));
  while (n < 6 && crm_cursor_next(c, &row) == CRM_OK) {
    const char* id = NULL;
    CHECK(crm_record_get_text(row, "id", &id));
    copy_str(ids[n++], sizeof ids[0], id);
  }
  crm_cursor_close(c);
  if (n < 6) {
    contract_failure("%s has only %d customers", rep->name, n);
    crm_session_close(s);
    return;
  }

  printf(
      "  按年采购潜力（万元）与合作可能性（%%）分级 (grading: A weekly, B every two weeks,"
      " C monthly):\n\n");
  table_init(&t, 4, "编号", "等级", "下次跟进截止", "分级依据");
  for (i = 0; i < 6; i++) {
    crm_record *v = NULL, *out = NULL;
    char tier[8], due[16], reason[512];
    CHECK(crm_record_new(&v));
    CHECK(crm_record_set_text(v, "annual_potential", scores[i][0]));
    CHECK(crm_record_set_text(v, "cooperation_likelihood", scores[i][1]));
    CHECK(crm_customer_grade(s, ids[i], v, &out));
    field_str(out, "tier", tier, sizeof tier);
    field_str(out, "next_due_date", due, sizeof due);
    field_str(out, "reason", reason, sizeof reason);
    table_add(&t, ids[i], tier, due, reason);
    crm_record_free(out);
    crm_record_free(v);
  }
  table_print(&t, "  ");
  table_free(&t);

  /* R1.5: the rep confirms four of them by phone on the first day. */
  for (i = 0; i < 4; i++) CHECK(crm_customer_verify(s, ids[i], "phone", "电话确认需求"));
  printf("\n  已电话核实 %s–%s，%s 与 %s 尚未核实 (verified 4, 2 left unverified)\n", ids[0],
         ids[3], ids[4], ids[5]);
  {
    /* A call from two weeks ago, entered late: the A customer has lapsed. */
    crm_record* f = NULL;
    CHECK(crm_record_new(&f));
    CHECK(crm_record_set_text(f, "method", "电话"));
    CHECK(crm_record_set_int(f, "contacted_at", DEMO_NOW_MS - 13 * DAY_MS));
    CHECK(crm_record_set_text(f, "summary", "补录：电话了解设备更新计划"));
    CHECK(crm_followup_add(s, ids[4], f, NULL));
    crm_record_free(f);
    printf("  补录 %s 两周前的一次电话跟进 (a late entry: the A customer is overdue for contact)\n",
           ids[4]);
  }

  printf("\n  本周跟进计划 (this week's plans):\n");
  plan_visit = demo_plan(s, ids[0], "拜访", DEMO_NOW_MS + DAY_MS + HOUR_MS, "介绍新品方案",
                         "上次提出的交付周期问题；新品方案", "产品手册、报价单");
  plan_call = demo_plan(s, ids[1], "电话", DEMO_NOW_MS + 2 * DAY_MS + 5 * HOUR_MS, "确认采购预算",
                        NULL, NULL);
  plan_demo = demo_plan(s, ids[2], "线上会议", DEMO_NOW_MS + 3 * DAY_MS + 6 * HOUR_MS,
                        "在线演示系统", "演示报表模块", "演示账号");
  plan_extra = demo_plan(s, ids[0], "电话", DEMO_NOW_MS + DAY_MS + 7 * HOUR_MS, "再次确认拜访结论",
                         NULL, NULL);
  CHECK(crm_followup_plan_close(s, plan_extra, "cancelled", "避免过度打扰"));
  printf("    → 取消计划 #%lld (cancelled to avoid over-contacting)\n", (long long)plan_extra);

  /* The week: the scheduler ticks every hour; the rep acts on some days. */
  tick_hours(db, admin, DEMO_NOW_MS, DEMO_NOW_MS + DAY_MS + 90 * MINUTE_MS, &fired);
  demo_complete(s, plan_visit, "上门拜访，介绍新品方案", "对方案感兴趣，需内部评估", "发送正式报价",
                DEMO_NOW_MS + 4 * DAY_MS + HOUR_MS, NULL);
  CHECK(crm_customer_verify(s, ids[4], "email", "邮件确认"));
  tick_hours(db, admin, DEMO_NOW_MS + DAY_MS + 2 * HOUR_MS,
             DEMO_NOW_MS + 3 * DAY_MS + 6 * HOUR_MS + 30 * MINUTE_MS, &fired);
  demo_complete(s, plan_demo, "线上演示报表模块", "认可报表功能", "整理需求清单", 0,
                "采购负责人更换为李总");
  tick_hours(db, admin, DEMO_NOW_MS + 3 * DAY_MS + 7 * HOUR_MS,
             DEMO_NOW_MS + 4 * DAY_MS + HOUR_MS + 20 * MINUTE_MS, &fired);
  {
    crm_cursor* pc = NULL;
    CHECK(crm_customer_plans(s, ids[0], &pc));
    while (crm_cursor_next(pc, &row) == CRM_OK) {
      const char* state = NULL;
      int64_t id = 0;
      CHECK(crm_record_get_text(row, "state", &state));
      CHECK(crm_record_get_int(row, "id", &id));
      if (strcmp(state, "planned") == 0) next_plan = id;
    }
    crm_cursor_close(pc);
  }
  if (next_plan == 0)
    contract_failure("the visit's next_plan_at created no plan");
  else
    demo_complete(s, next_plan, "发送正式报价并电话讲解", "下周内部评审", "等待评审结果", 0, NULL);
  tick_hours(db, admin, DEMO_NOW_MS + 4 * DAY_MS + 2 * HOUR_MS,
             DEMO_NOW_MS + 6 * DAY_MS + 11 * HOUR_MS, &fired);
  (void)plan_call; /* left undone: overdue, then escalated to the supervisor */

  format_beijing(DEMO_NOW_MS + 6 * DAY_MS + 11 * HOUR_MS, when, sizeof when);
  printf("\n  一周后 (%s)，发件箱中的提醒 (the outbox after a simulated week):\n\n", when);
  {
    int64_t after = 0;
    int more = 1;
    table_init(&t, 5, "到期时间", "类型", "接收人", "渠道", "内容");
    while (more) {
      more = 0;
      CHECK(crm_outbox_list(admin, after, 500, 0, &c));
      while (crm_cursor_next(c, &row) == CRM_OK) {
        char kind[32], customer[16], channel[16], message[512];
        int64_t user = 0;
        int k, mine = 0;
        CHECK(crm_record_get_int(row, "id", &after));
        field_str(row, "kind", kind, sizeof kind);
        field_str(row, "customer", customer, sizeof customer);
        field_str(row, "channel", channel, sizeof channel);
        field_str(row, "message", message, sizeof message);
        for (k = 0; k < 7; k++)
          if (strcmp(kind, kinds[k]) == 0) by_kind[k]++;
        total++;
        more = 1;
        for (k = 0; k < 6; k++) mine |= strcmp(customer, ids[k]) == 0;
        if (!mine) continue;
        if (crm_record_get_int(row, "recipient_user", &user) != CRM_OK) user = 0;
        format_beijing(field_int(row, "due_at"), when, sizeof when);
        snprintf(buf, sizeof buf, "%s", user ? user_name(user) : "(销售经理)");
        table_add(&t, when, reminder_label(kind), buf, channel, message);
      }
      crm_cursor_close(c);
    }
    table_print(&t, "  ");
    table_free(&t);
  }
  printf(
      "\n  全部客户的提醒按类型统计 (all %ld messages by kind; every imported customer is"
      " still unverified):\n\n",
      total);
  table_init(&t, 2, "类型", "条数");
  for (i = 0; i < 7; i++) {
    snprintf(buf, sizeof buf, "%ld", by_kind[i]);
    table_add(&t, reminder_label(kinds[i]), buf);
  }
  table_print(&t, "  ");
  table_free(&t);
  for (;;) {
    int got = 0;
    CHECK(crm_outbox_fetch(admin, 500, 60000, NULL, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) {
      CHECK(crm_outbox_ack(admin, field_int(row, "id")));
      acked++;
      got = 1;
    }
    crm_cursor_close(c);
    if (!got) break;
  }
  printf(
      "\n  宿主程序取出并确认送达 %ld 条 (the host fetched, delivered and acknowledged %ld);"
      " 再次 tick 不会重复 (ticking again writes nothing twice)\n",
      acked, acked);
  if (acked != total) contract_failure("acknowledged %ld of %ld messages", acked, total);

  CHECK(crm_db_clock_fixed(db, DEMO_NOW_MS + 7 * DAY_MS));
  format_beijing(DEMO_NOW_MS + 7 * DAY_MS, when, sizeof when);
  printf("\n  %s 的待办 (agenda at %s, most urgent first):\n\n", rep->name, when);
  aq.page_size = 10;
  CHECK(crm_agenda(s, &aq, &c));
  table_init(&t, 4, "到期", "类型", "客户", "事项");
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char kind[16], customer[16], name[256], goal[256];
    field_str(row, "kind", kind, sizeof kind);
    field_str(row, "customer", customer, sizeof customer);
    field_str(row, "customer_name", name, sizeof name);
    field_str(row, "goal", goal, sizeof goal);
    format_beijing(field_int(row, "due_at"), when, sizeof when);
    snprintf(buf, sizeof buf, "%s %s", customer, name);
    table_add(&t, when,
              strcmp(kind, "lapsed") == 0         ? "超期未跟进"
              : strcmp(kind, "overdue_plan") == 0 ? "逾期计划"
                                                  : "今日计划",
              buf, goal[0] ? goal : "按等级应跟进");
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);

  printf("\n  客户分级名册 (graded roster):\n\n");
  rq.owner = rep->id;
  CHECK(crm_roster_list(s, &rq, &c));
  table_init(&t, 4, "等级", "编号", "客户全称", "下次跟进截止");
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char tier[8], id[16], name[256], due[16];
    table_add(&t, field_str(row, "tier", tier, sizeof tier), field_str(row, "id", id, sizeof id),
              field_str(row, "name", name, sizeof name),
              field_str(row, "next_due_date", due, sizeof due));
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);
  (void)fired;
  crm_session_close(s);
}

/* ======================================================================== */
/* Permissions, privacy and audit (权限、隐私与审计)                          */
/* ======================================================================== */

static crm_session* open_as(crm_db* db, const char* login) {
  crm_session* s = NULL;
  CHECK(crm_session_open_login(db, login, &s));
  return s;
}

/* Print a refusal that the demo expects, e.g.
 *   → CRM_ERR_NOT_FOUND：客户 C0001 不存在 (no customer C0001)
 * and count a contract failure if the status is not the expected one. */
static void expect_refusal(int rc, int expected, const char* what) {
  error_snapshot e;
  snapshot_error(rc, &e);
  printf("    → %s：%s (%s)\n", crm_status_name(rc), e.message_zh, e.message);
  if (rc != expected)
    contract_failure("%s gave %s, expected %s", what, crm_status_name(rc),
                     crm_status_name(expected));
}

/* Whether department `dept` is `root` or lies below it. */
static int department_within(const char* dept, const char* root) {
  int hops, i;
  for (hops = 0; dept && hops <= N_DEPARTMENTS; hops++) {
    const char* parent = NULL;
    if (strcmp(dept, root) == 0) return 1;
    for (i = 0; i < N_DEPARTMENTS; i++)
      if (strcmp(g_departments[i].name, dept) == 0) parent = g_departments[i].parent;
    dept = parent;
  }
  return 0;
}

/* The customers of the users in `root` and below, counted by the administrator. */
static long count_in_department(crm_session* admin, const char* root) {
  long n = 0;
  int i;
  for (i = 0; i < N_USERS; i++)
    if (department_within(g_users[i].department, root)) n += count_customers(admin, g_users[i].id);
  return n;
}

/* The first rows of the customer list as `login` sees it. */
static void show_list_as(crm_db* db, crm_session* admin, const char* login, const char* scope,
                         long expected) {
  crm_session* s = open_as(db, login);
  const demo_user* u = user_by_name(login);
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  long total = count_customers(s, 0);
  table t;
  printf("  %s（%s，%s）%s：共 %ld 个客户，前 4 个 (first 4 of %ld):\n", u->name, u->department,
         dict_label(admin, "role", u->role), scope, total, total);
  q.page_size = 4;
  CHECK(crm_customer_list(s, &q, &c));
  table_init(&t, 4, "编号", "客户全称", "负责人", "联系电话");
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char id[16], name[256], phone[64];
    field_str(row, "id", id, sizeof id);
    field_str(row, "name", name, sizeof name);
    field_str(row, "phone_display", phone, sizeof phone);
    table_add(&t, id, name, user_name(field_int(row, "owner")), phone);
    if (!strstr(phone, "****")) contract_failure("%s sees %s's phone unmasked", login, id);
  }
  crm_cursor_close(c);
  table_print(&t, "    ");
  table_free(&t);
  printf("\n");
  if (total != expected)
    contract_failure("%s sees %ld customers, expected %ld", login, total, expected);
  crm_session_close(s);
}

static const char* audit_action_label(const char* action) {
  static const char* const labels[][2] = {{"customer.create", "新建客户"},
                                          {"customer.update", "修改客户"},
                                          {"customer.read", "查看客户"},
                                          {"customer.unmask", "查看完整联系方式"},
                                          {"customer.grade", "客户分级"},
                                          {"customer.verify", "信息核实"},
                                          {"customer.set_tier", "调整等级"},
                                          {"customer.transfer", "客户转移"},
                                          {"customer.archive", "归档客户"},
                                          {"customer.review", "月度复核"},
                                          {"contact.unmask", "查看联系人完整信息"},
                                          {"access.request", "跨部门协作申请"},
                                          {"access.approve", "批准访问申请"},
                                          {"access.reject", "驳回访问申请"},
                                          {"access.revoke", "撤销访问授权"},
                                          {"access.withdraw", "撤回访问申请"}};
  size_t i;
  for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], action) == 0) return labels[i][1];
  return "";
}

/* Prints the outbox messages not yet acknowledged that go to `user`, and
 * acknowledges every pending message (the host delivered them). */
static int deliver_outbox(crm_session* admin, int64_t user, const char* kind) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int shown = 0;
  CHECK(crm_outbox_list(admin, 0, 1000, 1, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char k[32], message[512];
    int64_t to = 0;
    field_str(row, "kind", k, sizeof k);
    field_str(row, "message", message, sizeof message);
    if (crm_record_get_int(row, "recipient_user", &to) != CRM_OK) to = 0;
    if (to == user && strcmp(k, kind) == 0) {
      printf("    ✉ 发件箱 → %s (outbox): %s\n", user_name(user), message);
      shown++;
    }
    CHECK(crm_outbox_ack(admin, field_int(row, "id")));
  }
  crm_cursor_close(c);
  return shown;
}

static void show_permissions(crm_db* db, crm_session* admin) {
  const demo_user *rep = user_by_name("zhangwei"), *colleague = user_by_name("liuyang"),
                  *manager = user_by_name("wangfang"), *other = user_by_name("chenjing");
  const int64_t t0 = DEMO_NOW_MS + 7 * DAY_MS + HOUR_MS; /* Monday 11-30 10:00 */
  crm_session *zhang = NULL, *liu = NULL, *wang = NULL, *chen = NULL;
  crm_record *r = NULL, *change = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char cid[16], when[32], buf[512];
  int64_t request = 0, moved = 0;
  long rep_count, liu_count, chen_count;
  int rc, found;
  table t;

  CHECK(crm_db_clock_fixed(db, t0));
  format_beijing(t0, when, sizeof when);
  printf("  时间 (time): %s\n", when);

  /* 11.1 — one list, three viewers. */
  printf("\n  11.1 同一份客户列表，不同身份看到的范围不同 (one list, three viewers)\n\n");
  show_list_as(db, admin, rep->login, "只看本人负责的客户 (own)", count_customers(admin, rep->id));
  show_list_as(db, admin, manager->login, "看本部门的客户 (department)",
               count_in_department(admin, manager->department));
  show_list_as(db, admin, "sunzhigang", "作为销售中心主管，看各下级部门 (supervisor)",
               count_in_department(admin, "销售中心"));
  printf("  三种身份看到的电话都已脱敏；完整号码需单独申请查看并留痕\n");
  printf("  (everyone sees masked phones; the full number takes an unmask, which is audited)\n");

  zhang = open_as(db, rep->login);
  liu = open_as(db, colleague->login);
  wang = open_as(db, manager->login);
  chen = open_as(db, other->login);
  {
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    q.page_size = 1;
    CHECK(crm_customer_list(zhang, &q, &c));
    if (crm_cursor_next(c, &row) != CRM_OK) fail("张伟 has no customer", CRM_DONE);
    field_str(row, "id", cid, sizeof cid);
    crm_cursor_close(c);
  }

  /* 11.2 — not found versus not allowed. */
  printf("\n  11.2 无权查看的客户如同不存在 (a customer one may not see does not exist)\n\n");
  printf("  %s（同部门的销售代表）打开 %s 的客户 %s (a colleague opens it):\n", colleague->name,
         rep->name, cid);
  rc = crm_customer_get(liu, cid, &r);
  expect_refusal(rc, CRM_ERR_NOT_FOUND, "a colleague's get");
  if (rc == CRM_OK) crm_record_free(r);
  printf("  %s 打开一个并不存在的客户 C9999 (a customer that does not exist):\n", colleague->name);
  rc = crm_customer_get(liu, "C9999", &r);
  expect_refusal(rc, CRM_ERR_NOT_FOUND, "a missing customer's get");
  if (rc == CRM_OK) crm_record_free(r);
  printf("  %s（销售经理）能看到 %s，但不能修改下属的客户 (the manager sees it, may not edit):\n",
         manager->name, cid);
  CHECK(crm_record_new(&change));
  CHECK(crm_record_set_text(change, "priority", "高"));
  rc = crm_customer_update(wang, cid, change, NULL);
  crm_record_free(change);
  expect_refusal(rc, CRM_ERR_PERMISSION, "a manager's update of a rep's customer");

  /* 11.3 — unmask with a reason. */
  printf("\n  11.3 查看完整联系方式须填写原因 (unmasking takes a reason)\n\n");
  {
    char phone[64], email[128], clear_phone[64], clear_email[128];
    const char* reason = "电话回访前核对号码";
    CHECK(crm_customer_get(zhang, cid, &r));
    field_str(r, "phone_display", phone, sizeof phone);
    field_str(r, "email", email, sizeof email);
    crm_record_free(r);
    CHECK(crm_customer_unmask(zhang, cid, reason, &r));
    field_str(r, "phone_display", clear_phone, sizeof clear_phone);
    field_str(r, "email", clear_email, sizeof clear_email);
    crm_record_free(r);
    table_init(&t, 3, "字段", "平时显示 (masked)", "查看完整 (unmasked)");
    table_add(&t, "联系电话", phone, clear_phone);
    table_add(&t, "电子邮箱", email, clear_email);
    printf("  %s 查看客户 %s，原因「%s」(reason kept in the audit log):\n\n", rep->name, cid,
           reason);
    table_print(&t, "    ");
    table_free(&t);
    if (strchr(clear_phone, '*') || strchr(clear_email, '*') || !strchr(phone, '*'))
      contract_failure("unmask gave %s / %s for %s / %s", clear_phone, clear_email, phone, email);
  }
  rc = crm_customer_unmask(zhang, cid, "", &r);
  printf("\n  不填原因 (without a reason):\n");
  expect_refusal(rc, CRM_ERR_INVALID_ARG, "an unmask without a reason");
  if (rc == CRM_OK) crm_record_free(r);

  /* 11.4 — a cross-department access request. */
  printf("\n  11.4 跨部门协作申请 (a cross-department access request)\n\n");
  chen_count = count_customers(chen, 0);
  printf("  %s（%s）为联合报价需要了解 %s 的需求，但看不到这个客户:\n", other->name,
         other->department, cid);
  rc = crm_customer_get(chen, cid, &r);
  expect_refusal(rc, CRM_ERR_NOT_FOUND, "another department's get");
  if (rc == CRM_OK) crm_record_free(r);
  CHECK(crm_access_request(chen, cid, "view", "basic,needs",
                           "客户在华东新设分公司，需了解总部采购需求以便联合报价", 72, &request));
  printf("\n  %s 提交申请 #%lld：查看 (view) %s 的「基本信息 basic、需求 needs」，72 小时\n",
         other->name, (long long)request, cid);
  CHECK(crm_tick(admin, 0, NULL));
  if (deliver_outbox(admin, rep->id, "access_pending") != 1)
    contract_failure("the owner was not told of access request %lld", (long long)request);

  printf("\n  %s 的待审批列表 (%s's \"to_decide\" list):\n\n", rep->name, rep->login);
  CHECK(crm_access_list(zhang, "to_decide", NULL, 1, &c));
  table_init(&t, 6, "申请", "客户", "申请人", "级别", "字段组", "原因");
  found = 0;
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char id[16], customer[16], who[64], level[16], groups[64], reason[512];
    field_str(row, "id", id, sizeof id);
    field_str(row, "customer", customer, sizeof customer);
    field_str(row, "requester_name", who, sizeof who);
    field_str(row, "level", level, sizeof level);
    field_str(row, "field_groups", groups, sizeof groups);
    field_str(row, "reason", reason, sizeof reason);
    table_add(&t, id, customer, who, level, groups, reason);
    if (field_int(row, "id") == request) found = 1;
  }
  crm_cursor_close(c);
  table_print(&t, "    ");
  table_free(&t);
  if (!found)
    contract_failure("request %lld is not in the owner's to_decide list", (long long)request);

  CHECK(crm_db_clock_fixed(db, t0 + 30 * MINUTE_MS));
  CHECK(crm_access_decide(zhang, request, 1, "同意，仅限需求信息，联系方式不开放"));
  printf("\n  %s 批准 (approves)：同意，仅限需求信息，联系方式不开放\n", rep->name);
  if (deliver_outbox(admin, other->id, "access_decision") != 1)
    contract_failure("the requester was not told of the decision");

  printf("\n  %s 现在能打开 %s，但只看到授权的字段组 (only the granted field groups):\n\n",
         other->name, cid);
  CHECK(crm_customer_get(chen, cid, &r));
  {
    static const char* const shown[] = {"name",     "industry",     "type",  "key_needs",
                                        "priority", "contact_name", "phone", "email"};
    size_t i;
    table_init(&t, 2, "字段 (field)", "内容 (value)");
    for (i = 0; i < sizeof shown / sizeof shown[0]; i++) {
      int32_t type;
      int present = crm_record_type(r, shown[i], &type) == CRM_OK;
      char value[512], label[128];
      const char* dict = dict_of_field(shown[i]);
      field_str(r, shown[i], value, sizeof value);
      snprintf(label, sizeof label, "%s %s", field_label_zh("customer", shown[i]), shown[i]);
      table_add(&t, label,
                !present ? "（未授权，不返回 / not granted）"
                : dict   ? dict_label(chen, dict, value)
                         : value);
      if (present != (i < 5))
        contract_failure("the grant %s \"%s\"", present ? "shows" : "hides", shown[i]);
    }
    table_print(&t, "    ");
    table_free(&t);
  }
  crm_record_free(r);
  printf("\n  %s 的客户列表：%ld 个 → %ld 个（含 1 个授权客户 / one granted customer)\n",
         other->name, chen_count, count_customers(chen, 0));
  if (count_customers(chen, 0) != chen_count + 1)
    contract_failure("the granted customer is not in the requester's list");

  CHECK(crm_db_clock_fixed(db, t0 + 30 * MINUTE_MS + 72 * HOUR_MS + MINUTE_MS));
  format_beijing(t0 + 30 * MINUTE_MS + 72 * HOUR_MS + MINUTE_MS, when, sizeof when);
  printf("\n  时钟拨到 %s，授权已到期 (72 hours later the grant has ended by itself):\n", when);
  rc = crm_customer_get(chen, cid, &r);
  expect_refusal(rc, CRM_ERR_NOT_FOUND, "a get after the grant expired");
  if (rc == CRM_OK) crm_record_free(r);
  CHECK(crm_access_list(chen, "mine", NULL, 0, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char state[16];
    if (field_int(row, "id") != request) continue;
    field_str(row, "state", state, sizeof state);
    format_beijing(field_int(row, "expires_at"), when, sizeof when);
    printf("    申请 #%lld 状态 (state): %s，到期时间 (expired at) %s\n", (long long)request, state,
           when);
    if (strcmp(state, "expired") != 0)
      contract_failure("request %lld is \"%s\" after its end", (long long)request, state);
  }
  crm_cursor_close(c);

  /* 11.5 — a rep leaves: the manager hands their customers over. */
  printf("\n  11.5 离职交接 (a leaving rep's customers are transferred)\n\n");
  rep_count = count_customers(admin, rep->id);
  liu_count = count_customers(admin, colleague->id);
  CHECK(
      crm_customer_transfer_all(wang, colleague->id, rep->id, "刘洋离职，客户交接给张伟", &moved));
  CHECK(crm_record_new(&change));
  CHECK(crm_record_set_int(change, "active", 0));
  CHECK(crm_user_update(admin, colleague->id, change));
  crm_record_free(change);
  printf("  %s（销售经理）把 %s 的 %lld 个客户转给 %s：%s %ld → %ld 个\n", manager->name,
         colleague->name, (long long)moved, rep->name, rep->name, rep_count,
         count_customers(admin, rep->id));
  printf("  管理员停用 %s 的账号；他仍打开着的会话在下一次调用时被拒绝 (his open session fails):\n",
         colleague->name);
  rc = crm_customer_get(liu, cid, &r);
  expect_refusal(rc, CRM_ERR_PERMISSION, "a deactivated user's call");
  if (rc == CRM_OK) crm_record_free(r);
  if (moved != liu_count || count_customers(admin, rep->id) != rep_count + liu_count)
    contract_failure("transfer_all moved %lld of %ld customers", (long long)moved, liu_count);

  /* 11.6 — the audit log of the customer. */
  printf("\n  11.6 客户 %s 的审计日志：创建与最近 7 条 (its creation and last 7 audit rows)\n\n",
         cid);
  {
#define AUDIT_SHOWN 7
    char rows[AUDIT_SHOWN][6][256], first[6][256];
    int n = 0, k, seen_create = 0, seen_unmask = 0, seen_request = 0, seen_approve = 0,
        seen_denied = 0;
    size_t idlen = strlen(cid);
    crm_audit_query q = CRM_AUDIT_QUERY_INIT;
    char* token = NULL;
    q.page_size = 1000;
    do {
      const char* next = NULL;
      q.after = token;
      CHECK(crm_audit_list(admin, &q, &c));
      while (crm_cursor_next(c, &row) == CRM_OK) {
        char object[64], action[64], outcome[16], detail[200];
        field_str(row, "object", object, sizeof object);
        /* "C0001", or "C0001/access:1" for a request about it. */
        if (strncmp(object, cid, idlen) != 0 || (object[idlen] && object[idlen] != '/')) continue;
        field_str(row, "action", action, sizeof action);
        field_str(row, "outcome", outcome, sizeof outcome);
        field_str(row, "detail", detail, sizeof detail);
        seen_create |= strcmp(action, "customer.create") == 0;
        seen_unmask |= strcmp(action, "customer.unmask") == 0;
        seen_request |= strcmp(action, "access.request") == 0;
        seen_approve |= strcmp(action, "access.approve") == 0;
        seen_denied |= strcmp(outcome, "denied") == 0;
        k = n % AUDIT_SHOWN;
        snprintf(rows[k][0], sizeof rows[k][0], "%lld", (long long)field_int(row, "seq"));
        format_beijing(field_int(row, "at"), rows[k][1], sizeof rows[k][1]);
        snprintf(rows[k][2], sizeof rows[k][2], "%s", user_name(field_int(row, "actor")));
        snprintf(rows[k][3], sizeof rows[k][3], "%s %s", action, audit_action_label(action));
        snprintf(rows[k][4], sizeof rows[k][4], "%s",
                 strcmp(outcome, "ok") == 0 ? "成功 ok" : "拒绝 denied");
        snprintf(rows[k][5], sizeof rows[k][5], "%s",
                 strcmp(detail, "not visible") == 0 ? "对其不可见 (not visible)" : detail);
        if (n == 0) memcpy(first, rows[k], sizeof first);
        n++;
      }
      CHECK(crm_cursor_next_page(c, &next));
      free(token);
      token = next ? xstrdup(next) : NULL;
      crm_cursor_close(c);
    } while (token);
    table_init(&t, 6, "序号", "时间", "操作人", "操作", "结果", "说明");
    if (n > AUDIT_SHOWN) {
      char skipped[64];
      snprintf(skipped, sizeof skipped, "（省略 %d 条 / %d more）", n - AUDIT_SHOWN - 1,
               n - AUDIT_SHOWN - 1);
      table_add(&t, first[0], first[1], first[2], first[3], first[4], first[5]);
      if (n > AUDIT_SHOWN + 1) table_add(&t, "…", "", "", skipped, "", "");
    }
    for (k = n > AUDIT_SHOWN ? n - AUDIT_SHOWN : 0; k < n; k++) {
      char(*x)[256] = rows[k % AUDIT_SHOWN];
      table_add(&t, x[0], x[1], x[2], x[3], x[4], x[5]);
    }
    table_print(&t, "  ");
    table_free(&t);
    printf("\n  共 %d 条与 %s 有关 (%d rows about %s in all)\n", n, cid, n, cid);
    if (!seen_create || !seen_unmask || !seen_request || !seen_approve || !seen_denied)
      contract_failure(
          "the audit log lacks create %d, unmask %d, request %d, approve %d or a denial %d",
          seen_create, seen_unmask, seen_request, seen_approve, seen_denied);
#undef AUDIT_SHOWN
  }

  /* 11.7 — the chain. */
  printf("\n  11.7 审计链校验 (the audit chain)\n\n");
  {
    int64_t head_seq = 0, ok = 0, checked = 0;
    char* head = NULL;
    char problem[64];
    CHECK(crm_audit_head(admin, &head_seq, &head));
    CHECK(crm_audit_verify(admin, head_seq, head, &r));
    ok = field_int(r, "ok");
    checked = field_int(r, "checked");
    field_str(r, "problem", problem, sizeof problem);
    snprintf(buf, sizeof buf, "%.16s…", head);
    printf("  链头 (head): #%lld %s（宜另行保存 / keep a copy elsewhere）\n", (long long)head_seq,
           buf);
    printf("  crm_audit_verify: %s，共校验 %lld 行 (%s, %lld rows checked)\n",
           ok ? "链完整" : "链已损坏", (long long)checked, ok ? "the chain is whole" : problem,
           (long long)checked);
    if (!ok || checked != head_seq)
      contract_failure("audit verify: ok %lld, checked %lld of %lld, problem %s", (long long)ok,
                       (long long)checked, (long long)head_seq, problem);
    crm_record_free(r);
    crm_free(head);
  }

  crm_session_close(chen);
  crm_session_close(wang);
  crm_session_close(liu);
  crm_session_close(zhang);
}

/* ======================================================================== */
/* Leads (线索)                                                              */
/* ======================================================================== */

/* The labels of the lead messages in the outbox. */
static const char* lead_message_label(const char* kind) {
  static const char* const labels[][2] = {{"lead_welcome", "欢迎短信"},
                                          {"lead_assigned", "新线索分配"},
                                          {"lead_high_value", "高价值线索"},
                                          {"lead_unassigned", "超时未分配"}};
  size_t i;
  for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], kind) == 0) return labels[i][1];
  return kind;
}

static const char* lead_outcome_label(int32_t outcome) {
  switch (outcome) {
    case CRM_LEAD_CREATED:
      return "新线索 (created)";
    case CRM_LEAD_REPEATED:
      return "同一表单重复提交 (repeated)";
    case CRM_LEAD_DUPLICATE:
      return "重复线索，已记在原线索上 (duplicate)";
    case CRM_LEAD_LINKED:
      return "已是客户，关联该客户 (linked)";
    default:
      return "?";
  }
}

/* A lead as a web form, a trade-show badge scan or a call would give it. */
typedef struct {
  const char *channel, *company, *person, *phone, *region, *industry, *scale, *needs, *external;
} demo_lead;

static int64_t demo_capture(crm_session* s, const demo_lead* l, int32_t* outcome) {
  crm_record* f = NULL;
  int64_t id = 0;
  CHECK(crm_record_new(&f));
  CHECK(crm_record_set_text(f, "channel", l->channel));
  CHECK(crm_record_set_text(f, "company", l->company));
  CHECK(crm_record_set_text(f, "person", l->person));
  CHECK(crm_record_set_text(f, "phone", l->phone));
  CHECK(crm_record_set_text(f, "region", l->region));
  CHECK(crm_record_set_text(f, "industry", l->industry));
  CHECK(crm_record_set_text(f, "scale", l->scale));
  CHECK(crm_record_set_text(f, "key_needs", l->needs));
  if (l->external) CHECK(crm_record_set_text(f, "external_id", l->external));
  CHECK(crm_lead_capture(s, f, &id, outcome));
  crm_record_free(f);
  return id;
}

static double lead_score(crm_session* s, int64_t lead, int64_t* high_value) {
  crm_record* r = NULL;
  double score = 0;
  CHECK(crm_lead_get(s, lead, &r));
  CHECK(crm_record_get_real(r, "score", &score));
  *high_value = field_int(r, "high_value");
  crm_record_free(r);
  return score;
}

/* "+8613826541234" → "138****1234" for printing an address. */
static void mask_address(const char* address, char* buf, size_t size) {
  size_t n = strlen(address);
  if (n >= 11 && address[0] == '+')
    snprintf(buf, size, "%.3s****%s", address + n - 11, address + n - 4);
  else
    copy_str(buf, size, address);
}

static void print_lead_table(crm_session* s, const int64_t* ids, int n) {
  table t;
  int i;
  table_init(&t, 7, "线索", "渠道", "公司", "联系人", "阶段", "负责人", "分配说明");
  for (i = 0; i < n; i++) {
    crm_record* r = NULL;
    char id[16], channel[32], company[128], person[64], stage[32], note[160];
    int64_t owner = 0;
    CHECK(crm_lead_get(s, ids[i], &r));
    snprintf(id, sizeof id, "#%lld", (long long)ids[i]);
    field_str(r, "channel", channel, sizeof channel);
    field_str(r, "company", company, sizeof company);
    field_str(r, "person", person, sizeof person);
    field_str(r, "stage", stage, sizeof stage);
    field_str(r, "route_note", note, sizeof note);
    if (crm_record_get_int(r, "owner", &owner) != CRM_OK) owner = 0;
    table_add(&t, id, dict_label(s, "source", channel), company, person,
              dict_label(s, "lead_stage", stage), owner ? user_name(owner) : "线索池 (pool)",
              note[0] ? note : "-");
    crm_record_free(r);
  }
  table_print(&t, "  ");
  table_free(&t);
}

static void show_leads(crm_db* db, crm_session* admin) {
  /* Friday 2026-12-04 09:00, after the week and the permissions above. */
  const int64_t t0 = DEMO_NOW_MS + 11 * DAY_MS;
  const demo_user *huang = user_by_name("huangmin"), *lin = user_by_name("linhao"),
                  *wu = user_by_name("wugang"), *zhou = user_by_name("zhoutao"),
                  *head = user_by_name("sunzhigang");
  static const demo_lead leads[] = {
      {"官网", "深圳市华锐智能装备有限公司", "林志强", "138 2654 1234", "广东省深圳市", "制造业",
       "100-500人", "MES 系统选型，打通生产排程与仓储，预计明年一季度上线", "WEB-20261204-0017"},
      {"展会", "广州市云启软件科技有限公司", "陈晓燕", "137 1121 8866", "广东省广州市",
       "软件和信息技术服务", "50-100人", "代理商渠道管理与续费提醒", NULL},
      {"电话咨询", "佛山市禾丰连锁超市有限公司", "何慧敏", "139 2778 5301", "广东省佛山市", "零售",
       "500-1000人", "30 家门店会员统一管理，询问私有化部署报价", NULL},
      {"客户转介绍", "宁波甬华模具有限公司", "周建平", "135 8642 7710", "浙江省宁波市", "机械制造",
       "1000万-1亿", "经销商订单与回款管理，由老客户推荐", NULL},
      {"合作伙伴推荐", "成都蓉信医疗科技有限公司", "罗婷", "186 2803 4412", "四川省成都市",
       "医疗健康", "100-500人", "医疗器械经销商拜访记录与合规留痕", NULL},
  };
  enum { N_LEADS = (int)(sizeof leads / sizeof leads[0]) };
  int64_t ids[N_LEADS], owners[2] = {0, 0}, high = 0, rule_id = 0;
  crm_session *marketing = NULL, *manager = NULL, *rep = NULL, *center = NULL;
  crm_record *r = NULL, *rule = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  table t;
  char buf[256], when[32];
  double score = 0;
  int i;

  CHECK(crm_db_clock_fixed(db, t0));
  CHECK(crm_session_open(db, zhou->id, &marketing));
  CHECK(crm_session_open(db, wu->id, &manager));
  CHECK(crm_session_open(db, huang->id, &rep));

  /* 12.1 — assignment rules: by region and industry, a person or a team. */
  printf("  12.1 线索分配规则 (assignment rules, tried in order)\n\n");
  {
    static const struct {
      const char *region, *industry, *login, *department;
    } rules[] = {{"广东", "制造业", "huangmin", NULL},
                 {"广东", NULL, NULL, "华南销售部"},
                 {"浙江", NULL, NULL, "华东销售部"}};
    for (i = 0; i < 3; i++) {
      CHECK(crm_record_new(&rule));
      CHECK(crm_record_set_text(rule, "region", rules[i].region));
      if (rules[i].industry) CHECK(crm_record_set_text(rule, "industry", rules[i].industry));
      if (rules[i].login) CHECK(crm_record_set_int(rule, "user", user_by_name(rules[i].login)->id));
      if (rules[i].department) CHECK(crm_record_set_text(rule, "department", rules[i].department));
      CHECK(crm_lead_route_add(admin, rule, &rule_id));
      crm_record_free(rule);
    }
    table_init(&t, 4, "顺序", "地区", "行业", "分配给");
    CHECK(crm_lead_route_list(admin, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) {
      char position[16], region[64], industry[64], department[64];
      int64_t user = 0;
      field_str(row, "position", position, sizeof position);
      field_str(row, "region", region, sizeof region);
      field_str(row, "industry", industry, sizeof industry);
      field_str(row, "department", department, sizeof department);
      if (crm_record_get_int(row, "user", &user) != CRM_OK) user = 0;
      if (user)
        snprintf(buf, sizeof buf, "%s", user_name(user));
      else
        snprintf(buf, sizeof buf, "%s（轮流分配 / round robin）", department);
      table_add(&t, position, region[0] ? region : "任意",
                industry[0] ? dict_label(admin, "industry", industry) : "任意", buf);
    }
    crm_cursor_close(c);
    table_print(&t, "  ");
    table_free(&t);
    printf("\n  其他地区的线索留在线索池，由销售经理分配 (anything else waits in the pool)\n");
  }

  /* 12.2 — capture from the channels: 市场部 enters what came in. */
  printf("\n  12.2 获取线索：市场部%s录入各渠道线索 (capture from the channels)\n\n", zhou->name);
  table_init(&t, 6, "线索", "渠道", "公司", "联系人", "电话", "结果");
  for (i = 0; i < N_LEADS; i++) {
    int32_t outcome = -1;
    char id[16], phone[32];
    ids[i] = demo_capture(marketing, &leads[i], &outcome);
    CHECK(crm_lead_get(marketing, ids[i], &r));
    snprintf(id, sizeof id, "#%lld", (long long)ids[i]);
    field_str(r, "phone", phone, sizeof phone);
    table_add(&t, id, dict_label(admin, "source", field_str(r, "channel", buf, sizeof buf)),
              leads[i].company, leads[i].person, phone, lead_outcome_label(outcome));
    crm_record_free(r);
    if (outcome != CRM_LEAD_CREATED)
      contract_failure("lead %d: outcome %d, expected CRM_LEAD_CREATED", i, (int)outcome);
  }
  table_print(&t, "  ");
  table_free(&t);
  {
    /* 林志强 leaves his card at the trade show too: the same phone. */
    demo_lead again = leads[0];
    int32_t outcome = -1;
    int64_t id = 0;
    again.channel = "展会";
    again.external = NULL;
    again.needs = "展会现场咨询 MES 演示";
    CHECK(crm_db_clock_fixed(db, t0 + 20 * MINUTE_MS));
    id = demo_capture(marketing, &again, &outcome);
    printf("\n  %s在展会又留了一次资料（同一手机号）→ %s，仍是线索 #%lld\n", again.person,
           lead_outcome_label(outcome), (long long)id);
    if (outcome != CRM_LEAD_DUPLICATE || id != ids[0])
      contract_failure("the second capture: outcome %d, lead %lld", (int)outcome, (long long)id);
  }

  /* 12.3 — scoring (seed 004: a product page +2, an inquiry +3). */
  printf("\n  12.3 线索评分：%s (behaviour scoring)\n\n", leads[0].company);
  CHECK(crm_db_clock_fixed(db, t0 + 40 * MINUTE_MS));
  CHECK(crm_lead_event(marketing, ids[0], "product_view", t0 + 30 * MINUTE_MS, "浏览 MES 产品页",
                       NULL));
  CHECK(crm_lead_event(marketing, ids[0], "product_view", 0, "浏览 MES 客户案例页", NULL));
  score = lead_score(marketing, ids[0], &high);
  printf("  浏览产品页 ×2 → %.0f 分，%s\n", score,
         high ? "高价值线索" : "尚未达到高价值线索 (8 分)");
  if (score != 4.0 || high)
    contract_failure("two product views: score %g, high value %lld", score, (long long)high);
  CHECK(crm_db_clock_fixed(db, t0 + 70 * MINUTE_MS));
  CHECK(crm_lead_event(marketing, ids[0], "inquiry", 0, "来电咨询 MES 报价与实施周期", NULL));
  score = lead_score(marketing, ids[0], &high);
  printf("  咨询详情 +3   → %.0f 分，%s\n", score,
         high ? "高价值线索" : "尚未达到高价值线索 (8 分)");
  CHECK(crm_db_clock_fixed(db, t0 + 300 * MINUTE_MS));
  {
    int64_t marked = 0;
    CHECK(crm_lead_event(marketing, ids[0], "visit", 0, "到访深圳展厅，参观产线演示", &r));
    marked = field_int(r, "marked_now");
    crm_record_free(r);
    score = lead_score(marketing, ids[0], &high);
    printf("  来访参观 +5   → %.0f 分，%s\n", score,
           high ? "★ 高价值线索 (high value)" : "尚未达到高价值线索");
    if (!high || !marked) contract_failure("the visit did not mark the lead high value");
  }
  printf("\n  评分明细 (why %.0f points):\n\n", score);
  table_init(&t, 5, "时间", "行为", "分值", "权重", "备注");
  CHECK(crm_lead_score_explain(marketing, ids[0], &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char label[64], points[16], weight[16], note[128];
    format_beijing(field_int(row, "at"), when, sizeof when);
    field_str(row, "label", label, sizeof label);
    field_str(row, "points", points, sizeof points);
    field_str(row, "weight", weight, sizeof weight);
    field_str(row, "note", note, sizeof note);
    snprintf(buf, sizeof buf, "+%s", points);
    table_add(&t, when, label, buf, weight, note);
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);

  /* 12.4 — screening routes the leads by the rules. */
  printf("\n  12.4 初步筛选与自动分配：销售经理%s筛选线索 (screening assigns by the rules)\n\n",
         wu->name);
  CHECK(crm_db_clock_fixed(db, t0 + 320 * MINUTE_MS));
  for (i = 0; i < N_LEADS; i++) CHECK(crm_lead_advance(manager, ids[i], "screened", NULL));
  print_lead_table(admin, ids, N_LEADS);
  for (i = 0; i < 2; i++) {
    CHECK(crm_lead_get(admin, ids[i + 1], &r));
    if (crm_record_get_int(r, "owner", &owners[i]) != CRM_OK) owners[i] = 0;
    crm_record_free(r);
  }
  if (owners[0] == owners[1] || (owners[0] != huang->id && owners[0] != lin->id))
    contract_failure("the team rule did not take turns: %lld, %lld", (long long)owners[0],
                     (long long)owners[1]);
  {
    int64_t owner = -1;
    CHECK(crm_lead_assign(manager, ids[4], 0, &owner));
    printf(
        "\n  四川的线索没有匹配的规则，crm_lead_assign 仍留在线索池 (owner %lld)；\n"
        "  24 小时内无人分配时提醒销售经理 (rule lead_unassigned)\n",
        (long long)owner);
    if (owner != 0) contract_failure("the Sichuan lead went to %lld", (long long)owner);
  }

  /* 12.5 — follow up and convert. */
  printf("\n  12.5 跟进与转化 (follow-up and conversion)\n\n");
  CHECK(crm_db_clock_fixed(db, t0 + 3 * DAY_MS + 90 * MINUTE_MS)); /* Monday 10:30 */
  CHECK(crm_lead_advance(rep, ids[0], "following", NULL));
  {
    char* customer = NULL;
    char name[128], priority[16], type[16];
    CHECK(crm_lead_convert(rep, ids[0], NULL, NULL, &customer));
    CHECK(crm_customer_get(rep, customer, &r));
    field_str(r, "name", name, sizeof name);
    field_str(r, "priority", priority, sizeof priority);
    field_str(r, "type", type, sizeof type);
    printf("  %s将线索 #%lld 转化为客户 %s %s（%s，需求优先级：%s）\n", huang->name,
           (long long)ids[0], customer, name, dict_label(rep, "customer_type", type),
           dict_label(rep, "priority", priority));
    if (strcmp(priority, "high") != 0)
      contract_failure("a high-value lead became a customer of priority %s", priority);
    crm_record_free(r);
    crm_free(customer);
  }
  CHECK(crm_lead_advance(manager, ids[2], "disqualified", "仅为比价，近一年无采购计划"));
  printf("  %s将线索 #%lld 标为无效线索：仅为比价，近一年无采购计划\n", wu->name,
         (long long)ids[2]);

  /* 12.6 — the funnel of the leads captured this week, as the head of
   * 销售中心 sees it (every sales department below it, and the pool). */
  printf("\n  12.6 线索转化漏斗：销售中心%s查看 (the funnel, leads captured since 12-04)\n\n",
         head->name);
  table_init(&t, 8, "渠道", "获取", "筛选", "分配", "跟进", "转化", "无效", "转化率");
  CHECK(crm_session_open(db, head->id, &center));
  CHECK(crm_lead_funnel(center, t0, 0, "all", &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char label[64], n[6][16], rate[16];
    static const char* const stages[] = {"captured",  "screened",  "assigned",
                                         "following", "converted", "disqualified"};
    double conv = 0;
    int k;
    field_str(row, "channel_label", label, sizeof label);
    for (k = 0; k < 6; k++) field_str(row, stages[k], n[k], sizeof n[k]);
    CHECK(crm_record_get_real(row, "conversion_rate", &conv));
    snprintf(rate, sizeof rate, "%.0f%%", conv * 100);
    table_add(&t, label[0] ? label : "全部渠道", n[0], n[1], n[2], n[3], n[4], n[5], rate);
  }
  crm_cursor_close(c);
  crm_session_close(center);
  table_print(&t, "  ");
  table_free(&t);

  /* 12.7 — the 24-hour reminder, then the outbox about leads. */
  CHECK(crm_db_clock_fixed(db, t0 + 3 * DAY_MS + 2 * HOUR_MS));
  CHECK(crm_tick(admin, 0, NULL));
  printf("\n  12.7 发件箱中与线索有关的消息 (outbox messages about leads)\n\n");
  {
    int64_t after = 0;
    int more = 1, by_kind[4] = {0, 0, 0, 0};
    static const char* const kinds[] = {"lead_welcome", "lead_assigned", "lead_high_value",
                                        "lead_unassigned"};
    table_init(&t, 4, "类型", "线索", "接收人", "内容");
    while (more) {
      more = 0;
      CHECK(crm_outbox_list(admin, after, 500, 0, &c));
      while (crm_cursor_next(c, &row) == CRM_OK) {
        char kind[32], channel[16], message[512], address[64], who[96], lead[16];
        int64_t user = 0, lead_id = 0;
        int k;
        more = 1;
        CHECK(crm_record_get_int(row, "id", &after));
        if (crm_record_get_int(row, "lead", &lead_id) != CRM_OK) continue;
        field_str(row, "kind", kind, sizeof kind);
        field_str(row, "channel", channel, sizeof channel);
        field_str(row, "message", message, sizeof message);
        field_str(row, "address", address, sizeof address);
        for (k = 0; k < 4; k++)
          if (strcmp(kind, kinds[k]) == 0) by_kind[k]++;
        if (crm_record_get_int(row, "recipient_user", &user) == CRM_OK && user)
          snprintf(who, sizeof who, "%s", user_name(user));
        else if (address[0]) {
          char masked[64];
          mask_address(address, masked, sizeof masked);
          snprintf(who, sizeof who, "%s %s", channel, masked);
        } else
          snprintf(who, sizeof who, "销售经理");
        snprintf(lead, sizeof lead, "#%lld", (long long)lead_id);
        table_add(&t, lead_message_label(kind), lead, who, message);
      }
      crm_cursor_close(c);
    }
    table_print(&t, "  ");
    table_free(&t);
    if (by_kind[0] != N_LEADS || by_kind[1] < 4 || by_kind[2] != 1 || by_kind[3] < 1)
      contract_failure("lead messages: %d welcome, %d assigned, %d high value, %d unassigned",
                       by_kind[0], by_kind[1], by_kind[2], by_kind[3]);
  }

  crm_session_close(rep);
  crm_session_close(manager);
  crm_session_close(marketing);
}

/* ======================================================================== */
/* Automation rules (自动化规则)                                             */
/* ======================================================================== */

static const char* automation_event_label(const char* event) {
  static const char* const labels[][2] = {
      {"created", "新建客户"},       {"field_changed", "字段变更"},
      {"tag_added", "添加标签"},     {"tag_removed", "移除标签"},
      {"stage_entered", "进入阶段"}, {"no_change", "长时间未更新（定时检查）"}};
  size_t i;
  for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (strcmp(labels[i][0], event) == 0) return labels[i][1];
  return event;
}

static const char* automation_outcome_label(const char* outcome) {
  if (strcmp(outcome, "fired") == 0) return "已执行 (fired)";
  if (strcmp(outcome, "action_failed") == 0) return "动作失败 (action failed)";
  if (strcmp(outcome, "loop_stopped") == 0) return "循环保护，已停止 (loop stopped)";
  return outcome;
}

/* The id of the shipped template `code`, or 0. */
static int64_t automation_template(crm_session* s, const char* code) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t id = 0;
  char buf[64];
  CHECK(crm_automation_rule_list(s, &c));
  while (crm_cursor_next(c, &row) == CRM_OK)
    if (strcmp(field_str(row, "template", buf, sizeof buf), code) == 0) id = field_int(row, "id");
  crm_cursor_close(c);
  if (!id) contract_failure("no shipped automation template %s", code);
  return id;
}

/* A rule's name (buf) and, optionally, its saved JSON (malloc'ed). */
static const char* automation_rule_name(crm_session* s, int64_t id, char* buf, size_t size,
                                        char** definition) {
  crm_record* r = NULL;
  const char* json = NULL;
  CHECK(crm_automation_rule_get(s, id, &r));
  field_str(r, "name", buf, size);
  if (definition) {
    CHECK(crm_record_get_text(r, "definition", &json));
    *definition = xstrdup(json);
  }
  crm_record_free(r);
  return buf;
}

/* "user:7" / "role:sales_manager" (or the outbox's recipient columns) as a
 * reader would say it: 张伟, 销售经理（全体）. */
static void automation_recipient(crm_session* s, int64_t user, const char* role, char* buf,
                                 size_t size) {
  if (user)
    snprintf(buf, size, "%s", user_name(user));
  else if (role && *role)
    snprintf(buf, size, "%s（全体）", dict_label(s, "role", role));
  else
    snprintf(buf, size, "-");
}

/* The id of the last message in the outbox (0 when empty). */
static int64_t last_outbox_id(crm_session* admin) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t last = 0;
  int more = 1;
  while (more) {
    more = 0;
    CHECK(crm_outbox_list(admin, last, 500, 0, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) {
      last = field_int(row, "id");
      more = 1;
    }
    crm_cursor_close(c);
  }
  return last;
}

/* Every run of the rules after `after_id`, as a table; returns the last id. */
static int64_t print_automation_runs(crm_session* s, int64_t after_id, int* count) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int64_t last = after_id;
  table t;
  *count = 0;
  table_init(&t, 6, "时间", "规则", "触发事件", "客户", "层级", "结果");
  CHECK(crm_automation_run_list(s, 0, after_id, 0, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char when[32], name[128], event[32], customer[16], depth[24], outcome[32], detail[256];
    int64_t d = field_int(row, "depth");
    last = field_int(row, "id");
    format_beijing(field_int(row, "at"), when, sizeof when);
    automation_rule_name(s, field_int(row, "rule"), name, sizeof name, NULL);
    field_str(row, "event", event, sizeof event);
    field_str(row, "customer", customer, sizeof customer);
    field_str(row, "outcome", outcome, sizeof outcome);
    field_str(row, "detail", detail, sizeof detail);
    snprintf(depth, sizeof depth, "%lld", (long long)d);
    if (detail[0]) {
      char both[320];
      snprintf(both, sizeof both, "%s：%s", automation_outcome_label(outcome), detail);
      table_add(&t, when, name, automation_event_label(event), customer, depth, both);
    } else {
      table_add(&t, when, name, automation_event_label(event), customer, depth,
                automation_outcome_label(outcome));
    }
    (*count)++;
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);
  return last;
}

static void show_automation(crm_db* db, crm_session* admin) {
  /* Tuesday 2026-12-08 09:00, the day after the leads above. */
  const int64_t t1 = DEMO_NOW_MS + 15 * DAY_MS;
  const demo_user *zhang = user_by_name("zhangwei"), *sun = user_by_name("sunzhigang");
  static const char* const template_codes[] = {"high_potential_tag", "status_stale_3d",
                                               "intent_stale_24h", "intent_stale_48h"};
  /* The rule 孙志刚 asks for: a customer of priority 高 who enters 意向 in
   * 销售中心 gets the tag 高潜力 and a call within two hours. */
  static const char custom_rule[] =
      "{\"name\": \"高优先级客户进入意向阶段\",\n"
      " \"trigger\": {\"event\": \"stage_entered\", \"stage\": \"意向\"},\n"
      " \"conditions\": {\"all\": [{\"field\": \"priority\", \"op\": \"=\", \"value\": \"高\"},\n"
      "                          {\"owner_department\": \"销售中心\"},\n"
      "                          {\"not\": {\"tag\": \"高潜力\"}}]},\n"
      " \"actions\": [{\"type\": \"add_tag\", \"tag\": \"高潜力\"},\n"
      "             {\"type\": \"create_plan\", \"after_hours\": 2,\n"
      "              \"goal\": \"电话确认预算、决策人和采购时间\", \"method\": \"电话\"}]}";
  /* The same idea written with a field that does not exist: the annual
   * budget is the custom field custom.annual_budget. */
  static const char bad_rule[] =
      "{\"name\": \"大额预算客户提醒销售经理\",\n"
      " \"trigger\": {\"event\": \"stage_entered\", \"stage\": \"意向\"},\n"
      " \"conditions\": {\"all\": [{\"field\": \"priority\", \"op\": \"=\", \"value\": \"高\"},\n"
      "                          {\"field\": \"budget\", \"op\": \">=\", \"value\": \"100\"}]},\n"
      " \"actions\": [{\"type\": \"notify\", \"to\": \"role:sales_manager\", \"channels\": "
      "\"app\",\n"
      "              \"template_zh\": \"大额预算客户{customer}进入意向阶段\",\n"
      "              \"template_en\": \"{customer} with a large budget entered intent\"}]}";
  crm_session* rep = NULL;
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  crm_record* r = NULL;
  table t;
  char buf[512], when[32], customer[32], name[128];
  int64_t hot = 0, stale = 0, rule_id = 0, version = 0, last_run = 0, outbox_before = 0;
  int i, n = 0, runs = 0;
  error_snapshot e;
  int rc;

  CHECK(crm_db_clock_fixed(db, t1));
  CHECK(crm_session_open(db, zhang->id, &rep));

  /* 13.1 — what ships: four templates from the seeds, all switched off. */
  printf("  13.1 内置规则模板（随系统提供，默认停用）(shipped templates, disabled)\n\n");
  table_init(&t, 4, "编号", "规则", "触发", "状态");
  CHECK(crm_automation_rule_list(admin, &c));
  while (crm_cursor_next(c, &row) == CRM_OK) {
    char id[16], event[32], code[64];
    int64_t enabled = field_int(row, "enabled");
    snprintf(id, sizeof id, "#%lld", (long long)field_int(row, "id"));
    field_str(row, "name", name, sizeof name);
    field_str(row, "event", event, sizeof event);
    field_str(row, "template", code, sizeof code);
    table_add(&t, id, name, automation_event_label(event), enabled ? "启用" : "停用");
    if (enabled) contract_failure("template %s ships enabled", code);
    for (i = 0; i < 4; i++)
      if (strcmp(code, template_codes[i]) == 0) n++;
  }
  crm_cursor_close(c);
  table_print(&t, "  ");
  table_free(&t);
  if (n != 4) contract_failure("%d of the 4 shipped templates found", n);

  /* 13.2 — the administrator switches on 高潜力 → 销售经理. */
  hot = automation_template(admin, "high_potential_tag");
  stale = automation_template(admin, "status_stale_3d");
  CHECK(crm_automation_rule_enable(admin, hot, 1));
  CHECK(crm_automation_rule_get(admin, hot, &r));
  printf("\n  13.2 管理员启用模板 #%lld「%s」：%s\n", (long long)hot,
         field_str(r, "name", name, sizeof name),
         field_int(r, "enabled") ? "已启用 (enabled)" : "仍是停用!");
  printf("       客户被打上「高潜力」标签时，提醒全体销售经理\n");
  if (field_int(r, "enabled") != 1) contract_failure("rule %lld is not enabled", (long long)hot);
  crm_record_free(r);

  /* 13.3 — a rule of our own. */
  printf("\n  13.3 新增自定义规则（销售中心%s提出）(a custom rule):\n\n", sun->name);
  printf("    触发：客户进入「意向客户」阶段\n");
  printf(
      "    条件：需求优先级为「高」，负责人属于销售中心（含下级部门），且尚未打「高潜力」标签\n");
  printf("    动作：① 打上「高潜力」标签  ② 为负责人创建 2 小时后的电话跟进计划\n\n");
  CHECK(crm_automation_rule_save(admin, 0, custom_rule, &rule_id, &version));
  CHECK(crm_automation_rule_get(admin, rule_id, &r));
  printf("    保存为规则 #%lld，版本 %lld，%s", (long long)rule_id, (long long)version,
         field_int(r, "enabled") ? "已启用" : "新规则默认停用");
  if (version != 1 || field_int(r, "enabled") != 0)
    contract_failure("a new rule: version %lld, enabled %lld", (long long)version,
                     (long long)field_int(r, "enabled"));
  crm_record_free(r);
  CHECK(crm_automation_rule_enable(admin, rule_id, 1));
  printf(" → 确认后启用 (saved disabled, then enabled)\n");
  printf("    注意：它打的「高潜力」标签会再触发规则 #%lld，通知销售经理（规则可以连锁触发）\n",
         (long long)hot);

  /* 13.4 — a rule that could never work is refused, saying where. */
  printf("\n  13.4 写错的规则会被拒绝并指出错误位置 (a malformed rule is refused):\n\n");
  {
    long before = 0, after = 0;
    CHECK(crm_automation_rule_list(admin, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) before++;
    crm_cursor_close(c);
    printf("    条件中写了「budget」字段（年度预算实为自定义字段 custom.annual_budget）\n");
    rc = crm_automation_rule_save(admin, 0, bad_rule, NULL, NULL);
    snapshot_error(rc, &e);
    print_error(&e, "    ");
    CHECK(crm_automation_rule_list(admin, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) after++;
    crm_cursor_close(c);
    printf("    规则数：保存前 %ld，保存后 %ld —— %s\n", before, after,
           before == after ? "没有保存任何内容 (nothing saved)" : "数量变了!");
    if (rc != CRM_ERR_INVALID_ARG)
      contract_failure("the malformed rule gave %s, not CRM_ERR_INVALID_ARG", crm_status_name(rc));
    else if (!strstr(e.message, "conditions.all[1].field") ||
             !strstr(e.message_zh, "conditions.all[1].field"))
      contract_failure("the error does not name conditions.all[1].field: %s / %s", e.message,
                       e.message_zh);
    if (before != after) contract_failure("a refused rule changed the rule count");
  }

  /* 13.5 — the rule at work: 张伟 enters a customer met at a trade show,
   * who confirms a budget an hour later. */
  printf("\n  13.5 规则生效 (the rules at work)\n\n");
  outbox_before = last_outbox_id(admin);
  {
    crm_record* f = NULL;
    char* id = NULL;
    char tags[256], type[32];
    int plans = 0;
    CHECK(crm_record_new(&f));
    CHECK(crm_record_set_text(f, "name", "沈阳北方重工机械有限公司"));
    CHECK(crm_record_set_text(f, "contact_name", "刘国栋"));
    CHECK(crm_record_set_text(f, "phone", "139 4025 8816"));
    CHECK(crm_record_set_text(f, "industry", "制造业"));
    CHECK(crm_record_set_text(f, "scale", "1000万-1亿"));
    CHECK(crm_record_set_text(f, "source", "展会"));
    CHECK(crm_record_set_text(f, "key_needs",
                              "售后服务工单与备件库存管理，覆盖东北三省 12 个服务站"));
    CHECK(crm_record_set_text(f, "priority", "高"));
    CHECK(crm_customer_create(rep, f, &id));
    crm_record_free(f);
    copy_str(customer, sizeof customer, id);
    crm_free(id);
    format_beijing(t1, when, sizeof when);
    printf("  %s %s录入展会客户 %s 沈阳北方重工机械有限公司（潜在客户，需求优先级：高）\n", when,
           zhang->name, customer);

    CHECK(crm_db_clock_fixed(db, t1 + HOUR_MS));
    CHECK(
        crm_customer_set_type(rep, customer, "intent", "客户确认预算约120万元，希望月底前看方案"));
    format_beijing(t1 + HOUR_MS, when, sizeof when);
    printf("  %s 客户确认预算，%s将其改为「意向客户」→ 规则连锁执行：\n\n", when, zhang->name);

    CHECK(crm_customer_get(rep, customer, &r));
    field_str(r, "type", type, sizeof type);
    crm_record_free(r);
    tag_summary(rep, customer, tags, sizeof tags);
    printf("    ① 规则 #%lld 给客户打上标签 → %s（客户类型：%s）\n", (long long)rule_id,
           tags[0] ? tags : "(无标签!)", dict_label(rep, "customer_type", type));
    if (!strstr(tags, "高潜力")) contract_failure("the rule did not tag %s 高潜力", customer);
    CHECK(crm_customer_plans(rep, customer, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) {
      char goal[128], method[32];
      int64_t at = field_int(row, "planned_at");
      format_beijing(at, when, sizeof when);
      field_str(row, "goal", goal, sizeof goal);
      field_str(row, "method", method, sizeof method);
      printf("    ② 规则 #%lld 为%s创建跟进计划 → %s %s：%s\n", (long long)rule_id,
             user_name(field_int(row, "owner")), when, dict_label(rep, "followup_method", method),
             goal);
      if (at != t1 + 3 * HOUR_MS)
        contract_failure("the plan is due at %lld, expected %lld", (long long)at,
                         (long long)(t1 + 3 * HOUR_MS));
      plans++;
    }
    crm_cursor_close(c);
    if (plans != 1) contract_failure("%d plans for %s, expected 1", plans, customer);
    printf("    ③ 新标签「高潜力」触发模板 #%lld → 通知全体销售经理（见下方发件箱）\n",
           (long long)hot);
  }

  /* 13.6 — the run log. */
  printf("\n  13.6 规则运行日志 (the run log)\n\n");
  last_run = print_automation_runs(admin, 0, &runs);
  {
    /* Both fired: the custom rule, and the template it set off one level
     * further down the chain. */
    int64_t custom_depth = -1, hot_depth = -1;
    CHECK(crm_automation_run_list(admin, 0, 0, 10, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) {
      int64_t rule = field_int(row, "rule");
      if (strcmp(field_str(row, "outcome", buf, sizeof buf), "fired") != 0)
        contract_failure("rule %lld: outcome %s", (long long)rule, buf);
      if (rule == rule_id) custom_depth = field_int(row, "depth");
      if (rule == hot) hot_depth = field_int(row, "depth");
    }
    crm_cursor_close(c);
    if (runs != 2 || custom_depth < 0 || hot_depth != custom_depth + 1)
      contract_failure("%d runs; rule %lld at depth %lld, rule %lld at depth %lld", runs,
                       (long long)rule_id, (long long)custom_depth, (long long)hot,
                       (long long)hot_depth);
    printf(
        "\n  层级越深，表示越是由其他规则的动作连锁引起；超过 automation.max_depth (3)\n"
        "  不再执行并记为「循环保护」(deeper runs were set off by another rule's action)\n");
  }

  /* 13.7 — what the rules asked to tell people. */
  printf("\n  13.7 发件箱中的自动化消息 (automation messages in the outbox)\n\n");
  {
    int messages = 0, to_managers = 0;
    int64_t after = outbox_before;
    int more = 1;
    table_init(&t, 5, "时间", "客户", "接收人", "渠道", "内容");
    while (more) {
      more = 0;
      CHECK(crm_outbox_list(admin, after, 500, 0, &c));
      while (crm_cursor_next(c, &row) == CRM_OK) {
        char kind[32], channel[16], message[512], who[96], role[64], about[16];
        int64_t user = 0;
        more = 1;
        after = field_int(row, "id");
        if (strcmp(field_str(row, "kind", kind, sizeof kind), "automation") != 0) continue;
        format_beijing(field_int(row, "created_at"), when, sizeof when);
        field_str(row, "customer", about, sizeof about);
        field_str(row, "channel", channel, sizeof channel);
        field_str(row, "message", message, sizeof message);
        field_str(row, "recipient_role", role, sizeof role);
        if (crm_record_get_int(row, "recipient_user", &user) != CRM_OK) user = 0;
        automation_recipient(admin, user, role, who, sizeof who);
        table_add(&t, when, about, who, channel, message);
        messages++;
        if (strcmp(role, "sales_manager") == 0 && strcmp(about, customer) == 0 &&
            strstr(message, "沈阳北方重工机械有限公司") && strstr(message, zhang->name))
          to_managers++;
      }
      crm_cursor_close(c);
    }
    table_print(&t, "  ");
    table_free(&t);
    if (messages != 1 || to_managers != 1)
      contract_failure("%d automation messages, %d to the sales managers about %s", messages,
                       to_managers, customer);
  }

  /* 13.8 — before switching on the 3-day overdue template, try it on a
   * scripted customer: created, tagged an hour later, then left alone for
   * three days.  The simulation runs on a scratch copy of the database. */
  printf(
      "\n  13.8 模拟测试：启用「状态3天未更新」模板之前，先用一个假想客户试运行\n"
      "       (simulation on a scratch copy: create → tag → three quiet days)\n\n");
  {
    char *def_hot = NULL, *def_custom = NULL, *def_stale = NULL, *rules = NULL, *script = NULL;
    char stale_name[128];
    const int64_t start = t1 + DAY_MS; /* Wednesday 09:00 */
    long customers_before = count_customers(admin, 0), customers_after = 0;
    int64_t last_message = 0, runs_after = 0;
    static const char* const expected[] = {"step", "step",    "run", "message",
                                           "run",  "message", "step"};
    int k = 0, ok = 1;
    size_t size;
    automation_rule_name(admin, hot, name, sizeof name, &def_hot);
    automation_rule_name(admin, rule_id, buf, sizeof buf, &def_custom);
    automation_rule_name(admin, stale, stale_name, sizeof stale_name, &def_stale);
    size = strlen(def_hot) + strlen(def_custom) + strlen(def_stale) + 8;
    rules = (char*)malloc(size);
    script = (char*)malloc(2048);
    if (!rules || !script) {
      fputs("out of memory\n", stderr);
      exit(1);
    }
    /* The two enabled rules, and the template on trial. */
    snprintf(rules, size, "[%s,%s,%s]", def_hot, def_custom, def_stale);
    snprintf(script, 2048,
             "{\"start\": %lld, \"steps\": ["
             "{\"do\": \"create\", \"fields\": {\"name\": \"大连海润船舶配件有限公司\", "
             "\"contact_name\": \"孟庆华\", \"phone\": \"135 0411 7263\", \"industry\": "
             "\"制造业\", \"scale\": \"100-500人\", \"source\": \"官网\", \"key_needs\": "
             "\"船舶配件经销商订单管理\", \"priority\": \"高\", \"owner\": %lld}},"
             "{\"after_hours\": 1, \"do\": \"tag\", \"tag\": \"高潜力\"},"
             "{\"after_hours\": 72, \"do\": \"tick\"}]}",
             (long long)start, (long long)zhang->id);
    printf("    剧本 (script)：① 新建客户 大连海润船舶配件有限公司（负责人%s）\n", zhang->name);
    printf("                   ② 1 小时后打上「高潜力」标签\n");
    printf("                   ③ 此后 3 天无人更新\n");
    printf("    规则 (rules)：#%lld %s、#%lld %s（已启用），#%lld %s（试用）\n\n", (long long)hot,
           name, (long long)rule_id, buf, (long long)stale, stale_name);

    last_message = last_outbox_id(admin);
    CHECK(crm_automation_simulate(admin, rules, script, &c));
    table_init(&t, 3, "时间", "类型", "发生了什么");
    while (crm_cursor_next(c, &row) == CRM_OK) {
      char kind[16], what[512], detail[256], rule_name[128];
      format_beijing(field_int(row, "at"), when, sizeof when);
      field_str(row, "kind", kind, sizeof kind);
      field_str(row, "detail", detail, sizeof detail);
      field_str(row, "rule_name", rule_name, sizeof rule_name);
      if (k >= 7 || strcmp(kind, expected[k]) != 0) ok = 0;
      /* 高潜力 at the tag, the overdue alert on day 3. */
      if ((k == 2 || k == 3) && strcmp(rule_name, name) != 0) ok = 0;
      if ((k == 4 || k == 5) && strcmp(rule_name, stale_name) != 0) ok = 0;
      if (k == 4 && field_int(row, "at") != start + 3 * DAY_MS) ok = 0;
      k++;
      if (strcmp(kind, "step") == 0) {
        if (strncmp(detail, "create ", 7) == 0)
          snprintf(what, sizeof what, "新建客户 %s", detail + 7);
        else if (strncmp(detail, "tag ", 4) == 0)
          snprintf(what, sizeof what, "打上标签「%s」", detail + 4);
        else if (strcmp(detail, "tick") == 0)
          snprintf(what, sizeof what, "（3 天过去，无人更新）");
        else
          snprintf(what, sizeof what, "%s", detail);
        table_add(&t, when, "剧本步骤", what);
      } else if (strcmp(kind, "run") == 0) {
        char outcome[32];
        field_str(row, "outcome", outcome, sizeof outcome);
        snprintf(what, sizeof what, "规则「%s」%s", rule_name, automation_outcome_label(outcome));
        table_add(&t, when, "规则运行", what);
      } else {
        char recipient[64], channel[16], message[384], who[96];
        const char* role = NULL;
        int64_t user = 0;
        field_str(row, "recipient", recipient, sizeof recipient);
        field_str(row, "channel", channel, sizeof channel);
        field_str(row, "message", message, sizeof message);
        if (strncmp(recipient, "user:", 5) == 0)
          user = strtoll(recipient + 5, NULL, 10);
        else if (strncmp(recipient, "role:", 5) == 0)
          role = recipient + 5;
        automation_recipient(admin, user, role, who, sizeof who);
        snprintf(what, sizeof what, "→ %s [%s] %s", who, channel, message);
        table_add(&t, when, "发送消息", what);
        if (strcmp(rule_name, stale_name) == 0 && user != zhang->id)
          contract_failure("the overdue alert went to %s, not the owner", recipient);
      }
    }
    crm_cursor_close(c);
    table_print(&t, "  ");
    table_free(&t);
    if (!ok || k != 7) contract_failure("the simulated timeline has %d rows, not as expected", k);
    printf(
        "\n    结论：第 3 天（72 小时）逾期提醒会准时发给负责人；可以放心启用该模板\n"
        "    (the overdue alert fires at 72 hours, to the owner)\n");

    /* Nothing real moved: customers, outbox, run log. */
    customers_after = count_customers(admin, 0);
    CHECK(crm_outbox_list(admin, last_message, 10, 0, &c));
    if (crm_cursor_next(c, &row) == CRM_OK) contract_failure("the simulation wrote to the outbox");
    crm_cursor_close(c);
    CHECK(crm_automation_run_list(admin, 0, last_run, 10, &c));
    while (crm_cursor_next(c, &row) == CRM_OK) runs_after++;
    crm_cursor_close(c);
    printf("    模拟在临时副本上进行：客户数 %ld → %ld，发件箱与运行日志没有新增\n",
           customers_before, customers_after);
    if (customers_after != customers_before || runs_after != 0)
      contract_failure("the simulation changed the database: %ld customers, %lld runs",
                       customers_after, (long long)runs_after);
    free(def_hot);
    free(def_custom);
    free(def_stale);
    free(rules);
    free(script);
  }

  crm_session_close(rep);
}

/* ======================================================================== */
/* Data quality: search, duplicates, merge and unmerge, completeness        */
/* ======================================================================== */

static void show_search(crm_session* s, const char* text, const char* why) {
  crm_search_query q = CRM_SEARCH_QUERY_INIT;
  crm_cursor* c = NULL;
  const crm_record* row;
  int rc, shown = 0;
  q.text = text;
  q.page_size = 3;
  CHECK(crm_customer_search(s, &q, &c));
  printf("  搜索「%s」(%s):\n", text, why);
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char id[32], name[256], match[32];
    printf("    %s  %s  [%s]\n", field_str(row, "id", id, sizeof id),
           field_str(row, "name", name, sizeof name), field_str(row, "match", match, sizeof match));
    shown++;
  }
  if (rc != CRM_DONE) fail("crm_cursor_next", rc);
  if (shown == 0) contract_failure("search for %s found nothing", text);
  crm_cursor_close(c);
}

static void show_data_quality(crm_db* db, crm_session* admin) {
  crm_record* rec = NULL;
  crm_record* report = NULL;
  crm_cursor* c = NULL;
  const crm_record* row;
  char twin[32], first[32], buf[256], reasons[128];
  int64_t merge_id = 0;
  int rc, pairs = 0;
  (void)db;

  printf("  中文名称检索：子串、全拼、首字母、繁体均可 (substring, pinyin, initials, traditional)\n");
  show_search(admin, "泰锐", "子串 substring");
  show_search(admin, "tairui", "全拼 full pinyin");
  show_search(admin, "bjtr", "首字母 initials");
  show_search(admin, "泰銳網絡", "繁体 traditional");

  /* The same company entered again from a trade-show list: traditional
   * characters, the region written out, another phone. */
  printf("\n  展会名单中再次录入同一家公司（繁体、另一个电话）(the same company again):\n");
  CHECK(crm_record_new(&rec));
  CHECK(crm_record_set_text(rec, "name", "北京市泰銳網絡科技有限公司"));
  CHECK(crm_record_set_text(rec, "contact_name", "胡丽娟"));
  CHECK(crm_record_set_text(rec, "phone", "13911112222"));
  CHECK(crm_record_set_text(rec, "industry", "互联网"));
  CHECK(crm_record_set_text(rec, "scale", "500-1000人"));
  CHECK(crm_record_set_text(rec, "source", "展会"));
  CHECK(crm_record_set_text(rec, "key_needs", "展会上询问渠道获客成本统计方案"));
  CHECK(crm_record_set_text(rec, "priority", "中"));
  {
    char* new_id = NULL;
    CHECK(crm_customer_create(admin, rec, &new_id));
    snprintf(twin, sizeof twin, "%s", new_id);
    crm_free(new_id);
  }
  crm_record_free(rec);
  printf("    新建 (created) %s 北京市泰銳網絡科技有限公司\n", twin);

  CHECK(crm_duplicates_find(admin, 0, NULL, NULL, &c));
  printf("\n  查重 (duplicate pairs, blocked on match keys, scored and explained):\n");
  first[0] = '\0';
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char a[32], b[32], an[256], bn[256], score[32];
    field_str(row, "a", a, sizeof a);
    field_str(row, "b", b, sizeof b);
    printf("    %s %s ↔ %s %s  分数 score %s  原因 %s\n", a,
           field_str(row, "a_name", an, sizeof an), b, field_str(row, "b_name", bn, sizeof bn),
           field_str(row, "score", score, sizeof score),
           field_str(row, "reasons", reasons, sizeof reasons));
    if (strcmp(b, twin) == 0) snprintf(first, sizeof first, "%s", a);
    pairs++;
  }
  if (rc != CRM_DONE) fail("crm_cursor_next", rc);
  crm_cursor_close(c);
  if (!first[0]) {
    contract_failure("%s was not found as a duplicate", twin);
    return;
  }

  /* Merge the new record into the old one, keeping the old name but the
   * trade-show record's key needs; then undo it. */
  CHECK(crm_record_new(&rec));
  CHECK(crm_record_set_text(rec, "key_needs", "merged"));
  CHECK(crm_customer_merge(admin, first, twin, rec, "展会重复录入", &merge_id, &report));
  crm_record_free(rec);
  printf("\n  合并 (merge) %s → %s: 迁移子记录 %lld 条，取被合并方的字段 (from merged): %s\n", twin,
         first, (long long)field_int(report, "moved"),
         field_str(report, "from_merged", buf, sizeof buf));
  crm_record_free(report);
  CHECK(crm_customer_get(admin, twin, &rec));
  printf("    %s 现在: 已合并到 (merged into) %s，只读，不在列表与搜索中\n", twin,
         field_str(rec, "merged_into", buf, sizeof buf));
  crm_record_free(rec);
  CHECK(crm_customer_get(admin, first, &rec));
  printf("    %s 的关键需求 (key needs) 现在: %s\n", first,
         field_str(rec, "key_needs", buf, sizeof buf));
  crm_record_free(rec);

  CHECK(crm_customer_unmerge(admin, merge_id, 0, "合并有误，撤销", &report));
  printf("  撤销合并 (unmerge): 移回 %lld 条，两条记录恢复原样 (both records as they were)\n",
         (long long)field_int(report, "restored"));
  crm_record_free(report);
  CHECK(crm_customer_get(admin, first, &rec));
  printf("    %s 的关键需求 (key needs) 恢复为: %s\n", first,
         field_str(rec, "key_needs", buf, sizeof buf));
  crm_record_free(rec);
  CHECK(crm_customer_get(admin, twin, &rec));
  if (crm_record_type(rec, "merged_into", &(int32_t){0}) == CRM_OK &&
      field_str(rec, "merged_into", buf, sizeof buf)[0])
    contract_failure("%s still says merged into %s", twin, buf);
  crm_record_free(rec);

  printf("\n  信息完整度 (completeness, R10.1; 目标 goal 95%%) 按负责人 (by owner):\n");
  CHECK(crm_completeness_report(admin, "owner", 0, &c));
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char label[64];
    double percent = 0;
    crm_record_get_real(row, "percent", &percent);
    printf("    %-8s 客户 %3lld 个  完整度 %5.1f%%  %s\n", field_str(row, "label", label, sizeof label),
           (long long)field_int(row, "customers"), percent,
           field_int(row, "goal_met") ? "达标 (met)" : "未达标 (below goal)");
  }
  if (rc != CRM_DONE) fail("crm_cursor_next", rc);
  crm_cursor_close(c);

  {
    /* The old system's follow-up history (newest first, as it exported
     * it) goes in in time order with its original times and authors; a
     * seeded sample is then compared field by field with what is stored. */
    const char* history = sample_path("sample_followups.csv");
    crm_import_options o = CRM_IMPORT_OPTIONS_INIT;
    crm_record* summary = NULL;
    crm_cursor* mismatches = NULL;
    printf("\n  迁移旧系统的跟进记录 (migrating follow-up history) %s:\n", history);
    CHECK(crm_followup_migrate(admin, history, &o, &report));
    printf("    读取 %lld 行：迁移 %lld，已存在 %lld，拒绝 %lld (rows, migrated, already there, "
           "rejected)\n",
           (long long)field_int(report, "rows"), (long long)field_int(report, "migrated"),
           (long long)field_int(report, "unchanged"), (long long)field_int(report, "rejected"));
    crm_record_free(report);
    CHECK(crm_customer_followups(admin, "C0001", &c));
    while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
      char at[32], summary_text[256];
      format_beijing(field_int(row, "contacted_at"), at, sizeof at);
      printf("    C0001 %s  %s\n", at, field_str(row, "summary", summary_text, sizeof summary_text));
    }
    if (rc != CRM_DONE) fail("crm_cursor_next", rc);
    crm_cursor_close(c);
    CHECK(crm_followup_migrate_verify(admin, history, &o, 4, 2026, &summary, &mismatches));
    printf("    抽样核对 (seeded sample check): 抽取 %lld 行，一致 %lld 行\n",
           (long long)field_int(summary, "sampled"), (long long)field_int(summary, "matched"));
    while ((rc = crm_cursor_next(mismatches, &row)) == CRM_OK) {
      char field[32], expected[256], stored[256];
      printf("      不一致 (mismatch) 第 %lld 行 %s: 源 (source) %s / 库 (stored) %s\n",
             (long long)field_int(row, "row"), field_str(row, "field", field, sizeof field),
             field_str(row, "expected", expected, sizeof expected),
             field_str(row, "stored", stored, sizeof stored));
    }
    crm_record_free(summary);
    crm_cursor_close(mismatches);
  }

  printf("\n  季度数据清洗报告 (quarterly cleansing report):\n");
  CHECK(crm_cleansing_report(admin, 0, 0, NULL, NULL, &c));
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    char check[64], field[64];
    field_str(row, "check", check, sizeof check);
    if (strcmp(check, "duplicate_group") == 0) continue;
    field_str(row, "field", field, sizeof field);
    printf("    %-20s %-14s %lld\n", check, field, (long long)field_int(row, "count"));
  }
  if (rc != CRM_DONE) fail("crm_cursor_next", rc);
  crm_cursor_close(c);
  (void)pairs;
}

int main(int argc, char** argv) {
  const char* db_path = argc > 1 ? argv[1] : "crm_demo.db";
  const char* csv_path = argc > 2 ? argv[2] : NULL;
  crm_open_options opts = CRM_OPEN_OPTIONS_INIT;
  crm_db* db = NULL;
  crm_session* admin = NULL;
  const char* zone = NULL;
  int64_t now = 0;
  int32_t schema = 0;
  char when[32], id[32];
  const demo_user* rep = &g_users[0];

  if (argc > 3 || (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
    printf("usage: %s [path.db [customers.csv]]\n", argv[0]);
    return argc > 3 ? 2 : 0;
  }

  printf("libcrm %s 演示程序 (demo)\n", crm_version());

  heading("0. 打开数据库 (Open the database)");
  remove_old_database(db_path);
  opts.time_zone = "Asia/Shanghai";
  CHECK(crm_db_open(db_path, &opts, &db));
  CHECK(crm_db_clock_fixed(db, DEMO_NOW_MS));
  CHECK(crm_db_time_zone(db, &zone));
  CHECK(crm_db_schema_version(db, &schema));
  CHECK(crm_db_now(db, &now));
  format_beijing(now, when, sizeof when);
  printf("  数据库文件 (file): %s(每次运行都重新创建 / recreated on each run)\n", db_path);
  printf("  时区 (time zone): %s，结构版本 (schema version): %d\n", zone, (int)schema);
  printf("  时钟固定为 (clock frozen at): %s 北京时间\n", when);
  if (now != DEMO_NOW_MS) contract_failure("crm_db_now returned %lld", (long long)now);

  heading("1. 部门、用户与自定义字段 (Departments, users and custom fields)");
  CHECK(crm_session_open(db, 1, &admin));
  create_organisation(admin);
  printf("\n");
  define_custom_fields(admin);

  heading("2. 导入客户：CSV 文件、错误文件与重复导入 (Import from CSV, the error file)");
  load_customers(admin, csv_path, db_path);

  heading("3. 销售代表的客户列表 (A sales rep's customer list)");
  show_rep_list(db, admin, rep);

  heading("4. 录入不合格的记录 (A record with bad fields is rejected)");
  {
    crm_session* rep_session = NULL;
    CHECK(crm_session_open(db, rep->id, &rep_session));
    show_bad_record(admin, rep_session, rep);
    crm_session_close(rep_session);
  }

  heading("5. 乐观并发更新与客户类型变更 (Optimistic concurrency and a lifecycle step)");
  show_update_and_lifecycle(db, rep, id, sizeof id);

  {
    char title[128];
    snprintf(title, sizeof title, "6. 客户 %s 的变更历史 (Change history)", id);
    heading(title);
  }
  show_history(db, rep, id);

  heading("7. 客户标签与筛选 (Tags and tag filters)");
  show_tags(db, rep);

  {
    char title[128];
    snprintf(title, sizeof title, "8. 客户 %s 的联系人与决策人 (Contacts and decision makers)", id);
    heading(title);
  }
  show_contacts(db, rep, id);

  heading("9. 自定义字段的筛选与排序 (Filtering and sorting on custom fields)");
  show_custom_fields(db, rep);

  heading("10. 一周的客户跟进：分级、计划、提醒与待办 (A week of follow-ups)");
  show_week(db, admin, rep);

  heading("11. 权限与审计 (Permissions, privacy and audit)");
  show_permissions(db, admin);

  heading("12. 线索 Leads：获取、评分、分配与转化 (capture, scoring, assignment, conversion)");
  show_leads(db, admin);

  heading("13. 自动化规则 Automation：模板、自定义规则、连锁触发与模拟测试");
  show_automation(db, admin);

  heading("14. 数据质量：检索、查重、合并与撤销、完整度 (Search, duplicates, merge, completeness)");
  show_data_quality(db, admin);

  crm_session_close(admin);
  CHECK(crm_db_close(db));

  if (g_contract_failures) {
    printf("\n%d 处与 crm.h 不符 (%d mismatches with crm.h)\n", g_contract_failures,
           g_contract_failures);
    return 1;
  }
  printf("\n演示结束 (done).\n");
  return 0;
}
