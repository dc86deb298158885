/*
 * threads_test.c — concurrency of libcrm's C interface (crm.h, "Thread
 * safety"): one crm_db shared by several threads, one crm_db per thread on the
 * same file, and two processes writing the same file.  Every create must
 * succeed (writers wait up to the busy timeout), every customer must be there
 * and every id must be distinct.
 *
 * Ends with "N passed, M failed".
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm.h"
#include "harness.h"

#define NTHREADS 4
#define PER_THREAD 200
#define NPROCS 2
#define PER_PROC 300
#define BUSY_MS 60000
#define ID_LEN 24

static char g_root[512];

/* A valid customer (R1.1); `n` varies the contact so rows differ. */
static crm_record *customer(int worker, int n) {
  crm_record *r = NULL;
  char contact[64], needs[128];
  if (crm_record_new(&r) != CRM_OK) return NULL;
  snprintf(contact, sizeof contact, "王伟%d号", worker * 10000 + n);
  snprintf(needs, sizeof needs, "采购数控机床，第%d批", n);
  if (crm_record_set_text(r, "name", "杭州恒达精密机械有限公司") != CRM_OK ||
      crm_record_set_text(r, "contact_name", contact) != CRM_OK ||
      crm_record_set_text(r, "phone", "010-12345678") != CRM_OK ||
      crm_record_set_text(r, "industry", "制造业") != CRM_OK ||
      crm_record_set_text(r, "scale", "100-500人") != CRM_OK ||
      crm_record_set_text(r, "source", "展会") != CRM_OK ||
      crm_record_set_text(r, "key_needs", needs) != CRM_OK ||
      crm_record_set_text(r, "priority", "中") != CRM_OK) {
    crm_record_free(r);
    return NULL;
  }
  return r;
}

/* Every customer id of the database (all pages, archived included). */
static int list_ids(crm_session *s, char (*ids)[ID_LEN], int cap) {
  crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
  char token[256];
  int n = 0;
  q.page_size = 1000;
  q.include_archived = 1;
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
    while (crm_cursor_next(c, &row) == CRM_OK) {
      const char *id = NULL;
      if (n < cap && crm_record_get_text(row, "id", &id) == CRM_OK && id)
        snprintf(ids[n], ID_LEN, "%s", id);
      n++;
    }
    rc = crm_cursor_next_page(c, &next);
    if (rc != CRM_OK || !next) {
      crm_cursor_close(c);
      break;
    }
    snprintf(token, sizeof token, "%s", next);
    crm_cursor_close(c);
  }
  return n;
}

static int cmp_id(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Checks that `n` ids are distinct and non-empty and that every one of them
 * is in the database's list. */
static void check_ids(char (*ids)[ID_LEN], int n, crm_session *s, const char *what) {
  char(*listed)[ID_LEN] = malloc((size_t)(n + 100) * ID_LEN);
  int i, dups = 0, empty = 0, missing = 0, nl;
  if (!listed) return;
  qsort(ids, (size_t)n, ID_LEN, cmp_id);
  for (i = 0; i < n; i++) {
    if (!ids[i][0]) empty++;
    if (i > 0 && ids[i][0] && strcmp(ids[i], ids[i - 1]) == 0) dups++;
  }
  CHECK(empty == 0, "%s: %d creates returned no id", what, empty);
  CHECK(dups == 0, "%s: %d duplicate ids among %d", what, dups, n);
  nl = list_ids(s, listed, n + 100);
  CHECK(nl == n, "%s: the database lists %d customers, expected %d", what, nl, n);
  if (nl > 0 && nl <= n + 100) {
    qsort(listed, (size_t)nl, ID_LEN, cmp_id);
    for (i = 0; i < n; i++)
      if (ids[i][0] && !bsearch(ids[i], listed, (size_t)nl, ID_LEN, cmp_id)) missing++;
    CHECK(missing == 0, "%s: %d created ids are not listed", what, missing);
  }
  free(listed);
}

/* --- workers --------------------------------------------------------------- */

typedef struct {
  int index;
  crm_db *shared;       /* shared handle, or NULL to open our own */
  const char *path;     /* file for our own handle */
  int reopen_every;     /* 0 = keep one handle */
  int count;
  pthread_barrier_t *start;
  char (*ids)[ID_LEN];  /* count entries */
  int ok, failed;
  int first_rc;
  char first_error[256];
} Worker;

static void note_failure(Worker *w, int rc, const char *what) {
  w->failed++;
  if (w->first_rc == CRM_OK) {
    w->first_rc = rc;
    snprintf(w->first_error, sizeof w->first_error, "%s: %s: %s", what, sname(rc), crm_errmsg());
  }
}

static int open_own(Worker *w, crm_db **db, crm_session **s) {
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  int rc;
  o.busy_timeout_ms = BUSY_MS;
  *db = NULL;
  *s = NULL;
  rc = crm_db_open(w->path, &o, db);
  if (rc != CRM_OK) {
    note_failure(w, rc, "crm_db_open");
    return 0;
  }
  rc = crm_session_open(*db, 1, s);
  if (rc != CRM_OK) {
    note_failure(w, rc, "crm_session_open");
    crm_db_close(*db);
    *db = NULL;
    return 0;
  }
  return 1;
}

static void close_own(Worker *w, crm_db *db, crm_session *s) {
  int rc;
  crm_session_close(s);
  rc = crm_db_close(db);
  if (rc != CRM_OK) note_failure(w, rc, "crm_db_close");
}

static void *worker_main(void *arg) {
  Worker *w = (Worker *)arg;
  crm_db *db = w->shared;
  crm_session *s = NULL;
  int i, rc;
  w->first_rc = CRM_OK;
  if (w->start) pthread_barrier_wait(w->start);
  if (w->shared) {
    rc = crm_session_open(db, 1, &s);
    if (rc != CRM_OK) {
      note_failure(w, rc, "crm_session_open");
      return NULL;
    }
  } else if (!open_own(w, &db, &s)) {
    return NULL;
  }
  for (i = 0; i < w->count; i++) {
    crm_record *r;
    char *id = NULL;
    if (!w->shared && w->reopen_every > 0 && i > 0 && i % w->reopen_every == 0) {
      close_own(w, db, s);
      if (!open_own(w, &db, &s)) return NULL;
    }
    r = customer(w->index, i);
    if (!r) {
      note_failure(w, CRM_ERR_NOMEM, "building a record");
      continue;
    }
    rc = crm_customer_create(s, r, &id);
    crm_record_free(r);
    if (rc == CRM_OK && id) {
      snprintf(w->ids[i], ID_LEN, "%s", id);
      w->ok++;
    } else {
      note_failure(w, rc, "crm_customer_create");
    }
    crm_free(id);
  }
  if (w->shared)
    crm_session_close(s);
  else
    close_own(w, db, s);
  return NULL;
}

/* Runs NTHREADS workers; returns the number of successful creates. */
static int run_workers(crm_db *shared, const char *path, int count, int reopen_every,
                       char (*ids)[ID_LEN], const char *what) {
  pthread_t th[NTHREADS];
  Worker w[NTHREADS];
  pthread_barrier_t start;
  int i, ok = 0;
  pthread_barrier_init(&start, NULL, NTHREADS);
  for (i = 0; i < NTHREADS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].index = i;
    w[i].shared = shared;
    w[i].path = path;
    w[i].reopen_every = reopen_every;
    w[i].count = count;
    w[i].start = &start;
    w[i].ids = ids + (size_t)i * (size_t)count;
    CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0, "%s: pthread_create failed",
          what);
  }
  for (i = 0; i < NTHREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK(w[i].failed == 0 && w[i].ok == count,
          "%s: thread %d created %d of %d customers; %d failures, first: %s", what, i, w[i].ok,
          count, w[i].failed, w[i].first_error);
    ok += w[i].ok;
  }
  pthread_barrier_destroy(&start);
  return ok;
}

static int make_subdir(char *out, size_t cap, const char *name) {
  join_path(out, cap, g_root, name);
  if (mkdir(out, 0700) != 0) {
    CHECK(0, "mkdir %s: %s", out, strerror(errno));
    return 0;
  }
  return 1;
}

/* Opens `path` (creating it) and returns an admin session on it. */
static int open_check(const char *path, crm_db **db, crm_session **s) {
  crm_open_options o = CRM_OPEN_OPTIONS_INIT;
  o.busy_timeout_ms = BUSY_MS;
  *db = NULL;
  *s = NULL;
  CHECK_OK(crm_db_open(path, &o, db));
  if (!*db) return 0;
  CHECK_OK(crm_session_open(*db, 1, s));
  if (!*s) {
    crm_db_close(*db);
    return 0;
  }
  return 1;
}

static void close_check(crm_db *db, crm_session *s) {
  crm_session_close(s);
  CHECK_OK(crm_db_close(db));
}

/* 1. Several threads share one crm_db, each with its own session. */
static void test_shared_handle(void) {
  char dir[600], path[700];
  crm_db *db = NULL;
  crm_session *s = NULL;
  char(*ids)[ID_LEN];
  int ok, total = NTHREADS * PER_THREAD;
  section("threads sharing one crm_db");
  if (!make_subdir(dir, sizeof dir, "shared")) return;
  join_path(path, sizeof path, dir, "crm.db");
  ids = calloc((size_t)total, ID_LEN);
  if (!ids || !open_check(path, &db, &s)) {
    free(ids);
    return;
  }
  ok = run_workers(db, path, PER_THREAD, 0, ids, "shared handle");
  CHECK(ok == total, "shared handle: %d of %d creates succeeded", ok, total);
  check_ids(ids, total, s, "shared handle");
  close_check(db, s);
  free(ids);
  rm_rf(dir);
}

/* 2. Several threads, each with its own crm_db on the same file. */
static void test_own_handles(int reopen_every, int fresh, const char *name) {
  char dir[600], path[700];
  crm_db *db = NULL;
  crm_session *s = NULL;
  char(*ids)[ID_LEN];
  int ok, total = NTHREADS * PER_THREAD;
  section(name);
  if (!make_subdir(dir, sizeof dir, fresh ? "own-fresh" : reopen_every ? "own-reopen" : "own"))
    return;
  join_path(path, sizeof path, dir, "crm.db");
  ids = calloc((size_t)total, ID_LEN);
  if (!ids) return;
  if (!fresh) { /* the file exists before the threads start */
    if (!open_check(path, &db, &s)) {
      free(ids);
      return;
    }
    close_check(db, s);
  }
  ok = run_workers(NULL, path, PER_THREAD, reopen_every, ids, name);
  CHECK(ok == total, "%s: %d of %d creates succeeded", name, ok, total);
  if (open_check(path, &db, &s)) {
    check_ids(ids, total, s, name);
    close_check(db, s);
  }
  free(ids);
  rm_rf(dir);
}

/* 3. Two processes writing to the same file. */
static void test_processes(void) {
  char dir[600], path[700];
  crm_db *db = NULL;
  crm_session *s = NULL;
  pid_t pids[NPROCS];
  char(*ids)[ID_LEN];
  int p, total = NPROCS * PER_PROC, n = 0;
  section("two processes writing one file");
  if (!make_subdir(dir, sizeof dir, "procs")) return;
  join_path(path, sizeof path, dir, "crm.db");
  if (!open_check(path, &db, &s)) return;
  close_check(db, s);
  fflush(stdout);
  for (p = 0; p < NPROCS; p++) {
    pids[p] = fork();
    if (pids[p] < 0) {
      CHECK(0, "fork: %s", strerror(errno));
      continue;
    }
    if (pids[p] == 0) {
      /* Child: its own handle, PER_PROC creates, ids to a file. */
      char out[800];
      FILE *f;
      crm_open_options o = CRM_OPEN_OPTIONS_INIT;
      int i, failures = 0, rc;
      char first[512] = "";
      o.busy_timeout_ms = BUSY_MS;
      snprintf(out, sizeof out, "%s/ids.%d", dir, p);
      f = fopen(out, "w");
      if (!f) _exit(10);
      rc = crm_db_open(path, &o, &db);
      if (rc != CRM_OK) {
        printf("process %d: crm_db_open: %s: %s\n", p, sname(rc), crm_errmsg());
        fflush(stdout);
        _exit(11);
      }
      rc = crm_session_open(db, 1, &s);
      if (rc != CRM_OK) _exit(12);
      for (i = 0; i < PER_PROC; i++) {
        crm_record *r = customer(100 + p, i);
        char *id = NULL;
        rc = r ? crm_customer_create(s, r, &id) : CRM_ERR_NOMEM;
        crm_record_free(r);
        if (rc == CRM_OK && id) {
          fprintf(f, "%s\n", id);
        } else {
          if (!failures++)
            snprintf(first, sizeof first, "%s: %s", sname(rc), crm_errmsg());
        }
        crm_free(id);
      }
      crm_session_close(s);
      rc = crm_db_close(db);
      if (fclose(f) != 0) _exit(13);
      if (failures) {
        printf("process %d: %d creates failed, first: %s\n", p, failures, first);
        fflush(stdout);
        _exit(14);
      }
      _exit(rc == CRM_OK ? 0 : 15);
    }
  }
  for (p = 0; p < NPROCS; p++) {
    int status = 0;
    if (pids[p] <= 0) continue;
    waitpid(pids[p], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "process %d ended with status %d (exit code %d)", p, status,
          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  ids = calloc((size_t)total + 16, ID_LEN);
  if (!ids) return;
  for (p = 0; p < NPROCS; p++) {
    char in[800], line[64];
    FILE *f;
    int got = 0;
    snprintf(in, sizeof in, "%s/ids.%d", dir, p);
    f = fopen(in, "r");
    CHECK(f != NULL, "process %d wrote no id file", p);
    if (!f) continue;
    while (fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = '\0';
      if (n < total + 16 && strlen(line) < ID_LEN) memcpy(ids[n++], line, strlen(line) + 1);
      got++;
    }
    fclose(f);
    CHECK(got == PER_PROC, "process %d reported %d ids, expected %d", p, got, PER_PROC);
  }
  CHECK(n == total, "the processes reported %d ids, expected %d", n, total);
  if (open_check(path, &db, &s)) {
    check_ids(ids, n, s, "two processes");
    close_check(db, s);
  }
  free(ids);
  rm_rf(dir);
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_threads")) return 1;
  test_shared_handle();
  test_own_handles(0, 0, "threads with their own crm_db on one file");
  test_own_handles(10, 0, "threads with their own crm_db, reopened every 10 creates");
  test_own_handles(0, 1, "threads opening a new file at the same time");
  test_processes();
  rm_rf(g_root);
  return harness_finish();
}
