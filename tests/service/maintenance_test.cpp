// Maintenance plans for key customers (客户维护方案, R2.6): only for the best
// tier, every bad field named, approval by an administrator or the owner's
// department manager (never the submitter), the state machine with every
// refused step, and the customer's history.  In-memory database, fixed clock.
#include "service/maintenance.hpp"

#include <functional>
#include <string>
#include <vector>

#include "followup_fixture.hpp"

namespace crm::testing {
namespace {

class MaintenanceTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();
    manager = std::make_unique<Session>(*db, manager_id);
    key = new_customer(kNow, 0);
    set_customer_tier(*rep, key, "A", std::nullopt);
  }

  static Record fields() {
    Record r;
    r.set("method", std::string("定期拜访+专属客服"));
    r.set("measures", std::string("每月上门巡检一次；专属客服7×24小时响应；季度技术培训"));
    r.set("responsible", std::string("张伟、李娜"));
    r.set("cost", std::string("12000.50"));
    r.set("period_start", std::string("2026-12-01"));
    r.set("period_end", std::string("2027-05-31"));
    return r;
  }

  std::int64_t submit(Session& s) {
    return int_of(submit_maintenance_plan(s, key, fields()), "id");
  }

  std::string state_of(std::int64_t plan) {
    return get_maintenance_plan(*admin, plan).text("state");
  }

  // The customer's history rows of kind "maintenance", as
  // "field before>after (reason) by actor".
  std::vector<std::string> maintenance_history(std::int64_t customer) {
    std::vector<std::string> out;
    for (const auto& h : customer_history(*admin, customer)) {
      if (h.text("kind") != "maintenance") continue;
      std::string before = is_null_field(h, "before") ? "-" : h.text("before");
      std::string reason = is_null_field(h, "reason") ? "" : " (" + h.text("reason") + ")";
      out.push_back(h.text("field") + " " + before + ">" + h.text("after") + reason + " by " +
                    std::to_string(int_of(h, "actor")));
    }
    return out;
  }

  std::vector<std::string> field_codes(const Error& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields()) out.push_back(f.field + ":" + f.code);
    return out;
  }

  std::unique_ptr<Session> manager;
  std::int64_t key = 0;
};

// ---------------------------------------------------------------------------
// Submitting.

TEST_F(MaintenanceTest, SubmitStoresThePlanExactly) {
  db->clock().fix(kNow + kHour);
  Record p = submit_maintenance_plan(*rep, key, fields());
  EXPECT_EQ(p.text("customer"), "C0001");
  EXPECT_EQ(p.text("method"), "定期拜访+专属客服");
  EXPECT_EQ(p.text("responsible"), "张伟、李娜");
  EXPECT_EQ(p.text("cost"), "12000.50");
  EXPECT_EQ(p.text("period_start"), "2026-12-01");
  EXPECT_EQ(p.text("period_end"), "2027-05-31");
  EXPECT_EQ(p.text("state"), "submitted");
  EXPECT_EQ(int_of(p, "created_at"), kNow + kHour);
  EXPECT_EQ(int_of(p, "created_by"), rep_id);
  for (const char* f : {"decision_note", "decided_by", "decided_at", "carried_out_at", "evaluation",
                        "satisfaction", "evaluated_at"})
    EXPECT_TRUE(is_null_field(p, f)) << f;
  // Every field of the registry, in its order, and nothing else.
  const auto* defs = fields_of("maintenance_plan");
  ASSERT_EQ(p.size(), defs->size());
  for (std::size_t i = 0; i < defs->size(); ++i) EXPECT_EQ(p.entries()[i].first, (*defs)[i].name);

  Record again = get_maintenance_plan(*admin, int_of(p, "id"));
  EXPECT_EQ(again.entries(), p.entries());
  auto list = customer_maintenance_plans(*rep, key);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].entries(), p.entries());
  EXPECT_EQ(maintenance_history(key),
            std::vector<std::string>{"maintenance.1 ->submitted by " + std::to_string(rep_id)});
}

TEST_F(MaintenanceTest, CostIsKeptToTheFen) {
  struct Case {
    Value in;
    const char* out;
  };
  const Case cases[] = {{std::string("12000"), "12000.00"},
                        {std::string("0"), "0.00"},
                        {std::int64_t{8000}, "8000.00"},
                        {0.07, "0.07"},
                        {std::string("9999999999999.99"), "9999999999999.99"}};
  for (const auto& c : cases) {
    Record f = fields();
    f.set("cost", c.in);
    std::int64_t id = int_of(submit_maintenance_plan(*rep, key, f), "id");
    EXPECT_EQ(get_maintenance_plan(*rep, id).text("cost"), c.out);
  }
}

TEST_F(MaintenanceTest, OnlyKeyCustomersGetPlans) {
  std::int64_t ungraded = new_customer(kNow, 1);
  Error e = expect_error(Status::state, [&] { submit_maintenance_plan(*rep, ungraded, fields()); });
  EXPECT_EQ(e.message_zh(), "维护方案仅适用于重点客户（A类客户）：客户 C0002 尚未分级");
  EXPECT_EQ(e.message_en(),
            "maintenance plans are for key customers, of tier A (Tier A): customer C0002 is not "
            "graded");

  std::int64_t tier_b = new_customer(kNow, 2);
  set_customer_tier(*rep, tier_b, "B", std::nullopt);
  e = expect_error(Status::state, [&] { submit_maintenance_plan(*rep, tier_b, fields()); });
  EXPECT_EQ(e.message_zh(), "维护方案仅适用于重点客户（A类客户）：客户 C0003 为B类客户");

  // The best tier is position 1 of the tiers table, whatever its code.
  define_tier(*admin, {"S", "S类客户", "Tier S", "3d"});  // ranked last: not the best
  std::int64_t tier_s = new_customer(kNow, 3);
  set_customer_tier(*rep, tier_s, "S", std::nullopt);
  expect_error(Status::state, [&] { submit_maintenance_plan(*rep, tier_s, fields()); });

  std::int64_t archived = new_customer(kNow, 4);
  set_customer_tier(*rep, archived, "A", std::nullopt);
  archive_customer(*admin, archived, std::string("客户注销"));
  e = expect_error(Status::state, [&] { submit_maintenance_plan(*rep, archived, fields()); });
  EXPECT_EQ(e.message_en(), "customer C0005 is archived");

  expect_error(Status::not_found, [&] { submit_maintenance_plan(*rep, 999, fields()); });
  for (std::int64_t c : {ungraded, tier_b, tier_s, archived}) {
    EXPECT_TRUE(customer_maintenance_plans(*admin, c).empty());
    EXPECT_TRUE(maintenance_history(c).empty());
  }
}

TEST_F(MaintenanceTest, EveryBadFieldIsNamedAndNothingIsWritten) {
  auto refused = [&](const Record& f) {
    return field_codes(
        expect_error(Status::validation, [&] { submit_maintenance_plan(*rep, key, f); }));
  };
  Record f = fields();
  f.set("cost", std::string("abc"));
  EXPECT_EQ(refused(f), std::vector<std::string>{"cost:invalid_number"});
  f.set("cost", std::string("100.005"));
  EXPECT_EQ(refused(f), std::vector<std::string>{"cost:invalid_number"});
  f.set("cost", std::string("-1"));
  EXPECT_EQ(refused(f), std::vector<std::string>{"cost:negative"});
  f.set("cost", std::string("-0.01"));
  EXPECT_EQ(refused(f), std::vector<std::string>{"cost:negative"});

  f = fields();
  f.set("period_end", std::string("2026-11-30"));  // the day before the start
  EXPECT_EQ(refused(f), std::vector<std::string>{"period_end:before_start"});
  f.set("period_end", std::string("2026-12-01"));  // the same day is fine
  EXPECT_NO_THROW(submit_maintenance_plan(*rep, key, f));
  f.set("period_end", std::string("2027-02-30"));
  EXPECT_EQ(refused(f), std::vector<std::string>{"period_end:invalid_date"});

  // Length limits in characters, at their boundary.
  f = fields();
  std::string method;
  for (int i = 0; i < 200; ++i) method += "访";
  f.set("method", method);
  f.set("measures", std::string(1000, 'm'));
  f.set("responsible", std::string(200, 'r'));
  EXPECT_NO_THROW(submit_maintenance_plan(*rep, key, f));
  f.set("method", method + "访");
  f.set("measures", std::string(1001, 'm'));
  f.set("responsible", std::string(201, 'r'));
  EXPECT_EQ(refused(f), (std::vector<std::string>{"method:too_long", "measures:too_long",
                                                  "responsible:too_long"}));

  // Everything at once: missing, unknown, read-only, wrong.
  Record bad;
  bad.set("method", std::string("  "));
  bad.set("cost", std::string("abc"));
  bad.set("period_start", std::string("2026/12/01"));
  bad.set("state", std::string("approved"));
  bad.set("budget", std::string("1"));
  EXPECT_EQ(refused(bad), (std::vector<std::string>{
                              "method:required", "cost:invalid_number", "period_start:invalid_date",
                              "state:read_only", "budget:unknown_field", "measures:required",
                              "responsible:required", "period_end:required"}));

  // Fields are checked first, as for follow-ups: a bad plan for a customer
  // who is not key is a validation error too.
  std::int64_t ungraded = new_customer(kNow, 1);
  expect_error(Status::validation, [&] { submit_maintenance_plan(*rep, ungraded, bad); });
  EXPECT_EQ(customer_maintenance_plans(*admin, key).size(), 2u) << "the two accepted plans";
  EXPECT_EQ(maintenance_history(key).size(), 2u);
  EXPECT_TRUE(customer_maintenance_plans(*admin, ungraded).empty());
}

// ---------------------------------------------------------------------------
// Deciding.

TEST_F(MaintenanceTest, WhoMayApprove) {
  std::int64_t other_dept =
      add_user("wangqiang", "王强", "华南销售部", "销售经理");  // a manager, another department
  std::int64_t plan = submit(*rep);

  Error e = expect_error(Status::permission,
                         [&] { decide_maintenance_plan(*rep, plan, true, std::nullopt); });
  EXPECT_EQ(e.message_zh(), "维护方案 1 由您提交，须由他人审批");
  // A colleague, or a manager of another department, does not even see the
  // customer (R3.1).
  std::int64_t rep2 = add_user("liuyang", "刘洋", "华东销售部", "销售");
  Session colleague(*db, rep2);
  e = expect_error(Status::not_found,
                   [&] { decide_maintenance_plan(colleague, plan, true, std::nullopt); });
  EXPECT_EQ(e.message_zh(), "客户 C0001 不存在");
  Session south(*db, other_dept);
  expect_error(Status::not_found,
               [&] { decide_maintenance_plan(south, plan, true, std::nullopt); });
  // Service reads every customer but approves nothing.
  Session service(*db, add_user("zhoumin", "周敏", "客服部", "客服"));
  e = expect_error(Status::permission,
                   [&] { decide_maintenance_plan(service, plan, true, std::nullopt); });
  EXPECT_EQ(e.message_zh(),
            "只有系统管理员或客户负责人所在部门（华东销售部）的销售经理可以审批维护方案 1");
  EXPECT_EQ(state_of(plan), "submitted") << "nothing changed by the refused decisions";
  EXPECT_EQ(maintenance_history(key).size(), 1u);

  decide_maintenance_plan(*manager, plan, true, std::string("同意，费用控制在预算内"));
  Record p = get_maintenance_plan(*rep, plan);
  EXPECT_EQ(p.text("state"), "approved");
  EXPECT_EQ(p.text("decision_note"), "同意，费用控制在预算内");
  EXPECT_EQ(int_of(p, "decided_by"), manager_id);
  EXPECT_EQ(int_of(p, "decided_at"), kNow);

  // An administrator decides anywhere; a manager never on their own plan.
  Record mine = customer(company(7).c_str(), phone(7).c_str());
  std::int64_t managers = create_customer(*manager, mine);
  set_customer_tier(*manager, managers, "A", std::nullopt);
  std::int64_t second = int_of(submit_maintenance_plan(*manager, managers, fields()), "id");
  expect_error(Status::permission,
               [&] { decide_maintenance_plan(*manager, second, true, std::nullopt); });
  decide_maintenance_plan(*admin, second, false, std::string("预算不足"));
  EXPECT_EQ(state_of(second), "rejected");
  std::int64_t third = submit(*admin);
  expect_error(Status::permission,
               [&] { decide_maintenance_plan(*admin, third, true, std::nullopt); });
  decide_maintenance_plan(*manager, third, true, std::nullopt);
  EXPECT_EQ(state_of(third), "approved");
}

TEST_F(MaintenanceTest, AnOwnerWithoutADepartmentLeavesTheDecisionToAnAdministrator) {
  std::int64_t nodept = add_user("zhaolei", "赵磊", nullptr, "销售");
  std::int64_t c = new_customer(kNow, 5, nodept);
  set_customer_tier(*admin, c, "A", std::nullopt);
  Session owner(*db, nodept);
  std::int64_t plan = int_of(submit_maintenance_plan(owner, c, fields()), "id");
  expect_error(Status::not_found,
               [&] { decide_maintenance_plan(*manager, plan, true, std::nullopt); });
  Session service(*db, add_user("zhoumin", "周敏", "客服部", "客服"));
  Error e = expect_error(Status::permission,
                         [&] { decide_maintenance_plan(service, plan, true, std::nullopt); });
  EXPECT_EQ(e.message_zh(), "客户 C0002 的负责人未设部门，只有系统管理员可以审批其维护方案");
  decide_maintenance_plan(*admin, plan, true, std::nullopt);
  EXPECT_EQ(state_of(plan), "approved");
}

TEST_F(MaintenanceTest, ADecisionNoteIsAReason) {
  std::int64_t plan = submit(*rep);
  expect_error(Status::invalid_arg,
               [&] { decide_maintenance_plan(*manager, plan, true, std::string(501, 'n')); });
  EXPECT_EQ(state_of(plan), "submitted");
  decide_maintenance_plan(*manager, plan, true, std::string("   "));  // blank: no note
  EXPECT_TRUE(is_null_field(get_maintenance_plan(*rep, plan), "decision_note"));
}

// ---------------------------------------------------------------------------
// The state machine.

TEST_F(MaintenanceTest, TheWholeLifeOfAPlanIsInTheHistory) {
  db->clock().fix(kNow + kHour);
  std::int64_t plan = submit(*rep);
  db->clock().fix(kNow + 2 * kHour);
  decide_maintenance_plan(*manager, plan, true, std::string("同意"));
  db->clock().fix(kNow + 30 * kDay);
  carry_out_maintenance_plan(*rep, plan);
  db->clock().fix(kNow + 190 * kDay);
  evaluate_maintenance_plan(*rep, plan, "客户满意度高，已续签年度服务合同", 5);

  Record p = get_maintenance_plan(*rep, plan);
  EXPECT_EQ(p.text("state"), "evaluated");
  EXPECT_EQ(int_of(p, "decided_at"), kNow + 2 * kHour);
  EXPECT_EQ(int_of(p, "carried_out_at"), kNow + 30 * kDay);
  EXPECT_EQ(int_of(p, "evaluated_at"), kNow + 190 * kDay);
  EXPECT_EQ(p.text("evaluation"), "客户满意度高，已续签年度服务合同");
  EXPECT_EQ(int_of(p, "satisfaction"), 5);

  const std::string r = std::to_string(rep_id), m = std::to_string(manager_id);
  EXPECT_EQ(maintenance_history(key),
            (std::vector<std::string>{"maintenance.1 ->submitted by " + r,
                                      "maintenance.1 submitted>approved (同意) by " + m,
                                      "maintenance.1 approved>carried_out by " + r,
                                      "maintenance.1 carried_out>evaluated by " + r}));
  std::vector<std::int64_t> at;
  for (const auto& h : customer_history(*admin, key))
    if (h.text("kind") == "maintenance") at.push_back(int_of(h, "at"));
  EXPECT_EQ(at, (std::vector<std::int64_t>{kNow + kHour, kNow + 2 * kHour, kNow + 30 * kDay,
                                           kNow + 190 * kDay}));
}

TEST_F(MaintenanceTest, EveryStepOutOfTurnIsRefusedNamingTheState) {
  using Step = std::function<void(std::int64_t)>;
  Step decide = [&](std::int64_t p) { decide_maintenance_plan(*admin, p, true, std::nullopt); };
  Step carry = [&](std::int64_t p) { carry_out_maintenance_plan(*admin, p); };
  Step evaluate = [&](std::int64_t p) {
    evaluate_maintenance_plan(*admin, p, "总结", std::nullopt);
  };
  std::int64_t plan = submit(*rep);
  // submitted: only a decision.
  Error e = expect_error(Status::state, [&] { carry(plan); });
  EXPECT_EQ(e.message_en(),
            "maintenance plan 1 is submitted: only a plan that is approved can be carried out");
  EXPECT_EQ(e.message_zh(), "维护方案 1 当前为“待审批”，只有“已批准”的方案才能执行");
  expect_error(Status::state, [&] { evaluate(plan); });
  decide(plan);
  // approved: only carrying out.
  e = expect_error(Status::state, [&] { decide(plan); });
  EXPECT_EQ(e.message_zh(), "维护方案 1 当前为“已批准”，只有“待审批”的方案才能审批");
  e = expect_error(Status::state, [&] { evaluate(plan); });
  EXPECT_EQ(e.message_zh(), "维护方案 1 当前为“已批准”，只有“已执行”的方案才能评估");
  carry(plan);
  // carried_out: only the evaluation.
  expect_error(Status::state, [&] { decide(plan); });
  expect_error(Status::state, [&] { carry(plan); });
  evaluate(plan);
  // evaluated and rejected are final.
  for (auto step : {decide, carry, evaluate}) expect_error(Status::state, [&] { step(plan); });
  std::int64_t rejected = submit(*rep);
  decide_maintenance_plan(*admin, rejected, false, std::string("方案不具体"));
  e = expect_error(Status::state, [&] { carry(rejected); });
  EXPECT_EQ(e.message_zh(), "维护方案 2 当前为“已驳回”，只有“已批准”的方案才能执行");
  for (auto step : {decide, carry, evaluate}) expect_error(Status::state, [&] { step(rejected); });

  EXPECT_EQ(state_of(plan), "evaluated");
  EXPECT_EQ(state_of(rejected), "rejected");
  EXPECT_EQ(maintenance_history(key).size(), 6u) << "4 steps of plan 1, 2 of plan 2";
  for (auto step : {decide, carry, evaluate}) expect_error(Status::not_found, [&] { step(99); });
  expect_error(Status::not_found, [&] { get_maintenance_plan(*rep, 99); });
  expect_error(Status::not_found, [&] { customer_maintenance_plans(*rep, 99); });
}

TEST_F(MaintenanceTest, TheEvaluationIsChecked) {
  std::int64_t plan = submit(*rep);
  decide_maintenance_plan(*manager, plan, true, std::nullopt);
  carry_out_maintenance_plan(*rep, plan);
  auto refused = [&](const std::string& text, std::optional<std::int64_t> score) {
    return field_codes(expect_error(Status::validation,
                                    [&] { evaluate_maintenance_plan(*rep, plan, text, score); }));
  };
  EXPECT_EQ(refused("", std::nullopt), std::vector<std::string>{"evaluation:required"});
  EXPECT_EQ(refused(" \t ", 3), std::vector<std::string>{"evaluation:required"});
  EXPECT_EQ(refused(std::string(2001, 'e'), std::nullopt),
            std::vector<std::string>{"evaluation:too_long"});
  EXPECT_EQ(refused("总结", 0), std::vector<std::string>{"satisfaction:out_of_range"});
  EXPECT_EQ(refused("总结", 6), std::vector<std::string>{"satisfaction:out_of_range"});
  EXPECT_EQ(refused("", 6),
            (std::vector<std::string>{"evaluation:required", "satisfaction:out_of_range"}));
  EXPECT_EQ(refused(std::string("\xff"), std::nullopt),
            std::vector<std::string>{"evaluation:invalid_utf8"});
  EXPECT_EQ(state_of(plan), "carried_out");

  evaluate_maintenance_plan(*rep, plan, std::string(2000, 'e'), std::nullopt);
  Record p = get_maintenance_plan(*rep, plan);
  EXPECT_EQ(p.text("state"), "evaluated");
  EXPECT_TRUE(is_null_field(p, "satisfaction"));
}

TEST_F(MaintenanceTest, AnArchivedCustomerStopsItsPlans) {
  std::int64_t plan = submit(*rep);
  decide_maintenance_plan(*manager, plan, true, std::nullopt);
  archive_customer(*admin, key, std::string("客户注销"));
  expect_error(Status::state, [&] { carry_out_maintenance_plan(*rep, plan); });
  EXPECT_EQ(state_of(plan), "approved");
  EXPECT_EQ(customer_maintenance_plans(*rep, key).size(), 1u) << "still readable";
}

}  // namespace
}  // namespace crm::testing
