/*
 * permissions_test.c — permissions, privacy and the audit log (权限、隐私与审计,
 * R3) through libcrm's C interface (capi/crm.h), in plain C99 as a host would
 * call them:
 *
 *   - departments: a tree with supervisors (crm_department_define / _update /
 *     _list); a department cannot move below itself; a supervisor reads the
 *     customers of their department and below, whatever their role, and a
 *     change of the tree takes effect at every session's next call;
 *   - users: crm_user_list by department subtree, crm_user_update (a role
 *     change, deactivation: the user's open session fails with
 *     CRM_ERR_PERMISSION, no new session opens; the last active administrator
 *     cannot go: CRM_ERR_CONFLICT);
 *   - roles and the matrix: crm_role_define, crm_permission_set (a new role may
 *     do nothing until granted; the "admin" row is fixed), crm_permission_list
 *     (one row per role and pair), crm_permission_check (own, a colleague's
 *     and unscoped pairs; a customer the user cannot see answers 0);
 *   - transfers: crm_customer_transfer and crm_customer_transfer_all by the
 *     reps' supervisor or manager; the old owner no longer sees the customer,
 *     the new one does, and open follow-up plans move with it;
 *   - unmasking: crm_customer_unmask / crm_contact_unmask need a reason, are
 *     refused to a colleague (CRM_ERR_NOT_FOUND) and to a role without
 *     customer.unmask (CRM_ERR_PERMISSION), and give the stored E.164 phone;
 *   - the audit log: crm_audit_list rows for a create, an update naming its
 *     fields, an unmask with its reason and a denial; administrators only;
 *     crm_audit_head and crm_audit_verify, and tampering with the file
 *     through SQLite (an altered row, a removed one, the last one cut off).
 *
 * The clock is fixed at 2026-11-23 09:00 +08:00.  Prints one line per failed
 * check and ends with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "harness.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)

/* 2026-11-23 09:00 in Shanghai, a Monday. */
#define T0 INT64_C(1795395600000)

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static char g_root[512]; /* this run's temporary directory */

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

static int streq(const char* a, const char* b) { return a && b && strcmp(a, b) == 0; }

/* Creates a customer (R1.1 complete) as `s`, for `owner` (0 = the session's
 * user).  Returns the status; the id ("C0001") goes to `id` ("" on failure). */
static int new_customer(crm_session* s, int64_t owner, const char* name, const char* phone,
                        const char* email, char* id) {
  crm_record* r = customer_record(name, "王建国", phone, email);
  char* out = NULL;
  int rc;
  if (owner) set_int(r, "owner", owner);
  rc = crm_customer_create(s, r, &out);
  snprintf(id, 16, "%s", rc == CRM_OK && out ? out : "");
  crm_free(out);
  crm_record_free(r);
  return rc;
}

/* The same, which must succeed. */
static void customer_at(crm_session* s, int64_t owner, const char* name, const char* phone,
                        char* id, int line) {
  int rc = new_customer(s, owner, name, phone, NULL, id);
  check_at(rc == CRM_OK && id[0], __FILE__, line, "crm_customer_create succeeds",
           "customer %s: %s: %s", name, sname(rc), crm_errmsg());
}
#define CUSTOMER(s, owner, name, phone, id) customer_at((s), (owner), (name), (phone), (id), __LINE__)

/* The status of crm_customer_get (the record is dropped). */
static int get_rc(crm_session* s, const char* id) {
  crm_record* r = NULL;
  int rc = crm_customer_get(s, id, &r);
  crm_record_free(r);
  return rc;
}

/* An integer field of crm_customer_get, or INT64_MIN. */
static int64_t customer_int(crm_session* s, const char* id, const char* field) {
  crm_record* r = NULL;
  int64_t v;
  int rc = crm_customer_get(s, id, &r);
  CHECK(rc == CRM_OK, "crm_customer_get(%s): %s: %s", id, sname(rc), crm_errmsg());
  v = rec_int(r, field);
  crm_record_free(r);
  return v;
}

/* How many customers `s` sees (crm_customer_count), or -1 after an error. */
static int64_t count_of(crm_session* s) {
  int64_t n = -1;
  int rc = crm_customer_count(s, NULL, &n);
  return rc == CRM_OK ? n : -1;
}

/* A record holding one integer / one text field. */
static crm_record* rec_i(const char* field, int64_t v) {
  crm_record* r = new_record();
  set_int(r, field, v);
  return r;
}

static crm_record* rec_t(const char* field, const char* v) {
  crm_record* r = new_record();
  set_text(r, field, v);
  return r;
}

/* crm_user_update with a one-field record; returns the status. */
static int update_user_i(crm_session* s, int64_t id, const char* field, int64_t v) {
  crm_record* r = rec_i(field, v);
  int rc = crm_user_update(s, id, r);
  crm_record_free(r);
  return rc;
}

static int update_user_t(crm_session* s, int64_t id, const char* field, const char* v) {
  crm_record* r = rec_t(field, v);
  int rc = crm_user_update(s, id, r);
  crm_record_free(r);
  return rc;
}

/* A text field of crm_user_get, "(error NAME)" when it fails (four
 * rotating buffers). */
static const char* user_text(crm_session* s, int64_t id, const char* field) {
  static char bufs[4][256];
  static int k = 0;
  char* buf = bufs[k = (k + 1) % 4];
  crm_record* r = NULL;
  int rc = crm_user_get(s, id, &r);
  if (rc != CRM_OK)
    snprintf(buf, sizeof bufs[0], "(error %s)", sname(rc));
  else
    snprintf(buf, sizeof bufs[0], "%s", rtext(r, field));
  crm_record_free(r);
  return buf;
}

/* crm_permission_check as a number: 1, 0, or the negative status. */
static int check_perm(crm_session* s, const char* object, const char* action, const char* id) {
  int32_t allowed = -7;
  int rc = crm_permission_check(s, object, action, id, &allowed);
  return rc == CRM_OK ? (int)allowed : rc;
}

static void expect_allowed_at(crm_session* s, const char* who, const char* object,
                              const char* action, const char* id, int want, int line) {
  int got = check_perm(s, object, action, id);
  char expected[256];
  snprintf(expected, sizeof expected, "crm_permission_check(%s, %s.%s, %s) = %d", who, object,
           action, id ? id : "NULL", want);
  check_at(got == want, __FILE__, line, expected, "%d (%s)", got,
           got < 0 ? crm_errmsg() : "CRM_OK");
}
#define EXPECT_ALLOWED(s, who, object, action, id, want) \
  expect_allowed_at((s), (who), (object), (action), (id), (want), __LINE__)

/* A department list row "name parent supervisor supervisor_name members"
 * for `name`, "(absent)" if the list lacks it.  Also checks that every row's
 * parent comes before it. */
static const char* department_row(crm_session* s, const char* name) {
  static char buf[512];
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  char seen[32][128];
  int n = 0, rc;
  snprintf(buf, sizeof buf, "(absent)");
  rc = crm_department_list(s, &c);
  CHECK(rc == CRM_OK, "crm_department_list: %s: %s", sname(rc), crm_errmsg());
  if (rc != CRM_OK) return "(error)";
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    const char* parent = rtext(row, "parent");
    int i, found = 0;
    if (!streq(parent, "(null)")) {
      for (i = 0; i < n; i++) found = found || streq(seen[i], parent);
      CHECK(found, "department %s is listed before its parent %s", rtext(row, "name"), parent);
    }
    if (n < 32) snprintf(seen[n++], sizeof seen[0], "%s", rtext(row, "name"));
    if (streq(rtext(row, "name"), name)) {
      char sup[32] = "-";
      if (rec_int(row, "supervisor") != INT64_MIN)
        snprintf(sup, sizeof sup, "%" PRId64, rec_int(row, "supervisor"));
      snprintf(buf, sizeof buf, "%s %s %s %s %" PRId64, rtext(row, "name"), parent, sup,
               rtext(row, "supervisor_name"), rec_int(row, "members"));
    }
  }
  CHECK(rc == CRM_DONE, "department cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return buf;
}

#define EXPECT_DEPARTMENT(s, name, want)                                                     \
  CHECK(streq(department_row((s), (name)), (want)), "department row [%s], expected [%s]", \
        department_row((s), (name)), (want))

/* ------------------------------------------------------------------------ */
/* A small organisation                                                     */
/* ------------------------------------------------------------------------ */

/*   销售总部 (赵磊, sales)
 *     华东销售部 (supervisor 赵磊; 李娜 sales_manager, 张伟 and 刘洋 sales)
 *       杭州办事处 (王芳 sales)
 *     华南销售部 (陈刚 sales)
 *   客服部 (周敏 service)                                                    */
typedef struct {
  crm_db* db;
  crm_session *admin, *mgr, *rep, *rep2, *repb, *reps, *sup, *svc;
  int64_t mgr_id, rep_id, rep2_id, repb_id, reps_id, sup_id, svc_id;
} World;

static int world_open(World* w, const char* path) {
  memset(w, 0, sizeof *w);
  CHECK_OK(crm_db_open(path ? path : ":memory:", NULL, &w->db));
  if (!w->db) return 0;
  CHECK_OK(crm_db_clock_fixed(w->db, T0));
  CHECK_OK(crm_session_open(w->db, 1, &w->admin));
  if (!w->admin) return 0;
  CHECK_OK(crm_department_define(w->admin, "销售总部", NULL, 0, NULL));
  CHECK_OK(crm_department_define(w->admin, "华东销售部", "销售总部", 0, NULL));
  CHECK_OK(crm_department_define(w->admin, "杭州办事处", "华东销售部", 0, NULL));
  CHECK_OK(crm_department_define(w->admin, "华南销售部", "销售总部", 0, NULL));
  CHECK_OK(crm_department_define(w->admin, "客服部", NULL, 0, NULL));
  w->mgr_id = add_user_in(w->admin, "lina", "李娜", "sales_manager", "华东销售部");
  w->rep_id = add_user_in(w->admin, "zhangwei", "张伟", "sales", "华东销售部");
  w->rep2_id = add_user_in(w->admin, "liuyang", "刘洋", "sales", "华东销售部");
  w->repb_id = add_user_in(w->admin, "wangfang", "王芳", "sales", "杭州办事处");
  w->reps_id = add_user_in(w->admin, "chengang", "陈刚", "sales", "华南销售部");
  w->sup_id = add_user_in(w->admin, "zhaolei", "赵磊", "sales", "销售总部");
  w->svc_id = add_user_in(w->admin, "zhoumin", "周敏", "service", "客服部");
  CHECK_OK(crm_department_update(w->admin, "华东销售部", NULL, w->sup_id));
  w->mgr = open_as(w->db, w->mgr_id);
  w->rep = open_as(w->db, w->rep_id);
  w->rep2 = open_as(w->db, w->rep2_id);
  w->repb = open_as(w->db, w->repb_id);
  w->reps = open_as(w->db, w->reps_id);
  w->sup = open_as(w->db, w->sup_id);
  w->svc = open_as(w->db, w->svc_id);
  return w->mgr && w->rep && w->rep2 && w->repb && w->reps && w->sup && w->svc;
}

static void world_close(World* w) {
  crm_session_close(w->svc);
  crm_session_close(w->sup);
  crm_session_close(w->reps);
  crm_session_close(w->repb);
  crm_session_close(w->rep2);
  crm_session_close(w->rep);
  crm_session_close(w->mgr);
  crm_session_close(w->admin);
  if (w->db) CHECK_OK(crm_db_close(w->db));
  memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------------ */
/* Departments                                                              */
/* ------------------------------------------------------------------------ */

static void test_departments(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *mgr = NULL, *rep = NULL, *repb = NULL, *sup = NULL;
  crm_record* u = NULL;
  crm_cursor* c = NULL;
  int64_t top = 0, east = 0, hz = 0, south = 0, north = 0, mgr_id, rep_id, repb_id, reps_id,
          sup_id, uid = -1;
  char cb[16], cs[16], want[256];
  section("departments: the tree, supervisors, moves");
  if (!open_memory_db(&db, &admin, T0)) goto done;

  /* A user names an existing department (R3.1). */
  u = new_record();
  set_text(u, "login", "nobody");
  set_text(u, "name", "无名");
  set_text(u, "department", "华东销售部");
  set_text(u, "role", "sales");
  CHECK_FAIL(crm_user_create(admin, u, &uid), CRM_ERR_VALIDATION);
  CHECK(has_field_code("department", "unknown_value"),
        "a user of an undefined department: field error department/unknown_value expected, "
        "got %s/%s",
        crm_error_field_name(0), crm_error_field_code(0));

  /* The tree. */
  CHECK_OK(crm_department_define(admin, "销售总部", NULL, 0, &top));
  CHECK_OK(crm_department_define(admin, "华东销售部", "销售总部", 0, &east));
  CHECK_OK(crm_department_define(admin, "杭州办事处", "华东销售部", 0, &hz));
  CHECK_OK(crm_department_define(admin, "华南销售部", "", 0, &south)); /* "" = at the top */
  CHECK(top > 0 && east > top && hz > east && south > hz,
        "department ids %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 ", expected increasing", top,
        east, hz, south);
  CHECK_OK(crm_user_create(admin, u, &uid)); /* the department exists now */
  CHECK(uid > 1, "user of 华东销售部 created with id %" PRId64, uid);
  mgr_id = add_user_in(admin, "lina", "李娜", "sales_manager", "华东销售部");
  rep_id = add_user_in(admin, "zhangwei", "张伟", "sales", "华东销售部");
  repb_id = add_user_in(admin, "wangfang", "王芳", "sales", "杭州办事处");
  reps_id = add_user_in(admin, "chengang", "陈刚", "sales", "华南销售部");
  sup_id = add_user_in(admin, "zhaolei", "赵磊", "sales", "销售总部");
  /* A department with its supervisor from the start. */
  CHECK_OK(crm_department_define(admin, "华北销售部", NULL, sup_id, &north));
  CHECK(north > south, "华北销售部 got id %" PRId64 " after %" PRId64, north, south);

  /* Refusals. */
  CHECK_FAIL(crm_department_define(admin, "华东销售部", NULL, 0, NULL), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_department_define(admin, "西北销售部", "没有这个部门", 0, NULL),
             CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_department_define(admin, "西北销售部", NULL, 999, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_department_define(admin, "", NULL, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_department_define(admin, NULL, NULL, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_department_define(NULL, "西北销售部", NULL, 0, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_department_list(admin, NULL), CRM_ERR_INVALID_ARG);
  mgr = open_as(db, mgr_id);
  rep = open_as(db, rep_id);
  repb = open_as(db, repb_id);
  sup = open_as(db, sup_id);
  if (!mgr || !rep || !repb || !sup) goto done;
  /* user.manage is the administrators'; user.read everyone's. */
  CHECK_FAIL(crm_department_define(rep, "西北销售部", NULL, 0, NULL), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_department_define(mgr, "西北销售部", NULL, 0, NULL), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_department_update(rep, "华东销售部", NULL, rep_id), CRM_ERR_PERMISSION);

  /* The list: parents before children (checked by department_row), the
   * supervisor with their name, active members. */
  EXPECT_DEPARTMENT(rep, "销售总部", "销售总部 (null) - (null) 1");
  EXPECT_DEPARTMENT(rep, "华东销售部", "华东销售部 销售总部 - (null) 3");
  EXPECT_DEPARTMENT(rep, "杭州办事处", "杭州办事处 华东销售部 - (null) 1");
  EXPECT_DEPARTMENT(rep, "华南销售部", "华南销售部 (null) - (null) 1");
  snprintf(want, sizeof want, "华北销售部 (null) %" PRId64 " 赵磊 0", sup_id);
  EXPECT_DEPARTMENT(rep, "华北销售部", want);
  {
    static const char* const cols[] = {"name", NULL};
    int n = 0;
    CHECK_OK(crm_department_list(admin, &c));
    rows_of(c, cols, &n);
    CHECK(n == 5, "crm_department_list has %d rows, expected 5", n);
  }

  /* Update: the supervisor of 华东销售部, 华南销售部 under 销售总部. */
  CHECK_OK(crm_department_update(admin, "华东销售部", NULL, sup_id));
  snprintf(want, sizeof want, "华东销售部 销售总部 %" PRId64 " 赵磊 3", sup_id);
  EXPECT_DEPARTMENT(admin, "华东销售部", want);
  CHECK_OK(crm_department_update(admin, "华南销售部", "销售总部", -1));
  EXPECT_DEPARTMENT(admin, "华南销售部", "华南销售部 销售总部 - (null) 1");
  CHECK_OK(crm_department_update(admin, "华东销售部", NULL, -1)); /* nothing changes */
  EXPECT_DEPARTMENT(admin, "华东销售部", want);

  /* A department cannot move below itself, nor under itself. */
  CHECK_FAIL(crm_department_update(admin, "华东销售部", "杭州办事处", -1), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_department_update(admin, "华东销售部", "华东销售部", -1), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_department_update(admin, "销售总部", "杭州办事处", -1), CRM_ERR_INVALID_ARG);
  EXPECT_DEPARTMENT(admin, "华东销售部", want);
  EXPECT_DEPARTMENT(admin, "销售总部", "销售总部 (null) - (null) 1");
  CHECK_FAIL(crm_department_update(admin, "没有这个部门", NULL, -1), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_department_update(admin, "华东销售部", "没有这个部门", -1), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_department_update(admin, "华东销售部", NULL, 999), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_department_update(admin, "华东销售部", NULL, -2), CRM_ERR_INVALID_ARG);

  /* The supervisor (a sales user) reads the customers of 华东销售部 and below;
   * the department's manager too; neither those of 华南销售部. */
  CUSTOMER(repb, 0, "杭州恒达精密机械有限公司", "13812345678", cb);
  CUSTOMER(admin, reps_id, "广州市嘉通信息技术有限公司", "13912345678", cs);
  CHECK(get_rc(sup, cb) == CRM_OK, "the supervisor of 华东销售部 reads %s of 杭州办事处: %s", cb,
        sname(get_rc(sup, cb)));
  CHECK(get_rc(mgr, cb) == CRM_OK, "the manager of 华东销售部 reads %s of 杭州办事处: %s", cb,
        sname(get_rc(mgr, cb)));
  CHECK(get_rc(rep, cb) == CRM_ERR_NOT_FOUND, "a colleague's %s is not found for a rep: %s", cb,
        sname(get_rc(rep, cb)));
  CHECK(get_rc(sup, cs) == CRM_ERR_NOT_FOUND && get_rc(mgr, cs) == CRM_ERR_NOT_FOUND,
        "%s of 华南销售部: supervisor %s, manager %s (expected CRM_ERR_NOT_FOUND)", cs,
        sname(get_rc(sup, cs)), sname(get_rc(mgr, cs)));

  /* Moving 杭州办事处 to the top takes it out of their reach at once. */
  CHECK_OK(crm_department_update(admin, "杭州办事处", "", -1));
  EXPECT_DEPARTMENT(admin, "杭州办事处", "杭州办事处 (null) - (null) 1");
  CHECK(get_rc(sup, cb) == CRM_ERR_NOT_FOUND && get_rc(mgr, cb) == CRM_ERR_NOT_FOUND,
        "after the move %s: supervisor %s, manager %s (expected CRM_ERR_NOT_FOUND)", cb,
        sname(get_rc(sup, cb)), sname(get_rc(mgr, cb)));
  CHECK_OK(crm_department_update(admin, "杭州办事处", "华东销售部", -1));
  CHECK(get_rc(sup, cb) == CRM_OK && get_rc(mgr, cb) == CRM_OK,
        "moved back, %s: supervisor %s, manager %s (expected CRM_OK)", cb, sname(get_rc(sup, cb)),
        sname(get_rc(mgr, cb)));
  /* Without a supervisor, 赵磊 is a plain sales user again. */
  CHECK_OK(crm_department_update(admin, "华东销售部", NULL, 0));
  EXPECT_DEPARTMENT(admin, "华东销售部", "华东销售部 销售总部 - (null) 3");
  CHECK(get_rc(sup, cb) == CRM_ERR_NOT_FOUND, "no longer supervisor, %s is %s", cb,
        sname(get_rc(sup, cb)));

  /* The configuration history keeps every change of a department. */
  {
    static const char* const cols[] = {"subject", NULL};
    int n = 0;
    const char* got;
    CHECK_OK(crm_config_history(admin, "department.华东销售部", 0, NULL, &c));
    got = rows_of(c, cols, &n);
    CHECK(n == 3, "department.华东销售部 history: %d rows [%s], expected 3 (define, supervisor, "
          "no supervisor)", n, got);
  }

done:
  crm_record_free(u);
  crm_session_close(sup);
  crm_session_close(repb);
  crm_session_close(rep);
  crm_session_close(mgr);
  crm_session_close(admin);
  if (db) CHECK_OK(crm_db_close(db));
}

/* ------------------------------------------------------------------------ */
/* Users                                                                    */
/* ------------------------------------------------------------------------ */

static void test_users(void) {
  static const char* const ids[] = {"id", NULL};
  static const char* const id_active[] = {"id", "active", NULL};
  World w;
  crm_cursor* c = NULL;
  crm_session* again = NULL;
  char ca[16], want[256];
  int64_t admin2 = 0;
  section("users: list, role change, deactivation, the last administrator");
  if (!world_open(&w, NULL)) goto done;
  CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);

  /* Users in id order; a department lists itself and below. */
  CHECK_OK(crm_user_list(w.admin, NULL, 0, &c));
  snprintf(want, sizeof want,
           "1|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64,
           w.mgr_id, w.rep_id, w.rep2_id, w.repb_id, w.reps_id, w.sup_id, w.svc_id);
  EXPECT_ROWS(c, ids, want, "every active user");
  CHECK_OK(crm_user_list(w.rep, "华东销售部", 0, &c)); /* user.read: every role */
  snprintf(want, sizeof want, "%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64, w.mgr_id, w.rep_id,
           w.rep2_id, w.repb_id);
  EXPECT_ROWS(c, ids, want, "华东销售部 and 杭州办事处 below it");
  CHECK_OK(crm_user_list(w.rep, "杭州办事处", 0, &c));
  snprintf(want, sizeof want, "%" PRId64, w.repb_id);
  EXPECT_ROWS(c, ids, want, "杭州办事处");
  CHECK_FAIL(crm_user_list(w.admin, "没有这个部门", 0, &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_user_list(w.admin, NULL, 0, NULL), CRM_ERR_INVALID_ARG);
  {
    crm_record* r = NULL;
    CHECK_OK(crm_user_get(w.rep, w.repb_id, &r));
    CHECK(streq(rtext(r, "login"), "wangfang") && streq(rtext(r, "name"), "王芳") &&
              streq(rtext(r, "department"), "杭州办事处") && streq(rtext(r, "role"), "sales") &&
              rec_int(r, "active") == 1,
          "user %" PRId64 ": %s %s %s %s active %" PRId64, w.repb_id, rtext(r, "login"),
          rtext(r, "name"), rtext(r, "department"), rtext(r, "role"), rec_int(r, "active"));
    crm_record_free(r);
  }

  /* A role change takes effect at the user's next call: as a sales manager
   * 刘洋 reads the department's customers, as a sales user again not. */
  CHECK(get_rc(w.rep2, ca) == CRM_ERR_NOT_FOUND, "a colleague's %s: %s, expected NOT_FOUND", ca,
        sname(get_rc(w.rep2, ca)));
  CHECK_OK(update_user_t(w.admin, w.rep2_id, "role", "销售经理"));
  CHECK(streq(user_text(w.admin, w.rep2_id, "role"), "sales_manager"), "role after 销售经理: %s",
        user_text(w.admin, w.rep2_id, "role"));
  CHECK(get_rc(w.rep2, ca) == CRM_OK, "as a sales manager %s reads as %s, expected CRM_OK", ca,
        sname(get_rc(w.rep2, ca)));
  CHECK_OK(update_user_t(w.admin, w.rep2_id, "role", "sales"));
  CHECK(get_rc(w.rep2, ca) == CRM_ERR_NOT_FOUND, "as sales again %s reads as %s, expected NOT_FOUND",
        ca, sname(get_rc(w.rep2, ca)));
  /* A department change too; and refusals. */
  CHECK_OK(update_user_t(w.admin, w.rep2_id, "department", "华南销售部"));
  CHECK(streq(user_text(w.rep, w.rep2_id, "department"), "华南销售部"), "department now %s",
        user_text(w.rep, w.rep2_id, "department"));
  CHECK_FAIL(update_user_t(w.admin, w.rep2_id, "department", "没有这个部门"), CRM_ERR_VALIDATION);
  CHECK(has_field_code("department", "unknown_value"), "field error %s/%s",
        crm_error_field_name(0), crm_error_field_code(0));
  CHECK_FAIL(update_user_i(w.admin, w.rep2_id, "active", 2), CRM_ERR_VALIDATION);
  CHECK_FAIL(update_user_t(w.rep, w.rep2_id, "role", "admin"), CRM_ERR_PERMISSION);
  CHECK_FAIL(update_user_t(w.mgr, w.rep2_id, "name", "刘洋洋"), CRM_ERR_PERMISSION);
  CHECK_FAIL(update_user_t(w.admin, 999, "name", "某人"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_user_update(w.admin, w.rep2_id, NULL), CRM_ERR_INVALID_ARG);
  CHECK(streq(user_text(w.admin, w.rep2_id, "role"), "sales") &&
            streq(user_text(w.admin, w.rep2_id, "name"), "刘洋"),
        "refused updates changed the user: %s %s", user_text(w.admin, w.rep2_id, "role"),
        user_text(w.admin, w.rep2_id, "name"));

  /* Deactivation: the open session fails from its next call, no new one opens. */
  CHECK(count_of(w.repb) == 0, "王芳 sees %" PRId64 " customers", count_of(w.repb));
  CHECK_OK(update_user_i(w.admin, w.repb_id, "active", 0));
  {
    crm_record* r = NULL;
    int32_t allowed = -1;
    CHECK_FAIL(crm_user_get(w.repb, w.repb_id, &r), CRM_ERR_PERMISSION);
    CHECK(r == NULL, "a deactivated user's call returned a record");
    CHECK_FAIL(crm_customer_get(w.repb, ca, &r), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_agenda(w.repb, NULL, &c), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_tag_list(w.repb, NULL, &c), CRM_ERR_PERMISSION);
    CHECK_OK(crm_permission_check(w.repb, "customer", "read", NULL, &allowed));
    CHECK(allowed == 0, "a deactivated user may still read customers: %d", (int)allowed);
    /* Lists fail too, rather than coming back empty (crm_user_update:
     * "the user's open sessions fail with CRM_ERR_PERMISSION from their
     * next call"). */
    {
      int64_t n = -1;
      crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
      crm_history_query hq = CRM_HISTORY_QUERY_INIT;
      crm_roster_query rq = CRM_ROSTER_QUERY_INIT;
      CHECK_FAIL(crm_customer_count(w.repb, NULL, &n), CRM_ERR_PERMISSION);
      c = NULL;
      CHECK_FAIL(crm_customer_list(w.repb, &q, &c), CRM_ERR_PERMISSION);
      crm_cursor_close(c);
      c = NULL;
      CHECK_FAIL(crm_history_list(w.repb, &hq, &c), CRM_ERR_PERMISSION);
      crm_cursor_close(c);
      c = NULL;
      CHECK_FAIL(crm_roster_list(w.repb, &rq, &c), CRM_ERR_PERMISSION);
      crm_cursor_close(c);
      c = NULL;
    }
  }
  CHECK_FAIL(crm_session_open(w.db, w.repb_id, &again), CRM_ERR_NOT_FOUND);
  CHECK(again == NULL, "a session opened for a deactivated user");
  CHECK_FAIL(crm_session_open_login(w.db, "wangfang", &again), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_user_list(w.admin, "杭州办事处", 0, &c));
  EXPECT_ROWS(c, ids, "", "杭州办事处 without inactive users");
  CHECK_OK(crm_user_list(w.admin, "杭州办事处", 1, &c));
  snprintf(want, sizeof want, "%" PRId64 " 0", w.repb_id);
  EXPECT_ROWS(c, id_active, want, "杭州办事处 with inactive users");
  EXPECT_DEPARTMENT(w.admin, "杭州办事处", "杭州办事处 华东销售部 - (null) 0");
  /* Reactivated, the same session works again. */
  CHECK_OK(update_user_i(w.admin, w.repb_id, "active", 1));
  CHECK(count_of(w.repb) == 0, "the reactivated session counts: %s", crm_errmsg());
  CHECK_OK(crm_session_open(w.db, w.repb_id, &again));
  crm_session_close(again);
  again = NULL;

  /* The last active administrator can neither go nor lose the role. */
  CHECK_FAIL(update_user_i(w.admin, 1, "active", 0), CRM_ERR_CONFLICT);
  CHECK_FAIL(update_user_t(w.admin, 1, "role", "sales"), CRM_ERR_CONFLICT);
  CHECK(streq(user_text(w.admin, 1, "role"), "admin") && count_of(w.admin) == 1,
        "after the refusals user 1 is %s and counts %" PRId64, user_text(w.admin, 1, "role"),
        count_of(w.admin));
  admin2 = add_user_in(w.admin, "sysadmin2", "系统管理员二", "admin", "销售总部");
  CHECK_OK(update_user_i(w.admin, admin2, "active", 0)); /* two were active */
  CHECK_FAIL(update_user_t(w.admin, 1, "role", "sales"), CRM_ERR_CONFLICT);
  CHECK_OK(update_user_i(w.admin, admin2, "active", 1));
  CHECK_OK(update_user_t(w.admin, admin2, "role", "sales"));
  CHECK_FAIL(update_user_i(w.admin, 1, "active", 0), CRM_ERR_CONFLICT);

done:
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* Roles and the matrix                                                     */
/* ------------------------------------------------------------------------ */

/* The scope of (role, object, action) in crm_permission_list(s, role). */
static const char* scope_in_list(crm_session* s, const char* role, const char* object,
                                 const char* action) {
  static char buf[64];
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int rc = crm_permission_list(s, role, &c);
  snprintf(buf, sizeof buf, "(absent)");
  if (rc != CRM_OK) {
    snprintf(buf, sizeof buf, "(error %s)", sname(rc));
    return buf;
  }
  while (crm_cursor_next(c, &row) == CRM_OK)
    if (streq(rtext(row, "role"), role) && streq(rtext(row, "object"), object) &&
        streq(rtext(row, "action"), action))
      snprintf(buf, sizeof buf, "%s", rtext(row, "scope"));
  crm_cursor_close(c);
  return buf;
}

#define EXPECT_SCOPE(s, role, object, action, want)                                         \
  CHECK(streq(scope_in_list((s), (role), (object), (action)), (want)),                     \
        "crm_permission_list: %s × %s.%s is %s, expected %s", role, object, action,         \
        scope_in_list((s), (role), (object), (action)), want)

static void test_roles(void) {
  World w;
  crm_session* aud = NULL;
  crm_cursor* c = NULL;
  int64_t aud_id = 0;
  int rows = 0, pairs = 0;
  char ca[16], ca2[16], cb[16], cs[16];
  section("roles and the permission matrix");
  if (!world_open(&w, NULL)) goto done;
  CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);
  CUSTOMER(w.rep2, 0, "苏州纳微科技股份有限公司", "13912345678", ca2);
  CUSTOMER(w.repb, 0, "宁波盈朗家纺有限公司", "13712345678", cb);
  CUSTOMER(w.reps, 0, "广州市嘉通信息技术有限公司", "13612345678", cs);

  /* Defining a role. */
  CHECK_OK(crm_role_define(w.admin, "auditor", "审计员", "Auditor"));
  CHECK_FAIL(crm_role_define(w.admin, "auditor", "稽核员", "Inspector"), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_role_define(w.admin, "auditor2", "审计员", "Auditor two"), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_role_define(w.admin, "xiaoshou", "销售", "Sales two"), CRM_ERR_CONFLICT);
  CHECK_FAIL(crm_role_define(w.admin, "Auditor3", "审计三", "Auditor three"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_role_define(w.admin, "9auditor", "审计四", "Auditor four"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_role_define(w.admin, "auditor5", "", "Auditor five"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_role_define(w.admin, "auditor6", "审计六", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_role_define(w.rep, "auditor7", "审计七", "Auditor seven"), CRM_ERR_PERMISSION);

  /* A user of the new role may do nothing until it is granted something. */
  aud_id = add_user_in(w.admin, "qianjin", "钱进", "auditor", "客服部");
  aud = open_as(w.db, aud_id);
  if (!aud) goto done;
  CHECK(count_of(aud) == 0, "a role without grants counts %" PRId64 " customers, expected 0",
        count_of(aud));
  CHECK(get_rc(aud, ca) == CRM_ERR_NOT_FOUND, "a role without grants reads %s: %s", ca,
        sname(get_rc(aud, ca)));
  {
    crm_record* r = NULL;
    CHECK_FAIL(crm_user_get(aud, 1, &r), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_permission_list(aud, NULL, &c), CRM_ERR_PERMISSION);
  }
  CHECK_FAIL(crm_customer_create(aud, NULL, NULL), CRM_ERR_INVALID_ARG);
  {
    char id[16];
    int rc = new_customer(aud, 0, "无锡华光电力设备有限公司", "13512345678", NULL, id);
    CHECK(rc == CRM_ERR_PERMISSION, "a role without grants creates a customer: %s, expected "
          "CRM_ERR_PERMISSION", sname(rc));
  }
  EXPECT_ALLOWED(aud, "auditor", "customer", "read", NULL, 0);
  EXPECT_ALLOWED(aud, "auditor", "customer", "read", ca, 0);

  /* customer.read all: every customer, read-only and masked. */
  CHECK_OK(crm_permission_set(w.admin, "auditor", "customer", "read", "all"));
  CHECK(count_of(aud) == 4, "with customer.read all the role counts %" PRId64 ", expected 4",
        count_of(aud));
  {
    static const char* const cols[] = {"id", NULL};
    crm_customer_query q = CRM_CUSTOMER_QUERY_INIT;
    char want[128];
    CHECK_OK(crm_customer_list(aud, &q, &c));
    snprintf(want, sizeof want, "%s|%s|%s|%s", ca, ca2, cb, cs);
    EXPECT_ROWS(c, cols, want, "every customer for customer.read all");
  }
  EXPECT_ALLOWED(aud, "auditor", "customer", "read", cs, 1);
  EXPECT_ALLOWED(aud, "auditor", "customer", "update", cs, 0);
  {
    crm_record* r = rec_t("priority", "低");
    CHECK_FAIL(crm_customer_update(aud, ca, r, NULL), CRM_ERR_PERMISSION);
    crm_record_free(r);
    r = NULL;
    CHECK_OK(crm_customer_get(aud, ca, &r));
    CHECK(streq(rtext(r, "phone"), "138****5678"), "the auditor reads the phone as %s, expected "
          "138****5678", rtext(r, "phone"));
    crm_record_free(r);
    r = NULL;
    CHECK_FAIL(crm_customer_unmask(aud, ca, "核对", &r), CRM_ERR_PERMISSION);
  }
  /* Roles are named by code or label. */
  CHECK_OK(crm_permission_set(w.admin, "审计员", "user", "read", "all"));
  CHECK(streq(user_text(aud, 1, "login"), "admin"), "with user.read the auditor reads user 1: %s",
        user_text(aud, 1, "login"));

  /* Refused changes of the matrix. */
  CHECK_FAIL(crm_permission_set(w.admin, "admin", "customer", "read", "own"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.admin, "系统管理员", "audit", "read", "none"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.admin, "nobody", "customer", "read", "all"), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_permission_set(w.admin, "auditor", "customer", "fly", "all"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.admin, "auditor", "customer", "update", "some"),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.admin, "auditor", "audit", "read", "own"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.admin, "auditor", "customer", NULL, "all"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_set(w.rep, "sales", "customer", "transfer", "own"),
             CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_permission_set(w.mgr, "auditor", "customer", "update", "all"),
             CRM_ERR_PERMISSION);
  EXPECT_SCOPE(w.admin, "admin", "customer", "read", "all");
  EXPECT_SCOPE(w.admin, "sales", "customer", "transfer", "none");
  EXPECT_SCOPE(w.admin, "auditor", "customer", "update", "none");

  /* The matrix: one row per role and pair. */
  {
    const crm_record* row = NULL;
    int sales_rows = 0, aud_rows = 0, rc;
    CHECK_OK(crm_permission_list(w.rep, "sales", &c)); /* user.read */
    rows_of(c, (const char* const[]){"object", NULL}, &pairs);
    CHECK(pairs == 27, "crm_permission_list(sales): %d rows, expected one per pair (27)", pairs);
    CHECK_OK(crm_permission_list(w.admin, NULL, &c));
    while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
      rows++;
      if (streq(rtext(row, "role"), "sales")) sales_rows++;
      if (streq(rtext(row, "role"), "auditor")) {
        aud_rows++;
        if (streq(rtext(row, "object"), "customer") && streq(rtext(row, "action"), "read"))
          CHECK(streq(rtext(row, "scope"), "all") && rec_int(row, "scoped") == 1 &&
                    streq(rtext(row, "label_zh"), "查看客户") &&
                    streq(rtext(row, "label_en"), "View customers"),
                "auditor customer.read row: %s scoped %" PRId64 " %s / %s", rtext(row, "scope"),
                rec_int(row, "scoped"), rtext(row, "label_zh"), rtext(row, "label_en"));
        if (streq(rtext(row, "object"), "audit") && streq(rtext(row, "action"), "read"))
          CHECK(streq(rtext(row, "scope"), "none") && rec_int(row, "scoped") == 0,
                "auditor audit.read row: %s scoped %" PRId64, rtext(row, "scope"),
                rec_int(row, "scoped"));
      }
    }
    CHECK(rc == CRM_DONE, "crm_permission_list cursor ended with %s", sname(rc));
    crm_cursor_close(c);
    /* sales, sales_manager, service, marketing, admin and auditor. */
    CHECK(rows == 6 * pairs && sales_rows == pairs && aud_rows == pairs,
          "the whole matrix: %d rows (expected 6 roles × %d pairs = %d), sales %d, auditor %d",
          rows, pairs, 6 * pairs, sales_rows, aud_rows);
  }
  EXPECT_SCOPE(w.admin, "sales", "customer", "read", "own");
  EXPECT_SCOPE(w.admin, "sales", "customer", "unmask", "own");
  EXPECT_SCOPE(w.admin, "sales_manager", "customer", "transfer", "department");
  EXPECT_SCOPE(w.admin, "sales_manager", "customer", "update", "own");
  EXPECT_SCOPE(w.admin, "service", "customer", "read", "all");
  EXPECT_SCOPE(w.admin, "service", "customer", "update", "none");
  EXPECT_SCOPE(w.admin, "marketing", "customer", "read", "none");
  EXPECT_SCOPE(w.admin, "marketing", "user", "read", "all");
  EXPECT_SCOPE(w.admin, "sales", "audit", "read", "none");
  EXPECT_SCOPE(w.admin, "admin", "audit", "read", "all");
  CHECK_FAIL(crm_permission_list(w.admin, "nobody", &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_permission_list(w.admin, NULL, NULL), CRM_ERR_INVALID_ARG);

  /* Taking the grant back hides the customers again. */
  CHECK_OK(crm_permission_set(w.admin, "auditor", "customer", "read", "none"));
  CHECK(count_of(aud) == 0, "after customer.read none the role counts %" PRId64, count_of(aud));
  CHECK(get_rc(aud, ca) == CRM_ERR_NOT_FOUND, "after customer.read none %s reads as %s", ca,
        sname(get_rc(aud, ca)));

  /* Kept in the configuration history. */
  {
    static const char* const cols[] = {"subject", "before", "after", NULL};
    CHECK_OK(crm_config_history(w.admin, "permission.auditor.customer.", 0, NULL, &c));
    EXPECT_ROWS(c, cols,
                "permission.auditor.customer.read none all|"
                "permission.auditor.customer.read all none",
                "configuration history of auditor × customer.read");
    CHECK_OK(crm_config_history(w.admin, "role.", 0, NULL, &c));
    rows_of(c, cols, &rows);
    CHECK(rows == 1, "role. history: %d rows, expected 1 (auditor)", rows);
  }

done:
  crm_session_close(aud);
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* crm_permission_check                                                     */
/* ------------------------------------------------------------------------ */

static void test_check(void) {
  World w;
  char ca[16], ca2[16], cs[16], *h0 = NULL, *h1 = NULL;
  int64_t s0 = -1, s1 = -1;
  int32_t allowed = 5;
  section("crm_permission_check");
  if (!world_open(&w, NULL)) goto done;
  CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);
  CUSTOMER(w.rep2, 0, "苏州纳微科技股份有限公司", "13912345678", ca2);
  CUSTOMER(w.reps, 0, "广州市嘉通信息技术有限公司", "13612345678", cs);
  CHECK_OK(crm_audit_head(w.admin, &s0, &h0));

  /* A sales rep: their own customer, a colleague's, none at all. */
  EXPECT_ALLOWED(w.rep, "rep", "customer", "read", ca, 1);
  EXPECT_ALLOWED(w.rep, "rep", "customer", "update", ca, 1);
  EXPECT_ALLOWED(w.rep, "rep", "customer", "unmask", ca, 1);
  EXPECT_ALLOWED(w.rep, "rep", "customer", "transfer", ca, 0);
  EXPECT_ALLOWED(w.rep, "rep", "customer", "read", ca2, 0);   /* invisible: 0, not an error */
  EXPECT_ALLOWED(w.rep, "rep", "customer", "update", ca2, 0);
  EXPECT_ALLOWED(w.rep, "rep", "customer", "read", "C9999", 0); /* missing: 0 as well */
  EXPECT_ALLOWED(w.rep, "rep", "customer", "read", NULL, 1);    /* the role has it (own) */
  EXPECT_ALLOWED(w.rep, "rep", "customer", "transfer", NULL, 0);
  /* Pairs that concern no customer. */
  EXPECT_ALLOWED(w.rep, "rep", "user", "read", NULL, 1);
  EXPECT_ALLOWED(w.rep, "rep", "config", "read", NULL, 1);
  EXPECT_ALLOWED(w.rep, "rep", "config", "manage", NULL, 0);
  EXPECT_ALLOWED(w.rep, "rep", "audit", "read", NULL, 0);
  EXPECT_ALLOWED(w.rep, "rep", "schedule", "run", NULL, 0);

  /* The department's manager reads, transfers, unmasks; edits their own only. */
  EXPECT_ALLOWED(w.mgr, "manager", "customer", "read", ca, 1);
  EXPECT_ALLOWED(w.mgr, "manager", "customer", "transfer", ca, 1);
  EXPECT_ALLOWED(w.mgr, "manager", "customer", "unmask", ca, 1);
  EXPECT_ALLOWED(w.mgr, "manager", "customer", "update", ca, 0);
  EXPECT_ALLOWED(w.mgr, "manager", "customer", "read", cs, 0); /* 华南销售部 */
  /* The supervisor (role sales) of 华东销售部: read, approve, transfer. */
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "read", ca, 1);
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "transfer", ca2, 1);
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "approve", ca, 1);
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "update", ca, 0);
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "unmask", ca, 0);
  EXPECT_ALLOWED(w.sup, "supervisor", "customer", "read", cs, 0);
  /* Service reads everything and changes nothing. */
  EXPECT_ALLOWED(w.svc, "service", "customer", "read", cs, 1);
  EXPECT_ALLOWED(w.svc, "service", "customer", "update", cs, 0);
  EXPECT_ALLOWED(w.svc, "service", "ticket", "write", NULL, 1);
  /* Administrators: everything. */
  EXPECT_ALLOWED(w.admin, "admin", "audit", "read", NULL, 1);
  EXPECT_ALLOWED(w.admin, "admin", "customer", "erase", cs, 1);

  /* Arguments. */
  CHECK_FAIL(crm_permission_check(w.rep, "customer", "fly", NULL, &allowed), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_check(w.rep, NULL, "read", NULL, &allowed), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_check(w.rep, "customer", "read", ca, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_permission_check(NULL, "customer", "read", ca, &allowed), CRM_ERR_INVALID_ARG);

  /* Nothing of that was audited. */
  CHECK_OK(crm_audit_head(w.admin, &s1, &h1));
  CHECK(s1 == s0 && streq(h0, h1),
        "crm_permission_check wrote to the audit log: head %" PRId64 " -> %" PRId64, s0, s1);

done:
  crm_free(h0);
  crm_free(h1);
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* Transfers                                                                */
/* ------------------------------------------------------------------------ */

static int64_t plan_on(crm_session* s, const char* customer, const char* goal, int64_t at) {
  crm_record* f = new_record();
  crm_record* out = NULL;
  int64_t id = 0;
  int rc;
  set_text(f, "goal", goal);
  set_text(f, "method", "电话");
  set_int(f, "planned_at", at);
  rc = crm_followup_plan_create(s, customer, f, &out);
  CHECK(rc == CRM_OK, "crm_followup_plan_create(%s, %s): %s: %s", customer, goal, sname(rc),
        crm_errmsg());
  if (rc == CRM_OK) id = rec_int(out, "id");
  crm_record_free(out);
  crm_record_free(f);
  return id;
}

/* The "owner" of crm_followup_plan_get, or the negative status. */
static int64_t plan_owner(crm_session* s, int64_t plan) {
  crm_record* r = NULL;
  int rc = crm_followup_plan_get(s, plan, &r);
  int64_t v = rc == CRM_OK ? rec_int(r, "owner") : rc;
  crm_record_free(r);
  return v;
}

/* The last history row of a customer as "kind field before after reason actor". */
static const char* last_history(crm_session* s, const char* id) {
  static const char* const cols[] = {"kind", "field", "before", "after", "reason", "actor", NULL};
  static char buf[1024];
  crm_cursor* c = NULL;
  int rc = crm_customer_history(s, id, &c);
  const char* all;
  const char* last;
  if (rc != CRM_OK) {
    snprintf(buf, sizeof buf, "(error %s)", sname(rc));
    return buf;
  }
  all = rows_of(c, cols, NULL);
  last = strrchr(all, '|');
  snprintf(buf, sizeof buf, "%s", last ? last + 1 : all);
  return buf;
}

static void test_transfer(void) {
  static const char* const plan_cols[] = {"id", "owner", "state", NULL};
  World w;
  crm_cursor* c = NULL;
  char ca[16], cb[16], cc[16], cd[16], cw[16], want[512];
  int64_t p1, p2, p3, pw, moved = -1, v;
  section("transfers: one customer, all of a user's, with their open plans");
  if (!world_open(&w, NULL)) goto done;
  CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);
  CUSTOMER(w.rep, 0, "苏州纳微科技股份有限公司", "13912345678", cb);
  CUSTOMER(w.rep, 0, "宁波盈朗家纺有限公司", "13712345678", cc);
  CUSTOMER(w.rep, 0, "南京泰安光电科技有限公司", "13612345678", cd);
  CUSTOMER(w.repb, 0, "无锡华光电力设备有限公司", "13512345678", cw);
  CHECK_OK(crm_customer_archive(w.rep, cd, "重复录入"));
  p1 = plan_on(w.rep, ca, "回访设备使用情况", T0 + DAY);
  p2 = plan_on(w.rep, ca, "提交报价单", T0 + 3 * DAY);
  CHECK_OK(crm_followup_plan_close(w.rep, p2, "cancelled", "客户推迟"));
  p3 = plan_on(w.rep, cb, "确认合同条款", T0 + 2 * DAY);
  pw = plan_on(w.repb, cw, "介绍售后服务", T0 + DAY);

  /* Who may not.  A rep reads their customer but may not give it away; a
   * colleague does not see it; a manager's scope does not reach 华南销售部. */
  CHECK_FAIL(crm_customer_transfer(w.rep, ca, w.rep2_id, NULL), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_transfer(w.rep2, ca, w.rep2_id, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_transfer(w.mgr, ca, w.reps_id, NULL), CRM_ERR_PERMISSION);
  CHECK(strstr(crm_errmsg(), "Transfer ownership") != NULL, "the refusal says %s", crm_errmsg());
  CHECK_FAIL(crm_customer_transfer(w.svc, ca, w.rep2_id, NULL), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_transfer(w.mgr, ca, 999, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_transfer(w.mgr, cd, w.rep2_id, NULL), CRM_ERR_STATE); /* archived */
  CHECK_FAIL(crm_customer_transfer(w.mgr, NULL, w.rep2_id, NULL), CRM_ERR_INVALID_ARG);
  CHECK(customer_int(w.admin, ca, "owner") == w.rep_id && plan_owner(w.rep, p1) == w.rep_id,
        "refused transfers moved %s to %" PRId64 " (plan owner %" PRId64 ")", ca,
        customer_int(w.admin, ca, "owner"), plan_owner(w.rep, p1));
  /* Nor may a rep create a customer for someone else. */
  {
    char id[16];
    int rc = new_customer(w.rep, w.rep2_id, "常州天合光电材料有限公司", "13412345678", NULL, id);
    CHECK(rc == CRM_ERR_PERMISSION && strstr(crm_errmsg(), "Create customers"),
          "a rep creating a customer for a colleague: %s (%s), expected CRM_ERR_PERMISSION",
          sname(rc), crm_errmsg());
  }

  /* Their supervisor moves C0001 from 张伟 to 刘洋, with its open plan. */
  v = customer_int(w.admin, ca, "version");
  CHECK_OK(crm_customer_transfer(w.sup, ca, w.rep2_id, "客户区域调整"));
  CHECK(get_rc(w.rep, ca) == CRM_ERR_NOT_FOUND, "the old owner reads %s as %s, expected NOT_FOUND",
        ca, sname(get_rc(w.rep, ca)));
  CHECK(get_rc(w.rep2, ca) == CRM_OK && customer_int(w.rep2, ca, "owner") == w.rep2_id,
        "the new owner reads %s: %s, owner %" PRId64, ca, sname(get_rc(w.rep2, ca)),
        customer_int(w.admin, ca, "owner"));
  CHECK(customer_int(w.admin, ca, "version") == v + 1, "version %" PRId64 " -> %" PRId64, v,
        customer_int(w.admin, ca, "version"));
  CHECK_OK(crm_customer_plans(w.rep2, ca, &c));
  snprintf(want, sizeof want, "%" PRId64 " %" PRId64 " planned|%" PRId64 " %" PRId64 " cancelled",
           p1, w.rep2_id, p2, w.rep_id);
  EXPECT_ROWS(c, plan_cols, want, "plans of the transferred customer: the open one moved");
  CHECK(plan_owner(w.rep2, p1) == w.rep2_id, "crm_followup_plan_get(%" PRId64 ") owner %" PRId64
        ", expected %" PRId64, p1, plan_owner(w.rep2, p1), w.rep2_id);
  CHECK(plan_owner(w.rep, p1) == CRM_ERR_NOT_FOUND, "the old owner reads the plan: %" PRId64,
        plan_owner(w.rep, p1));
  snprintf(want, sizeof want, "transfer owner %" PRId64 " %" PRId64 " 客户区域调整 %" PRId64,
           w.rep_id, w.rep2_id, w.sup_id);
  CHECK(streq(last_history(w.admin, ca), want), "history row [%s], expected [%s]",
        last_history(w.admin, ca), want);
  /* To the owner it has: nothing happens. */
  CHECK_OK(crm_customer_transfer(w.mgr, ca, w.rep2_id, NULL));
  CHECK(customer_int(w.admin, ca, "version") == v + 1, "a no-op transfer changed the version to %"
        PRId64, customer_int(w.admin, ca, "version"));

  /* Everything 张伟 still has, by the manager: the active customers only. */
  CHECK_FAIL(crm_customer_transfer_all(w.rep, w.rep_id, w.rep2_id, NULL, &moved),
             CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_transfer_all(w.mgr, w.rep_id, w.reps_id, NULL, &moved),
             CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_transfer_all(w.mgr, w.rep_id, 999, NULL, &moved), CRM_ERR_NOT_FOUND);
  CHECK(count_of(w.rep) == 2, "after refused transfers 张伟 has %" PRId64 " customers, expected 2",
        count_of(w.rep));
  CHECK_OK(crm_customer_transfer_all(w.mgr, w.rep_id, w.rep2_id, "张伟调岗", &moved));
  CHECK(moved == 2, "crm_customer_transfer_all moved %" PRId64 ", expected 2 (%s, %s)", moved, cb,
        cc);
  CHECK(count_of(w.rep) == 0 && count_of(w.rep2) == 3,
        "after the transfer 张伟 sees %" PRId64 " (expected 0), 刘洋 %" PRId64 " (expected 3)",
        count_of(w.rep), count_of(w.rep2));
  CHECK(get_rc(w.rep, cb) == CRM_ERR_NOT_FOUND && get_rc(w.rep2, cc) == CRM_OK,
        "%s for 张伟: %s; %s for 刘洋: %s", cb, sname(get_rc(w.rep, cb)), cc,
        sname(get_rc(w.rep2, cc)));
  CHECK(customer_int(w.admin, cd, "owner") == w.rep_id, "the archived %s went to %" PRId64, cd,
        customer_int(w.admin, cd, "owner"));
  CHECK(plan_owner(w.rep2, p3) == w.rep2_id, "plan %" PRId64 " of %s has owner %" PRId64, p3, cb,
        plan_owner(w.rep2, p3));
  CHECK_OK(crm_customer_transfer_all(w.mgr, w.rep_id, w.rep2_id, NULL, NULL)); /* nothing left */

  /* Someone who left: 王芳 is deactivated, her supervisor hands her
   * customers to 张伟. */
  CHECK_OK(update_user_i(w.admin, w.repb_id, "active", 0));
  CHECK_FAIL(crm_customer_transfer_all(w.sup, w.rep_id, w.repb_id, NULL, &moved),
             CRM_ERR_NOT_FOUND); /* not to an inactive user */
  moved = -1;
  CHECK_OK(crm_customer_transfer_all(w.sup, w.repb_id, w.rep_id, "王芳离职", &moved));
  CHECK(moved == 1 && get_rc(w.rep, cw) == CRM_OK && plan_owner(w.rep, pw) == w.rep_id,
        "王芳's customers: %" PRId64 " moved, %s for 张伟 %s, plan owner %" PRId64, moved, cw,
        sname(get_rc(w.rep, cw)), plan_owner(w.rep, pw));

  /* The audit log keeps the transfers. */
  {
    static const char* const cols[] = {"action", "object", "actor", NULL};
    crm_audit_query q = CRM_AUDIT_QUERY_INIT;
    int n = 0;
    q.action = "customer.transfer";
    q.outcome = "ok";
    CHECK_OK(crm_audit_list(w.admin, &q, &c));
    snprintf(want, sizeof want,
             "customer.transfer %s %" PRId64 "|customer.transfer %s %" PRId64
             "|customer.transfer %s %" PRId64 "|customer.transfer %s %" PRId64,
             ca, w.sup_id, cb, w.mgr_id, cc, w.mgr_id, cw, w.sup_id);
    EXPECT_ROWS(c, cols, want, "audit rows of the transfers");
    /* ... and every refused one (the refused calls above). */
    q.outcome = "denied";
    CHECK_OK(crm_audit_list(w.admin, &q, &c));
    rows_of(c, cols, &n);
    CHECK(n == 6, "denied customer.transfer rows: %d, expected 6 (rep, colleague, manager to "
          "华南, service, rep's and manager's transfer_all)", n);
  }

done:
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* Unmasking                                                                */
/* ------------------------------------------------------------------------ */

static void test_unmask(void) {
  World w;
  crm_record *r = NULL, *f = NULL;
  crm_cursor* c = NULL;
  char ca[16], reason[1600];
  int64_t contact = 0, primary = 0;
  int k;
  section("unmasking: a reason, the owner's scope, E.164 in clear");
  if (!world_open(&w, NULL)) goto done;
  CHECK(new_customer(w.rep, 0, "杭州恒达精密机械有限公司", "138 1234 5678", "wang@hengda.com", ca) ==
            CRM_OK,
        "customer: %s", crm_errmsg());
  f = new_record();
  set_text(f, "name", "李娜");
  set_text(f, "phone", "010-12345678");
  set_text(f, "title", "采购经理");
  CHECK_OK(crm_contact_add(w.rep, ca, f, &contact));

  /* Reads are masked. */
  CHECK_OK(crm_customer_get(w.rep, ca, &r));
  CHECK(streq(rtext(r, "phone"), "138****5678") && streq(rtext(r, "phone_display"), "138****5678") &&
            streq(rtext(r, "email"), "w***@hengda.com"),
        "masked read: phone %s display %s email %s", rtext(r, "phone"), rtext(r, "phone_display"),
        rtext(r, "email"));
  crm_record_free(r);
  r = NULL;

  /* A reason is required: missing, empty, blank or longer than 500 characters. */
  {
    crm_record* probe = (crm_record*)(void*)&k; /* a refused call sets *out to NULL */
    CHECK_FAIL(crm_customer_unmask(w.rep, ca, NULL, &probe), CRM_ERR_INVALID_ARG);
    CHECK(probe == NULL, "a refused unmask left *out set");
  }
  CHECK_FAIL(crm_customer_unmask(w.rep, ca, "", &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_unmask(w.rep, ca, "   ", &r), CRM_ERR_INVALID_ARG);
  for (k = 0; k < 501; k++) memcpy(reason + 3 * k, "因", 3);
  reason[3 * 501] = '\0';
  CHECK_FAIL(crm_customer_unmask(w.rep, ca, reason, &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_unmask(w.rep, ca, "核对", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_customer_unmask(w.rep, NULL, "核对", &r), CRM_ERR_INVALID_ARG);
  reason[3 * 500] = '\0'; /* 500 characters are fine */
  CHECK_OK(crm_customer_unmask(w.rep, ca, reason, &r));
  crm_record_free(r);
  r = NULL;

  /* The owner: the stored E.164 phone, its display and the e-mail. */
  CHECK_OK(crm_customer_unmask(w.rep, ca, "回访前核对号码", &r));
  CHECK(streq(rtext(r, "phone"), "+8613812345678") &&
            streq(rtext(r, "phone_display"), "138 1234 5678") &&
            streq(rtext(r, "email"), "wang@hengda.com") && streq(rtext(r, "id"), ca),
        "unmasked %s: phone %s display %s email %s", rtext(r, "id"), rtext(r, "phone"),
        rtext(r, "phone_display"), rtext(r, "email"));
  crm_record_free(r);
  r = NULL;
  /* A colleague does not see the customer; service sees it masked only; the
   * department's manager and an administrator may unmask. */
  CHECK_FAIL(crm_customer_unmask(w.rep2, ca, "核对", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_unmask(w.reps, ca, "核对", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_unmask(w.svc, ca, "核对", &r), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_unmask(w.sup, ca, "核对", &r), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_customer_unmask(w.rep, "C9999", "核对", &r), CRM_ERR_NOT_FOUND);
  CHECK_OK(crm_customer_unmask(w.mgr, ca, "审核客户资料", &r));
  CHECK(streq(rtext(r, "phone"), "+8613812345678"), "the manager unmasks phone %s",
        rtext(r, "phone"));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_customer_unmask(w.admin, ca, "数据核查", &r));
  crm_record_free(r);
  r = NULL;

  /* Contacts, under the same rule. */
  CHECK_OK(crm_customer_contacts(w.rep, ca, &c));
  {
    const crm_record* row = NULL;
    while (crm_cursor_next(c, &row) == CRM_OK)
      if (rec_int(row, "primary") == 1) primary = rec_int(row, "id");
    crm_cursor_close(c);
  }
  CHECK(primary > 0 && contact > 0, "contact ids: primary %" PRId64 ", added %" PRId64, primary,
        contact);
  CHECK_OK(crm_contact_get(w.rep, contact, &r));
  CHECK(streq(rtext(r, "phone"), "010****5678"), "masked contact phone %s", rtext(r, "phone"));
  crm_record_free(r);
  r = NULL;
  CHECK_FAIL(crm_contact_unmask(w.rep, contact, NULL, &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_contact_unmask(w.rep, contact, "", &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_contact_unmask(w.rep2, contact, "核对", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_contact_unmask(w.svc, contact, "核对", &r), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_contact_unmask(w.rep, 99999, "核对", &r), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_contact_unmask(w.rep, contact, "核对", NULL), CRM_ERR_INVALID_ARG);
  CHECK_OK(crm_contact_unmask(w.rep, contact, "联系采购经理", &r));
  CHECK(streq(rtext(r, "phone"), "+861012345678") &&
            streq(rtext(r, "phone_display"), "010 1234 5678") && streq(rtext(r, "name"), "李娜"),
        "unmasked contact: %s phone %s display %s", rtext(r, "name"), rtext(r, "phone"),
        rtext(r, "phone_display"));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_contact_unmask(w.rep, primary, "联系王总", &r));
  CHECK(streq(rtext(r, "phone"), "+8613812345678") && streq(rtext(r, "email"), "wang@hengda.com"),
        "unmasked primary contact: phone %s email %s", rtext(r, "phone"), rtext(r, "email"));
  crm_record_free(r);
  r = NULL;

  /* Unmasking more than alert.unmask_per_hour times within an hour alerts
   * the administrators through the outbox (R3.5). */
  CHECK_OK(crm_setting_set(w.admin, "alert.unmask_per_hour", "2"));
  {
    static const char* const cols[] = {"kind", "recipient_user", NULL};
    int n = 0;
    const char* got;
    CHECK_OK(crm_outbox_list(w.admin, 0, 1000, 0, &c));
    got = rows_of(c, cols, &n);
    CHECK(strstr(got, "security_alert") == NULL, "an alert before the threshold: [%s]", got);
    /* 张伟 unmasked 4 times within the hour above: the next one is over 2. */
    CHECK_OK(crm_customer_unmask(w.rep, ca, "再次核对", &r));
    crm_record_free(r);
    r = NULL;
    CHECK_OK(crm_outbox_list(w.admin, 0, 1000, 0, &c));
    got = rows_of(c, cols, &n);
    CHECK(strstr(got, "security_alert 1") != NULL,
          "after more unmasks than the threshold the outbox holds [%s], expected a "
          "security_alert for user 1",
          got);
  }

done:
  crm_record_free(f);
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* The audit log                                                            */
/* ------------------------------------------------------------------------ */

static int is_hex64(const char* h) {
  int i;
  if (!h || strlen(h) != 64) return 0;
  for (i = 0; i < 64; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return 0;
  return 1;
}

/* crm_audit_verify as "ok seq problem checked head_seq" ("(error NAME)"). */
static const char* verify_text(crm_session* s, int64_t seq, const char* hash) {
  static char buf[256];
  crm_record* r = NULL;
  int rc = crm_audit_verify(s, seq, hash, &r);
  if (rc != CRM_OK)
    snprintf(buf, sizeof buf, "(error %s: %s)", sname(rc), crm_errmsg());
  else
    snprintf(buf, sizeof buf, "%" PRId64 " %" PRId64 " %s %" PRId64 " %" PRId64, rec_int(r, "ok"),
             rec_int(r, "seq"), rtext(r, "problem"), rec_int(r, "checked"),
             rec_int(r, "head_seq"));
  crm_record_free(r);
  return buf;
}

#define EXPECT_VERIFY(s, seq, hash, want)                                                   \
  CHECK(streq(verify_text((s), (seq), (hash)), (want)),                                    \
        "crm_audit_verify: [ok seq problem checked head_seq] = [%s], expected [%s]",         \
        verify_text((s), (seq), (hash)), (want))

static void test_audit(void) {
  static const char* const cols[] = {"action", "object", "outcome", "actor", NULL};
  World w;
  crm_cursor* c = NULL;
  crm_record* r = NULL;
  crm_audit_query q = CRM_AUDIT_QUERY_INIT;
  char ca[16], want[1024], *hash = NULL, *h2 = NULL;
  int64_t seq = -1, s2 = -1;
  section("the audit log: rows, who reads it, head and verify");

  /* A new database: the log starts with the creation of its schema. */
  {
    crm_db* db = NULL;
    crm_session* admin = NULL;
    static const char* const first[] = {"seq", "action", "object", "outcome", NULL};
    if (open_memory_db(&db, &admin, T0)) {
      CHECK_OK(crm_audit_head(admin, &seq, &hash));
      CHECK(seq == 1 && is_hex64(hash) && !streq(hash, ZERO_HASH),
            "the head of a new log: %" PRId64 " %s, expected 1 and a hash", seq,
            hash ? hash : "(NULL)");
      CHECK_OK(crm_audit_list(admin, NULL, &c));
      EXPECT_ROWS(c, first, "1 schema.migrate schema:8 ok", "the log of a new database");
      EXPECT_VERIFY(admin, 0, NULL, "1 0 (null) 1 1");
    }
    crm_free(hash);
    hash = NULL;
    crm_session_close(admin);
    if (db) CHECK_OK(crm_db_close(db));
  }

  if (!world_open(&w, NULL)) goto done;
  /* A create, an update of two fields, an unmask with its reason, a denial. */
  CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);
  CHECK_OK(crm_db_clock_fixed(w.db, T0 + 60000));
  r = rec_t("priority", "低");
  set_text(r, "phone", "13912345678");
  CHECK_OK(crm_customer_update(w.rep, ca, r, NULL));
  crm_record_free(r);
  r = NULL;
  CHECK_OK(crm_customer_unmask(w.rep, ca, "回访前核对号码", &r));
  crm_record_free(r);
  r = NULL;
  CHECK_FAIL(crm_customer_get(w.rep2, ca, &r), CRM_ERR_NOT_FOUND);

  /* audit.read is the administrators'. */
  CHECK_FAIL(crm_audit_list(w.rep, NULL, &c), CRM_ERR_PERMISSION);
  CHECK(c == NULL, "a refused audit list returned a cursor");
  CHECK_FAIL(crm_audit_list(w.mgr, NULL, &c), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_audit_head(w.rep, &seq, &hash), CRM_ERR_PERMISSION);
  CHECK_FAIL(crm_audit_verify(w.sup, 0, NULL, &r), CRM_ERR_PERMISSION);

  /* The customer's rows, in order. */
  q.object = ca;
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  snprintf(want, sizeof want,
           "customer.create %s ok %" PRId64 "|customer.update %s ok %" PRId64
           "|customer.unmask %s ok %" PRId64 "|customer.read %s denied %" PRId64,
           ca, w.rep_id, ca, w.rep_id, ca, w.rep_id, ca, w.rep2_id);
  EXPECT_ROWS(c, cols, want, "audit rows of the customer");
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  {
    const crm_record* row = NULL;
    int64_t last = 0;
    int i = 0, rc;
    while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
      const char* detail = rtext(row, "detail");
      CHECK(rec_int(row, "seq") > last && is_hex64(rtext(row, "hash")),
            "row %d: seq %" PRId64 " after %" PRId64 ", hash %s", i, rec_int(row, "seq"), last,
            rtext(row, "hash"));
      last = rec_int(row, "seq");
      CHECK(rec_int(row, "at") == (i == 0 ? T0 : T0 + 60000), "row %d at %" PRId64, i,
            rec_int(row, "at"));
      if (i == 1)
        CHECK(strstr(detail, "priority") && strstr(detail, "phone") && !strstr(detail, "139") &&
                  !strstr(detail, "low"),
              "the update's detail names the changed fields, never their values: \"%s\"",
              detail);
      if (i == 2)
        CHECK(streq(detail, "回访前核对号码"), "the unmask's detail is its reason: \"%s\"", detail);
      if (i == 3) CHECK(streq(detail, "not visible"), "the denial's detail: \"%s\"", detail);
      i++;
    }
    CHECK(rc == CRM_DONE && i == 4, "audit cursor: %d rows, ended with %s", i, sname(rc));
    crm_cursor_close(c);
    c = NULL;
  }

  /* Filters: outcome, actor, action and an action prefix. */
  q.object = NULL;
  q.outcome = "denied";
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  snprintf(want, sizeof want,
           "customer.read %s denied %" PRId64 "|audit.read  denied %" PRId64
           "|audit.read  denied %" PRId64 "|audit.read  denied %" PRId64
           "|audit.read  denied %" PRId64,
           ca, w.rep2_id, w.rep_id, w.mgr_id, w.rep_id, w.sup_id);
  EXPECT_ROWS(c, cols, want, "the denials, the refused audit calls among them");
  q.outcome = NULL;
  q.actor = w.rep2_id;
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  snprintf(want, sizeof want, "customer.read %s denied %" PRId64, ca, w.rep2_id);
  EXPECT_ROWS(c, cols, want, "刘洋's rows");
  q.actor = w.rep_id;
  q.action = "customer.";
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  snprintf(want, sizeof want,
           "customer.create %s ok %" PRId64 "|customer.update %s ok %" PRId64
           "|customer.unmask %s ok %" PRId64,
           ca, w.rep_id, ca, w.rep_id, ca, w.rep_id);
  EXPECT_ROWS(c, cols, want, "张伟's customer.* rows");
  q.actor = 0;
  q.action = "customer.update";
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  snprintf(want, sizeof want, "customer.update %s ok %" PRId64, ca, w.rep_id);
  EXPECT_ROWS(c, cols, want, "customer.update rows");
  q.action = "department.";
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  EXPECT_ROWS(c, cols,
              "department.define department:销售总部 ok 1|"
              "department.define department:华东销售部 ok 1|"
              "department.define department:杭州办事处 ok 1|"
              "department.define department:华南销售部 ok 1|"
              "department.define department:客服部 ok 1|"
              "department.update department:华东销售部 ok 1",
              "the organisation's rows");
  q.action = NULL;
  q.since_ms = T0 + 60000;
  q.object = ca;
  CHECK_OK(crm_audit_list(w.admin, &q, &c));
  {
    int n = 0;
    rows_of(c, cols, &n);
    CHECK(n == 3, "rows at or after T0 + 1 min: %d, expected 3", n);
  }
  q.since_ms = 0;

  /* Pages of one give the same rows. */
  {
    char all[2048], paged[2048] = "", token[64] = "";
    int pages = 0;
    crm_audit_query p = CRM_AUDIT_QUERY_INIT;
    CHECK_OK(crm_audit_list(w.admin, NULL, &c));
    snprintf(all, sizeof all, "%s", rows_of(c, cols, NULL));
    p.page_size = 1;
    p.action = NULL;
    for (;;) {
      const char* next = NULL;
      p.after = token[0] ? token : NULL;
      CHECK_OK(crm_audit_list(w.admin, &p, &c));
      if (!c) break;
      CHECK_OK(crm_cursor_next_page(c, &next));
      snprintf(token, sizeof token, "%s", next ? next : "");
      snprintf(paged + strlen(paged), sizeof paged - strlen(paged), "%s%s", pages ? "|" : "",
               rows_of(c, cols, NULL));
      if (++pages > 100 || !token[0]) break;
    }
    CHECK(strcmp(paged, all) == 0 && pages > 10, "%d pages of one: [%s], expected [%s]", pages,
          paged, all);
  }
  {
    crm_audit_query b = CRM_AUDIT_QUERY_INIT;
    b.page_size = 1001;
    CHECK_FAIL(crm_audit_list(w.admin, &b, &c), CRM_ERR_INVALID_ARG);
    b.page_size = 0;
    b.after = "garbage";
    CHECK_FAIL(crm_audit_list(w.admin, &b, &c), CRM_ERR_INVALID_ARG);
    b.after = NULL;
    b.size = 0;
    CHECK_FAIL(crm_audit_list(w.admin, &b, &c), CRM_ERR_INVALID_ARG);
    CHECK_FAIL(crm_audit_list(w.admin, NULL, NULL), CRM_ERR_INVALID_ARG);
  }

  /* The head and the chain. */
  CHECK_OK(crm_audit_head(w.admin, &seq, &hash));
  CHECK(seq > 10 && is_hex64(hash) && !streq(hash, ZERO_HASH), "head %" PRId64 " %s", seq,
        hash ? hash : "(NULL)");
  {
    crm_record* v = NULL;
    CHECK_OK(crm_audit_verify(w.admin, 0, NULL, &v));
    CHECK(rec_int(v, "ok") == 1 && rec_int(v, "seq") == 0 && streq(rtext(v, "problem"), "(null)") &&
              rec_int(v, "checked") == seq && rec_int(v, "head_seq") == seq &&
              streq(rtext(v, "head_hash"), hash),
          "verify of an untouched log: ok %" PRId64 " seq %" PRId64 " problem %s checked %" PRId64
          " head %" PRId64 " %s (expected 1 0 (null) %" PRId64 " %" PRId64 " %s)",
          rec_int(v, "ok"), rec_int(v, "seq"), rtext(v, "problem"), rec_int(v, "checked"),
          rec_int(v, "head_seq"), rtext(v, "head_hash"), seq, seq, hash);
    crm_record_free(v);
  }
  snprintf(want, sizeof want, "1 0 (null) %" PRId64 " %" PRId64, seq, seq);
  EXPECT_VERIFY(w.admin, seq, hash, want);
  /* A head whose hash does not match: rewritten. */
  snprintf(want, sizeof want, "0 %" PRId64 " rewritten %" PRId64 " %" PRId64, seq, seq, seq);
  EXPECT_VERIFY(w.admin, seq, ZERO_HASH, want);
  CHECK_FAIL(crm_audit_verify(w.admin, -1, NULL, &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_audit_verify(w.admin, 3, "abc", &r), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_audit_verify(w.admin, 0, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_audit_head(w.admin, NULL, &h2), CRM_ERR_INVALID_ARG);
  /* The verify and the head wrote nothing. */
  CHECK_OK(crm_audit_head(w.admin, &s2, &h2));
  CHECK(s2 == seq && streq(h2, hash), "head %" PRId64 " -> %" PRId64 " after reading it", seq, s2);

done:
  crm_free(hash);
  crm_free(h2);
  world_close(&w);
}

/* ------------------------------------------------------------------------ */
/* Tampering with the file                                                  */
/* ------------------------------------------------------------------------ */

/* A file database with a log of some rows; its head goes to *seq / hash. */
static int build_log(const char* path, int64_t* seq, char* hash) {
  World w;
  char ca[16], cb[16];
  char* h = NULL;
  crm_record* r = NULL;
  int ok = 0;
  *seq = 0;
  hash[0] = '\0';
  if (world_open(&w, path)) {
    CUSTOMER(w.rep, 0, "杭州恒达精密机械有限公司", "13812345678", ca);
    CUSTOMER(w.rep, 0, "苏州纳微科技股份有限公司", "13912345678", cb);
    r = rec_t("priority", "低");
    CHECK_OK(crm_customer_update(w.rep, ca, r, NULL));
    crm_record_free(r);
    CHECK_OK(crm_audit_head(w.admin, seq, &h));
    snprintf(hash, 65, "%s", h ? h : "");
    crm_free(h);
    {
      char want[128];
      snprintf(want, sizeof want, "1 0 (null) %" PRId64 " %" PRId64, *seq, *seq);
      EXPECT_VERIFY(w.admin, *seq, hash, want);
    }
    ok = *seq > 5 && is_hex64(hash);
    CHECK(ok, "a log to tamper with: head %" PRId64 " %s", *seq, hash);
  }
  world_close(&w);
  return ok;
}

/* Runs `sql` on the file directly; returns SQLite's status and copies its
 * message to `msg`. */
static int raw_sql(const char* path, const char* sql, char* msg, size_t cap) {
  sqlite3* raw = NULL;
  char* err = NULL;
  int rc = sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE, NULL);
  if (msg && cap) msg[0] = '\0';
  if (rc == SQLITE_OK) rc = sqlite3_exec(raw, sql, NULL, NULL, &err);
  if (msg && cap) snprintf(msg, cap, "%s", err ? err : sqlite3_errmsg(raw));
  sqlite3_free(err);
  sqlite3_close(raw);
  return rc;
}

/* Opens the file as the administrator and returns verify_text(seq, hash). */
static const char* verify_file(const char* path, int64_t seq, const char* hash) {
  static char buf[256];
  crm_db* db = NULL;
  crm_session* admin = NULL;
  snprintf(buf, sizeof buf, "(cannot open)");
  CHECK_OK(crm_db_open(path, NULL, &db));
  if (db) CHECK_OK(crm_session_open(db, 1, &admin));
  if (admin) snprintf(buf, sizeof buf, "%s", verify_text(admin, seq, hash));
  crm_session_close(admin);
  if (db) CHECK_OK(crm_db_close(db));
  return buf;
}

#define EXPECT_FILE_VERIFY(path, seq, hash, want, what)                                        \
  do {                                                                                         \
    char got_[256];                                                                            \
    snprintf(got_, sizeof got_, "%s", verify_file((path), (seq), (hash)));                     \
    CHECK(streq(got_, (want)), "%s: [ok seq problem checked head_seq] = [%s], expected [%s]", \
          (what), got_, (want));                                                               \
  } while (0)

static void test_tampering(void) {
  char path[800], hash[65], msg[512], want[256];
  int64_t head = 0;
  int rc;
  section("tampering with the audit log through SQLite");

  /* An altered row. */
  db_path_in(g_root, path, sizeof path, "altered");
  if (build_log(path, &head, hash)) {
    snprintf(want, sizeof want, "1 0 (null) %" PRId64 " %" PRId64, head, head);
    EXPECT_FILE_VERIFY(path, 0, NULL, want, "the untouched file");
    /* The table's triggers refuse UPDATE and DELETE. */
    rc = raw_sql(path, "UPDATE audit_log SET detail='x' WHERE seq=3", msg, sizeof msg);
    CHECK(rc != SQLITE_OK && strstr(msg, "append-only"),
          "UPDATE of the audit log: SQLite status %d (%s), expected a refusal by the trigger", rc,
          msg);
    rc = raw_sql(path, "DELETE FROM audit_log WHERE seq=3", msg, sizeof msg);
    CHECK(rc != SQLITE_OK && strstr(msg, "append-only"),
          "DELETE from the audit log: SQLite status %d (%s), expected a refusal by the trigger", rc,
          msg);
    EXPECT_FILE_VERIFY(path, head, hash, want, "after the refused statements");
    rc = raw_sql(path,
                 "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail='x' WHERE seq=3",
                 msg, sizeof msg);
    CHECK(rc == SQLITE_OK, "tampering: SQLite status %d (%s)", rc, msg);
    snprintf(want, sizeof want, "0 3 altered 3 %" PRId64, head);
    EXPECT_FILE_VERIFY(path, 0, NULL, want, "row 3 altered");
    EXPECT_FILE_VERIFY(path, head, hash, want, "row 3 altered, checked against the head");
  }

  /* A row removed from the middle. */
  db_path_in(g_root, path, sizeof path, "removed");
  if (build_log(path, &head, hash)) {
    rc = raw_sql(path, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq=3", msg,
                 sizeof msg);
    CHECK(rc == SQLITE_OK, "tampering: SQLite status %d (%s)", rc, msg);
    snprintf(want, sizeof want, "0 3 removed 3 %" PRId64, head);
    EXPECT_FILE_VERIFY(path, 0, NULL, want, "row 3 removed");
  }

  /* The last row cut off: the chain itself still holds; only the head kept
   * before tells. */
  db_path_in(g_root, path, sizeof path, "cut");
  if (build_log(path, &head, hash)) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq=%" PRId64, head);
    rc = raw_sql(path, sql, msg, sizeof msg);
    CHECK(rc == SQLITE_OK, "tampering: SQLite status %d (%s)", rc, msg);
    snprintf(want, sizeof want, "1 0 (null) %" PRId64 " %" PRId64, head - 1, head - 1);
    EXPECT_FILE_VERIFY(path, 0, NULL, want, "last row cut off, no head kept");
    snprintf(want, sizeof want, "0 %" PRId64 " removed %" PRId64 " %" PRId64, head, head - 1,
             head - 1);
    EXPECT_FILE_VERIFY(path, head, hash, want, "last row cut off, checked against the head");
  }
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_permissions")) return 1;
  test_departments();
  test_users();
  test_roles();
  test_check();
  test_transfer();
  test_unmask();
  test_audit();
  test_tampering();
  rm_rf(g_root);
  return harness_finish();
}
