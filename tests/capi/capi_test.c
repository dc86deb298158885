/*
 * capi_test.c — tests of libcrm's C interface (capi/crm.h) written in plain C99,
 * exactly as a host application would call it.
 *
 * Every expectation comes from crm.h (the contract) and REQUIREMENTS.md R1.
 * Prints one line per failed check and ends with "N passed, M failed".
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crm.h"
#include "harness.h"

/* ------------------------------------------------------------------------ */
/* Small utilities                                                          */
/* ------------------------------------------------------------------------ */

static char g_root[512]; /* this run's temporary directory */

static int64_t days_from_civil(int y, unsigned m, unsigned d) {
  int era;
  unsigned yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned)(y - era * 400);
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/* UTC milliseconds of a civil UTC time. */
static int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms) {
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
}

static double mono_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_subdir(char *out, size_t cap, const char *name) {
  join_path(out, cap, g_root, name);
  if (mkdir(out, 0700) != 0) {
    CHECK(0, "mkdir %s failed: %s", out, strerror(errno));
    return 0;
  }
  return 1;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static long long file_size(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return (long long)st.st_size;
}

/* Reads a whole file (malloc'd; NULL on error). */
static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;
  *len = 0;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = (unsigned char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) *len = (size_t)n;
  return buf;
}

static int write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f) return 0;
  ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

/* A snapshot of a file's bytes, to prove that a failed open left it alone. */
typedef struct {
  unsigned char *bytes;
  size_t len;
} Bytes;

static Bytes snap_file(const char *path) {
  Bytes b;
  b.bytes = slurp(path, &b.len);
  CHECK(b.bytes != NULL, "cannot read %s: %s", path, strerror(errno));
  return b;
}

static void check_file_unchanged(const Bytes *before, const char *path, const char *what) {
  size_t len = 0;
  unsigned char *now = slurp(path, &len);
  CHECK(now != NULL, "%s: %s is gone or unreadable", what, path);
  if (now && before->bytes) {
    size_t i = 0;
    while (i < len && i < before->len && now[i] == before->bytes[i]) i++;
    CHECK(len == before->len && i == len,
          "%s: %s changed (size %zu -> %zu, first differing byte at %zu)", what, path,
          before->len, len, i);
  }
  free(now);
}

/* `s` with bytes outside printable ASCII and UTF-8 shown as \xNN.  Static buffer. */
static const char *visible(const char *s) {
  static char buf[1024];
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)s;
  for (; p && *p && n + 5 < sizeof buf; p++) {
    if (*p >= 0x20 && *p < 0x7F)
      buf[n++] = (char)*p;
    else
      n += (size_t)snprintf(buf + n, sizeof buf - n, "\\x%02X", *p);
  }
  buf[n] = '\0';
  return p ? buf : "NULL";
}

/* After a failed open: no journal, WAL or shared-memory file was left behind. */
static void check_no_sidecars(const char *path, const char *what) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  size_t i;
  for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    char p[1100];
    snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
    CHECK(!file_exists(p), "%s: the failed open left %s behind", what, p);
  }
}

/* Runs one SQL statement through the SQLite C API (for preparing files). */
static int sql_exec(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  char *err = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) printf("    sqlite3 error on %s: %s\n", path, err ? err : sqlite3_errmsg(db));
  sqlite3_free(err);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

/* One integer from a read-only SQL query (-1 on error). */
static long long sql_scalar(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  else
    printf("    sqlite3 error on %s (%s): %s\n", path, sql, db ? sqlite3_errmsg(db) : "?");
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Record and customer helpers                                              */
/* ------------------------------------------------------------------------ */

/* A complete, valid customer (R1.1). */
static crm_record *valid_customer(void) {
  crm_record *r = new_record();
  set_text(r, "name", "杭州恒达精密机械有限公司");
  set_text(r, "contact_name", "王伟");
  set_text(r, "phone", "13812345678");
  set_text(r, "industry", "制造业");
  set_text(r, "scale", "100-500人");
  set_text(r, "source", "展会");
  set_text(r, "key_needs", "采购五轴数控机床，预算约200万元");
  set_text(r, "priority", "高");
  return r;
}

/* Creates a customer that must be valid; returns its id in `id` ("" on failure). */
static void create_ok(crm_session *s, const crm_record *r, char *id, size_t cap, const char *what) {
  char *out = NULL;
  int rc = crm_customer_create(s, r, &out);
  CHECK(rc == CRM_OK && out != NULL, "%s: crm_customer_create: %s: %s", what, sname(rc),
        crm_errmsg());
  snprintf(id, cap, "%s", out ? out : "");
  crm_free(out);
}

static void create_valid(crm_session *s, char *id, size_t cap, const char *what) {
  crm_record *r = valid_customer();
  create_ok(s, r, id, cap, what);
  crm_record_free(r);
}

static crm_record *get_customer(crm_session *s, const char *id) {
  crm_record *r = NULL;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK && r != NULL, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  return r;
}

/* The customer with its contact details in clear (R3.6: every read masks
 * them; the stored values are read through crm_customer_unmask). */
static crm_record *get_customer_clear(crm_session *s, const char *id) {
  crm_record *r = NULL;
  int rc = crm_customer_unmask(s, id, "C 接口测试核对存储值", &r);
  CHECK(rc == CRM_OK && r != NULL, "crm_customer_unmask(%s): %s: %s", id, sname(rc),
        crm_errmsg());
  return r;
}

/* Lists every customer matching `base` (all pages).  Copies up to `cap` ids.
 * Returns the number of rows, or -1 on error. */
static int list_all(crm_session *s, const crm_customer_query *base, char (*ids)[16], int cap) {
  crm_customer_query q = *base;
  char token[256];
  int n = 0;
  token[0] = '\0';
  for (;;) {
    crm_cursor *c = NULL;
    const crm_record *row = NULL;
    const char *next = NULL;
    int rc;
    q.after = token[0] ? token : NULL;
    rc = crm_customer_list(s, &q, &c);
    if (rc != CRM_OK) {
      CHECK(0, "crm_customer_list: %s: %s", sname(rc), crm_errmsg());
      return -1;
    }
    while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
      if (ids && n < cap) snprintf(ids[n], 16, "%s", rtext(row, "id"));
      n++;
    }
    CHECK(rc == CRM_DONE, "crm_cursor_next ended with %s", sname(rc));
    rc = crm_cursor_next_page(c, &next);
    CHECK(rc == CRM_OK, "crm_cursor_next_page: %s", sname(rc));
    if (rc != CRM_OK || !next) {
      crm_cursor_close(c);
      break;
    }
    snprintf(token, sizeof token, "%s", next);
    crm_cursor_close(c);
  }
  return n;
}

static int count_customers(crm_session *s, int include_archived) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  q.page_size = 1000;
  q.include_archived = include_archived;
  return list_all(s, &q, NULL, 0);
}

/* History rows of a customer: copies up to `cap` "kind/field" strings. */
static int history_rows(crm_session *s, const char *id, char (*rows)[64], int cap) {
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int n = 0, rc = crm_customer_history(s, id, &c);
  if (rc != CRM_OK) {
    CHECK(0, "crm_customer_history(%s): %s: %s", id, sname(rc), crm_errmsg());
    return -1;
  }
  while (crm_cursor_next(c, &row) == CRM_OK) {
    if (rows && n < cap) snprintf(rows[n], 64, "%s/%s", rtext(row, "kind"), rtext(row, "field"));
    n++;
  }
  crm_cursor_close(c);
  return n;
}

/* "field:code, field:code" of the current last error.  Static buffer. */
static const char *field_errors(void) {
  static char buf[2048];
  int32_t i, n = crm_error_field_count();
  size_t used = 0;
  buf[0] = '\0';
  for (i = 0; i < n && used < sizeof buf - 1; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s:%s", i ? ", " : "",
                             crm_error_field_name(i), crm_error_field_code(i));
  return n ? buf : "(no field errors)";
}

/* Whether the last error has (field, code); `codes` may list alternatives
 * separated by '|'; NULL accepts any non-empty code. */
static int has_field_error(const char *field, const char *codes) {
  int32_t i, n = crm_error_field_count();
  for (i = 0; i < n; i++) {
    const char *f = crm_error_field_name(i), *c = crm_error_field_code(i);
    if (strcmp(f, field) != 0) continue;
    if (!codes) return c[0] != '\0';
    {
      const char *p = codes;
      size_t len = strlen(c);
      while (*p) {
        const char *bar = strchr(p, '|');
        size_t plen = bar ? (size_t)(bar - p) : strlen(p);
        if (plen == len && strncmp(p, c, len) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
      }
    }
  }
  return 0;
}

/* Every field error carries a name, a code and messages in both languages. */
static void check_field_error_texts(const char *what) {
  int32_t i, n = crm_error_field_count();
  for (i = 0; i < n; i++) {
    CHECK(crm_error_field_name(i)[0] && crm_error_field_code(i)[0] &&
              crm_error_field_message(i)[0] && crm_error_field_message_zh(i)[0],
          "%s: field error %d has an empty name, code or message", what, (int)i);
  }
  CHECK(crm_error_field_name(n)[0] == '\0' && crm_error_field_code(-1)[0] == '\0' &&
            crm_error_field_message(n + 5)[0] == '\0' &&
            crm_error_field_message_zh(-3)[0] == '\0',
        "%s: out-of-range field error accessors do not return \"\"", what);
}

/* ------------------------------------------------------------------------ */
/* Fixture: a database file with an admin session and one reference customer */
/* ------------------------------------------------------------------------ */

typedef struct {
  char dir[600];
  char path[700];
  crm_db *db;
  crm_session *s;
  char ref[16]; /* a customer that exists before each case */
} Fix;

static int fix_open(Fix *f, const char *name) {
  memset(f, 0, sizeof *f);
  if (!make_subdir(f->dir, sizeof f->dir, name)) return 0;
  join_path(f->path, sizeof f->path, f->dir, "crm.db");
  CHECK_OK(crm_db_open(f->path, NULL, &f->db));
  if (!f->db) return 0;
  CHECK_OK(crm_session_open(f->db, 1, &f->s));
  if (!f->s) return 0;
  create_valid(f->s, f->ref, sizeof f->ref, "reference customer");
  return 1;
}

static void fix_close(Fix *f) {
  crm_session_close(f->s);
  CHECK_OK(crm_db_close(f->db));
  rm_rf(f->dir);
}

/* What the database holds, seen through the API and through SQLite. */
typedef struct {
  int customers;     /* crm_customer_list, archived included */
  int ref_history;   /* history rows of the reference customer */
  long long raw_customers, raw_history, raw_seq;
} Snap;

static Snap take_snap(Fix *f) {
  Snap s;
  s.customers = count_customers(f->s, 1);
  s.ref_history = history_rows(f->s, f->ref, NULL, 0);
  s.raw_customers = sql_scalar(f->path, "SELECT count(*) FROM customers");
  s.raw_history = sql_scalar(f->path, "SELECT count(*) FROM customer_history");
  s.raw_seq = sql_scalar(f->path,
                         "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                         "name = 'customers'), 0)");
  /* A create is not stored in customer_history (the customer row records who
   * created it and when); the API shows it as the first history entry. */
  CHECK(s.raw_customers == s.customers && s.raw_history + 1 >= s.ref_history &&
            s.ref_history >= 1,
        "inconsistent snapshot: API %d customers, SQLite %lld; history %d / %lld stored + 1",
        s.customers, s.raw_customers, s.ref_history, s.raw_history);
  return s;
}

static void check_nothing_written(const Snap *a, const Snap *b, const char *what) {
  CHECK(a->customers == b->customers && a->raw_customers == b->raw_customers,
        "%s: the customer count changed from %d (%lld in SQLite) to %d (%lld)", what,
        a->customers, a->raw_customers, b->customers, b->raw_customers);
  CHECK(a->ref_history == b->ref_history && a->raw_history == b->raw_history,
        "%s: the history changed from %d rows (%lld in SQLite) to %d (%lld)", what,
        a->ref_history, a->raw_history, b->ref_history, b->raw_history);
  CHECK(a->raw_seq == b->raw_seq, "%s: the id sequence moved from %lld to %lld", what, a->raw_seq,
        b->raw_seq);
}

/* Creating `rec` must fail with CRM_ERR_VALIDATION naming exactly `field` with
 * one of `codes`, and must write nothing. */
static void expect_rejected(Fix *f, const crm_record *rec, const char *field, const char *codes,
                            const char *what) {
  Snap before = take_snap(f), after;
  char *id = NULL;
  int rc = crm_customer_create(f->s, rec, &id);
  int code = crm_errcode();
  int32_t n = crm_error_field_count();
  CHECK(rc == CRM_ERR_VALIDATION, "%s: crm_customer_create returned %s (%s)", what, sname(rc),
        crm_errmsg());
  CHECK(code == CRM_ERR_VALIDATION, "%s: crm_errcode() is %s", what, sname(code));
  CHECK(crm_errmsg()[0] && crm_errmsg_zh()[0], "%s: an error message is empty", what);
  CHECK(n == 1, "%s: expected exactly one field error, got %d: %s", what, (int)n, field_errors());
  CHECK(has_field_error(field, codes), "%s: expected field error %s:%s, got %s", what, field,
        codes ? codes : "*", field_errors());
  check_field_error_texts(what);
  CHECK(id == NULL, "%s: out_id was set to %s on failure", what, id ? id : "");
  crm_free(id);
  after = take_snap(f);
  check_nothing_written(&before, &after, what);
}

/* A valid customer with one field replaced by text. */
static void expect_bad_text(Fix *f, const char *field, const char *value, const char *codes,
                            const char *what) {
  crm_record *r = valid_customer();
  set_text(r, field, value);
  expect_rejected(f, r, field, codes, what);
  crm_record_free(r);
}

/* ------------------------------------------------------------------------ */
/* A minimal JSON validator (RFC 8259) that can extract one string member   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *p, *end;
} Js;

static void js_ws(Js *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static int js_hex4(Js *j, unsigned *out) {
  int i;
  *out = 0;
  if (j->end - j->p < 4) return 0;
  for (i = 0; i < 4; i++) {
    char c = *j->p++;
    unsigned v;
    if (c >= '0' && c <= '9') v = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = (unsigned)(c - 'A' + 10);
    else return 0;
    *out = *out * 16 + v;
  }
  return 1;
}

static void js_put(char *out, size_t cap, size_t *n, unsigned char c) {
  if (out && *n + 1 < cap) out[*n] = (char)c;
  (*n)++;
}

static void js_put_cp(char *out, size_t cap, size_t *n, unsigned cp) {
  if (cp < 0x80) {
    js_put(out, cap, n, (unsigned char)cp);
  } else if (cp < 0x800) {
    js_put(out, cap, n, (unsigned char)(0xC0 | (cp >> 6)));
    js_put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    js_put(out, cap, n, (unsigned char)(0xE0 | (cp >> 12)));
    js_put(out, cap, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
    js_put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
  } else {
    js_put(out, cap, n, (unsigned char)(0xF0 | (cp >> 18)));
    js_put(out, cap, n, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
    js_put(out, cap, n, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
    js_put(out, cap, n, (unsigned char)(0x80 | (cp & 0x3F)));
  }
}

/* Parses a string; decodes it into out (NUL-terminated, truncated to cap). */
static int js_string(Js *j, char *out, size_t cap) {
  size_t n = 0;
  if (j->p >= j->end || *j->p != '"') return 0;
  j->p++;
  while (j->p < j->end) {
    unsigned char c = (unsigned char)*j->p++;
    if (c == '"') {
      if (out && cap) out[n < cap ? n : cap - 1] = '\0';
      return 1;
    }
    if (c < 0x20) return 0; /* raw control characters are not allowed */
    if (c != '\\') {
      js_put(out, cap, &n, c);
      continue;
    }
    if (j->p >= j->end) return 0;
    c = (unsigned char)*j->p++;
    switch (c) {
      case '"': js_put(out, cap, &n, '"'); break;
      case '\\': js_put(out, cap, &n, '\\'); break;
      case '/': js_put(out, cap, &n, '/'); break;
      case 'b': js_put(out, cap, &n, '\b'); break;
      case 'f': js_put(out, cap, &n, '\f'); break;
      case 'n': js_put(out, cap, &n, '\n'); break;
      case 'r': js_put(out, cap, &n, '\r'); break;
      case 't': js_put(out, cap, &n, '\t'); break;
      case 'u': {
        unsigned cp, lo;
        if (!js_hex4(j, &cp)) return 0;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return 0;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') return 0;
          j->p += 2;
          if (!js_hex4(j, &lo) || lo < 0xDC00 || lo > 0xDFFF) return 0;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        js_put_cp(out, cap, &n, cp);
        break;
      }
      default:
        return 0;
    }
  }
  return 0;
}

static int js_digits(Js *j) {
  const char *start = j->p;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  return j->p > start;
}

static int js_number(Js *j) {
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p < j->end && *j->p == '0') {
    j->p++;
  } else if (!js_digits(j)) {
    return 0;
  }
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (!js_digits(j)) return 0;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (!js_digits(j)) return 0;
  }
  return 1;
}

static int js_literal(Js *j, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(j->end - j->p) < n || strncmp(j->p, lit, n) != 0) return 0;
  j->p += n;
  return 1;
}

static int js_value(Js *j, int depth, const char *key, char *out, size_t cap, int *found);

static int js_object(Js *j, int depth, const char *key, char *out, size_t cap, int *found) {
  char name[256];
  j->p++; /* '{' */
  js_ws(j);
  if (j->p < j->end && *j->p == '}') {
    j->p++;
    return 1;
  }
  for (;;) {
    int want;
    js_ws(j);
    if (!js_string(j, name, sizeof name)) return 0;
    js_ws(j);
    if (j->p >= j->end || *j->p != ':') return 0;
    j->p++;
    js_ws(j);
    want = depth == 0 && key && strcmp(name, key) == 0;
    if (want && j->p < j->end && *j->p == '"') {
      if (!js_string(j, out, cap)) return 0;
      *found = 1;
    } else if (!js_value(j, depth + 1, NULL, NULL, 0, found)) {
      return 0;
    }
    js_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == '}') {
      j->p++;
      return 1;
    }
    return 0;
  }
}

static int js_value(Js *j, int depth, const char *key, char *out, size_t cap, int *found) {
  if (depth > 64) return 0;
  js_ws(j);
  if (j->p >= j->end) return 0;
  switch (*j->p) {
    case '{': return js_object(j, depth, key, out, cap, found);
    case '[':
      j->p++;
      js_ws(j);
      if (j->p < j->end && *j->p == ']') {
        j->p++;
        return 1;
      }
      for (;;) {
        if (!js_value(j, depth + 1, NULL, NULL, 0, found)) return 0;
        js_ws(j);
        if (j->p < j->end && *j->p == ',') {
          j->p++;
          continue;
        }
        if (j->p < j->end && *j->p == ']') {
          j->p++;
          return 1;
        }
        return 0;
      }
    case '"': return js_string(j, NULL, 0);
    case 't': return js_literal(j, "true");
    case 'f': return js_literal(j, "false");
    case 'n': return js_literal(j, "null");
    default: return js_number(j);
  }
}

/* Whether `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int utf8_valid(const unsigned char *s) {
  while (*s) {
    unsigned c = *s, cp, len, i;
    if (c < 0x80) {
      s++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return 0;
    for (i = 1; i < len; i++) {
      if ((s[i] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    s += len;
  }
  return 1;
}

/* Whether `text` is one valid JSON object; if `key` is given and names a
 * top-level string member, its decoded value goes to `out` and *found = 1. */
static int json_valid_object(const char *text, const char *key, char *out, size_t cap,
                             int *found) {
  Js j;
  int dummy = 0;
  if (!utf8_valid((const unsigned char *)text)) return 0; /* RFC 8259 section 8.1 */
  j.p = text;
  j.end = text + strlen(text);
  if (!found) found = &dummy;
  *found = 0;
  js_ws(&j);
  if (j.p >= j.end || *j.p != '{') return 0;
  if (!js_value(&j, 0, key, out, cap, found)) return 0;
  js_ws(&j);
  return j.p == j.end;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

static void test_version_and_status(void) {
  int s;
  section("version and status names");
  CHECK(crm_version() != NULL && strcmp(crm_version(), CRM_VERSION_STRING) == 0,
        "crm_version() is %s", crm_version() ? crm_version() : "NULL");
  CHECK(crm_version_number() ==
            CRM_VERSION_MAJOR * 10000 + CRM_VERSION_MINOR * 100 + CRM_VERSION_PATCH,
        "crm_version_number() is %d", (int)crm_version_number());
  CHECK(crm_schema_version() >= 1, "crm_schema_version() is %d", (int)crm_schema_version());
  for (s = -20; s <= 5; s++) {
    const char *n = crm_status_name(s);
    CHECK(n != NULL && n[0] != '\0', "crm_status_name(%d) is %s", s, n ? "\"\"" : "NULL");
  }
  CHECK(strcmp(crm_status_name(CRM_OK), "CRM_OK") == 0, "%s", crm_status_name(CRM_OK));
  CHECK(strcmp(crm_status_name(CRM_ERR_VALIDATION), "CRM_ERR_VALIDATION") == 0, "%s",
        crm_status_name(CRM_ERR_VALIDATION));
  CHECK(strcmp(crm_status_name(CRM_ERR_INTERNAL), "CRM_ERR_INTERNAL") == 0, "%s",
        crm_status_name(CRM_ERR_INTERNAL));
}

static int64_t const_clock(void *ctx) {
  (void)ctx;
  return 1234567890123LL;
}

/* NULL for every pointer argument of every function, one at a time. */
static void test_null_arguments(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_record *r = NULL, *got = NULL, *user = NULL, *upd = NULL, *cust = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  const char *str = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
  int32_t i32 = 0;
  int64_t i64 = 0, first_user = 0, second_user = 0;
  double d = 0;
  char *own = NULL;
  char id[16], id2[16];
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;

  section("NULL arguments");
#define NULLARG(call) CHECK_FAIL(call, CRM_ERR_INVALID_ARG)

  /* Releasing NULL does nothing. */
  crm_free(NULL);
  crm_record_free(NULL);
  crm_session_close(NULL);
  crm_cursor_close(NULL);
  CHECK(crm_db_close(NULL) == CRM_OK, "crm_db_close(NULL) returned %s",
        sname(crm_db_close(NULL)));

  /* Records. */
  NULLARG(crm_record_new(NULL));
  CHECK_OK(crm_record_new(&r));
  NULLARG(crm_record_set_text(NULL, "name", "x"));
  NULLARG(crm_record_set_text(r, NULL, "x"));
  NULLARG(crm_record_set_text(r, "name", NULL));
  NULLARG(crm_record_set_textn(NULL, "name", "x", 1));
  NULLARG(crm_record_set_textn(r, NULL, "x", 1));
  NULLARG(crm_record_set_textn(r, "name", NULL, 1));
  NULLARG(crm_record_set_int(NULL, "owner", 1));
  NULLARG(crm_record_set_int(r, NULL, 1));
  NULLARG(crm_record_set_real(NULL, "score", 1.5));
  NULLARG(crm_record_set_real(r, NULL, 1.5));
  NULLARG(crm_record_set_null(NULL, "email"));
  NULLARG(crm_record_set_null(r, NULL));
  NULLARG(crm_record_unset(NULL, "name"));
  NULLARG(crm_record_unset(r, NULL));
  NULLARG(crm_record_count(NULL, &i32));
  NULLARG(crm_record_count(r, NULL));
  CHECK_OK(crm_record_set_text(r, "name", "杭州恒达精密机械有限公司"));
  CHECK_OK(crm_record_set_int(r, "owner", 1));
  CHECK_OK(crm_record_set_real(r, "score", 2.5));
  CHECK_OK(crm_record_count(r, &i32));
  CHECK(i32 == 3, "the record has %d fields after three sets (the failed sets added some?)",
        (int)i32);
  NULLARG(crm_record_name(NULL, 0, &str));
  NULLARG(crm_record_name(r, 0, NULL));
  NULLARG(crm_record_type(NULL, "name", &i32));
  NULLARG(crm_record_type(r, NULL, &i32));
  NULLARG(crm_record_type(r, "name", NULL));
  NULLARG(crm_record_get_text(NULL, "name", &str));
  NULLARG(crm_record_get_text(r, NULL, &str));
  NULLARG(crm_record_get_text(r, "name", NULL));
  NULLARG(crm_record_get_int(NULL, "owner", &i64));
  NULLARG(crm_record_get_int(r, NULL, &i64));
  NULLARG(crm_record_get_int(r, "owner", NULL));
  NULLARG(crm_record_get_real(NULL, "score", &d));
  NULLARG(crm_record_get_real(r, NULL, &d));
  NULLARG(crm_record_get_real(r, "score", NULL));
  NULLARG(crm_record_to_json(NULL, &own));
  NULLARG(crm_record_to_json(r, NULL));

  /* Field registry: every output of crm_field_info is optional. */
  NULLARG(crm_field_count(NULL, &i32));
  NULLARG(crm_field_count("customer", NULL));
  NULLARG(crm_field_info(NULL, 0, &s1, &s2, &s3, &s4, &i32));
  CHECK_OK(crm_field_info("customer", 0, NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(crm_field_info("customer", 0, &s1, NULL, NULL, NULL, NULL));
  CHECK_OK(crm_field_info("customer", 0, NULL, &s2, NULL, NULL, NULL));
  CHECK_OK(crm_field_info("customer", 0, NULL, NULL, &s3, NULL, NULL));
  CHECK_OK(crm_field_info("customer", 0, NULL, NULL, NULL, &s4, NULL));
  CHECK_OK(crm_field_info("customer", 0, NULL, NULL, NULL, NULL, &i32));
  CHECK(s1 && s2 && s3 && s4 && s1[0] && s2[0] && s3[0] && s4[0],
        "crm_field_info outputs given one at a time were not all filled");
  NULLARG(crm_field_resolve(NULL, "name", &str));
  NULLARG(crm_field_resolve("customer", NULL, &str));
  NULLARG(crm_field_resolve("customer", "name", NULL));

  /* Databases: opts is optional. */
  NULLARG(crm_db_open(NULL, &o, &db));
  NULLARG(crm_db_open(":memory:", &o, NULL));
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) {
    crm_record_free(r);
    return;
  }
  NULLARG(crm_db_schema_version(NULL, &i32));
  NULLARG(crm_db_schema_version(db, NULL));
  NULLARG(crm_db_time_zone(NULL, &str));
  NULLARG(crm_db_time_zone(db, NULL));
  NULLARG(crm_db_clock_system(NULL));
  NULLARG(crm_db_clock_fixed(NULL, 0));
  NULLARG(crm_db_clock_callback(NULL, const_clock, NULL));
  NULLARG(crm_db_clock_callback(db, NULL, NULL));
  /* ctx is the host's own pointer: NULL is a valid context. */
  CHECK_OK(crm_db_clock_callback(db, const_clock, NULL));
  CHECK_OK(crm_db_now(db, &i64));
  CHECK(i64 == 1234567890123LL, "crm_db_now with a callback clock gave %" PRId64, i64);
  CHECK_OK(crm_db_clock_system(db));
  NULLARG(crm_db_now(NULL, &i64));
  NULLARG(crm_db_now(db, NULL));
  NULLARG(crm_db_begin(NULL));
  NULLARG(crm_db_commit(NULL));
  NULLARG(crm_db_rollback(NULL));

  /* Sessions and users. */
  NULLARG(crm_session_open(NULL, 1, &s));
  NULLARG(crm_session_open(db, 1, NULL));
  NULLARG(crm_session_open_login(NULL, "admin", &s));
  NULLARG(crm_session_open_login(db, NULL, &s));
  NULLARG(crm_session_open_login(db, "admin", NULL));
  CHECK_OK(crm_session_open_login(db, "admin", &s));
  if (!s) {
    crm_record_free(r);
    crm_db_close(db);
    return;
  }
  NULLARG(crm_session_user(NULL, &i64));
  NULLARG(crm_session_user(s, NULL));

  /* Users name an existing department (R3.1). */
  CHECK_OK(crm_department_define(s, "销售一部", NULL, 0, NULL));
  user = new_record();
  set_text(user, "login", "zhang.min");
  set_text(user, "name", "张敏");
  set_text(user, "department", "销售一部");
  set_text(user, "role", "销售");
  NULLARG(crm_user_create(NULL, user, &i64));
  NULLARG(crm_user_create(s, NULL, &i64));
  /* out_id of crm_user_create is optional: the user is created all the same. */
  CHECK_OK(crm_user_create(s, user, NULL));
  set_text(user, "login", "zhang.min2");
  CHECK_OK(crm_user_create(s, user, &first_user));
  CHECK(first_user == 3,
        "the user created after the NULL-out_id call has id %" PRId64
        ", expected 3 (admin is 1, the NULL-out_id call made 2)",
        first_user);
  set_text(user, "login", "zhang.min3");
  CHECK_OK(crm_user_create(s, user, &second_user));
  CHECK(second_user == first_user + 1, "user ids %" PRId64 " then %" PRId64, first_user,
        second_user);
  NULLARG(crm_user_get(NULL, 1, &got));
  NULLARG(crm_user_get(s, 1, NULL));

  /* Dictionaries. */
  NULLARG(crm_dict_add(NULL, "industry", "robotics", "机器人", "Robotics"));
  NULLARG(crm_dict_add(s, NULL, "robotics", "机器人", "Robotics"));
  NULLARG(crm_dict_add(s, "industry", NULL, "机器人", "Robotics"));
  NULLARG(crm_dict_add(s, "industry", "robotics", NULL, "Robotics"));
  NULLARG(crm_dict_add(s, "industry", "robotics", "机器人", NULL));
  NULLARG(crm_dict_label(NULL, "priority", "high", &str));
  NULLARG(crm_dict_label(s, NULL, "high", &str));
  NULLARG(crm_dict_label(s, "priority", NULL, &str));
  NULLARG(crm_dict_label(s, "priority", "high", NULL));

  /* Customers: out_id, out_version, reason and q are optional. */
  cust = valid_customer();
  NULLARG(crm_customer_create(NULL, cust, &own));
  NULLARG(crm_customer_create(s, NULL, &own));
  CHECK(count_customers(s, 1) == 0, "a failed create wrote a customer");
  CHECK_OK(crm_customer_create(s, cust, NULL));
  CHECK(count_customers(s, 1) == 1, "crm_customer_create(s, rec, NULL) did not write");
  create_ok(s, cust, id, sizeof id, "second customer");
  create_ok(s, cust, id2, sizeof id2, "third customer");
  NULLARG(crm_customer_get(NULL, id, &got));
  NULLARG(crm_customer_get(s, NULL, &got));
  NULLARG(crm_customer_get(s, id, NULL));
  NULLARG(crm_customer_get_by_key(NULL, 1, &got));
  NULLARG(crm_customer_get_by_key(s, 1, NULL));
  upd = new_record();
  set_text(upd, "priority", "低");
  NULLARG(crm_customer_update(NULL, id, upd, &i64));
  NULLARG(crm_customer_update(s, NULL, upd, &i64));
  NULLARG(crm_customer_update(s, id, NULL, &i64));
  CHECK_OK(crm_customer_update(s, id, upd, NULL));
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "priority"), "low") == 0 && rec_int(got, "version") == 2,
        "after an update with out_version NULL: priority %s, version %" PRId64,
        rtext(got, "priority"), rec_int(got, "version"));
  crm_record_free(got);
  got = NULL;
  NULLARG(crm_customer_set_type(NULL, id, "intent", "有意向"));
  NULLARG(crm_customer_set_type(s, NULL, "intent", "有意向"));
  NULLARG(crm_customer_set_type(s, id, NULL, "有意向"));
  CHECK_OK(crm_customer_set_type(s, id, "intent", NULL));
  NULLARG(crm_customer_archive(NULL, id2, "重复"));
  NULLARG(crm_customer_archive(s, NULL, "重复"));
  CHECK_OK(crm_customer_archive(s, id2, NULL));
  NULLARG(crm_customer_list(NULL, &q, &c));
  NULLARG(crm_customer_list(s, &q, NULL));
  CHECK_OK(crm_customer_list(s, NULL, &c));
  NULLARG(crm_cursor_next(NULL, &row));
  NULLARG(crm_cursor_next(c, NULL));
  NULLARG(crm_cursor_next_page(NULL, &str));
  NULLARG(crm_cursor_next_page(c, NULL));
  {
    int n = 0;
    while (crm_cursor_next(c, &row) == CRM_OK) n++;
    CHECK(n == 2, "the default list (q NULL) has %d rows, expected 2 (one archived)", n);
  }
  crm_cursor_close(c);
  c = NULL;
  NULLARG(crm_customer_history(NULL, id, &c));
  NULLARG(crm_customer_history(s, NULL, &c));
  NULLARG(crm_customer_history(s, id, NULL));

  /* Accessors of the last error never return NULL. */
  CHECK(crm_error_field_name(0) != NULL && crm_error_field_code(0) != NULL &&
            crm_error_field_message(0) != NULL && crm_error_field_message_zh(0) != NULL,
        "a crm_error_field_* accessor returned NULL");
#undef NULLARG

  crm_record_free(r);
  crm_record_free(user);
  crm_record_free(upd);
  crm_record_free(cust);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_records(void) {
  crm_record *r = new_record();
  const char *str = NULL;
  int32_t n = 0, t = -1;
  int64_t i = 0;
  double d = 0;
  char *json = NULL;
  section("records");
  CHECK_OK(crm_record_count(r, &n));
  CHECK(n == 0, "a new record has %d fields", (int)n);
  set_text(r, "name", "杭州恒达精密机械有限公司");
  set_int(r, "owner", 7);
  CHECK_OK(crm_record_set_real(r, "score", 0.5));
  CHECK_OK(crm_record_set_null(r, "email"));
  set_text(r, "name", "宁波恒达精密机械有限公司"); /* replaces, keeps position */
  CHECK_OK(crm_record_count(r, &n));
  CHECK(n == 4, "record has %d fields, expected 4", (int)n);
  CHECK_OK(crm_record_name(r, 0, &str));
  CHECK(str && strcmp(str, "name") == 0, "field 0 is %s", str ? str : "NULL");
  CHECK_OK(crm_record_name(r, 3, &str));
  CHECK(str && strcmp(str, "email") == 0, "field 3 is %s", str ? str : "NULL");
  CHECK_FAIL(crm_record_name(r, 4, &str), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_record_name(r, -1, &str), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_record_type(r, "name", &t));
  CHECK(t == CRM_TYPE_TEXT, "type of name is %d", (int)t);
  CHECK_OK(crm_record_type(r, "owner", &t));
  CHECK(t == CRM_TYPE_INT, "type of owner is %d", (int)t);
  CHECK_OK(crm_record_type(r, "score", &t));
  CHECK(t == CRM_TYPE_REAL, "type of score is %d", (int)t);
  CHECK_OK(crm_record_type(r, "email", &t));
  CHECK(t == CRM_TYPE_NULL, "type of email is %d", (int)t);
  CHECK_FAIL(crm_record_type(r, "phone", &t), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_record_get_text(r, "name", &str));
  CHECK(str && strcmp(str, "宁波恒达精密机械有限公司") == 0, "name is %s", str ? str : "NULL");
  str = "x";
  CHECK_OK(crm_record_get_text(r, "email", &str));
  CHECK(str == NULL, "a NULL value read as text gave %s", str);
  /* Wrong types when reading. */
  CHECK_FAIL(crm_record_get_int(r, "name", &i), CRM_ERR_TYPE);
  CHECK_FAIL(crm_record_get_int(r, "email", &i), CRM_ERR_TYPE);
  CHECK_FAIL(crm_record_get_int(r, "score", &i), CRM_ERR_TYPE);
  CHECK_FAIL(crm_record_get_text(r, "owner", &str), CRM_ERR_TYPE);
  CHECK_FAIL(crm_record_get_real(r, "name", &d), CRM_ERR_TYPE);
  CHECK_FAIL(crm_record_get_int(r, "missing", &i), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_record_get_int(r, "owner", &i));
  CHECK(i == 7, "owner is %" PRId64, i);
  CHECK_OK(crm_record_get_real(r, "owner", &d));
  CHECK(d == 7.0, "owner as real is %g", d);
  CHECK_OK(crm_record_get_real(r, "score", &d));
  CHECK(d == 0.5, "score is %g", d);
  /* Unset. */
  CHECK_OK(crm_record_unset(r, "score"));
  CHECK_FAIL(crm_record_unset(r, "score"), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_record_count(r, &n));
  CHECK(n == 3, "record has %d fields after unset", (int)n);
  /* An empty field name is a malformed argument. */
  CHECK_FAIL(crm_record_set_text(r, "", "x"), CRM_ERR_INVALID_ARG);
  /* set_textn keeps exactly len bytes. */
  CHECK_OK(crm_record_set_textn(r, "contact_name", "王伟XYZ", strlen("王伟")));
  CHECK(strcmp(rtext(r, "contact_name"), "王伟") == 0, "set_textn stored %s",
        rtext(r, "contact_name"));
  CHECK_OK(crm_record_to_json(r, &json));
  CHECK(json && json_valid_object(json, NULL, NULL, 0, NULL), "to_json gave invalid JSON: %s",
        json ? json : "NULL");
  crm_free(json);
  crm_record_free(r);
}

static void test_registry_and_dictionaries(void) {
  int32_t n = 0, i, flags = 0;
  const char *name = NULL, *type = NULL, *zh = NULL, *en = NULL, *out = NULL;
  int seen_name = 0, seen_id = 0, seen_phone = 0;
  crm_db *db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_record *u, *r, *got;
  int64_t uid = 0;
  char id[16];
  section("field registry and dictionaries");
  CHECK_OK(crm_field_count("customer", &n));
  CHECK(n > 10, "customer has %d fields", (int)n);
  for (i = 0; i < n; i++) {
    int rc = crm_field_info("customer", i, &name, &type, &zh, &en, &flags);
    CHECK(rc == CRM_OK && name && type && zh && en, "crm_field_info(customer, %d): %s", (int)i,
          sname(rc));
    if (rc != CRM_OK || !name) continue;
    if (strcmp(name, "name") == 0) {
      seen_name = 1;
      CHECK((flags & CRM_FIELD_REQUIRED) && !(flags & CRM_FIELD_READONLY),
            "flags of name are %d", (int)flags);
      CHECK(strcmp(zh, "客户全称") == 0, "label of name is %s", zh);
    }
    if (strcmp(name, "id") == 0) {
      seen_id = 1;
      CHECK(flags & CRM_FIELD_READONLY, "flags of id are %d", (int)flags);
    }
    if (strcmp(name, "phone") == 0) {
      seen_phone = 1;
      CHECK((flags & CRM_FIELD_PERSONAL) && strcmp(type, "phone") == 0,
            "phone: flags %d, type %s", (int)flags, type);
    }
  }
  CHECK(seen_name && seen_id && seen_phone, "registry lacks name/id/phone (%d %d %d)", seen_name,
        seen_id, seen_phone);
  CHECK_FAIL(crm_field_info("customer", n, &name, NULL, NULL, NULL, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_field_info("customer", -1, &name, NULL, NULL, NULL, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_field_info("invoice", 0, &name, NULL, NULL, NULL, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_field_count("invoice", &n), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_field_resolve("customer", "客户全称", &out));
  CHECK(out && strcmp(out, "name") == 0, "客户全称 resolves to %s", out ? out : "NULL");
  CHECK_OK(crm_field_resolve("customer", "需求优先级", &out));
  CHECK(out && strcmp(out, "priority") == 0, "需求优先级 resolves to %s", out ? out : "NULL");
  CHECK_OK(crm_field_resolve("customer", "Full legal name", &out));
  CHECK(out && strcmp(out, "name") == 0, "Full legal name resolves to %s", out ? out : "NULL");
  CHECK_OK(crm_field_resolve("customer", "key_needs", &out));
  CHECK(out && strcmp(out, "key_needs") == 0, "key_needs resolves to %s", out ? out : "NULL");
  CHECK_FAIL(crm_field_resolve("customer", "客户昵称", &out), CRM_ERR_NOT_FOUND);

  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  CHECK_OK(crm_dict_label(s, "priority", "high", &out));
  CHECK(out && strcmp(out, "高") == 0, "label of priority high is %s", out ? out : "NULL");
  CHECK_OK(crm_dict_label(s, "source", "trade_show", &out));
  CHECK(out && strcmp(out, "展会") == 0, "label of source trade_show is %s", out ? out : "NULL");
  CHECK_FAIL(crm_dict_label(s, "priority", "urgent", &out), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_dict_add(s, "industry", "robotics", "机器人", "Robotics"));
  CHECK_FAIL(crm_dict_add(s, "industry", "robotics", "机器人二", "Robotics 2"), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_dict_add(s, "industry", "robotics2", "机器人", "Robotics 2"), CRM_ERR_CONFLICT);
  {
    int rc = crm_dict_add(s, "customer_type", "vip", "贵宾客户", "VIP");
    CHECK(rc < 0, "adding to the fixed dictionary customer_type returned %s", sname(rc));
  }
  r = valid_customer();
  set_text(r, "industry", "机器人");
  create_ok(s, r, id, sizeof id, "customer with a new industry");
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "industry"), "robotics") == 0, "industry stored as %s",
        rtext(got, "industry"));
  crm_record_free(got);
  crm_record_free(r);

  /* Only an administrator may add users and dictionary entries. */
  u = new_record();
  set_text(u, "login", "li.na");
  set_text(u, "name", "李娜");
  set_text(u, "role", "sales");
  CHECK_OK(crm_user_create(s, u, &uid));
  CHECK_OK(crm_session_open(db, uid, &sales));
  CHECK_FAIL(crm_dict_add(sales, "industry", "mining", "采矿", "Mining"), CRM_ERR_PERMISSION);
  set_text(u, "login", "wang.fang");
  CHECK_FAIL(crm_user_create(sales, u, &uid), CRM_ERR_PERMISSION);
  {
    crm_session *none = NULL;
    CHECK_FAIL(crm_session_open(db, 999, &none), CRM_ERR_NOT_FOUND);
    CHECK_FAIL(crm_session_open_login(db, "nobody", &none), CRM_ERR_NOT_FOUND);
    crm_session_close(none);
  }
  {
    crm_session *tmp = NULL;
    int64_t who = 0;
    CHECK_OK(crm_session_open_login(db, "li.na", &tmp));
    CHECK_OK(crm_session_user(tmp, &who));
    CHECK(who == 2, "session of li.na acts as user %" PRId64, who);
    crm_session_close(tmp);
  }
  crm_record_free(u);
  crm_session_close(sales);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_validation(void) {
  Fix f;
  crm_record *r;
  size_t i;
  section("validation: every bad input is rejected and nothing is written");
  if (!fix_open(&f, "validation")) return;

  /* Unknown field names. */
  expect_bad_text(&f, "nickname", "小王", "unknown_field", "unknown field nickname");
  expect_bad_text(&f, "客户昵称", "小王", "unknown_field", "unknown field 客户昵称");

  /* Values of the wrong type. */
  r = valid_customer();
  set_int(r, "name", 42);
  expect_rejected(&f, r, "name", "wrong_type", "crm_record_set_int for name");
  crm_record_free(r);
  r = valid_customer();
  CHECK_OK(crm_record_set_real(r, "priority", 1.0));
  expect_rejected(&f, r, "priority", "wrong_type", "crm_record_set_real for priority");
  crm_record_free(r);
  r = valid_customer();
  set_text(r, "owner", "1");
  expect_rejected(&f, r, "owner", "wrong_type", "text for the user field owner");
  crm_record_free(r);

  /* Invalid UTF-8. */
  {
    static const char *const bad[] = {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "\xFF", "\xE6\x9D"};
    static const char *const what[] = {"truncated sequence C3 28", "overlong C0 AF",
                                       "lone surrogate ED A0 80", "byte FF",
                                       "truncated 3-byte sequence"};
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      char v[256], w[256];
      snprintf(v, sizeof v, "杭州恒达%s精密机械有限公司", bad[i]);
      snprintf(w, sizeof w, "invalid UTF-8 (%s) in name", what[i]);
      expect_bad_text(&f, "name", v, "invalid_utf8", w);
      snprintf(v, sizeof v, "采购%s数控机床", bad[i]);
      snprintf(w, sizeof w, "invalid UTF-8 (%s) in key_needs", what[i]);
      expect_bad_text(&f, "key_needs", v, "invalid_utf8", w);
      snprintf(v, sizeof v, "王%s伟", bad[i]);
      snprintf(w, sizeof w, "invalid UTF-8 (%s) in contact_name", what[i]);
      expect_bad_text(&f, "contact_name", v, "invalid_utf8", w);
      snprintf(v, sizeof v, "1381234%s5678", bad[i]);
      snprintf(w, sizeof w, "invalid UTF-8 (%s) in phone", what[i]);
      expect_bad_text(&f, "phone", v, "invalid_utf8", w);
    }
  }

  /* 1 MB strings are refused quickly. */
  {
    size_t big_len = 1u << 20;
    char *big = (char *)malloc(big_len + 1);
    double t0, dt;
    if (big) {
      memset(big, 'a', big_len);
      big[big_len] = '\0';
      t0 = mono_seconds();
      expect_bad_text(&f, "name", big, "too_long", "1 MB name");
      dt = mono_seconds() - t0;
      CHECK(dt < 2.0, "rejecting a 1 MB name took %.2f s", dt);
      t0 = mono_seconds();
      expect_bad_text(&f, "key_needs", big, "too_long", "1 MB key_needs");
      dt = mono_seconds() - t0;
      CHECK(dt < 2.0, "rejecting a 1 MB key_needs took %.2f s", dt);
      /* 1 MB of Chinese characters, too. */
      for (i = 0; i + 3 <= big_len; i += 3) memcpy(big + i, "需", 3);
      big[i] = '\0';
      t0 = mono_seconds();
      expect_bad_text(&f, "key_needs", big, "too_long", "1 MB of Chinese in key_needs");
      dt = mono_seconds() - t0;
      CHECK(dt < 2.0, "rejecting 1 MB of Chinese in key_needs took %.2f s", dt);
      /* A huge phone or e-mail is refused too. */
      memset(big, '1', big_len);
      big[big_len] = '\0';
      t0 = mono_seconds();
      expect_bad_text(&f, "phone", big, "invalid_phone", "1 MB phone");
      dt = mono_seconds() - t0;
      CHECK(dt < 2.0, "rejecting a 1 MB phone took %.2f s", dt);
      free(big);
    }
  }

  /* NUL bytes inside a value. */
  {
    static const char nul_name[] = "杭州恒达精密\0机械有限公司";
    static const char nul_contact[] = "王\0伟";
    r = valid_customer();
    CHECK_OK(crm_record_set_textn(r, "name", nul_name, sizeof nul_name - 1));
    expect_rejected(&f, r, "name", NULL, "NUL byte inside name (crm_record_set_textn)");
    crm_record_free(r);
    r = valid_customer();
    CHECK_OK(crm_record_set_textn(r, "contact_name", nul_contact, sizeof nul_contact - 1));
    expect_rejected(&f, r, "contact_name", NULL, "NUL byte inside contact_name");
    crm_record_free(r);
  }

  /* Phones (R1.2). */
  expect_bad_text(&f, "phone", "12345678901", "invalid_phone", "phone 12345678901");
  expect_bad_text(&f, "phone", "0755-8888888", "invalid_phone", "phone 0755-8888888");
  expect_bad_text(&f, "phone", "12345678", "missing_area_code", "phone 12345678");
  expect_bad_text(&f, "phone", "88888888", "missing_area_code", "phone 88888888");
  expect_bad_text(&f, "phone", "6666666", "missing_area_code", "phone 6666666");
  expect_bad_text(&f, "phone", "abc", "invalid_phone", "phone abc");
  expect_bad_text(&f, "phone", "1381234567", "invalid_phone", "phone with 10 digits");
  expect_bad_text(&f, "phone", "138123456789", "invalid_phone", "phone with 12 digits");

  /* E-mails. */
  expect_bad_text(&f, "email", "a@", "invalid_email", "email a@");
  expect_bad_text(&f, "email", "@b.com", "invalid_email", "email @b.com");
  expect_bad_text(&f, "email", "a@b", "invalid_email", "email a@b");
  expect_bad_text(&f, "email", "a..b@c.com", "invalid_email", "email a..b@c.com");
  expect_bad_text(&f, "email", "wang wei@c.com", "invalid_email", "email with a space");

  /* Dates. */
  expect_bad_text(&f, "entry_date", "2026-02-30", "invalid_date", "date 2026-02-30");
  expect_bad_text(&f, "entry_date", "2025-02-29", "invalid_date", "date 2025-02-29");
  expect_bad_text(&f, "entry_date", "2026-13-01", "invalid_date", "date 2026-13-01");
  expect_bad_text(&f, "entry_date", "20260101", "invalid_date", "date 20260101");
  expect_bad_text(&f, "entry_date", "2026/01/01", "invalid_date", "date 2026/01/01");

  /* Enumerations. */
  expect_bad_text(&f, "priority", "特急", "unknown_value", "priority 特急");
  expect_bad_text(&f, "industry", "不存在", "unknown_value", "industry 不存在");
  expect_bad_text(&f, "scale", "很大", "unknown_value", "scale 很大");
  expect_bad_text(&f, "source", "路过", "unknown_value", "source 路过");
  expect_bad_text(&f, "type", "VIP客户", "unknown_value", "type VIP客户");

  /* Vague or abbreviated names (R1.1). */
  expect_bad_text(&f, "name", "某科技公司", "vague_name", "name 某科技公司");
  expect_bad_text(&f, "name", "XX公司", "vague_name", "name XX公司");
  expect_bad_text(&f, "name", "有限公司", "vague_name", "name 有限公司");
  expect_bad_text(&f, "name", "科技有限公司", "vague_name", "name 科技有限公司");
  expect_bad_text(&f, "name", "华为", "vague_name|too_short", "name 华为");
  expect_bad_text(&f, "name", "北京科技有限公司", "vague_name", "name 北京科技有限公司");

  /* Required fields and the contact rule. */
  r = valid_customer();
  CHECK_OK(crm_record_unset(r, "contact_name"));
  expect_rejected(&f, r, "contact_name", "required", "no contact_name");
  crm_record_free(r);
  expect_bad_text(&f, "key_needs", "   ", "required", "blank key_needs");
  r = valid_customer();
  CHECK_OK(crm_record_set_null(r, "name"));
  expect_rejected(&f, r, "name", "required", "NULL name");
  crm_record_free(r);
  r = valid_customer();
  CHECK_OK(crm_record_unset(r, "phone"));
  expect_rejected(&f, r, "phone", "contact_required", "neither phone nor e-mail");
  crm_record_free(r);
  r = valid_customer();
  set_int(r, "owner", 999);
  expect_rejected(&f, r, "owner", NULL, "owner 999 (no such user)");
  crm_record_free(r);
  r = valid_customer();
  set_text(r, "id", "C0001");
  expect_rejected(&f, r, "id", "read_only", "id given on create");
  crm_record_free(r);

  /* Several bad fields: every one is reported in one call. */
  {
    static const char *const fields[] = {"name",     "phone",      "email",   "entry_date",
                                         "priority", "nickname",   "contact_name"};
    static const char *const codes[] = {"vague_name",    "invalid_phone", "invalid_email",
                                        "invalid_date",  "unknown_value", "unknown_field",
                                        "required"};
    Snap before = take_snap(&f), after;
    int rc;
    int32_t n;
    r = valid_customer();
    set_text(r, "name", "某科技公司");
    set_text(r, "phone", "abc");
    set_text(r, "email", "a@");
    set_text(r, "entry_date", "2026-02-30");
    set_text(r, "priority", "特急");
    set_text(r, "nickname", "小王");
    CHECK_OK(crm_record_unset(r, "contact_name"));
    rc = crm_customer_create(f.s, r, NULL);
    n = crm_error_field_count();
    CHECK(rc == CRM_ERR_VALIDATION, "create with 7 bad fields returned %s", sname(rc));
    CHECK(n == 7, "7 bad fields gave %d field errors: %s", (int)n, field_errors());
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
      CHECK(has_field_error(fields[i], codes[i]), "missing field error %s:%s among %s", fields[i],
            codes[i], field_errors());
    {
      const char *msg = crm_errmsg();
      CHECK(strstr(msg, "phone") && strstr(msg, "entry_date"),
            "the message does not name the failing fields: %s", msg);
    }
    check_field_error_texts("7 bad fields");
    crm_record_free(r);
    after = take_snap(&f);
    check_nothing_written(&before, &after, "7 bad fields");
  }

  /* A valid customer still goes in after all that. */
  {
    Snap before = take_snap(&f), after;
    char id[16];
    create_valid(f.s, id, sizeof id, "valid after failures");
    after = take_snap(&f);
    /* The create adds the customer row only: its history entry is read from it. */
    CHECK(after.customers == before.customers + 1 && after.raw_history == before.raw_history &&
              history_rows(f.s, id, NULL, 0) == 1,
          "a valid create changed the count %d -> %d, stored history %lld -> %lld, API history %d",
          before.customers, after.customers, before.raw_history, after.raw_history,
          history_rows(f.s, id, NULL, 0));
    CHECK(strcmp(id, "C0002") == 0, "the second customer ever created got id %s", id);
  }
  fix_close(&f);
}

static void test_normalisation(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_record *r, *got;
  char id[16];
  size_t i;
  static const struct {
    const char *in, *e164, *display;
  } phones[] = {
      {"13812345678", "+8613812345678", "138 1234 5678"},
      {"１３８１２３４５６７８", "+8613812345678", NULL},
      {"+86 138-1234-5678", "+8613812345678", NULL},
      {"008613812345678", "+8613812345678", NULL},
      {"0086 138 1234 5678", "+8613812345678", NULL},
      {"8613812345678", "+8613812345678", NULL},
      {" 138 1234 5678 ", "+8613812345678", NULL},
      {"010-12345678", "+861012345678", "010 1234 5678"},
      {"(010) 1234-5678", "+861012345678", "010 1234 5678"},
      {"０１０－１２３４５６７８", "+861012345678", NULL},
  };
  section("normalisation of valid input");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_db_clock_fixed(db, utc_ms(2026, 3, 1, 2, 0, 0, 0)));
  CHECK_OK(crm_session_open(db, 1, &s));

  for (i = 0; i < sizeof phones / sizeof phones[0]; i++) {
    char what[128];
    snprintf(what, sizeof what, "phone \"%s\"", phones[i].in);
    r = valid_customer();
    set_text(r, "phone", phones[i].in);
    create_ok(s, r, id, sizeof id, what);
    crm_record_free(r);
    if (!id[0]) continue;
    /* Reads mask the phone (R3.6): 138****5678 / 010****5678. */
    got = get_customer(s, id);
    {
      const char *masked =
          strncmp(phones[i].e164, "+86138", 6) == 0 ? "138****5678" : "010****5678";
      CHECK(strcmp(rtext(got, "phone"), masked) == 0 &&
                strcmp(rtext(got, "phone_display"), masked) == 0,
            "%s reads as phone %s, display %s, expected both masked as %s", what,
            rtext(got, "phone"), rtext(got, "phone_display"), masked);
    }
    crm_record_free(got);
    got = get_customer_clear(s, id);
    CHECK(strcmp(rtext(got, "phone"), phones[i].e164) == 0, "%s stored as %s, expected %s", what,
          rtext(got, "phone"), phones[i].e164);
    if (phones[i].display)
      CHECK(strcmp(rtext(got, "phone_display"), phones[i].display) == 0,
            "%s: phone_display %s, expected %s", what, rtext(got, "phone_display"),
            phones[i].display);
    crm_record_free(got);
  }

  /* Chinese labels are stored as codes; defaults apply. */
  r = valid_customer();
  create_ok(s, r, id, sizeof id, "labels");
  crm_record_free(r);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "industry"), "manufacturing") == 0, "industry 制造业 stored as %s",
        rtext(got, "industry"));
  CHECK(strcmp(rtext(got, "scale"), "emp_100_500") == 0, "scale 100-500人 stored as %s",
        rtext(got, "scale"));
  CHECK(strcmp(rtext(got, "source"), "trade_show") == 0, "source 展会 stored as %s",
        rtext(got, "source"));
  CHECK(strcmp(rtext(got, "priority"), "high") == 0, "priority 高 stored as %s",
        rtext(got, "priority"));
  CHECK(strcmp(rtext(got, "type"), "prospect") == 0, "default type is %s", rtext(got, "type"));
  CHECK(rec_int(got, "owner") == 1, "default owner is %" PRId64, rec_int(got, "owner"));
  CHECK(strcmp(rtext(got, "entry_date"), "2026-03-01") == 0, "default entry_date is %s",
        rtext(got, "entry_date"));
  CHECK(rec_int(got, "version") == 1 && rec_int(got, "archived") == 0, "version %" PRId64
        ", archived %" PRId64, rec_int(got, "version"), rec_int(got, "archived"));
  CHECK(strcmp(rtext(got, "name"), "杭州恒达精密机械有限公司") == 0, "name is %s",
        rtext(got, "name"));
  CHECK(strcmp(rtext(got, "contact_name"), "王伟") == 0, "contact_name is %s",
        rtext(got, "contact_name"));
  crm_record_free(got);

  r = valid_customer();
  set_text(r, "industry", "Manufacturing");
  set_text(r, "scale", "1-5亿");
  set_text(r, "source", "partner_referral");
  set_text(r, "priority", "低");
  set_text(r, "type", "意向客户");
  create_ok(s, r, id, sizeof id, "English label, code and Chinese type");
  crm_record_free(r);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "industry"), "manufacturing") == 0 &&
            strcmp(rtext(got, "scale"), "rev_100m_500m") == 0 &&
            strcmp(rtext(got, "source"), "partner_referral") == 0 &&
            strcmp(rtext(got, "priority"), "low") == 0 && strcmp(rtext(got, "type"), "intent") == 0,
        "stored industry %s scale %s source %s priority %s type %s", rtext(got, "industry"),
        rtext(got, "scale"), rtext(got, "source"), rtext(got, "priority"), rtext(got, "type"));
  crm_record_free(got);

  /* White space in names. */
  {
    static const struct {
      const char *in, *out;
    } names[] = {
        {"  杭州恒达精密机械有限公司  ", "杭州恒达精密机械有限公司"},
        {"Hangzhou   Hengda  Precision Machinery Co., Ltd.  ",
         "Hangzhou Hengda Precision Machinery Co., Ltd."},
        {"杭州恒达\xE3\x80\x80\xE3\x80\x80精密机械有限公司", "杭州恒达 精密机械有限公司"},
        {"\t杭州恒达精密机械有限公司\n", "杭州恒达精密机械有限公司"},
    };
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
      r = valid_customer();
      set_text(r, "name", names[i].in);
      create_ok(s, r, id, sizeof id, names[i].in);
      crm_record_free(r);
      got = get_customer(s, id);
      CHECK(strcmp(rtext(got, "name"), names[i].out) == 0, "name \"%s\" stored as \"%s\"",
            names[i].in, rtext(got, "name"));
      crm_record_free(got);
    }
  }

  /* key_needs: 200 characters accepted, 201 rejected (characters, not bytes). */
  {
    char needs[1024];
    size_t k;
    for (k = 0; k < 200; k++) memcpy(needs + 3 * k, "需", 3);
    needs[600] = '\0';
    r = valid_customer();
    set_text(r, "key_needs", needs);
    create_ok(s, r, id, sizeof id, "200 Chinese characters of key_needs");
    got = get_customer(s, id);
    CHECK(strcmp(rtext(got, "key_needs"), needs) == 0, "key_needs of 200 characters changed");
    crm_record_free(got);
    memcpy(needs + 600, "求", 4);
    set_text(r, "key_needs", needs);
    CHECK_FAIL(crm_customer_create(s, r, NULL), CRM_ERR_VALIDATION);
    CHECK(crm_error_field_count() == 1 && has_field_error("key_needs", "too_long"),
          "201 characters: %s", field_errors());
    crm_record_free(r);
  }

  /* Dates: 2024 is a leap year. */
  r = valid_customer();
  set_text(r, "entry_date", "2024-02-29");
  create_ok(s, r, id, sizeof id, "entry_date 2024-02-29");
  crm_record_free(r);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "entry_date"), "2024-02-29") == 0, "entry_date stored as %s",
        rtext(got, "entry_date"));
  crm_record_free(got);

  /* E-mail alone is a contact method. */
  r = valid_customer();
  CHECK_OK(crm_record_unset(r, "phone"));
  set_text(r, "email", "wang.wei@hengda-machinery.com");
  create_ok(s, r, id, sizeof id, "e-mail only");
  crm_record_free(r);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "email"), "w***@hengda-machinery.com") == 0 &&
            strcmp(rtext(got, "phone"), "(null)") == 0,
        "e-mail only, masked read: email %s (expected w***@hengda-machinery.com) phone %s",
        rtext(got, "email"), rtext(got, "phone"));
  crm_record_free(got);
  got = get_customer_clear(s, id);
  CHECK(strcmp(rtext(got, "email"), "wang.wei@hengda-machinery.com") == 0 &&
            strcmp(rtext(got, "phone"), "(null)") == 0 &&
            strcmp(rtext(got, "phone_display"), "(null)") == 0,
        "e-mail only: email %s phone %s display %s", rtext(got, "email"), rtext(got, "phone"),
        rtext(got, "phone_display"));
  crm_record_free(got);

  /* Ids are readable (R1.11) and unknown ids are not found. */
  CHECK_FAIL(crm_customer_get(s, "C9999", &got), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_get(s, "X1", &got), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_get_by_key(s, 9999, &got), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_customer_get_by_key(s, 1, &got));
  CHECK(strcmp(rtext(got, "id"), "C0001") == 0 && rec_int(got, "key") == 1, "key 1 is %s / %" PRId64,
        rtext(got, "id"), rec_int(got, "key"));
  crm_record_free(got);

  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_updates_lifecycle_history(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_record *u, *got, *before;
  char id[16];
  int64_t v = 0, key = 0, created = 0;
  int64_t t0 = utc_ms(2026, 3, 2, 1, 0, 0, 0);
  char rows[16][64];
  int n, k;
  static const char *const expected_rows[] = {"create/(null)",   "update/key_needs",
                                              "update/priority", "update/priority",
                                              "type/type",       "archive/archived"};
  section("updates, lifecycle and history");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  CHECK_OK(crm_db_clock_fixed(db, t0));
  create_valid(s, id, sizeof id, "customer to update");
  before = get_customer(s, id);
  key = rec_int(before, "key");
  created = rec_int(before, "created_at");
  CHECK(rec_int(before, "version") == 1, "new customer has version %" PRId64,
        rec_int(before, "version"));

  /* Stale versions. */
  CHECK_OK(crm_db_clock_fixed(db, t0 + 1000));
  u = new_record();
  set_int(u, "version", 0);
  set_text(u, "key_needs", "改为采购激光切割机");
  v = -1;
  CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_CONFLICT);
  set_int(u, "version", 2);
  CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_CONFLICT);
  got = get_customer(s, id);
  CHECK(rec_int(got, "version") == 1 &&
            strcmp(rtext(got, "key_needs"), rtext(before, "key_needs")) == 0 &&
            rec_int(got, "updated_at") == t0,
        "a stale update changed the customer: version %" PRId64 ", key_needs %s",
        rec_int(got, "version"), rtext(got, "key_needs"));
  crm_record_free(got);
  n = history_rows(s, id, NULL, 0);
  CHECK(n == 1, "after a stale update the history has %d rows", n);

  /* Current version: new version = old + 1; only the given fields change. */
  set_int(u, "version", 1);
  CHECK_OK(crm_customer_update(s, id, u, &v));
  CHECK(v == 2, "out_version is %" PRId64 ", expected 2", v);
  got = get_customer(s, id);
  CHECK(rec_int(got, "version") == 2 && strcmp(rtext(got, "key_needs"), "改为采购激光切割机") == 0,
        "after update: version %" PRId64 ", key_needs %s", rec_int(got, "version"),
        rtext(got, "key_needs"));
  CHECK(strcmp(rtext(got, "name"), rtext(before, "name")) == 0 &&
            strcmp(rtext(got, "phone"), rtext(before, "phone")) == 0 &&
            strcmp(rtext(got, "priority"), "high") == 0 &&
            strcmp(rtext(got, "industry"), "manufacturing") == 0 &&
            rec_int(got, "created_at") == created && rec_int(got, "updated_at") == t0 + 1000,
        "fields not in the update changed: name %s phone %s priority %s created_at %" PRId64
        " updated_at %" PRId64,
        rtext(got, "name"), rtext(got, "phone"), rtext(got, "priority"),
        rec_int(got, "created_at"), rec_int(got, "updated_at"));
  crm_record_free(got);
  crm_record_free(u);

  CHECK_OK(crm_db_clock_fixed(db, t0 + 2000));
  u = new_record();
  set_text(u, "priority", "低");
  CHECK_OK(crm_customer_update(s, id, u, &v));
  CHECK(v == 3, "out_version is %" PRId64 ", expected 3", v);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "priority"), "low") == 0 &&
            strcmp(rtext(got, "key_needs"), "改为采购激光切割机") == 0,
        "priority %s key_needs %s", rtext(got, "priority"), rtext(got, "key_needs"));
  crm_record_free(got);
  crm_record_free(u);

  /* Read-only fields: accepted with their stored values only. */
  CHECK_OK(crm_db_clock_fixed(db, t0 + 3000));
  u = new_record();
  set_text(u, "id", id);
  set_int(u, "key", key);
  set_int(u, "created_at", created);
  set_text(u, "priority", "中");
  CHECK_OK(crm_customer_update(s, id, u, &v));
  CHECK(v == 4, "out_version is %" PRId64 ", expected 4", v);
  crm_record_free(u);
  {
    static const char *const ro[] = {"id", "key", "created_at"};
    size_t i;
    for (i = 0; i < 3; i++) {
      char what[64];
      u = new_record();
      if (i == 0) set_text(u, "id", "C9999");
      if (i == 1) set_int(u, "key", key + 100);
      if (i == 2) set_int(u, "created_at", created + 1);
      set_text(u, "priority", "高");
      snprintf(what, sizeof what, "update of read-only %s", ro[i]);
      CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_VALIDATION);
      CHECK(crm_error_field_count() == 1 && has_field_error(ro[i], "read_only"), "%s: %s", what,
            field_errors());
      crm_record_free(u);
    }
    /* All three at once: all three reported. */
    u = new_record();
    set_text(u, "id", "C9999");
    set_int(u, "key", key + 100);
    set_int(u, "created_at", created + 1);
    CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_VALIDATION);
    CHECK(crm_error_field_count() == 3 && has_field_error("id", "read_only") &&
              has_field_error("key", "read_only") && has_field_error("created_at", "read_only"),
          "three read-only fields: %s", field_errors());
    crm_record_free(u);
    /* An invalid value in an update. */
    u = new_record();
    set_text(u, "phone", "12345678901");
    set_text(u, "email", "a..b@c.com");
    CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_VALIDATION);
    CHECK(crm_error_field_count() == 2 && has_field_error("phone", "invalid_phone") &&
              has_field_error("email", "invalid_email"),
          "update with a bad phone and e-mail: %s", field_errors());
    crm_record_free(u);
    got = get_customer_clear(s, id);
    CHECK(rec_int(got, "version") == 4 && strcmp(rtext(got, "priority"), "medium") == 0 &&
              strcmp(rtext(got, "phone"), "+8613812345678") == 0,
          "failed updates changed the customer: version %" PRId64 " priority %s phone %s",
          rec_int(got, "version"), rtext(got, "priority"), rtext(got, "phone"));
    crm_record_free(got);
    n = history_rows(s, id, NULL, 0);
    CHECK(n == 4, "after failed updates the history has %d rows, expected 4", n);
  }
  /* Unknown customers. */
  u = new_record();
  set_text(u, "priority", "高");
  CHECK_FAIL(crm_customer_update(s, "C9999", u, &v), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_set_type(s, "C9999", "intent", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_archive(s, "C9999", NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_history(s, "C9999", &(crm_cursor *){NULL}), CRM_ERR_NOT_FOUND);
  crm_record_free(u);

  /* A record read back with crm_customer_get can be sent back as an update:
   * its read-only fields carry their stored values. */
  {
    char c3[16];
    crm_record *full;
    create_valid(s, c3, sizeof c3, "customer for a round trip");
    full = get_customer(s, c3);
    if (full) {
      set_text(full, "key_needs", "整条记录回写");
      v = 0;
      CHECK_OK(crm_customer_update(s, c3, full, &v));
      CHECK(v == 2, "round-trip update gave version %" PRId64, v);
      crm_record_free(full);
      /* The masked phone sent back is "unchanged" (R3.6): the stored one stays. */
      full = get_customer_clear(s, c3);
      CHECK(strcmp(rtext(full, "phone"), "+8613812345678") == 0,
            "after a round trip of the masked record the stored phone is %s, expected "
            "+8613812345678",
            rtext(full, "phone"));
      crm_record_free(full);
    }
    /* Clearing optional fields with crm_record_set_null. */
    u = new_record();
    set_text(u, "email", "wang.wei@hengda-machinery.com");
    CHECK_OK(crm_customer_update(s, c3, u, &v));
    crm_record_free(u);
    u = new_record();
    CHECK_OK(crm_record_set_null(u, "phone"));
    CHECK_OK(crm_customer_update(s, c3, u, &v));
    crm_record_free(u);
    full = get_customer_clear(s, c3);
    CHECK(strcmp(rtext(full, "phone"), "(null)") == 0 &&
              strcmp(rtext(full, "phone_display"), "(null)") == 0 &&
              strcmp(rtext(full, "email"), "wang.wei@hengda-machinery.com") == 0,
          "after clearing phone: phone %s display %s email %s", rtext(full, "phone"),
          rtext(full, "phone_display"), rtext(full, "email"));
    crm_record_free(full);
    u = new_record();
    CHECK_OK(crm_record_set_null(u, "email"));
    CHECK_FAIL(crm_customer_update(s, c3, u, &v), CRM_ERR_VALIDATION);
    CHECK(crm_error_field_count() == 1 && has_field_error("phone", "contact_required"),
          "clearing the last contact method: %s", field_errors());
    crm_record_free(u);
    u = new_record();
    CHECK_OK(crm_record_set_null(u, "name"));
    CHECK_FAIL(crm_customer_update(s, c3, u, &v), CRM_ERR_VALIDATION);
    CHECK(has_field_error("name", "required"), "clearing name: %s", field_errors());
    crm_record_free(u);
    /* A type change through an update is recorded as a type change. */
    u = new_record();
    set_text(u, "type", "intent");
    CHECK_OK(crm_customer_update(s, c3, u, &v));
    crm_record_free(u);
    n = history_rows(s, c3, rows, 16);
    CHECK(n >= 1 && strcmp(rows[n - 1], "type/type") == 0, "last history row of %s is %s", c3,
          n >= 1 ? rows[n - 1] : "(none)");
  }

  /* Lifecycle (R1.3). */
  CHECK_OK(crm_db_clock_fixed(db, t0 + 4000));
  CHECK_OK(crm_customer_set_type(s, id, "意向客户", "客户确认采购意向"));
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "type"), "intent") == 0 && rec_int(got, "version") == 5,
        "after prospect -> intent: type %s version %" PRId64, rtext(got, "type"),
        rec_int(got, "version"));
  crm_record_free(got);
  CHECK_FAIL(crm_customer_set_type(s, id, "prospect", NULL), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_customer_set_type(s, id, "intent", NULL), CRM_ERR_CONFLICT);
  u = new_record();
  set_text(u, "type", "潜在客户");
  CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_CONFLICT);
  crm_record_free(u);
  {
    int rc = crm_customer_set_type(s, id, "vip", NULL);
    CHECK(rc < 0, "set_type to the unknown type vip returned %s", sname(rc));
  }
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "type"), "intent") == 0 && rec_int(got, "version") == 5,
        "refused type changes changed the customer: type %s version %" PRId64,
        rtext(got, "type"), rec_int(got, "version"));
  crm_record_free(got);

  /* Archive. */
  CHECK_OK(crm_db_clock_fixed(db, t0 + 5000));
  CHECK_OK(crm_customer_archive(s, id, "重复录入"));
  got = get_customer(s, id);
  CHECK(rec_int(got, "archived") == 1 && rec_int(got, "version") == 6, "archived %" PRId64
        " version %" PRId64, rec_int(got, "archived"), rec_int(got, "version"));
  crm_record_free(got);
  u = new_record();
  set_text(u, "priority", "高");
  CHECK_FAIL(crm_customer_update(s, id, u, &v), CRM_ERR_STATE);
  crm_record_free(u);
  CHECK_FAIL(crm_customer_set_type(s, id, "won", NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_archive(s, id, NULL), CRM_ERR_STATE);
  got = get_customer(s, id);
  CHECK(rec_int(got, "version") == 6 && strcmp(rtext(got, "priority"), "medium") == 0 &&
            strcmp(rtext(got, "type"), "intent") == 0,
        "an archived customer changed: version %" PRId64 " priority %s type %s",
        rec_int(got, "version"), rtext(got, "priority"), rtext(got, "type"));
  crm_record_free(got);
  CHECK(count_customers(s, 0) == 1 && count_customers(s, 1) == 2,
        "archived customer: %d listed by default, %d with include_archived",
        count_customers(s, 0), count_customers(s, 1));
  {
    /* Archived ids are never reused. */
    char next[16];
    create_valid(s, next, sizeof next, "customer after archiving the last one");
    CHECK(strcmp(next, id) != 0 && strcmp(next, "C0003") == 0,
          "after archiving %s the next customer got id %s", id, next);
  }

  /* History: oldest first, one row per changed field. */
  n = history_rows(s, id, rows, 16);
  CHECK(n == 6, "history has %d rows, expected 6", n);
  for (k = 0; k < n && k < 6; k++)
    CHECK(strcmp(rows[k], expected_rows[k]) == 0, "history row %d is %s, expected %s", k,
          rows[k], expected_rows[k]);
  {
    crm_cursor *c = NULL;
    const crm_record *row = NULL;
    int64_t expect_at[6];
    expect_at[0] = t0;
    expect_at[1] = t0 + 1000;
    expect_at[2] = t0 + 2000;
    expect_at[3] = t0 + 3000;
    expect_at[4] = t0 + 4000;
    expect_at[5] = t0 + 5000;
    CHECK_OK(crm_customer_history(s, id, &c));
    for (k = 0; k < 6 && crm_cursor_next(c, &row) == CRM_OK; k++) {
      CHECK(rec_int(row, "at") == expect_at[k] && rec_int(row, "actor") == 1,
            "history row %d: at %" PRId64 " (expected %" PRId64 "), actor %" PRId64, k,
            rec_int(row, "at"), expect_at[k], rec_int(row, "actor"));
      if (k == 1)
        CHECK(strcmp(rtext(row, "before"), rtext(before, "key_needs")) == 0 &&
                  strcmp(rtext(row, "after"), "改为采购激光切割机") == 0,
              "update row: before %s after %s", rtext(row, "before"), rtext(row, "after"));
      if (k == 4)
        CHECK(strcmp(rtext(row, "before"), "prospect") == 0 &&
                  strcmp(rtext(row, "after"), "intent") == 0 &&
                  strcmp(rtext(row, "reason"), "客户确认采购意向") == 0,
              "type row: before %s after %s reason %s", rtext(row, "before"),
              rtext(row, "after"), rtext(row, "reason"));
      if (k == 5)
        CHECK(strcmp(rtext(row, "reason"), "重复录入") == 0, "archive row reason %s",
              rtext(row, "reason"));
    }
    crm_cursor_close(c);
  }
  crm_record_free(before);

  /* Lifecycle steps allowed by crm.h. */
  {
    char c2[16];
    create_valid(s, c2, sizeof c2, "lifecycle customer");
    CHECK_OK(crm_customer_set_type(s, c2, "won", NULL));
    CHECK_FAIL(crm_customer_set_type(s, c2, "intent", NULL), CRM_ERR_CONFLICT);
    CHECK_OK(crm_customer_set_type(s, c2, "流失客户", "转投竞争对手"));
    CHECK_OK(crm_customer_set_type(s, c2, "intent", "重新赢回"));
    CHECK_FAIL(crm_customer_set_type(s, c2, "prospect", NULL), CRM_ERR_CONFLICT);
  }
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

static void test_handles(void) {
  crm_db *db = NULL;
  crm_session *s = NULL, *s2 = NULL;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  crm_record *r;
  int64_t u = 0, now = 0;
  char id[16];
  section("handles: double close, use after close, closing order");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;

  /* Sessions. */
  CHECK_OK(crm_session_open(db, 1, &s));
  crm_session_close(s);
  crm_session_close(s); /* harmless */
  CHECK_FAIL(crm_session_user(s, &u), CRM_ERR_STATE);
  r = valid_customer();
  CHECK_FAIL(crm_customer_create(s, r, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_list(s, NULL, &c), CRM_ERR_STATE);
  CHECK_FAIL(crm_customer_get(s, "C0001", &(crm_record *){NULL}), CRM_ERR_STATE);

  /* A new session may reuse the slot: the old handle must stay dead. */
  CHECK_OK(crm_session_open(db, 1, &s2));
  CHECK_FAIL(crm_session_user(s, &u), CRM_ERR_STATE);
  CHECK_OK(crm_session_user(s2, &u));
  create_ok(s2, r, id, sizeof id, "customer for the cursor");

  /* Cursors. */
  CHECK_OK(crm_customer_list(s2, NULL, &c));
  crm_session_close(s2);
  (void)crm_cursor_next(c, &row); /* (not specified after its session closed) */
  CHECK_FAIL(crm_db_close(db), CRM_ERR_STATE); /* the cursor is open */
  CHECK_OK(crm_db_now(db, &now));              /* and the db still works */
  crm_cursor_close(c);
  crm_cursor_close(c); /* harmless */
  CHECK_FAIL(crm_cursor_next(c, &row), CRM_ERR_STATE);
  CHECK_FAIL(crm_cursor_next_page(c, &(const char *){NULL}), CRM_ERR_STATE);

  /* crm_db_close with an open session. */
  CHECK_OK(crm_session_open(db, 1, &s));
  CHECK_FAIL(crm_db_close(db), CRM_ERR_STATE);
  CHECK_OK(crm_db_now(db, &now));
  create_ok(s, r, id, sizeof id, "create after a refused db close");
  CHECK(count_customers(s, 0) == 2, "the db holds %d customers", count_customers(s, 0));
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));

  /* A closed db handle is detected. */
  CHECK_FAIL(crm_db_now(db, &now), CRM_ERR_STATE);
  CHECK_FAIL(crm_session_open(db, 1, &s), CRM_ERR_STATE);
  CHECK_FAIL(crm_db_begin(db), CRM_ERR_STATE);
  CHECK_FAIL(crm_db_close(db), CRM_ERR_STATE);
  crm_record_free(r);
}

static void test_db_files(void) {
  char dir[600], path[700], other[700];
  crm_db *db = NULL;
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  Bytes b;
  section("database files: garbage, truncated, missing, newer, foreign");
  if (!make_subdir(dir, sizeof dir, "files")) return;

  /* Random bytes. */
  {
    unsigned char junk[8192];
    size_t i;
    unsigned x = 12345u;
    for (i = 0; i < sizeof junk; i++) {
      x = x * 1103515245u + 12345u;
      junk[i] = (unsigned char)(x >> 16);
    }
    join_path(path, sizeof path, dir, "garbage.db");
    CHECK(write_file(path, junk, sizeof junk), "cannot write %s", path);
    b = snap_file(path);
    db = NULL;
    CHECK_FAIL(crm_db_open(path, NULL, &db), CRM_ERR_NOTADB);
    CHECK(db == NULL, "a failed open returned a handle");
    check_file_unchanged(&b, path, "garbage file");
    check_no_sidecars(path, "garbage file");
    o.flags = CRM_OPEN_READONLY;
    CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_NOTADB);
    o.flags = 0;
    check_file_unchanged(&b, path, "garbage file (read-only open)");
    free(b.bytes);

    join_path(path, sizeof path, dir, "short.db");
    CHECK(write_file(path, "hello, world", 12), "cannot write %s", path);
    b = snap_file(path);
    CHECK_FAIL(crm_db_open(path, NULL, &db), CRM_ERR_NOTADB);
    check_file_unchanged(&b, path, "12-byte file");
    free(b.bytes);
  }

  /* A truncated libcrm database. */
  {
    crm_session *s = NULL;
    int k, expect;
    long long size, half;
    unsigned char hdr[100];
    size_t hlen = 0;
    unsigned char *all;
    unsigned page_size = 0, pages = 0;
    join_path(path, sizeof path, dir, "truncated.db");
    CHECK_OK(crm_db_open(path, NULL, &db));
    if (db) {
      CHECK_OK(crm_session_open(db, 1, &s));
      for (k = 0; k < 20; k++) {
        char id[16];
        create_valid(s, id, sizeof id, "customer in a file to truncate");
      }
      crm_session_close(s);
      CHECK_OK(crm_db_close(db));
      db = NULL;
    }
    check_no_sidecars(path, "a cleanly closed database");
    size = file_size(path);
    half = size / 2;
    CHECK(size > 0 && truncate(path, (off_t)half) == 0, "cannot truncate %s (size %lld)", path,
          size);
    all = slurp(path, &hlen);
    if (all && hlen >= 100) {
      memcpy(hdr, all, 100);
      page_size = ((unsigned)hdr[16] << 8) | hdr[17];
      if (page_size == 1) page_size = 65536;
      pages = ((unsigned)hdr[28] << 24) | ((unsigned)hdr[29] << 16) | ((unsigned)hdr[30] << 8) |
              hdr[31];
    }
    free(all);
    /* The header states the size of the database; a file shorter than that is
     * damaged.  Below 100 bytes there is not even a header. */
    expect = half < 100 ? CRM_ERR_NOTADB : CRM_ERR_CORRUPT;
    printf("    truncated %lld -> %lld bytes; header: %u pages of %u bytes\n", size, half, pages,
           page_size);
    CHECK(half < 100 || (unsigned long long)pages * page_size > (unsigned long long)half,
          "the header says %u pages of %u bytes, which fits in %lld bytes", pages, page_size,
          half);
    b = snap_file(path);
    CHECK_FAIL(crm_db_open(path, NULL, &db), expect);
    check_file_unchanged(&b, path, "truncated database");
    check_no_sidecars(path, "truncated database");
    o.flags = CRM_OPEN_READONLY;
    CHECK_FAIL(crm_db_open(path, &o, &db), expect);
    o.flags = 0;
    check_file_unchanged(&b, path, "truncated database (read-only open)");
    free(b.bytes);
  }

  /* A missing directory. */
  join_path(other, sizeof other, dir, "no-such-dir");
  join_path(path, sizeof path, other, "crm.db");
  CHECK_FAIL(crm_db_open(path, NULL, &db), CRM_ERR_CANTOPEN);
  CHECK(!file_exists(other), "opening %s created its directory", path);

  /* A directory as the path. */
  CHECK_FAIL(crm_db_open(dir, NULL, &db), CRM_ERR_CANTOPEN);

  /* CRM_OPEN_NOCREATE on a missing file. */
  join_path(path, sizeof path, dir, "missing.db");
  o.flags = CRM_OPEN_NOCREATE;
  CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_CANTOPEN);
  CHECK(!file_exists(path), "CRM_OPEN_NOCREATE created %s", path);
  check_no_sidecars(path, "CRM_OPEN_NOCREATE");
  o.flags = 0;

  /* A file made by a newer libcrm. */
  {
    char pragma[64];
    int32_t ver = 0;
    join_path(path, sizeof path, dir, "newer.db");
    CHECK_OK(crm_db_open(path, NULL, &db));
    if (db) {
      CHECK_OK(crm_db_schema_version(db, &ver));
      CHECK(ver == crm_schema_version(), "schema version %d, library writes %d", (int)ver,
            (int)crm_schema_version());
      CHECK_OK(crm_db_close(db));
      db = NULL;
    }
    /* NOCREATE on an existing file works. */
    o.flags = CRM_OPEN_NOCREATE;
    CHECK_OK(crm_db_open(path, &o, &db));
    CHECK_OK(crm_db_close(db));
    db = NULL;
    o.flags = 0;
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", 999);
    CHECK(sql_exec(path, pragma), "cannot set user_version in %s", path);
    CHECK(sql_scalar(path, "PRAGMA user_version") == 999, "user_version is not 999");
    b = snap_file(path);
    CHECK_FAIL(crm_db_open(path, NULL, &db), CRM_ERR_VERSION);
    check_file_unchanged(&b, path, "newer database");
    check_no_sidecars(path, "newer database");
    o.flags = CRM_OPEN_READONLY;
    CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_VERSION);
    o.flags = 0;
    check_file_unchanged(&b, path, "newer database (read-only open)");
    CHECK(sql_scalar(path, "PRAGMA user_version") == 999, "user_version changed");
    free(b.bytes);
  }

  /* An SQLite database of another application. */
  join_path(path, sizeof path, dir, "other-app.db");
  CHECK(sql_exec(path, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL);"
                       "INSERT INTO invoices(total) VALUES (12.5);"),
        "cannot create %s", path);
  b = snap_file(path);
  CHECK_FAIL(crm_db_open(path, NULL, &db), CRM_ERR_NOTADB);
  check_file_unchanged(&b, path, "another application's database");
  check_no_sidecars(path, "another application's database");
  o.flags = CRM_OPEN_READONLY;
  CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_NOTADB);
  o.flags = 0;
  check_file_unchanged(&b, path, "another application's database (read-only open)");
  free(b.bytes);

  /* The time zone is fixed when the database is made. */
  {
    const char *tz = NULL;
    join_path(path, sizeof path, dir, "zone.db");
    o.time_zone = "America/New_York";
    CHECK_OK(crm_db_open(path, &o, &db));
    CHECK_OK(crm_db_time_zone(db, &tz));
    CHECK(tz && strcmp(tz, "America/New_York") == 0, "time zone %s", tz ? tz : "NULL");
    CHECK_OK(crm_db_close(db));
    o.time_zone = "Asia/Tokyo";
    CHECK_OK(crm_db_open(path, &o, &db));
    CHECK_OK(crm_db_time_zone(db, &tz));
    CHECK(tz && strcmp(tz, "America/New_York") == 0, "reopened with Asia/Tokyo: time zone %s",
          tz ? tz : "NULL");
    CHECK_OK(crm_db_close(db));
    o.time_zone = "Mars/Olympus_Mons";
    CHECK_FAIL(crm_db_open(":memory:", &o, &db), CRM_ERR_INVALID_ARG);
    join_path(path, sizeof path, dir, "bad-zone.db");
    CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_INVALID_ARG);
    CHECK(!file_exists(path), "a refused open created %s", path);
    o.time_zone = NULL;
    o.size = 0;
    CHECK_FAIL(crm_db_open(":memory:", &o, &db), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_db_open(path, &o, &db), CRM_ERR_INVALID_ARG);
    CHECK(!file_exists(path), "a refused open created %s", path);
    o.size = sizeof o;
  }
  rm_rf(dir);
}

/* The read-only checks, run by a user that cannot write the file. */
static void readonly_checks(const char *path, const char *what) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  crm_record *r;
  char w[256];
  CHECK(access(path, W_OK) != 0, "%s: the test user can write %s", what, path);
  snprintf(w, sizeof w, "%s: read-write open of a read-only file", what);
  {
    int rc = crm_db_open(path, NULL, &db);
    CHECK(rc == CRM_ERR_READONLY, "%s returned %s: %s", w, sname(rc), crm_errmsg());
    if (rc == CRM_OK) CHECK_OK(crm_db_close(db));
    db = NULL;
  }
  o.flags = CRM_OPEN_READONLY;
  {
    int rc = crm_db_open(path, &o, &db);
    CHECK(rc == CRM_OK, "%s: CRM_OPEN_READONLY open returned %s: %s", what, sname(rc),
          crm_errmsg());
  }
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  if (s) {
    int n = count_customers(s, 1);
    CHECK(n == 3, "%s: read-only handle lists %d customers, expected 3", what, n);
    r = valid_customer();
    CHECK_FAIL(crm_customer_create(s, r, NULL), CRM_ERR_READONLY);
    crm_record_free(r);
    CHECK_FAIL(crm_db_begin(db), CRM_ERR_READONLY);
    crm_session_close(s);
  }
  CHECK_OK(crm_db_close(db));
}

/* Runs readonly_checks in a child process as `nobody` (when root) and adds the
 * child's counts to ours. */
static void run_readonly_as_nobody(const char *path, const char *what) {
  int fds[2];
  pid_t pid;
  int counts[2] = {0, 0}, status = 0;
  if (pipe(fds) != 0) {
    CHECK(0, "pipe: %s", strerror(errno));
    return;
  }
  fflush(stdout);
  pid = fork();
  if (pid < 0) {
    CHECK(0, "fork: %s", strerror(errno));
    return;
  }
  if (pid == 0) {
    int ok;
    close(fds[0]);
    g_passed = g_failed = 0;
    ok = setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0;
    CHECK(ok && geteuid() == 65534, "%s: cannot become nobody: %s", what, strerror(errno));
    if (ok) readonly_checks(path, what);
    counts[0] = g_passed;
    counts[1] = g_failed;
    fflush(stdout);
    if (write(fds[1], counts, sizeof counts) != (ssize_t)sizeof counts) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  {
    ssize_t got = read(fds[0], counts, sizeof counts);
    close(fds[0]);
    waitpid(pid, &status, 0);
    CHECK(got == (ssize_t)sizeof counts && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "%s: the child process died (status %d) without reporting", what, status);
    if (got == (ssize_t)sizeof counts) {
      g_passed += counts[0];
      g_failed += counts[1];
    }
  }
}

static void test_readonly(void) {
  char dir[600], path[700];
  crm_db *db = NULL;
  crm_session *s = NULL;
  Bytes b;
  int k, root = geteuid() == 0;
  section(root ? "read-only files (as nobody, in a child process)" : "read-only files");
  snprintf(dir, sizeof dir, "%s/crm_capi_ro_XXXXXX", tmp_base());
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp: %s", strerror(errno));
    return;
  }
  join_path(path, sizeof path, dir, "ro.db");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (!db) {
    rm_rf(dir);
    return;
  }
  CHECK_OK(crm_session_open(db, 1, &s));
  for (k = 0; k < 3; k++) {
    char id[16];
    create_valid(s, id, sizeof id, "customer in a read-only file");
  }
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
  check_no_sidecars(path, "a cleanly closed database");
  b = snap_file(path);

  /* 1: the file and its directory are read-only for the user. */
  CHECK(chmod(path, 0444) == 0 && chmod(dir, 0555) == 0, "chmod: %s", strerror(errno));
  if (root)
    run_readonly_as_nobody(path, "read-only file in a read-only directory");
  else
    readonly_checks(path, "read-only file in a read-only directory");
  check_file_unchanged(&b, path, "read-only file in a read-only directory");

  /* 2: the file is read-only, its directory writable. */
  CHECK(chmod(dir, root ? 0777 : 0700) == 0, "chmod: %s", strerror(errno));
  if (root)
    run_readonly_as_nobody(path, "read-only file in a writable directory");
  else
    readonly_checks(path, "read-only file in a writable directory");
  check_file_unchanged(&b, path, "read-only file in a writable directory");
  free(b.bytes);
  chmod(path, 0644);
  rm_rf(dir);
}

typedef struct {
  crm_db *db;
  int rc;
  char id[16];
} TxnThread;

static void *txn_thread(void *arg) {
  TxnThread *t = (TxnThread *)arg;
  crm_session *s = NULL;
  crm_record *r;
  char *id = NULL;
  t->rc = crm_session_open(t->db, 1, &s);
  if (t->rc != CRM_OK) return NULL;
  r = valid_customer();
  t->rc = crm_customer_create(s, r, &id);
  snprintf(t->id, sizeof t->id, "%s", id ? id : "");
  crm_free(id);
  crm_record_free(r);
  crm_session_close(s);
  return NULL;
}

static void test_transactions(void) {
  Fix f;
  crm_db *db2 = NULL;
  crm_session *s2 = NULL;
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  char ids[4][16];
  crm_record *r, *got = NULL;
  int n0, k, rc;
  section("explicit transactions");
  if (!fix_open(&f, "transactions")) return;
  n0 = count_customers(f.s, 1);

  /* Rollback: nothing remains. */
  CHECK_OK(crm_db_begin(f.db));
  for (k = 0; k < 3; k++) create_valid(f.s, ids[k], sizeof ids[k], "create in a rolled-back txn");
  CHECK(count_customers(f.s, 1) == n0 + 3, "inside the transaction %d customers are visible",
        count_customers(f.s, 1));
  /* Another handle sees nothing uncommitted, and cannot write meanwhile. */
  o.busy_timeout_ms = 200;
  CHECK_OK(crm_db_open(f.path, &o, &db2));
  if (db2) {
    CHECK_OK(crm_session_open(db2, 1, &s2));
    CHECK(count_customers(s2, 1) == n0, "another handle sees %d customers during the txn",
          count_customers(s2, 1));
    r = valid_customer();
    CHECK_FAIL(crm_customer_create(s2, r, NULL), CRM_ERR_BUSY);
    crm_record_free(r);
  }
  CHECK_OK(crm_db_rollback(f.db));
  CHECK(count_customers(f.s, 1) == n0, "after rollback %d customers, expected %d",
        count_customers(f.s, 1), n0);
  CHECK(sql_scalar(f.path, "SELECT count(*) FROM customers") == n0,
        "after rollback SQLite holds %lld customers",
        sql_scalar(f.path, "SELECT count(*) FROM customers"));
  for (k = 0; k < 3; k++) CHECK_FAIL(crm_customer_get(f.s, ids[k], &got), CRM_ERR_NOT_FOUND);

  /* Commit: all remain. */
  CHECK_OK(crm_db_begin(f.db));
  CHECK_FAIL(crm_db_begin(f.db), CRM_ERR_STATE);
  for (k = 0; k < 3; k++) create_valid(f.s, ids[k], sizeof ids[k], "create in a committed txn");
  CHECK_OK(crm_db_commit(f.db));
  CHECK(count_customers(f.s, 1) == n0 + 3, "after commit %d customers, expected %d",
        count_customers(f.s, 1), n0 + 3);
  if (s2)
    CHECK(count_customers(s2, 1) == n0 + 3, "another handle sees %d customers after commit",
          count_customers(s2, 1));
  CHECK_FAIL(crm_db_commit(f.db), CRM_ERR_STATE);
  CHECK_FAIL(crm_db_rollback(f.db), CRM_ERR_STATE);

  /* A failing write inside a transaction leaves the earlier ones intact. */
  CHECK_OK(crm_db_begin(f.db));
  create_valid(f.s, ids[0], sizeof ids[0], "txn create A");
  create_valid(f.s, ids[1], sizeof ids[1], "txn create B");
  r = valid_customer();
  set_text(r, "phone", "abc");
  CHECK_FAIL(crm_customer_create(f.s, r, NULL), CRM_ERR_VALIDATION);
  crm_record_free(r);
  r = new_record();
  set_int(r, "version", 7);
  set_text(r, "priority", "低");
  CHECK_FAIL(crm_customer_update(f.s, ids[0], r, NULL), CRM_ERR_CONFLICT);
  crm_record_free(r);
  rc = crm_customer_set_type(f.s, ids[0], "不存在的类型", NULL);
  CHECK(rc < 0, "set_type to an unknown type returned %s", sname(rc));
  create_valid(f.s, ids[2], sizeof ids[2], "txn create C");
  rc = crm_db_commit(f.db);
  CHECK(rc == CRM_OK, "commit after failed writes returned %s: %s", sname(rc), crm_errmsg());
  CHECK(count_customers(f.s, 1) == n0 + 6, "after the txn with failures %d customers, expected %d",
        count_customers(f.s, 1), n0 + 6);
  for (k = 0; k < 3; k++) {
    got = NULL;
    CHECK_OK(crm_customer_get(f.s, ids[k], &got));
    if (k == 0) CHECK(rec_int(got, "version") == 1, "A has version %" PRId64, rec_int(got, "version"));
    crm_record_free(got);
  }

  /* The transaction belongs to the handle: another thread's write joins it. */
  {
    pthread_t th;
    TxnThread t;
    memset(&t, 0, sizeof t);
    t.db = f.db;
    CHECK_OK(crm_db_begin(f.db));
    CHECK(pthread_create(&th, NULL, txn_thread, &t) == 0, "pthread_create failed");
    pthread_join(th, NULL);
    CHECK(t.rc == CRM_OK, "create on another thread during the txn: %s", sname(t.rc));
    CHECK_OK(crm_db_rollback(f.db));
    if (t.id[0]) CHECK_FAIL(crm_customer_get(f.s, t.id, &got), CRM_ERR_NOT_FOUND);
    CHECK(count_customers(f.s, 1) == n0 + 6, "after rolling back the other thread's write: %d",
          count_customers(f.s, 1));
  }

  /* Closing the handle rolls an open transaction back. */
  CHECK_OK(crm_db_begin(f.db));
  create_valid(f.s, ids[3], sizeof ids[3], "create in a txn that the close rolls back");
  crm_session_close(f.s);
  f.s = NULL;
  CHECK_OK(crm_db_close(f.db));
  f.db = NULL;
  if (s2) {
    CHECK(count_customers(s2, 1) == n0 + 6, "after closing with an open txn: %d customers",
          count_customers(s2, 1));
    r = valid_customer();
    CHECK_OK(crm_customer_create(s2, r, NULL)); /* the write lock was released */
    crm_record_free(r);
  }
  crm_session_close(s2);
  CHECK_OK(crm_db_close(db2));
  CHECK_OK(crm_db_open(f.path, NULL, &f.db));
  CHECK_OK(crm_session_open(f.db, 1, &f.s));
  CHECK(count_customers(f.s, 1) == n0 + 7, "reopened: %d customers, expected %d",
        count_customers(f.s, 1), n0 + 7);
  fix_close(&f);
}

/* --- per-thread last error ------------------------------------------------ */

typedef struct {
  int start_code;
  char start_msg[64];
  int rc, code;
  char msg[256];
} ThreadErr;

static void *error_thread(void *arg) {
  ThreadErr *t = (ThreadErr *)arg;
  crm_record *r = NULL;
  int64_t v = 0;
  t->start_code = crm_errcode();
  snprintf(t->start_msg, sizeof t->start_msg, "%s", crm_errmsg());
  /* Its own, different error. */
  crm_record_new(&r);
  crm_record_set_text(r, "name", "x");
  t->rc = crm_record_get_int(r, "name", &v);
  t->code = crm_errcode();
  snprintf(t->msg, sizeof t->msg, "%s", crm_errmsg());
  crm_record_free(r);
  return NULL;
}

static void test_thread_errors(void) {
  pthread_t th;
  ThreadErr t;
  const char *out = NULL;
  char mine[256], mine_zh[256];
  int rc;
  section("the last error is per thread");
  memset(&t, 0, sizeof t);
  rc = crm_field_resolve("customer", "没有这个字段", &out);
  CHECK(rc == CRM_ERR_NOT_FOUND, "crm_field_resolve returned %s", sname(rc));
  snprintf(mine, sizeof mine, "%s", crm_errmsg());
  snprintf(mine_zh, sizeof mine_zh, "%s", crm_errmsg_zh());
  CHECK(pthread_create(&th, NULL, error_thread, &t) == 0, "pthread_create failed");
  pthread_join(th, NULL);
  CHECK(t.start_code == CRM_OK && t.start_msg[0] == '\0',
        "a new thread sees the last error %s \"%s\" of another thread", sname(t.start_code),
        t.start_msg);
  CHECK(t.rc == CRM_ERR_TYPE && t.code == CRM_ERR_TYPE, "the thread's own error: %s / %s",
        sname(t.rc), sname(t.code));
  CHECK(crm_errcode() == CRM_ERR_NOT_FOUND && strcmp(crm_errmsg(), mine) == 0 &&
            strcmp(crm_errmsg_zh(), mine_zh) == 0,
        "this thread's last error became %s \"%s\" (was \"%s\")", sname(crm_errcode()),
        crm_errmsg(), mine);
}

/* --- clock ------------------------------------------------------------------ */

typedef struct {
  int64_t now;
  int calls;
} HostClock;

static int64_t host_clock(void *ctx) {
  HostClock *c = (HostClock *)ctx;
  c->calls++;
  return c->now;
}

static void test_clock(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  crm_record *got, *r;
  char id[16];
  int64_t t, now = 0;
  HostClock hc;
  section("clock and entry dates");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  {
    const char *tz = NULL;
    CHECK_OK(crm_db_time_zone(db, &tz));
    CHECK(tz && strcmp(tz, "Asia/Shanghai") == 0, "default time zone is %s", tz ? tz : "NULL");
  }
  CHECK_OK(crm_session_open(db, 1, &s));

  t = utc_ms(2026, 3, 1, 16, 30, 0, 0);
  CHECK_OK(crm_db_clock_fixed(db, t));
  CHECK_OK(crm_db_now(db, &now));
  CHECK(now == t, "crm_db_now is %" PRId64 ", fixed at %" PRId64, now, t);
  create_valid(s, id, sizeof id, "customer at 2026-03-01T16:30:00Z");
  got = get_customer(s, id);
  CHECK(rec_int(got, "created_at") == t && rec_int(got, "updated_at") == t,
        "created_at %" PRId64 " updated_at %" PRId64 ", clock %" PRId64, rec_int(got, "created_at"),
        rec_int(got, "updated_at"), t);
  CHECK(strcmp(rtext(got, "entry_date"), "2026-03-02") == 0,
        "entry_date at 2026-03-01T16:30:00Z is %s, expected 2026-03-02 (Asia/Shanghai)",
        rtext(got, "entry_date"));
  crm_record_free(got);

  t = utc_ms(2026, 3, 1, 15, 59, 59, 999);
  CHECK_OK(crm_db_clock_fixed(db, t));
  create_valid(s, id, sizeof id, "customer at 2026-03-01T15:59:59.999Z");
  got = get_customer(s, id);
  CHECK(rec_int(got, "created_at") == t, "created_at %" PRId64 ", clock %" PRId64,
        rec_int(got, "created_at"), t);
  CHECK(strcmp(rtext(got, "entry_date"), "2026-03-01") == 0,
        "entry_date at 2026-03-01T15:59:59.999Z is %s, expected 2026-03-01",
        rtext(got, "entry_date"));
  crm_record_free(got);

  /* An explicit entry_date wins over the clock. */
  r = valid_customer();
  set_text(r, "entry_date", "2025-12-31");
  create_ok(s, r, id, sizeof id, "explicit entry date");
  crm_record_free(r);
  got = get_customer(s, id);
  CHECK(strcmp(rtext(got, "entry_date"), "2025-12-31") == 0, "entry_date %s",
        rtext(got, "entry_date"));
  crm_record_free(got);

  /* A host callback. */
  hc.now = utc_ms(2027, 1, 1, 0, 0, 0, 0) - 1;
  hc.calls = 0;
  CHECK_OK(crm_db_clock_callback(db, host_clock, &hc));
  CHECK_OK(crm_db_now(db, &now));
  CHECK(now == hc.now && hc.calls > 0, "callback clock: now %" PRId64 ", calls %d", now,
        hc.calls);
  create_valid(s, id, sizeof id, "customer with a callback clock");
  got = get_customer(s, id);
  CHECK(rec_int(got, "created_at") == hc.now && strcmp(rtext(got, "entry_date"), "2027-01-01") == 0,
        "callback clock: created_at %" PRId64 " entry_date %s", rec_int(got, "created_at"),
        rtext(got, "entry_date"));
  crm_record_free(got);
  hc.now += 86400000;
  create_valid(s, id, sizeof id, "customer a day later");
  got = get_customer(s, id);
  CHECK(rec_int(got, "created_at") == hc.now && strcmp(rtext(got, "entry_date"), "2027-01-02") == 0,
        "callback clock moved: created_at %" PRId64 " entry_date %s", rec_int(got, "created_at"),
        rtext(got, "entry_date"));
  crm_record_free(got);

  /* Back to the system clock. */
  CHECK_OK(crm_db_clock_system(db));
  CHECK_OK(crm_db_now(db, &now));
  {
    int64_t sys = (int64_t)time(NULL) * 1000;
    CHECK(now > sys - 60000 && now < sys + 60000, "system clock reads %" PRId64 ", time() %" PRId64,
          now, sys);
  }
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));

  /* A database in another zone. */
  {
    crm_open_options o = CRM_OPEN_OPTIONS_INIT;
    o.time_zone = "America/New_York";
    CHECK_OK(crm_db_open(":memory:", &o, &db));
    if (!db) return;
    CHECK_OK(crm_session_open(db, 1, &s));
    CHECK_OK(crm_db_clock_fixed(db, utc_ms(2026, 3, 1, 3, 0, 0, 0)));
    create_valid(s, id, sizeof id, "customer in New York");
    got = get_customer(s, id);
    CHECK(strcmp(rtext(got, "entry_date"), "2026-02-28") == 0,
          "entry_date at 2026-03-01T03:00Z in New York is %s", rtext(got, "entry_date"));
    crm_record_free(got);
    crm_session_close(s);
    CHECK_OK(crm_db_close(db));
  }
}

/* --- paging ----------------------------------------------------------------- */

static void test_paging(void) {
  crm_db *db = NULL;
  crm_session *s = NULL, *sales = NULL;
  crm_record *u, *r;
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  const char *next = NULL;
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  char created[7][16], seen[16][16], token[256], id[16];
  int pages = 0, n = 0, k, j, page_rows[8];
  int64_t uid = 0;
  section("paging and filters");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  for (k = 0; k < 7; k++) create_valid(s, created[k], sizeof created[k], "customer to page");

  q.page_size = 3;
  token[0] = '\0';
  for (pages = 0; pages < 8; pages++) {
    int rc;
    q.after = token[0] ? token : NULL;
    rc = crm_customer_list(s, &q, &c);
    CHECK(rc == CRM_OK, "page %d: %s: %s", pages + 1, sname(rc), crm_errmsg());
    if (rc != CRM_OK) break;
    page_rows[pages] = 0;
    while (crm_cursor_next(c, &row) == CRM_OK) {
      if (n < 16) snprintf(seen[n], sizeof seen[n], "%s", rtext(row, "id"));
      n++;
      page_rows[pages]++;
    }
    CHECK(crm_cursor_next(c, &row) == CRM_DONE, "an exhausted cursor does not stay CRM_DONE");
    CHECK_OK(crm_cursor_next_page(c, &next));
    if (!next) {
      crm_cursor_close(c);
      pages++;
      break;
    }
    snprintf(token, sizeof token, "%s", next);
    crm_cursor_close(c);
  }
  CHECK(pages == 3, "7 customers in pages of 3 gave %d pages", pages);
  if (pages == 3)
    CHECK(page_rows[0] == 3 && page_rows[1] == 3 && page_rows[2] == 1, "page sizes %d %d %d",
          page_rows[0], page_rows[1], page_rows[2]);
  CHECK(n == 7, "paging returned %d rows, expected 7", n);
  for (k = 0; k < 7 && k < n; k++) {
    CHECK(strcmp(seen[k], created[k]) == 0, "row %d is %s, expected %s (id order)", k, seen[k],
          created[k]);
    for (j = 0; j < k; j++)
      CHECK(strcmp(seen[j], seen[k]) != 0, "%s was listed twice", seen[k]);
  }

  /* A token belongs to its query. */
  q.after = NULL;
  CHECK_OK(crm_customer_list(s, &q, &c));
  CHECK_OK(crm_cursor_next_page(c, &next));
  snprintf(token, sizeof token, "%s", next ? next : "");
  crm_cursor_close(c);
  c = NULL;
  q.after = token;
  q.owner = 1;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  CHECK(c == NULL, "a refused list returned a cursor");
  q.owner = 0;
  q.type = "prospect";
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.type = NULL;
  q.include_archived = 1;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.include_archived = 0;
  q.after = "garbage";
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.after = "p1.3.0000000000000000";
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.after = "";
  {
    int rc = crm_customer_list(s, &q, &c);
    CHECK(rc == CRM_OK || rc == CRM_ERR_INVALID_ARG, "an empty token gave %s", sname(rc));
    crm_cursor_close(c);
    c = NULL;
  }
  q.after = NULL;
  q.page_size = 1001;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = -1;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.page_size = 3;
  q.size = 0;
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.size = sizeof q;
  q.type = "no-such-type";
  CHECK_FAIL(crm_customer_list(s, &q, &c), CRM_ERR_INVALID_ARG);
  q.type = NULL;

  /* Owner filter.  Users name an existing department (R3.1). */
  CHECK_OK(crm_department_define(s, "华东销售部", NULL, 0, NULL));
  u = new_record();
  set_text(u, "login", "li.na");
  set_text(u, "name", "李娜");
  set_text(u, "department", "华东销售部");
  set_text(u, "role", "销售");
  CHECK_OK(crm_user_create(s, u, &uid));
  crm_record_free(u);
  CHECK_OK(crm_session_open(db, uid, &sales));
  create_valid(sales, id, sizeof id, "customer of li.na");
  create_valid(sales, id, sizeof id, "second customer of li.na");
  r = valid_customer();
  set_int(r, "owner", uid);
  create_ok(s, r, id, sizeof id, "customer given to li.na by admin");
  crm_record_free(r);
  {
    crm_customer_query oq = CRM_CUSTOMER_QUERY_INIT;
    char ids[16][16];
    oq.owner = uid;
    oq.page_size = 2;
    n = list_all(s, &oq, ids, 16);
    CHECK(n == 3, "owner filter: %d customers of li.na, expected 3", n);
    oq.owner = 1;
    n = list_all(s, &oq, ids, 16);
    CHECK(n == 7, "owner filter: %d customers of admin, expected 7", n);
    oq.owner = 0;
    n = list_all(s, &oq, ids, 16);
    CHECK(n == 10, "no filter: %d customers, expected 10", n);
    /* A sales rep lists their own customers only (R3.1). */
    n = list_all(sales, &oq, ids, 16);
    CHECK(n == 3, "li.na's own list without a filter: %d customers, expected her 3", n);
  }

  /* Type filter, by code and by label; archived customers are left out. */
  CHECK_OK(crm_customer_set_type(s, created[1], "intent", NULL));
  CHECK_OK(crm_customer_set_type(s, created[4], "意向客户", NULL));
  CHECK_OK(crm_customer_set_type(s, created[5], "won", NULL));
  CHECK_OK(crm_customer_archive(s, created[6], NULL));
  {
    crm_customer_query tq = CRM_CUSTOMER_QUERY_INIT;
    char ids[16][16];
    tq.type = "intent";
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 2 && strcmp(ids[0], created[1]) == 0 && strcmp(ids[1], created[4]) == 0,
          "type intent: %d customers (%s, %s)", n, n > 0 ? ids[0] : "", n > 1 ? ids[1] : "");
    tq.type = "意向客户";
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 2, "type 意向客户: %d customers", n);
    tq.type = "prospect";
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 6, "type prospect: %d customers, expected 6 (one archived)", n);
    tq.include_archived = 1;
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 7, "type prospect with archived: %d customers", n);
    tq.type = "won";
    tq.owner = uid;
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 0, "won customers of li.na: %d", n);
    tq.owner = 1;
    n = list_all(s, &tq, ids, 16);
    CHECK(n == 1 && strcmp(ids[0], created[5]) == 0, "won customers of admin: %d", n);
  }
  CHECK(count_customers(s, 0) == 9 && count_customers(s, 1) == 10,
        "with one archived: %d listed, %d with archived", count_customers(s, 0),
        count_customers(s, 1));

  /* Paging is keyset-based: rows inserted meanwhile do not shift pages. */
  {
    crm_customer_query kq = CRM_CUSTOMER_QUERY_INIT;
    char first_next[256];
    int rest = 0;
    kq.page_size = 4;
    CHECK_OK(crm_customer_list(s, &kq, &c));
    CHECK_OK(crm_cursor_next_page(c, &next));
    snprintf(first_next, sizeof first_next, "%s", next ? next : "");
    crm_cursor_close(c);
    create_valid(s, id, sizeof id, "customer inserted while paging");
    kq.after = first_next;
    while (1) {
      int rc = crm_customer_list(s, &kq, &c);
      CHECK(rc == CRM_OK, "keyset page: %s", sname(rc));
      if (rc != CRM_OK) break;
      while (crm_cursor_next(c, &row) == CRM_OK) rest++;
      CHECK_OK(crm_cursor_next_page(c, &next));
      if (!next) {
        crm_cursor_close(c);
        break;
      }
      snprintf(first_next, sizeof first_next, "%s", next);
      crm_cursor_close(c);
    }
    CHECK(rest == 10 - 4, "after the first page of 4, %d rows followed (expected 6)", rest);
  }
  crm_session_close(sales);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* --- JSON --------------------------------------------------------------------- */

static void test_json(void) {
  crm_record *r = new_record(), *got;
  crm_db *db = NULL;
  crm_session *s = NULL;
  char *json = NULL;
  char out[512], id[16];
  int found = 0;
  static const char tricky[] = "He said \"hi\" \\ back\nnew line\ttab\r\x01 end";
  section("crm_record_to_json");
  set_text(r, "key_needs", tricky);
  set_text(r, "name", "杭州\"恒达\"精密\\机械有限公司");
  set_int(r, "version", -3);
  CHECK_OK(crm_record_set_real(r, "score", 0.25));
  CHECK_OK(crm_record_set_null(r, "email"));
  CHECK_OK(crm_record_to_json(r, &json));
  if (json) {
    CHECK(json_valid_object(json, "key_needs", out, sizeof out, &found), "invalid JSON: %s",
          json);
    CHECK(found && strcmp(out, tricky) == 0, "key_needs decodes to \"%s\"", found ? out : "");
    CHECK(strstr(json, "\\\"hi\\\"") && strstr(json, "\\\\ back") && strstr(json, "\\n") &&
              strstr(json, "\\t") && !strchr(json, '\n'),
          "escapes missing in %s", json);
    CHECK(json_valid_object(json, "name", out, sizeof out, &found) && found &&
              strcmp(out, "杭州\"恒达\"精密\\机械有限公司") == 0,
          "name decodes to %s", out);
    CHECK(strstr(json, "\"version\":-3") && strstr(json, "\"email\":null"),
          "numbers or null not rendered as expected: %s", json);
  }
  crm_free(json);
  crm_record_free(r);

  /* A record may hold any bytes (crm_record_set_textn); its JSON is still
   * JSON: either valid UTF-8 JSON or an error. */
  {
    static const char bytes[] = "ok\0nul \xC3\x28 bad";
    int rc;
    r = new_record();
    CHECK_OK(crm_record_set_textn(r, "key_needs", bytes, sizeof bytes - 1));
    json = NULL;
    rc = crm_record_to_json(r, &json);
    CHECK(rc < 0 || (json && json_valid_object(json, NULL, NULL, 0, NULL)),
          "crm_record_to_json of a record holding invalid UTF-8 returned %s and text that is "
          "not valid UTF-8 JSON: %s",
          sname(rc), visible(json));
    crm_free(json);
    crm_record_free(r);
  }

  /* A stored customer. */
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  r = valid_customer();
  set_text(r, "key_needs", "需要\"五轴\"机床，路径 C:\\cnc\\jobs");
  create_ok(s, r, id, sizeof id, "customer with quotes and backslashes");
  crm_record_free(r);
  got = get_customer(s, id);
  json = NULL;
  CHECK_OK(crm_record_to_json(got, &json));
  if (json) {
    CHECK(json_valid_object(json, "key_needs", out, sizeof out, &found), "invalid JSON: %s",
          json);
    CHECK(found && strcmp(out, rtext(got, "key_needs")) == 0, "key_needs decodes to %s",
          found ? out : "");
    CHECK(json_valid_object(json, "id", out, sizeof out, &found) && found &&
              strcmp(out, id) == 0,
          "id decodes to %s", out);
  }
  crm_free(json);
  crm_record_free(got);
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* Borrowed strings stay valid for as long as crm.h says.  Run last: if the
 * library breaks this, a sanitizer build stops here. */
static void test_borrowed_lifetimes(void) {
  crm_db *db = NULL;
  crm_session *s = NULL;
  const char *high = NULL, *tz = NULL;
  char copy[64];
  section("borrowed strings keep their documented lifetime");
  CHECK_OK(crm_db_open(":memory:", NULL, &db));
  if (!db) return;
  CHECK_OK(crm_session_open(db, 1, &s));
  CHECK_OK(crm_db_time_zone(db, &tz));
  /* crm_dict_label: "Borrowed: valid until the handle is closed". */
  CHECK_OK(crm_dict_label(s, "priority", "high", &high));
  CHECK_OK(crm_dict_add(s, "industry", "robotics", "机器人", "Robotics"));
  CHECK_OK(crm_dict_add(s, "priority", "urgent", "紧急", "Urgent"));
  snprintf(copy, sizeof copy, "%s", high ? high : "NULL"); /* reads the borrowed pointer */
  CHECK(strcmp(copy, "高") == 0, "a label borrowed before crm_dict_add now reads %s", copy);
  CHECK(tz && strcmp(tz, "Asia/Shanghai") == 0, "borrowed time zone now reads %s",
        tz ? tz : "NULL");
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_test")) return 1;
  test_version_and_status();
  test_null_arguments();
  test_records();
  test_registry_and_dictionaries();
  test_validation();
  test_normalisation();
  test_updates_lifecycle_history();
  test_handles();
  test_db_files();
  test_readonly();
  test_transactions();
  test_thread_errors();
  test_clock();
  test_paging();
  test_json();
  test_borrowed_lifetimes();
  rm_rf(g_root);
  return harness_finish();
}
