/*
 * harness.h — a very small test harness for the C tests of libcrm's C ABI.
 *
 * CHECK(cond, fmt, ...) counts a pass when `cond` holds; otherwise it prints
 * file:line, the expectation (the text of `cond`) and what actually happened
 * (`fmt` and its arguments), and counts a failure.  A test program ends with
 * harness_finish(), which prints exactly "N passed, M failed" and returns the
 * exit status (non-zero if M > 0).
 *
 * Strict C99; include once per program (the functions are static).
 */
#ifndef CRM_CAPI_TEST_HARNESS_H
#define CRM_CAPI_TEST_HARNESS_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

#if defined(__GNUC__)
#define HARNESS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define HARNESS_UNUSED __attribute__((unused))
#else
#define HARNESS_PRINTF(a, b)
#define HARNESS_UNUSED
#endif

static int g_passed = 0;
static int g_failed = 0;

static void check_at(int ok, const char* file, int line, const char* expected, const char* fmt, ...)
    HARNESS_PRINTF(5, 6);

static void check_at(int ok, const char* file, int line, const char* expected, const char* fmt,
                     ...) {
  va_list ap;
  if (ok) {
    g_passed++;
    return;
  }
  g_failed++;
  printf("%s:%d: FAILED\n    expected: %s\n    actual:   ", file, line, expected);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

/* CHECK(cond, fmt, ...): fmt describes what happened. */
#define CHECK(cond, ...) check_at((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)

static HARNESS_UNUSED const char* sname(int rc) { return crm_status_name(rc); }

/* Checks that a call succeeded (CRM_OK); prints the last error otherwise. */
#define CHECK_OK(call)                                                                \
  do {                                                                                \
    int rc_ok_ = (call);                                                              \
    check_at(rc_ok_ == CRM_OK, __FILE__, __LINE__, #call " == CRM_OK", "%s (%d): %s", \
             sname(rc_ok_), rc_ok_, crm_errmsg());                                    \
  } while (0)

/* Checks that a call failed with `want`, that crm_errcode() agrees and that both
 * messages are non-NULL and non-empty. */
static HARNESS_UNUSED void check_fail_at(int rc, int want, const char* call, const char* file,
                                         int line) {
  int code = crm_errcode();
  const char* en = crm_errmsg();
  const char* zh = crm_errmsg_zh();
  char expected[512];
  snprintf(expected, sizeof expected, "%s returns %s", call, sname(want));
  check_at(rc == want, file, line, expected, "returned %s (%d); message: %s", sname(rc), rc,
           en ? en : "(NULL)");
  check_at(code == want, file, line, "crm_errcode() equals the returned status",
           "after %s crm_errcode() is %s (%d)", call, sname(code), code);
  check_at(en != NULL && en[0] != '\0', file, line, "crm_errmsg() non-NULL and non-empty",
           "after %s crm_errmsg() is %s", call, en ? "\"\"" : "NULL");
  check_at(zh != NULL && zh[0] != '\0', file, line, "crm_errmsg_zh() non-NULL and non-empty",
           "after %s crm_errmsg_zh() is %s", call, zh ? "\"\"" : "NULL");
}
#define CHECK_FAIL(call, want) check_fail_at((call), (want), #call, __FILE__, __LINE__)

static HARNESS_UNUSED void section(const char* name) {
  printf("== %s\n", name);
  fflush(stdout);
}

static HARNESS_UNUSED int harness_finish(void) {
  printf("%d passed, %d failed\n", g_passed, g_failed);
  fflush(stdout);
  return g_failed > 0 ? 1 : 0;
}

/* Record helpers shared by the C tests: each failure is counted. */
static HARNESS_UNUSED crm_record* new_record(void) {
  crm_record* r = NULL;
  int rc = crm_record_new(&r);
  CHECK(rc == CRM_OK && r != NULL, "crm_record_new: %s", sname(rc));
  if (!r) {
    printf("cannot continue without records\n");
    exit(2);
  }
  return r;
}

static HARNESS_UNUSED void set_text(crm_record* r, const char* field, const char* value) {
  int rc = crm_record_set_text(r, field, value);
  CHECK(rc == CRM_OK, "crm_record_set_text(%s): %s: %s", field, sname(rc), crm_errmsg());
}

static HARNESS_UNUSED void set_int(crm_record* r, const char* field, int64_t value) {
  int rc = crm_record_set_int(r, field, value);
  CHECK(rc == CRM_OK, "crm_record_set_int(%s): %s: %s", field, sname(rc), crm_errmsg());
}

/* The text of a field, "(absent)", "(null)" or "(not text)".  Borrowed. */
static HARNESS_UNUSED const char* rtext(const crm_record* r, const char* field) {
  const char* v = NULL;
  int rc;
  if (!r) return "(no record)";
  rc = crm_record_get_text(r, field, &v);
  if (rc == CRM_ERR_NOT_FOUND) return "(absent)";
  if (rc != CRM_OK) return "(not text)";
  return v ? v : "(null)";
}

/* An integer field, or INT64_MIN when absent or not an integer. */
static HARNESS_UNUSED int64_t rec_int(const crm_record* r, const char* field) {
  int64_t v = INT64_MIN;
  if (!r || crm_record_get_int(r, field, &v) != CRM_OK) return INT64_MIN;
  return v;
}

/* Walks every page of the customer list `base` (following the page tokens)
 * and calls on_row(row, ctx) for each row.  Returns the number of pages, or
 * -1 after writing the failing call's status and message to `err`. */
static HARNESS_UNUSED int walk_customer_pages(crm_session* s, const crm_customer_query* base,
                                              void (*on_row)(const crm_record* row, void* ctx),
                                              void* ctx, char* err, size_t errcap) {
  crm_customer_query q = *base;
  char token[256];
  int pages = 0;
  token[0] = '\0';
  for (;;) {
    crm_cursor* c = NULL;
    const crm_record* row = NULL;
    const char* next = NULL;
    int rc;
    q.after = token[0] ? token : NULL;
    rc = crm_customer_list(s, &q, &c);
    if (rc != CRM_OK) {
      snprintf(err, errcap, "(%s: %s)", sname(rc), crm_errmsg());
      return -1;
    }
    pages++;
    while ((rc = crm_cursor_next(c, &row)) == CRM_OK) on_row(row, ctx);
    CHECK(rc == CRM_DONE, "crm_cursor_next ended with %s", sname(rc));
    rc = crm_cursor_next_page(c, &next);
    CHECK(rc == CRM_OK, "crm_cursor_next_page: %s", sname(rc));
    if (rc != CRM_OK || !next || pages > 100) {
      crm_cursor_close(c);
      break;
    }
    snprintf(token, sizeof token, "%s", next);
    crm_cursor_close(c);
  }
  return pages;
}

/* A new record holding a complete customer (R1.1): `name`, `contact`, and
 * `phone` and `email` when not NULL.  Free it with crm_record_free. */
static HARNESS_UNUSED crm_record* customer_record(const char* name, const char* contact,
                                                 const char* phone, const char* email) {
  crm_record* r = new_record();
  set_text(r, "name", name);
  set_text(r, "contact_name", contact);
  if (phone) set_text(r, "phone", phone);
  if (email) set_text(r, "email", email);
  set_text(r, "industry", "制造业");
  set_text(r, "scale", "100-500人");
  set_text(r, "source", "展会");
  set_text(r, "key_needs", "采购五轴数控机床，预算约200万元");
  set_text(r, "priority", "高");
  return r;
}

/* Creates a complete, valid customer (R1.1); phone or email may be NULL. */
static HARNESS_UNUSED void create_customer_with(crm_session* s, const char* name,
                                                const char* contact, const char* phone,
                                                const char* email, char* id, size_t cap) {
  crm_record* r = customer_record(name, contact, phone, email);
  char* out = NULL;
  int rc = crm_customer_create(s, r, &out);
  CHECK(rc == CRM_OK && out != NULL, "crm_customer_create(%s): %s: %s", name, sname(rc),
        crm_errmsg());
  snprintf(id, cap, "%s", out ? out : "");
  crm_free(out);
  crm_record_free(r);
}

/* Creates an active user (R3: one login per person); returns its id. */
/* Creates a user of `department` (NULL = none); returns its id. */
static HARNESS_UNUSED int64_t add_user_in(crm_session* admin, const char* login, const char* name,
                                          const char* role, const char* department) {
  crm_record* u = new_record();
  int64_t id = 0;
  set_text(u, "login", login);
  set_text(u, "name", name);
  if (department) {
    /* Users name an existing department (R3.1): define it the first time. */
    int rc = crm_department_define(admin, department, NULL, 0, NULL);
    CHECK(rc == CRM_OK || rc == CRM_ERR_CONFLICT, "crm_department_define(%s): %s: %s", department,
          sname(rc), crm_errmsg());
    set_text(u, "department", department);
  }
  set_text(u, "role", role);
  CHECK_OK(crm_user_create(admin, u, &id));
  crm_record_free(u);
  return id;
}

static HARNESS_UNUSED int64_t add_user(crm_session* admin, const char* login, const char* name,
                                       const char* role) {
  return add_user_in(admin, login, name, role, "华东销售部");
}

/* The rows of a cursor: `fields` of each row joined by ' ' (integers in
 * decimal, NULL as "-"), rows by '|'.  Closes the cursor; *count (optional)
 * receives the number of rows, -1 without a cursor.  Two static buffers,
 * used in turn. */
static HARNESS_UNUSED const char* rows_of(crm_cursor* c, const char* const* fields, int* count) {
  static char buf[2][16384];
  static int which = 0;
  char* out = buf[which];
  size_t used = 0;
  const crm_record* row = NULL;
  int rc, n = 0;
  which ^= 1;
  out[0] = '\0';
  if (!c) {
    if (count) *count = -1;
    return "(no cursor)";
  }
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    const char* const* f;
    for (f = fields; *f; f++) {
      char cell[600];
      int32_t t = -1;
      crm_record_type(row, *f, &t);
      if (t == CRM_TYPE_INT)
        snprintf(cell, sizeof cell, "%" PRId64, rec_int(row, *f));
      else if (t == CRM_TYPE_TEXT)
        snprintf(cell, sizeof cell, "%s", rtext(row, *f));
      else
        snprintf(cell, sizeof cell, "-");
      if (used < sizeof buf[0])
        used += (size_t)snprintf(out + used, sizeof buf[0] - used, "%s%s",
                                 f == fields ? (n ? "|" : "") : " ", cell);
    }
    n++;
  }
  CHECK(rc == CRM_DONE, "cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  if (count) *count = n;
  return out;
}

/* 1 if `hay` contains `needle` (0 if either is NULL). */
static HARNESS_UNUSED int contains(const char* hay, const char* needle) {
  return hay && needle && strstr(hay, needle) != NULL;
}

/* EXPECT_I64(got, want, what): an integer; `what` names it. */
static HARNESS_UNUSED void expect_i64_at(int64_t got, int64_t want, const char* what,
                                         const char* file, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s = %" PRId64, what, want);
  check_at(got == want, file, line, expected, "%s = %" PRId64, what, got);
}
#define EXPECT_I64(got, want, what) expect_i64_at((got), (want), (what), __FILE__, __LINE__)

/* EXPECT_CONTAINS(got, needle, what): text (NULL fails) that contains `needle`. */
static HARNESS_UNUSED void expect_contains_at(const char* got, const char* needle,
                                              const char* what, const char* file, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s contains \"%s\"", what, needle);
  check_at(contains(got, needle), file, line, expected, "\"%s\"", got ? got : "(NULL)");
}
#define EXPECT_CONTAINS(got, needle, what) \
  expect_contains_at((got), (needle), (what), __FILE__, __LINE__)

/* EXPECT_ROWS(c, cols, want, what): the rows of cursor `c` (fields `cols`, as
 * rows_of shows them) are exactly `want`; closes the cursor. */
static HARNESS_UNUSED void expect_rows_at(crm_cursor* c, const char* const* cols, const char* want,
                                          const char* what, const char* file, int line) {
  int n = 0;
  const char* got = rows_of(c, cols, &n);
  char expected[512];
  snprintf(expected, sizeof expected, "%s: the rows are as expected", what);
  check_at(strcmp(got, want) == 0, file, line, expected,
           "%d row(s)\n      got:  %s\n      want: %s", n, got, want);
}
#define EXPECT_ROWS(c, cols, want, what) \
  expect_rows_at((c), (cols), (want), (what), __FILE__, __LINE__)

/* A session acting as `user` (NULL if it failed, already reported). */
static HARNESS_UNUSED crm_session* open_as(crm_db* db, int64_t user) {
  crm_session* s = NULL;
  CHECK_OK(crm_session_open(db, user, &s));
  return s;
}

/* 1 if the last error has a field error (field, code). */
static HARNESS_UNUSED int has_field_code(const char* field, const char* code) {
  int32_t i, n = crm_error_field_count();
  for (i = 0; i < n; i++)
    if (strcmp(crm_error_field_name(i), field) == 0 && strcmp(crm_error_field_code(i), code) == 0)
      return 1;
  return 0;
}

/* Opens an in-memory database with the clock fixed at `now_ms` and an
 * administrator's session; 0 if either failed (already reported). */
static HARNESS_UNUSED int open_memory_db(crm_db** db, crm_session** admin, int64_t now_ms) {
  *db = NULL;
  *admin = NULL;
  CHECK_OK(crm_db_open(":memory:", NULL, db));
  if (!*db) return 0;
  CHECK_OK(crm_db_clock_fixed(*db, now_ms));
  CHECK_OK(crm_session_open(*db, 1, admin));
  return *admin != NULL;
}

/* File helpers shared by the C tests, for programs that define
 * _POSIX_C_SOURCE before including anything. */
#if defined(_POSIX_C_SOURCE)
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* $TMPDIR, or /tmp. */
static HARNESS_UNUSED const char* tmp_base(void) {
  const char* t = getenv("TMPDIR");
  return (t && *t) ? t : "/tmp";
}

/* Creates this run's temporary directory, $TMPDIR/<name>_XXXXXX, into
 * `root` and makes stdout line-buffered (tests print as they go).  Returns 0
 * after printing the failure in the harness's closing format. */
static HARNESS_UNUSED int harness_start(char* root, size_t cap, const char* name) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(root, cap, "%s/%s_XXXXXX", tmp_base(), name);
  if (!mkdtemp(root)) {
    printf("mkdtemp(%s) failed: %s\n", root, strerror(errno));
    printf("0 passed, 1 failed\n");
    return 0;
  }
  return 1;
}

static HARNESS_UNUSED void join_path(char* out, size_t cap, const char* dir, const char* name) {
  int n = snprintf(out, cap, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= cap) {
    printf("path too long: %s/%s\n", dir, name);
    exit(2);
  }
}

/* A database file "crm.db" in a fresh subdirectory `name` of `root`. */
static HARNESS_UNUSED void db_path_in(const char* root, char* out, size_t cap, const char* name) {
  char dir[700];
  join_path(dir, sizeof dir, root, name);
  if (mkdir(dir, 0700) != 0) {
    printf("mkdir %s failed: %s\n", dir, strerror(errno));
    exit(2);
  }
  join_path(out, cap, dir, "crm.db");
}

/* Removes a file or a directory tree (making directories writable first,
 * since some tests leave read-only ones behind). */
static HARNESS_UNUSED void rm_rf(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR* d;
    struct dirent* e;
    chmod(path, 0700);
    d = opendir(path);
    if (d) {
      while ((e = readdir(d)) != NULL) {
        char child[1024];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        join_path(child, sizeof child, path, e->d_name);
        rm_rf(child);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}
#endif

#endif /* CRM_CAPI_TEST_HARNESS_H */
