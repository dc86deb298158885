/*
 * maintenance_test.c — maintenance plans for key customers (客户维护方案,
 * R2.6) through libcrm's C interface (capi/crm.h), in plain C99 as a host
 * would call them:
 *
 *   - the "maintenance_plan" entity in the field registry;
 *   - only key customers (the best tier, not archived) get plans;
 *   - every bad field named with its code (cost "abc", a negative cost, the
 *     end before the start, texts too long), and nothing written;
 *   - who decides: not the submitter (even a manager or an administrator);
 *     a colleague or a manager of another department does not even see the
 *     customer (CRM_ERR_NOT_FOUND, R3.1), a service user sees it but may not
 *     approve (CRM_ERR_PERMISSION); the owner's department manager and an
 *     administrator do;
 *   - the state machine with every refused step (CRM_ERR_STATE), the
 *     evaluation and its satisfaction score (0 = none);
 *   - the customer's history rows, NULL arguments and unknown ids.
 *
 * The clock is fixed at 2026-11-23 09:00 +08:00.  Prints one line per failed
 * check and ends with "N passed, M failed".
 */
#include <inttypes.h>
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

/* Opens an in-memory database with the clock at T0 and an admin session. */
static int open_db(crm_db** db, crm_session** admin) { return open_memory_db(db, admin, T0); }

/* Checks that `rc` is CRM_ERR_VALIDATION with exactly `n` field errors, one
 * of them (field, code). */
static void check_invalid_at(int rc, const char* field, const char* code, int32_t n,
                             const char* call, int line) {
  char expected[512];
  snprintf(expected, sizeof expected, "%s fails with CRM_ERR_VALIDATION on %s (%s)", call, field,
           code);
  check_at(rc == CRM_ERR_VALIDATION && has_field_code(field, code) && crm_error_field_count() == n,
           __FILE__, line, expected, "%s: %s; %d field error(s), the first %s (%s)", sname(rc),
           crm_errmsg(), (int)crm_error_field_count(), crm_error_field_name(0),
           crm_error_field_code(0));
}
#define CHECK_INVALID(call, field, code, n) \
  check_invalid_at((call), (field), (code), (n), #call, __LINE__)

/* A valid plan's fields; callers change one. */
static crm_record* plan_fields(void) {
  crm_record* r = new_record();
  set_text(r, "method", "定期拜访+专属客服");
  set_text(r, "measures", "每月上门巡检一次；专属客服7×24小时响应；季度技术培训");
  set_text(r, "responsible", "张伟、李娜");
  set_text(r, "cost", "12000.50");
  set_text(r, "period_start", "2026-12-01");
  set_text(r, "period_end", "2027-05-31");
  return r;
}

/* Submits a plan with one text field changed (NULL field: none); returns the
 * status, the plan's id in *id (0 on failure). */
static int submit_with(crm_session* s, const char* customer, const char* field, const char* value,
                       int64_t* id) {
  crm_record* f = plan_fields();
  crm_record* out = NULL;
  int rc;
  if (field) set_text(f, field, value);
  rc = crm_maintenance_plan_submit(s, customer, f, &out);
  if (id) *id = rc == CRM_OK ? rec_int(out, "id") : 0;
  crm_record_free(out);
  crm_record_free(f);
  return rc;
}

/* A plan's state (static buffer). */
static const char* state_of(crm_session* s, int64_t plan) {
  static char buf[64];
  crm_record* p = NULL;
  int rc = crm_maintenance_plan_get(s, plan, &p);
  CHECK(rc == CRM_OK, "crm_maintenance_plan_get(%" PRId64 "): %s: %s", plan, sname(rc),
        crm_errmsg());
  snprintf(buf, sizeof buf, "%s", rtext(p, "state"));
  crm_record_free(p);
  return buf;
}

/* How many plans a customer has (-1 on failure). */
static int plan_count(crm_session* s, const char* customer) {
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  int n = 0;
  if (crm_customer_maintenance_plans(s, customer, &c) != CRM_OK) return -1;
  while (crm_cursor_next(c, &row) == CRM_OK) n++;
  crm_cursor_close(c);
  return n;
}

/* The customer's history rows of kind "maintenance" as
 * "field before>after(reason)|…" (static buffer). */
static const char* maintenance_history(crm_session* s, const char* customer) {
  static char buf[2048];
  crm_cursor* c = NULL;
  const crm_record* row = NULL;
  size_t used = 0;
  buf[0] = '\0';
  if (crm_customer_history(s, customer, &c) != CRM_OK) return "(no history)";
  while (crm_cursor_next(c, &row) == CRM_OK) {
    if (strcmp(rtext(row, "kind"), "maintenance") != 0) continue;
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s %s>%s(%s)", used ? "|" : "",
                             rtext(row, "field"), rtext(row, "before"), rtext(row, "after"),
                             rtext(row, "reason"));
    if (used >= sizeof buf) break;
  }
  crm_cursor_close(c);
  return buf;
}

/* ------------------------------------------------------------------------ */

static void test_registry(void) {
  int32_t n = 0, i, flags = 0;
  const char *name = NULL, *type = NULL, *zh = NULL, *en = NULL, *resolved = NULL;
  int found_cost = 0;
  section("the maintenance_plan entity");
  CHECK_OK(crm_field_count("maintenance_plan", &n));
  CHECK(n == 18, "%d fields", (int)n);
  for (i = 0; i < n; i++) {
    CHECK_OK(crm_field_info("maintenance_plan", i, &name, &type, &zh, &en, &flags));
    if (strcmp(name, "cost") == 0) {
      found_cost = 1;
      CHECK(strcmp(type, "decimal") == 0 && strcmp(zh, "维护费用") == 0 &&
                (flags & CRM_FIELD_REQUIRED),
            "cost: %s %s %d", type, zh, (int)flags);
    }
  }
  CHECK(found_cost, "no cost field");
  CHECK_OK(crm_field_resolve("maintenance_plan", "维护措施", &resolved));
  CHECK(resolved && strcmp(resolved, "measures") == 0, "维护措施 -> %s",
        resolved ? resolved : "(null)");
}

static void test_key_customers_only(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  char key[16], other[16];
  int64_t id = 0;
  section("only key customers");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user_in(admin, "zhangwei", "张伟", "sales", "华东销售部"));
  create_customer_with(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, key,
                       sizeof key);
  create_customer_with(rep, "苏州纳微科技股份有限公司", "李明", "13912345678", NULL, other,
                       sizeof other);

  CHECK_FAIL(submit_with(rep, key, NULL, NULL, &id), CRM_ERR_STATE);
  CHECK(strstr(crm_errmsg_zh(), "尚未分级") != NULL, "message: %s", crm_errmsg_zh());
  CHECK_OK(crm_customer_set_tier(rep, other, "B", NULL));
  CHECK_FAIL(submit_with(rep, other, NULL, NULL, &id), CRM_ERR_STATE);
  CHECK(strstr(crm_errmsg_zh(), "重点客户") != NULL, "message: %s", crm_errmsg_zh());
  CHECK_OK(crm_customer_set_tier(rep, key, "重点客户", NULL)); /* a label of A */
  CHECK_OK(submit_with(rep, key, NULL, NULL, &id));
  CHECK(id == 1, "id %" PRId64, id);
  CHECK_OK(crm_customer_archive(admin, key, "客户注销"));
  CHECK_FAIL(submit_with(rep, key, NULL, NULL, &id), CRM_ERR_STATE);
  CHECK_FAIL(submit_with(rep, "C0099", NULL, NULL, &id), CRM_ERR_NOT_FOUND);
  CHECK(plan_count(rep, key) == 1 && plan_count(rep, other) == 0, "plans %d %d",
        plan_count(rep, key), plan_count(rep, other));

done:
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_fields(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_record *f = NULL, *out = NULL;
  char key[16], long_text[1100];
  int64_t id = 0;
  section("fields");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user_in(admin, "zhangwei", "张伟", "sales", "华东销售部"));
  create_customer_with(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, key,
                       sizeof key);
  CHECK_OK(crm_customer_set_tier(rep, key, "A", NULL));

  CHECK_INVALID(submit_with(rep, key, "cost", "abc", &id), "cost", "invalid_number", 1);
  CHECK_INVALID(submit_with(rep, key, "cost", "-1", &id), "cost", "negative", 1);
  CHECK_INVALID(submit_with(rep, key, "cost", "0.001", &id), "cost", "invalid_number", 1);
  CHECK_INVALID(submit_with(rep, key, "period_end", "2026-11-30", &id), "period_end",
                "before_start", 1);
  CHECK_INVALID(submit_with(rep, key, "period_start", "2026-13-01", &id), "period_start",
                "invalid_date", 1);
  memset(long_text, 'x', 201);
  long_text[201] = '\0';
  CHECK_INVALID(submit_with(rep, key, "method", long_text, &id), "method", "too_long", 1);
  CHECK_INVALID(submit_with(rep, key, "responsible", long_text, &id), "responsible", "too_long", 1);
  memset(long_text, 'x', 1001);
  long_text[1001] = '\0';
  CHECK_INVALID(submit_with(rep, key, "measures", long_text, &id), "measures", "too_long", 1);
  CHECK_INVALID(submit_with(rep, key, "state", "approved", &id), "state", "read_only", 1);

  /* Everything missing: each required field named. */
  f = new_record();
  CHECK_INVALID(crm_maintenance_plan_submit(rep, key, f, &out), "cost", "required", 6);
  CHECK(out == NULL, "a refused submit returned a record");
  CHECK(plan_count(rep, key) == 0 && maintenance_history(rep, key)[0] == '\0',
        "refused submits wrote %d plans: %s", plan_count(rep, key), maintenance_history(rep, key));

  /* Money: an integer, a real, text; read back exact with two decimals. */
  crm_record_free(f);
  f = plan_fields();
  CHECK_OK(crm_record_set_int(f, "cost", 8000));
  CHECK_OK(crm_maintenance_plan_submit(rep, key, f, &out));
  CHECK(strcmp(rtext(out, "cost"), "8000.00") == 0, "cost %s", rtext(out, "cost"));
  crm_record_free(out);
  out = NULL;
  CHECK_OK(crm_record_set_real(f, "cost", 0.1));
  CHECK_OK(crm_maintenance_plan_submit(rep, key, f, NULL)); /* out is optional */
  CHECK_OK(crm_maintenance_plan_get(rep, 2, &out));
  CHECK(strcmp(rtext(out, "cost"), "0.10") == 0, "cost %s", rtext(out, "cost"));

done:
  crm_record_free(out);
  crm_record_free(f);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_decisions(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *colleague = NULL, *manager = NULL, *south = NULL,
              *service = NULL;
  crm_record* p = NULL;
  char key[16], managers[16];
  int64_t plan = 0, own = 0, by_admin = 0, manager_id;
  section("who decides");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user_in(admin, "zhangwei", "张伟", "sales", "华东销售部"));
  colleague = open_as(db, add_user_in(admin, "liuyang", "刘洋", "sales", "华东销售部"));
  manager_id = add_user_in(admin, "lina", "李娜", "sales_manager", "华东销售部");
  manager = open_as(db, manager_id);
  south = open_as(db, add_user_in(admin, "wangqiang", "王强", "sales_manager", "华南销售部"));
  service = open_as(db, add_user_in(admin, "zhoumin", "周敏", "service", "客服部"));
  create_customer_with(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, key,
                       sizeof key);
  CHECK_OK(crm_customer_set_tier(rep, key, "A", NULL));
  CHECK_OK(submit_with(rep, key, NULL, NULL, &plan));

  CHECK_FAIL(crm_maintenance_plan_decide(rep, plan, 1, NULL), CRM_ERR_PERMISSION);
  /* A colleague, or a manager of another department, does not even see the
   * customer (R3.1). */
  CHECK_FAIL(crm_maintenance_plan_decide(colleague, plan, 1, NULL), CRM_ERR_NOT_FOUND);
  CHECK(strcmp(crm_errmsg_zh(), "客户 C0001 不存在") == 0,
        "a colleague's refusal reads \"%s\", expected \"客户 C0001 不存在\"", crm_errmsg_zh());
  CHECK_FAIL(crm_maintenance_plan_decide(south, plan, 1, NULL), CRM_ERR_NOT_FOUND);
  /* A service user reads every customer but approves nothing. */
  CHECK_FAIL(crm_maintenance_plan_decide(service, plan, 1, NULL), CRM_ERR_PERMISSION);
  {
    char want[256];
    snprintf(want, sizeof want,
             "只有系统管理员或客户负责人所在部门（华东销售部）的销售经理可以审批维护方案 %" PRId64,
             plan);
    CHECK(strcmp(crm_errmsg_zh(), want) == 0, "a service user's refusal reads \"%s\", expected \"%s\"",
          crm_errmsg_zh(), want);
  }
  CHECK(strcmp(state_of(admin, plan), "submitted") == 0, "state %s", state_of(admin, plan));
  CHECK_OK(crm_maintenance_plan_decide(manager, plan, 1, "同意"));
  CHECK_OK(crm_maintenance_plan_get(rep, plan, &p));
  CHECK(strcmp(rtext(p, "state"), "approved") == 0 && rec_int(p, "decided_by") == manager_id &&
            rec_int(p, "decided_at") == T0 && strcmp(rtext(p, "decision_note"), "同意") == 0,
        "%s by %" PRId64 " note %s", rtext(p, "state"), rec_int(p, "decided_by"),
        rtext(p, "decision_note"));

  /* Submitting needs maintenance.write, own for a manager: not for a rep's
   * customer. */
  CHECK_FAIL(submit_with(manager, key, NULL, NULL, &own), CRM_ERR_PERMISSION);
  CHECK(plan_count(admin, key) == 1, "a refused submit left %d plans, expected 1",
        plan_count(admin, key));

  /* The submitter never decides, even a manager (on their own key customer)
   * or an administrator. */
  create_customer_with(manager, "苏州纳微科技股份有限公司", "周强", "13912345678", NULL, managers,
                       sizeof managers);
  CHECK_OK(crm_customer_set_tier(manager, managers, "A", NULL));
  CHECK_OK(submit_with(manager, managers, NULL, NULL, &own));
  CHECK_FAIL(crm_maintenance_plan_decide(manager, own, 1, NULL), CRM_ERR_PERMISSION);
  CHECK_OK(crm_maintenance_plan_decide(admin, own, 0, "预算不足"));
  CHECK(strcmp(state_of(admin, own), "rejected") == 0, "state %s", state_of(admin, own));
  CHECK_OK(submit_with(admin, key, NULL, NULL, &by_admin));
  CHECK_FAIL(crm_maintenance_plan_decide(admin, by_admin, 1, NULL), CRM_ERR_PERMISSION);
  CHECK_OK(crm_maintenance_plan_decide(manager, by_admin, 1, NULL));

done:
  crm_record_free(p);
  crm_session_close(service);
  crm_session_close(south);
  crm_session_close(manager);
  crm_session_close(colleague);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

static void test_lifecycle(void) {
  crm_db* db = NULL;
  crm_session *admin = NULL, *rep = NULL, *manager = NULL;
  crm_record* p = NULL;
  char key[16], want[1024];
  int64_t plan = 0, rejected = 0;
  section("the life of a plan");
  if (!open_db(&db, &admin)) goto done;
  rep = open_as(db, add_user_in(admin, "zhangwei", "张伟", "sales", "华东销售部"));
  manager = open_as(db, add_user_in(admin, "lina", "李娜", "sales_manager", "华东销售部"));
  create_customer_with(rep, "杭州恒达精密机械有限公司", "王建国", "13812345678", NULL, key,
                       sizeof key);
  CHECK_OK(crm_customer_set_tier(rep, key, "A", NULL));
  CHECK_OK(submit_with(rep, key, NULL, NULL, &plan));

  /* submitted */
  CHECK_FAIL(crm_maintenance_plan_carry_out(rep, plan), CRM_ERR_STATE);
  CHECK(strcmp(crm_errmsg_zh(), "维护方案 1 当前为“待审批”，只有“已批准”的方案才能执行") == 0,
        "message: %s", crm_errmsg_zh());
  CHECK_FAIL(crm_maintenance_plan_evaluate(rep, plan, "总结", 5), CRM_ERR_STATE);
  CHECK_OK(crm_maintenance_plan_decide(manager, plan, 1, "同意"));
  /* approved */
  CHECK_FAIL(crm_maintenance_plan_decide(manager, plan, 1, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_evaluate(rep, plan, "总结", 5), CRM_ERR_STATE);
  CHECK_OK(crm_db_clock_fixed(db, T0 + 30 * DAY));
  CHECK_OK(crm_maintenance_plan_carry_out(rep, plan));
  /* carried_out */
  CHECK_FAIL(crm_maintenance_plan_decide(manager, plan, 0, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_carry_out(rep, plan), CRM_ERR_STATE);
  CHECK_INVALID(crm_maintenance_plan_evaluate(rep, plan, NULL, 0), "evaluation", "required", 1);
  CHECK_INVALID(crm_maintenance_plan_evaluate(rep, plan, "总结", 6), "satisfaction", "out_of_range",
                1);
  CHECK_INVALID(crm_maintenance_plan_evaluate(rep, plan, "", -1), "evaluation", "required", 2);
  CHECK(strcmp(state_of(rep, plan), "carried_out") == 0, "state %s", state_of(rep, plan));
  CHECK_OK(crm_db_clock_fixed(db, T0 + 190 * DAY));
  CHECK_OK(crm_maintenance_plan_evaluate(rep, plan, "客户满意，续签年度服务合同", 0));
  CHECK_OK(crm_maintenance_plan_get(rep, plan, &p));
  CHECK(strcmp(rtext(p, "state"), "evaluated") == 0 &&
            rec_int(p, "carried_out_at") == T0 + 30 * DAY &&
            rec_int(p, "evaluated_at") == T0 + 190 * DAY &&
            strcmp(rtext(p, "satisfaction"), "(null)") == 0 &&
            strcmp(rtext(p, "evaluation"), "客户满意，续签年度服务合同") == 0,
        "%s carried out %" PRId64 " evaluated %" PRId64 " satisfaction %s", rtext(p, "state"),
        rec_int(p, "carried_out_at"), rec_int(p, "evaluated_at"), rtext(p, "satisfaction"));
  /* evaluated: final */
  CHECK_FAIL(crm_maintenance_plan_decide(manager, plan, 1, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_carry_out(rep, plan), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_evaluate(rep, plan, "再评一次", 4), CRM_ERR_STATE);

  /* rejected: final */
  CHECK_OK(submit_with(rep, key, NULL, NULL, &rejected));
  CHECK_OK(crm_maintenance_plan_decide(manager, rejected, 0, "措施不具体"));
  CHECK_FAIL(crm_maintenance_plan_decide(manager, rejected, 1, NULL), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_carry_out(rep, rejected), CRM_ERR_STATE);
  CHECK_FAIL(crm_maintenance_plan_evaluate(rep, rejected, "总结", 3), CRM_ERR_STATE);

  snprintf(want, sizeof want, "%s",
           "maintenance.1 (null)>submitted((null))|"
           "maintenance.1 submitted>approved(同意)|"
           "maintenance.1 approved>carried_out((null))|"
           "maintenance.1 carried_out>evaluated((null))|"
           "maintenance.2 (null)>submitted((null))|"
           "maintenance.2 submitted>rejected(措施不具体)");
  CHECK(strcmp(maintenance_history(rep, key), want) == 0,
        "history:\n      got:  %s\n      want: %s", maintenance_history(rep, key), want);
  CHECK(plan_count(rep, key) == 2, "%d plans", plan_count(rep, key));

  /* Arguments and unknown ids. */
  CHECK_FAIL(crm_maintenance_plan_submit(rep, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_maintenance_plan_submit(rep, key, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_maintenance_plan_get(rep, plan, NULL), CRM_ERR_INVALID_ARG);
  crm_record_free(p);
  p = NULL;
  CHECK_FAIL(crm_maintenance_plan_get(rep, 99, &p), CRM_ERR_NOT_FOUND);
  CHECK(p == NULL, "a refused get left a record");
  CHECK_FAIL(crm_maintenance_plan_decide(manager, 99, 1, NULL), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_maintenance_plan_carry_out(rep, 99), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_maintenance_plan_evaluate(rep, 99, "总结", 0), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_customer_maintenance_plans(rep, key, NULL), CRM_ERR_INVALID_ARG);
  CHECK(plan_count(rep, "C0099") == -1 && crm_errcode() == CRM_ERR_NOT_FOUND,
        "an unknown customer's plans: %s", sname(crm_errcode()));
  CHECK_FAIL(crm_maintenance_plan_carry_out(NULL, plan), CRM_ERR_INVALID_ARG);

done:
  crm_record_free(p);
  crm_session_close(manager);
  crm_session_close(rep);
  crm_session_close(admin);
  CHECK_OK(crm_db_close(db));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_registry();
  test_key_customers_only();
  test_fields();
  test_decisions();
  test_lifecycle();
  return harness_finish();
}
