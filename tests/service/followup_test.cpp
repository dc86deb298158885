// Tiers, grading, the roster, configuration history and verification (R2.1,
// R2.2, R1.5); follow-up plans and records, the over-contact guard, the
// agenda and the daily report (R2.3–R2.5), against an in-memory database and
// the injected clock.
#include <set>

#include "followup_fixture.hpp"
#include "service/contacts.hpp"

namespace crm::testing {
namespace {

using TiersTest = FollowupTest;
using PlansTest = FollowupTest;

std::string due_of(const Record& customer) { return customer.text("next_due_date"); }

// ---------------------------------------------------------------------------
// Tiers and criteria.

TEST_F(TiersTest, SeededTiersHaveTheCadencesOfTheManual) {
  auto tiers = list_tiers(*rep);
  ASSERT_EQ(tiers.size(), 3u);
  const char* const expected[][5] = {{"A", "A类客户", "1w", "每周一次", "every week"},
                                     {"B", "B类客户", "2w", "每2周一次", "every 2 weeks"},
                                     {"C", "C类客户", "1m", "每月一次", "every month"}};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(tiers[i].text("code"), expected[i][0]);
    EXPECT_EQ(tiers[i].text("label_zh"), expected[i][1]);
    EXPECT_EQ(tiers[i].text("cadence"), expected[i][2]);
    EXPECT_EQ(tiers[i].text("cadence_zh"), expected[i][3]);
    EXPECT_EQ(tiers[i].text("cadence_en"), expected[i][4]);
    EXPECT_EQ(int_of(tiers[i], "position"), static_cast<std::int64_t>(i + 1));
  }
}

TEST_F(TiersTest, DefineTierChecksItsInputAndKeepsHistory) {
  expect_error(Status::permission, [&] { define_tier(*rep, {"D", "D类客户", "Tier D", "2m"}); });
  expect_error(Status::invalid_arg, [&] { define_tier(*admin, {"d", "D类客户", "Tier D", "2m"}); });
  expect_error(Status::invalid_arg, [&] {
    define_tier(*admin, {"TOOLONG_9", "D类客户", "Tier D", "2m"});
  });
  expect_error(Status::invalid_arg, [&] { define_tier(*admin, {"D", "D类客户", "Tier D", "0w"}); });
  expect_error(Status::invalid_arg, [&] {
    define_tier(*admin, {"D", "D类客户", "Tier D", "13m"});
  });
  expect_error(Status::invalid_arg, [&] { define_tier(*admin, {"D", "", "Tier D", "2m"}); });
  expect_error(Status::conflict, [&] { define_tier(*admin, {"D", "A类客户", "Tier D", "2m"}); });
  EXPECT_EQ(list_tiers(*admin).size(), 3u) << "nothing was defined by the failed calls";

  define_tier(*admin, {"D", "D类客户", "Tier D", "2 个月"});
  auto tiers = list_tiers(*admin);
  ASSERT_EQ(tiers.size(), 4u);
  EXPECT_EQ(tiers[3].text("code"), "D");
  EXPECT_EQ(tiers[3].text("cadence"), "2m");
  EXPECT_EQ(tiers[3].text("cadence_zh"), "每2个月一次");
  EXPECT_EQ(int_of(tiers[3], "position"), 4);

  db->clock().fix(kNow + kHour);
  define_tier(*admin, {"A", "", "", "10 days"});
  expect_error(Status::invalid_arg, [&] { define_tier(*admin, {"A", "重点", "", "1w"}); });
  define_tier(*admin, {"A", "A类客户", "Tier A", "10d"});  // same labels, same cadence: no change

  auto h = config_history(*admin, "tier.", 100, "").rows;
  ASSERT_EQ(h.size(), 2u) << "one row per change, none for the unchanged redefinition";
  EXPECT_EQ(h[0].text("subject"), "tier.D");
  EXPECT_TRUE(is_null_field(h[0], "before"));
  EXPECT_EQ(h[0].text("after"), "2m");
  EXPECT_EQ(int_of(h[0], "at"), kNow);
  EXPECT_EQ(int_of(h[0], "actor"), 1);
  EXPECT_EQ(h[1].text("subject"), "tier.A");
  EXPECT_EQ(h[1].text("before"), "1w");
  EXPECT_EQ(h[1].text("after"), "10d");
  EXPECT_EQ(int_of(h[1], "at"), kNow + kHour);
}

TEST_F(TiersTest, ACadenceChangeRecomputesEveryCustomerOfTheTier) {
  std::int64_t a = new_customer(kNow, 0);
  std::int64_t b = new_customer(kNow, 1);
  grade_customer(*rep, a, grade_values(100, 70));
  grade_customer(*rep, b, grade_values(30, 40));
  ASSERT_EQ(due_of(customer_row(a)), "2026-11-30");
  ASSERT_EQ(due_of(customer_row(b)), "2026-12-07");
  define_tier(*admin, {"A", "", "", "10d"});
  EXPECT_EQ(due_of(customer_row(a)), "2026-12-03") << "entered 2026-11-23, A is now every 10 days";
  EXPECT_EQ(due_of(customer_row(b)), "2026-12-07") << "tier B did not change";
}

TEST_F(TiersTest, DefineCriterionNormalisesThresholdsAndRetires) {
  expect_error(Status::permission, [&] {
    define_criterion(*rep, {"budget", "预算", "Budget", "万元", "A>=50"});
  });
  expect_error(Status::invalid_arg, [&] {
    define_criterion(*admin, {"Budget", "预算", "Budget", "万元", "A>=50"});
  });
  expect_error(Status::invalid_arg, [&] {
    define_criterion(*admin, {"1budget", "预算", "Budget", "万元", "A>=50"});
  });
  expect_error(Status::invalid_arg, [&] {
    define_criterion(*admin, {"budget", "预算", "Budget", "万元", "B>=20,A>=50"});
  });
  expect_error(Status::invalid_arg, [&] {
    define_criterion(*admin, {"budget", "预算", "Budget", "万元", "D>=1"});
  });
  expect_error(Status::invalid_arg, [&] {
    define_criterion(*admin, {"budget", "", "Budget", "万元", "A>=50"});
  });

  define_criterion(*admin, {"budget", "预算", "Budget", "万元", "A>=50，B>=20"});
  auto all = list_criteria(*rep, false);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].text("name"), "budget");
  EXPECT_EQ(all[2].text("thresholds"), "A>=50,B>=20") << "stored in the canonical spelling";
  EXPECT_EQ(all[0].text("thresholds"), "A>=100,B>=30");
  EXPECT_EQ(all[1].text("thresholds"), "A>=70,B>=40");

  define_criterion(*admin, {"budget", "预算", "Budget", "万元", "A>=50,B>=20", true});
  EXPECT_EQ(list_criteria(*rep, false).size(), 2u) << "a retired criterion is not asked for";
  auto with_retired = list_criteria(*rep, true);
  ASSERT_EQ(with_retired.size(), 3u);
  EXPECT_EQ(int_of(with_retired[2], "retired"), 1);

  auto h = config_history(*admin, "criterion.", 100, "").rows;
  ASSERT_EQ(h.size(), 2u);
  EXPECT_TRUE(is_null_field(h[0], "before"));
  EXPECT_EQ(h[0].text("after"), "预算|Budget|万元|A>=50,B>=20");
  EXPECT_EQ(h[1].text("before"), "预算|Budget|万元|A>=50,B>=20");
  EXPECT_EQ(h[1].text("after"), "预算|Budget|万元|A>=50,B>=20|retired");
}

TEST_F(TiersTest, GradingWritesTierReasonAndDueDate) {
  std::int64_t key = new_customer(kNow, 0);
  Record values;
  values.set("annual_potential", std::int64_t{100});        // an integer
  values.set("cooperation_likelihood", std::string("70"));  // numeric text
  Record g = grade_customer(*rep, key, values);
  EXPECT_EQ(g.text("tier"), "A") << g.text("reason_en");
  EXPECT_EQ(g.text("reason"),
            "年采购潜力 100 万元 ≥ 100 → A；合作可能性 70 % ≥ 70 → A；综合评定 A");
  EXPECT_EQ(g.text("next_due_date"), "2026-11-30") << "entered 2026-11-23, never contacted: +1w";

  Record c = customer_row(key);
  EXPECT_EQ(c.text("tier"), "A");
  EXPECT_EQ(c.text("tier_reason"), g.text("reason"));
  EXPECT_EQ(int_of(c, "graded_at"), kNow);
  EXPECT_EQ(due_of(c), "2026-11-30");
  auto history = customer_history(*rep, key);
  ASSERT_GE(history.size(), 2u);
  EXPECT_EQ(history.back().text("kind"), "tier");
  EXPECT_TRUE(is_null_field(history.back(), "before"));
  EXPECT_EQ(history.back().text("after"), "A");

  // One ten-thousandth below the A threshold of the first criterion: B.
  Record b = grade_customer(*rep, key, grade_values(99.9999, 100));
  EXPECT_EQ(b.text("tier"), "B") << b.text("reason_en");
  EXPECT_EQ(b.text("next_due_date"), "2026-12-07");
  EXPECT_EQ(customer_history(*rep, key).back().text("before"), "A");
}

TEST_F(TiersTest, GradingRefusesMissingUnknownAndNonNumericValues) {
  std::int64_t key = new_customer(kNow, 0);
  Error missing = expect_error(Status::validation, [&] { grade_customer(*rep, key, Record{}); });
  ASSERT_EQ(missing.fields().size(), 2u) << missing.message_en();
  EXPECT_EQ(missing.fields()[0].field, "annual_potential");
  EXPECT_EQ(missing.fields()[1].field, "cooperation_likelihood");

  Record text;
  text.set("annual_potential", std::string("很多"));
  text.set("cooperation_likelihood", std::string("五成"));
  Error wrong = expect_error(Status::validation, [&] { grade_customer(*rep, key, text); });
  ASSERT_EQ(wrong.fields().size(), 2u) << wrong.message_en();
  EXPECT_EQ(wrong.fields()[0].code, "wrong_type");
  EXPECT_EQ(wrong.fields()[0].message_zh, "年采购潜力须为数值");
  EXPECT_EQ(wrong.fields()[1].code, "wrong_type");

  Record extra = grade_values(100, 70);
  extra.set("budget", 10.0);
  Error unknown = expect_error(Status::validation, [&] { grade_customer(*rep, key, extra); });
  ASSERT_EQ(unknown.fields().size(), 1u);
  EXPECT_EQ(unknown.fields()[0].field, "budget");
  EXPECT_EQ(unknown.fields()[0].code, "unknown_field");

  EXPECT_TRUE(is_null_field(customer_row(key), "tier")) << "nothing was written";
  expect_error(Status::not_found, [&] { grade_customer(*rep, 999, grade_values(1, 1)); });
  archive_customer(*rep, key, std::string("重复录入"));
  expect_error(Status::state, [&] { grade_customer(*rep, key, grade_values(100, 70)); });
}

TEST_F(TiersTest, ARetiredCriterionIsNoLongerAskedFor) {
  define_criterion(*admin, {"cooperation_likelihood", "合作可能性", "Likelihood of cooperation",
                            "%", "A>=70,B>=40", true});
  std::int64_t key = new_customer(kNow, 0);
  Record only;
  only.set("annual_potential", 150.0);
  EXPECT_EQ(grade_customer(*rep, key, only).text("tier"), "A");
  Error e =
      expect_error(Status::validation, [&] { grade_customer(*rep, key, grade_values(150, 90)); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "cooperation_likelihood");
  EXPECT_EQ(e.fields()[0].code, "unknown_field");
}

TEST_F(TiersTest, SetTierByHandRecomputesFromTheLastContact) {
  // Entered 2026-10-30, last contacted 2026-10-31 10:00.
  std::int64_t key = new_customer(sh("2026-10-30 10:00"), 0);
  db->clock().fix(kNow);
  add_followup(*rep, key, record_at(sh("2026-10-31 10:00")));
  EXPECT_TRUE(is_null_field(customer_row(key), "next_due_date")) << "no tier, no due date";

  set_customer_tier(*rep, key, "A", std::string("战略客户"));
  EXPECT_EQ(due_of(customer_row(key)), "2026-11-07") << "2026-10-31 + 1w";
  set_customer_tier(*rep, key, "一般客户", std::string("预算缩减"));  // the alias of C
  EXPECT_EQ(due_of(customer_row(key)), "2026-11-30") << "2026-10-31 + 1m, clamped to November";
  set_customer_tier(*rep, key, "B类", std::nullopt);
  EXPECT_EQ(due_of(customer_row(key)), "2026-11-14") << "2026-10-31 + 2w";

  auto before = customer_history(*rep, key).size();
  set_customer_tier(*rep, key, "B", std::string("再次设置"));
  EXPECT_EQ(customer_history(*rep, key).size(), before) << "the same tier changes nothing";
  expect_error(Status::not_found, [&] { set_customer_tier(*rep, key, "Z", std::nullopt); });

  auto history = customer_history(*rep, key);
  EXPECT_EQ(history.back().text("before"), "C");
  EXPECT_EQ(history.back().text("after"), "B");
  EXPECT_EQ(history[history.size() - 2].text("reason"), "预算缩减");

  // Without any contact the due date counts from the creation.
  std::int64_t fresh = new_customer(sh("2026-10-31 18:00"), 1);
  db->clock().fix(kNow);
  set_customer_tier(*rep, fresh, "C", std::nullopt);
  EXPECT_EQ(due_of(customer_row(fresh)), "2026-11-30");
}

TEST_F(TiersTest, VerificationIsByPhoneOrEmailAndOnlyOnce) {
  std::int64_t key = new_customer(kNow, 0);
  std::int64_t other = new_customer(kNow, 1);
  expect_error(Status::invalid_arg, [&] { verify_customer(*rep, key, "拜访", std::nullopt); });
  expect_error(Status::invalid_arg, [&] { verify_customer(*rep, key, "飞鸽传书", std::nullopt); });
  db->clock().fix(kNow + kHour);
  verify_customer(*rep, key, "电话", std::string("已电话确认需求"));
  Record c = customer_row(key);
  EXPECT_EQ(int_of(c, "verified_at"), kNow + kHour);
  EXPECT_EQ(int_of(c, "verified_by"), rep_id);
  EXPECT_EQ(customer_history(*rep, key).back().text("kind"), "verify");
  expect_error(Status::conflict, [&] { verify_customer(*rep, key, "email", std::nullopt); });
  verify_customer(*rep, other, "电子邮件", std::nullopt);
  expect_error(Status::not_found, [&] { verify_customer(*rep, 999, "phone", std::nullopt); });
}

TEST_F(TiersTest, RosterOrdersByTierThenDueDateThenId) {
  std::int64_t other_rep = add_user("wangfang", "王芳", "华东销售部", "销售");
  std::int64_t a_late = new_customer(kNow, 0);              // A, due 11-30
  std::int64_t a_early = new_customer(kNow - 3 * kDay, 1);  // A, due 11-27
  std::int64_t b = new_customer(kNow, 2);                   // B
  std::int64_t c = new_customer(kNow, 3);                   // C
  std::int64_t ungraded = new_customer(kNow, 4);            // not in the roster
  std::int64_t a_other = new_customer(kNow, 5, other_rep);  // A, due 11-30
  db->clock().fix(kNow);
  grade_customer(*rep, a_late, grade_values(100, 70));
  grade_customer(*rep, a_early, grade_values(200, 90));
  grade_customer(*rep, b, grade_values(50, 50));
  grade_customer(*rep, c, grade_values(5, 5));
  grade_customer(*admin, a_other, grade_values(100, 100));
  (void)ungraded;

  auto ids = [](const std::vector<Record>& rows) {
    std::string out;
    for (const auto& r : rows) out += (out.empty() ? "" : ",") + r.text("id");
    return out;
  };
  RosterQuery q;
  RosterPage all = graded_roster(*admin, q);
  EXPECT_EQ(ids(all.rows), "C0002,C0001,C0006,C0003,C0004")
      << "A by due date (11-27, 11-30, 11-30 by id), then B, then C; ungraded C0005 left out";
  EXPECT_EQ(ids(graded_roster(*rep, q).rows), "C0002,C0001,C0003,C0004")
      << "a rep's roster has their own customers only (R3.1)";
  EXPECT_EQ(all.next, "");
  EXPECT_EQ(all.rows[0].text("next_due_date"), "2026-11-27");
  EXPECT_EQ(all.rows[3].text("tier"), "B");

  q.tier = "重点客户";  // an alias of A
  EXPECT_EQ(ids(graded_roster(*admin, q).rows), "C0002,C0001,C0006");
  q.owner = rep_id;
  EXPECT_EQ(ids(graded_roster(*admin, q).rows), "C0002,C0001");

  // Paging, two at a time, gives the same sequence.
  RosterQuery p;
  p.page_size = 2;
  std::string paged;
  for (int guard = 0; guard < 10; ++guard) {
    RosterPage page = graded_roster(*admin, p);
    paged += (paged.empty() || page.rows.empty() ? "" : ",") + ids(page.rows);
    if (page.next.empty()) break;
    p.after = page.next;
  }
  EXPECT_EQ(paged, ids(all.rows));

  RosterQuery bad;
  bad.tier = "VIP";
  expect_error(Status::not_found, [&] { graded_roster(*rep, bad); });
  bad = {};
  bad.after = "r1.x";
  expect_error(Status::invalid_arg, [&] { graded_roster(*rep, bad); });
  bad = {};
  bad.page_size = 0;
  expect_error(Status::invalid_arg, [&] { graded_roster(*rep, bad); });
}

TEST_F(TiersTest, ConfigHistoryPagesInOrderAndFiltersByPrefix) {
  define_tier(*admin, {"B", "", "", "3w"});
  set("followup.min_gap_hours", "12");
  Record change;
  change.set("delay_minutes", std::int64_t{60});
  set_reminder_rule(*admin, "unverified", change);
  define_tier(*admin, {"C", "", "", "2m"});

  auto subjects = [](const std::vector<Record>& rows) {
    std::string out;
    for (const auto& r : rows) out += (out.empty() ? "" : ",") + r.text("subject");
    return out;
  };
  // The fixture's department (R3.1) comes first.
  EXPECT_EQ(subjects(config_history(*rep, "", 100, "").rows),
            "department.华东销售部,tier.B,setting.followup.min_gap_hours,rule.unverified,tier.C");
  EXPECT_EQ(subjects(config_history(*rep, "tier.", 100, "").rows), "tier.B,tier.C");
  EXPECT_EQ(subjects(config_history(*rep, "rule.", 100, "").rows), "rule.unverified");
  auto setting = config_history(*rep, "setting.", 100, "").rows;
  ASSERT_EQ(setting.size(), 1u);
  EXPECT_EQ(setting[0].text("before"), "24");
  EXPECT_EQ(setting[0].text("after"), "12");

  std::string paged, token;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = config_history(*rep, "", 1, token);
    paged += (paged.empty() ? "" : ",") + subjects(page.rows);
    if (page.next.empty()) break;
    token = page.next;
  }
  EXPECT_EQ(paged,
            "department.华东销售部,tier.B,setting.followup.min_gap_hours,rule.unverified,tier.C");
  expect_error(Status::invalid_arg, [&] { config_history(*rep, "", 1, "h1.-1"); });
  expect_error(Status::invalid_arg, [&] { config_history(*rep, "", 1, "x"); });
  expect_error(Status::invalid_arg, [&] { config_history(*rep, "", 0, ""); });
}

// ---------------------------------------------------------------------------
// Plans.

TEST_F(PlansTest, PlanTimesAreCheckedAtTheirBoundaries) {
  std::int64_t key = new_customer(kNow, 0);
  set("followup.min_gap_hours", "0");  // this test is about times, not the guard

  Error past =
      expect_error(Status::validation, [&] { create_plan(*rep, key, plan_fields(kNow - 1)); });
  ASSERT_EQ(past.fields().size(), 1u);
  EXPECT_EQ(past.fields()[0].field, "planned_at");
  EXPECT_EQ(past.fields()[0].code, "in_past");

  Record now_plan = create_plan(*rep, key, plan_fields(kNow));
  EXPECT_EQ(int_of(now_plan, "planned_at"), kNow) << "a plan for this very moment is allowed";
  EXPECT_EQ(int_of(now_plan, "remind_at"), kNow)
      << "the default reminder (30 min before) is not before now";
  EXPECT_EQ(now_plan.text("state"), "planned");
  EXPECT_EQ(now_plan.text("method"), "phone");
  EXPECT_EQ(int_of(now_plan, "owner"), rep_id) << "defaults to the customer's owner";

  Record later = create_plan(*rep, key, plan_fields(kNow + 2 * kHour));
  EXPECT_EQ(int_of(later, "remind_at"), kNow + 2 * kHour - 30 * kMin);

  Record after = plan_fields(kNow + kHour);
  after.set("remind_at", kNow + kHour + 1);
  Error e = expect_error(Status::validation, [&] { create_plan(*rep, key, after); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "remind_at");
  EXPECT_EQ(e.fields()[0].code, "after_plan");
  after.set("remind_at", kNow + kHour);
  EXPECT_EQ(int_of(create_plan(*rep, key, after), "remind_at"), kNow + kHour)
      << "a reminder at the plan's time is allowed";

  Record early = plan_fields(kNow + kHour);
  early.set("remind_at", kNow - 1);
  e = expect_error(Status::validation, [&] { create_plan(*rep, key, early); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].code, "in_past");
  EXPECT_EQ(e.fields()[0].field, "remind_at");
  early.set("remind_at", kNow);
  EXPECT_NO_THROW(create_plan(*rep, key, early));

  set("followup.remind_before_minutes", "0");
  EXPECT_EQ(int_of(create_plan(*rep, key, plan_fields(kNow + 5 * kHour)), "remind_at"),
            kNow + 5 * kHour);
  EXPECT_EQ(customer_plans(*rep, key).size(), 5u);
}

TEST_F(PlansTest, PlanFieldsAreValidated) {
  std::int64_t key = new_customer(kNow, 0);
  Error e = expect_error(Status::validation, [&] {
    create_plan(*rep, key, plan_fields(kNow + kHour, "拜访", "飞鸽传书"));
  });
  ASSERT_EQ(e.fields().size(), 1u) << e.message_en();
  EXPECT_EQ(e.fields()[0].field, "method");
  EXPECT_EQ(e.fields()[0].code, "unknown_value");

  Record no_goal = plan_fields(kNow + kHour);
  no_goal.unset("goal");
  e = expect_error(Status::validation, [&] { create_plan(*rep, key, no_goal); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "goal");
  EXPECT_EQ(e.fields()[0].code, "required");

  Record stranger = plan_fields(kNow + kHour);
  stranger.set("owner", std::int64_t{999});
  e = expect_error(Status::validation, [&] { create_plan(*rep, key, stranger); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].code, "unknown_user");

  EXPECT_TRUE(customer_plans(*rep, key).empty());
  expect_error(Status::not_found, [&] { create_plan(*rep, 999, plan_fields(kNow + kHour)); });
  archive_customer(*rep, key, std::nullopt);
  expect_error(Status::state, [&] { create_plan(*rep, key, plan_fields(kNow + kHour)); });
  expect_error(Status::not_found, [&] { get_plan(*rep, 999); });
}

TEST_F(PlansTest, OverContactGuardWarnsAtOneMillisecondUnderTheGap) {
  // A contact at kNow; the minimum gap is 24 hours (the seeded setting).
  std::int64_t exact = new_customer(kNow, 0);
  std::int64_t close = new_customer(kNow, 1);
  add_followup(*rep, exact, record_fields());
  add_followup(*rep, close, record_fields());

  Record ok = create_plan(*rep, exact, plan_fields(kNow + 24 * kHour));
  EXPECT_FALSE(ok.has("warning")) << "exactly the minimum gap is not too soon: "
                                  << ok.text("warning_message");
  Record warned = create_plan(*rep, close, plan_fields(kNow + 24 * kHour - 1));
  EXPECT_EQ(warned.text("warning"), "too_soon") << "24 h minus 1 ms is too soon";
  EXPECT_NE(warned.text("warning_message").find("2026-11-23 09:00"), std::string::npos)
      << "the warning names the other contact: " << warned.text("warning_message");
  EXPECT_NE(warned.text("warning_message_zh").find("2026-11-23 09:00"), std::string::npos);
  EXPECT_EQ(customer_plans(*rep, close).size(), 1u) << "a warning still creates the plan";
}

TEST_F(PlansTest, OverContactGuardRefusesAtOneMillisecondUnderTheGap) {
  set("followup.min_gap_action", "refuse");
  std::int64_t key = new_customer(kNow, 0);
  add_followup(*rep, key, record_fields());
  Error e = expect_error(Status::validation,
                         [&] { create_plan(*rep, key, plan_fields(kNow + 24 * kHour - 1)); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "planned_at");
  EXPECT_EQ(e.fields()[0].code, "too_soon");
  EXPECT_TRUE(customer_plans(*rep, key).empty()) << "a refused plan is not written";
  Record ok = create_plan(*rep, key, plan_fields(kNow + 24 * kHour));
  EXPECT_FALSE(ok.has("warning"));

  // Records: the gap counts backwards as well (a late entry).
  std::int64_t other = new_customer(kNow, 1);
  add_followup(*rep, other, record_at(kNow - 24 * kHour));
  e = expect_error(Status::validation, [&] { add_followup(*rep, other, record_at(kNow - 1)); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "contacted_at");
  EXPECT_EQ(e.fields()[0].code, "too_soon");
  e = expect_error(Status::validation,
                   [&] { add_followup(*rep, other, record_at(kNow - 48 * kHour + 1)); });
  EXPECT_EQ(e.fields()[0].code, "too_soon");
  EXPECT_EQ(customer_followups(*rep, other).size(), 1u);
  EXPECT_NO_THROW(add_followup(*rep, other, record_at(kNow)));
  EXPECT_NO_THROW(add_followup(*rep, other, record_at(kNow - 48 * kHour)));
  EXPECT_EQ(customer_followups(*rep, other).size(), 3u);

  // A gap of 0 turns the guard off.
  set("followup.min_gap_hours", "0");
  EXPECT_FALSE(add_followup(*rep, other, record_at(kNow - 1)).has("warning"));
}

TEST_F(PlansTest, RecordsKeepContactOrderAndALateEntryDoesNotMoveTheLastFollowup) {
  std::int64_t key = new_customer(sh("2026-11-10 10:00"), 0);
  db->clock().fix(kNow);
  grade_customer(*rep, key, grade_values(100, 70));
  EXPECT_EQ(due_of(customer_row(key)), "2026-11-17") << "entered 11-10, never contacted";

  Record r1 = record_at(kNow - 2 * kHour, "确认采购预算");
  r1.set("next_step", std::string("发送报价单"));
  add_followup(*rep, key, r1);
  Record c = customer_row(key);
  EXPECT_EQ(int_of(c, "last_followup_at"), kNow - 2 * kHour);
  EXPECT_EQ(c.text("next_step"), "发送报价单");
  EXPECT_EQ(due_of(c), "2026-11-30");

  // Entered today, contacted five days ago: listed first, changes nothing.
  Record late = record_at(sh("2026-11-18 09:00"), "补录：上周拜访");
  late.set("next_step", std::string("旧的下一步"));
  late.set("method", std::string("拜访"));
  add_followup(*rep, key, late);
  c = customer_row(key);
  EXPECT_EQ(int_of(c, "last_followup_at"), kNow - 2 * kHour)
      << "a late entry must not overwrite the latest contact";
  EXPECT_EQ(c.text("next_step"), "发送报价单");
  EXPECT_EQ(due_of(c), "2026-11-30");

  auto records = customer_followups(*rep, key);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].text("summary"), "补录：上周拜访");
  EXPECT_EQ(records[0].text("method"), "visit");
  EXPECT_EQ(records[1].text("summary"), "确认采购预算");
  EXPECT_EQ(int_of(records[1], "owner"), rep_id);

  Error future =
      expect_error(Status::validation, [&] { add_followup(*rep, key, record_at(kNow + 1)); });
  ASSERT_EQ(future.fields().size(), 1u);
  EXPECT_EQ(future.fields()[0].field, "contacted_at");
  EXPECT_EQ(future.fields()[0].code, "in_future");
  EXPECT_NO_THROW(add_followup(*rep, key, record_at(kNow))) << "now itself is not the future";
  EXPECT_EQ(int_of(customer_row(key), "last_followup_at"), kNow);
  EXPECT_TRUE(is_null_field(customer_row(key), "next_step")) << "the latest record has none";
}

TEST_F(PlansTest, ARecordCanPlanTheNextContact) {
  std::int64_t key = new_customer(kNow, 0);
  Record r = record_fields("初次电话沟通");
  r.set("next_plan_at", kNow + 3 * kDay);
  Error e = expect_error(Status::validation, [&] { add_followup(*rep, key, r); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "next_step");
  EXPECT_EQ(e.fields()[0].code, "required");

  r.set("next_step", std::string("上门演示设备"));
  Record rec = add_followup(*rep, key, r);
  auto plans = customer_plans(*rep, key);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(int_of(rec, "next_plan_id"), int_of(plans[0], "id"));
  EXPECT_EQ(plans[0].text("goal"), "上门演示设备");
  EXPECT_EQ(plans[0].text("method"), "phone");
  EXPECT_EQ(int_of(plans[0], "planned_at"), kNow + 3 * kDay);

  Record past = record_fields("再次沟通");
  past.set("contacted_at", kNow - 3 * kDay);
  past.set("next_step", std::string("补发资料"));
  past.set("next_plan_at", kNow - kDay);
  e = expect_error(Status::validation, [&] { add_followup(*rep, key, past); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "next_plan_at") << "the error names the field the caller sent";
  EXPECT_EQ(e.fields()[0].code, "in_past");
  EXPECT_EQ(customer_followups(*rep, key).size(), 1u) << "nothing of the failed call was kept";
}

TEST_F(PlansTest, CompletingAPlanWritesItsRecordAndTheCustomerInOneTransaction) {
  std::int64_t key = new_customer(kNow, 0);
  grade_customer(*rep, key, grade_values(100, 70));
  Record plan = create_plan(*rep, key, plan_fields(kNow + kHour, "现场演示", "拜访"));
  const std::int64_t plan_id = int_of(plan, "id");

  const std::int64_t done_at = kNow + kHour + 40 * kMin;
  db->clock().fix(done_at);
  Record fields;
  fields.set("summary", std::string("演示顺利，客户认可加工精度"));
  fields.set("feedback", std::string("希望降价 5%"));
  fields.set("next_step", std::string("提交正式报价"));
  Record rec = complete_plan(*rep, plan_id, fields);
  EXPECT_FALSE(rec.has("warning"))
      << "the plan being completed is not another contact: " << rec.text("warning_message");
  EXPECT_EQ(int_of(rec, "plan_id"), plan_id);
  EXPECT_EQ(rec.text("method"), "visit") << "defaults to the plan's method";
  EXPECT_EQ(int_of(rec, "contacted_at"), done_at);

  Record p = get_plan(*rep, plan_id);
  EXPECT_EQ(p.text("state"), "done");
  EXPECT_EQ(int_of(p, "record_id"), int_of(rec, "id"));
  EXPECT_EQ(int_of(p, "updated_at"), done_at);
  Record c = customer_row(key);
  EXPECT_EQ(int_of(c, "last_followup_at"), done_at);
  EXPECT_EQ(c.text("next_step"), "提交正式报价");
  EXPECT_EQ(due_of(c), "2026-11-30");

  expect_error(Status::state, [&] { complete_plan(*rep, plan_id, fields); });
  expect_error(Status::state, [&] { close_plan(*rep, plan_id, "missed", std::nullopt); });
  expect_error(Status::not_found, [&] { complete_plan(*rep, 999, fields); });
}

TEST_F(PlansTest, AFailedCompletionLeavesPlanRecordAndCustomerUntouched) {
  set("followup.min_gap_action", "refuse");
  std::int64_t key = new_customer(kNow, 0);
  grade_customer(*rep, key, grade_values(100, 70));
  const std::int64_t plan_id = int_of(create_plan(*rep, key, plan_fields(kNow + kHour)), "id");
  db->clock().fix(kNow + kHour);
  // The record itself is fine; the next plan it asks for is 2 hours after it,
  // which the guard refuses — after the record was already inserted.
  Record fields;
  fields.set("summary", std::string("电话沟通"));
  fields.set("next_step", std::string("再次确认"));
  fields.set("next_plan_at", kNow + 3 * kHour);
  expect_error(Status::validation, [&] { complete_plan(*rep, plan_id, fields); });

  EXPECT_EQ(get_plan(*rep, plan_id).text("state"), "planned");
  EXPECT_TRUE(customer_followups(*rep, key).empty()) << "the record was rolled back";
  EXPECT_EQ(customer_plans(*rep, key).size(), 1u) << "no next plan either";
  Record c = customer_row(key);
  EXPECT_TRUE(is_null_field(c, "last_followup_at"));
  EXPECT_TRUE(is_null_field(c, "next_step"));
  EXPECT_EQ(due_of(c), "2026-11-30");
}

TEST_F(PlansTest, RescheduleAndCloseMovePlansThroughTheirStates) {
  std::int64_t key = new_customer(kNow, 0);
  const std::int64_t first = int_of(create_plan(*rep, key, plan_fields(kNow + 2 * kHour)), "id");
  db->clock().fix(kNow + kHour);
  Record moved = reschedule_plan(*rep, first, kNow + 3 * kHour, 0, std::string("客户改约"));
  EXPECT_FALSE(moved.has("warning")) << "the plan being moved does not count against its copy";
  EXPECT_EQ(int_of(moved, "planned_at"), kNow + 3 * kHour);
  EXPECT_EQ(int_of(moved, "remind_at"), kNow + 3 * kHour - 30 * kMin);
  EXPECT_EQ(moved.text("goal"), "介绍新款数控机床");
  Record old = get_plan(*rep, first);
  EXPECT_EQ(old.text("state"), "rescheduled");
  EXPECT_EQ(old.text("state_reason"), "客户改约");
  EXPECT_EQ(int_of(old, "rescheduled_to"), int_of(moved, "id"));
  expect_error(Status::state,
               [&] { reschedule_plan(*rep, first, kNow + 5 * kHour, 0, std::nullopt); });
  expect_error(Status::validation,
               [&] { reschedule_plan(*rep, int_of(moved, "id"), kNow, 0, std::nullopt); });

  const std::int64_t second = int_of(moved, "id");
  expect_error(Status::invalid_arg, [&] { close_plan(*rep, second, "done", std::nullopt); });
  close_plan(*rep, second, "missed", std::string("客户未接电话"));
  EXPECT_EQ(get_plan(*rep, second).text("state"), "missed");
  EXPECT_EQ(get_plan(*rep, second).text("state_reason"), "客户未接电话");
  expect_error(Status::state, [&] { close_plan(*rep, second, "cancelled", std::nullopt); });
  auto plans = customer_plans(*rep, key);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(int_of(plans[0], "id"), first) << "by planned time";
}

// ---------------------------------------------------------------------------
// Agenda and daily report.

TEST_F(PlansTest, AgendaListsOverduePlansTodaysPlansAndLapsedCustomersMostUrgentFirst) {
  std::int64_t other_rep = add_user("wangfang", "王芳", "华东销售部", "销售");
  // Lapsed customers (A: every week).
  std::int64_t lapsed_1117 = new_customer(sh("2026-11-10 10:00"), 0);  // due 11-17
  grade_customer(*rep, lapsed_1117, grade_values(100, 70));
  std::int64_t lapsed_1120 = new_customer(sh("2026-11-10 10:00"), 1);  // due 11-20 after contact
  grade_customer(*rep, lapsed_1120, grade_values(100, 70));
  db->clock().fix(sh("2026-11-13 10:00"));
  add_followup(*rep, lapsed_1120, record_fields());
  std::int64_t lapsed_1122 = new_customer(sh("2026-11-15 10:00"), 2);  // due 11-22: yesterday
  grade_customer(*rep, lapsed_1122, grade_values(100, 70));
  std::int64_t due_today = new_customer(sh("2026-11-16 10:00"), 3);  // due 11-23: not lapsed
  grade_customer(*rep, due_today, grade_values(100, 70));
  std::int64_t theirs = new_customer(sh("2026-11-10 10:00"), 4, other_rep);
  grade_customer(*admin, theirs, grade_values(100, 70));

  // Plans, made on 11-20 for one ungraded customer.
  std::int64_t target = new_customer(sh("2026-11-20 10:00"), 5);
  set("followup.min_gap_hours", "0");
  auto plan_at = [&](const char* when, const char* goal) {
    return int_of(create_plan(*rep, target, plan_fields(sh(when), goal)), "id");
  };
  std::int64_t p_1120 = plan_at("2026-11-20 15:00", "overdue 11-20");
  std::int64_t p_tie = plan_at("2026-11-21 00:00", "overdue at a lapse instant");
  std::int64_t p_1122 = plan_at("2026-11-22 10:00", "overdue yesterday");
  std::int64_t p_early = plan_at("2026-11-23 08:00", "earlier today");
  std::int64_t p_today = plan_at("2026-11-23 15:00", "later today");
  std::int64_t p_last = plan_at("2026-11-23 23:59:59.999", "last moment of today");
  plan_at("2026-11-24 00:00", "tomorrow");  // not on today's agenda
  std::int64_t p_done = plan_at("2026-11-22 11:00", "completed");
  std::int64_t p_missed = plan_at("2026-11-22 12:00", "closed");
  Record theirs_plan = plan_fields(sh("2026-11-22 10:00"), "someone else's");
  theirs_plan.set("owner", other_rep);
  create_plan(*rep, target, theirs_plan);

  db->clock().fix(kNow);
  complete_plan(*rep, p_done, record_fields());
  close_plan(*rep, p_missed, "missed", std::nullopt);
  // The completion is a contact of `target` today; `target` has no tier.

  struct Row {
    std::string kind;
    std::int64_t due_at;
    std::string customer;
    std::int64_t plan_id;
  };
  auto human = [](std::int64_t key) { return store::human_id(key); };
  const std::vector<Row> expected = {
      {"lapsed", sh("2026-11-18 00:00"), human(lapsed_1117), 0},
      {"overdue_plan", sh("2026-11-20 15:00"), human(target), p_1120},
      {"overdue_plan", sh("2026-11-21 00:00"), human(target), p_tie},  // a plan wins a tie
      {"lapsed", sh("2026-11-21 00:00"), human(lapsed_1120), 0},
      {"overdue_plan", sh("2026-11-22 10:00"), human(target), p_1122},
      {"lapsed", sh("2026-11-23 00:00"), human(lapsed_1122), 0},
      {"plan", sh("2026-11-23 08:00"), human(target), p_early},
      {"plan", sh("2026-11-23 15:00"), human(target), p_today},
      {"plan", sh("2026-11-23 23:59:59.999"), human(target), p_last},
  };
  auto show = [&](const Record& r) {
    return r.text("kind") + " " + wall(int_of(r, "due_at")) + " " + r.text("customer") +
           (is_null_field(r, "plan_id") ? "" : " plan " + std::to_string(int_of(r, "plan_id")));
  };
  auto show_expected = [&](const Row& r) {
    return r.kind + " " + wall(r.due_at) + " " + r.customer +
           (r.plan_id ? " plan " + std::to_string(r.plan_id) : "");
  };

  AgendaQuery q;
  q.page_size = 100;
  AgendaPage all = agenda(*rep, q);
  std::string got, want;
  for (const auto& r : all.rows) got += show(r) + "\n";
  for (const auto& r : expected) want += show_expected(r) + "\n";
  EXPECT_EQ(got, want);
  EXPECT_EQ(all.next, "");
  ASSERT_FALSE(all.rows.empty());
  EXPECT_EQ(all.rows[0].text("tier"), "A");
  EXPECT_EQ(all.rows[0].text("next_due_date"), "2026-11-17");
  EXPECT_EQ(all.rows[1].text("goal"), "overdue 11-20");

  // Page by page, at every page size, the same sequence.
  for (int size : {1, 2, 4}) {
    AgendaQuery p;
    p.page_size = size;
    std::string paged;
    for (int guard = 0; guard < 20; ++guard) {
      AgendaPage page = agenda(*rep, p);
      EXPECT_LE(page.rows.size(), static_cast<std::size_t>(size));
      for (const auto& r : page.rows) paged += show(r) + "\n";
      if (page.next.empty()) break;
      p.after = page.next;
    }
    EXPECT_EQ(paged, want) << "page size " << size;
  }

  // Someone else's agenda: for their department's manager (R3.1), not for a
  // colleague.
  AgendaQuery o;
  o.owner = other_rep;
  expect_error(Status::permission, [&] { agenda(*rep, o); });
  Session manager(*db, manager_id);
  AgendaPage other = agenda(manager, o);
  ASSERT_EQ(other.rows.size(), 2u);
  EXPECT_EQ(show(other.rows[0]), "lapsed 2026-11-18 00:00:00.000 +08 " + human(theirs));
  EXPECT_EQ(other.rows[1].text("goal"), "someone else's");

  AgendaQuery nobody;
  nobody.owner = 999;
  expect_error(Status::not_found, [&] { agenda(*rep, nobody); });

  AgendaQuery bad;
  bad.after = "a1.garbage";
  expect_error(Status::invalid_arg, [&] { agenda(*rep, bad); });
  bad = {};
  bad.page_size = 1001;
  expect_error(Status::invalid_arg, [&] { agenda(*rep, bad); });
}

TEST_F(PlansTest, DailyReportCoversTheLocalDayExactly) {
  std::int64_t other_rep = add_user("wangfang", "王芳", "华东销售部", "销售");

  set("followup.min_gap_hours", "0");
  std::int64_t a = new_customer(sh("2026-11-20 10:00"), 0);
  std::int64_t b = new_customer(sh("2026-11-20 10:00"), 1);
  db->clock().fix(sh("2026-11-22 12:00"));
  std::int64_t open_last =
      int_of(create_plan(*rep, a, plan_fields(sh("2026-11-23 23:59:59.999"), "晚间电话")), "id");
  create_plan(*rep, a, plan_fields(sh("2026-11-24 00:00"), "次日"));
  std::int64_t to_do =
      int_of(create_plan(*rep, b, plan_fields(sh("2026-11-23 12:00"), "午间拜访")), "id");

  db->clock().fix(sh("2026-11-24 12:00"));
  add_followup(*rep, a, record_at(sh("2026-11-22 23:59:59.999"), "前一天"));
  add_followup(*rep, a, record_at(sh("2026-11-23 00:00"), "零点"));
  add_followup(*rep, b, record_at(sh("2026-11-23 10:00"), "上午电话"));
  Record done = record_at(sh("2026-11-23 12:30"), "完成拜访");
  done.set("feedback", std::string("满意"));
  done.set("next_step", std::string("发合同"));
  complete_plan(*rep, to_do, done);
  add_followup(*rep, a, record_at(sh("2026-11-24 00:00"), "后一天"));
  add_followup(*admin, b, record_at(sh("2026-11-23 11:00"), "别人的记录"));

  auto report = daily_report(*rep, rep_id, "2026-11-23");
  std::string got;
  for (const auto& r : report)
    got += r.text("kind") + " " + wall(int_of(r, "at")) + " " + r.text("customer") + " " +
           (r.text("kind") == "record" ? r.text("summary") : r.text("goal")) + "\n";
  EXPECT_EQ(got,
            "record 2026-11-23 00:00:00.000 +08 C0001 零点\n"
            "record 2026-11-23 10:00:00.000 +08 C0002 上午电话\n"
            "record 2026-11-23 12:30:00.000 +08 C0002 完成拜访\n"
            "open_plan 2026-11-23 23:59:59.999 +08 C0001 晚间电话\n");
  ASSERT_EQ(report.size(), 4u);
  EXPECT_EQ(report[2].text("feedback"), "满意");
  EXPECT_EQ(report[2].text("next_step"), "发合同");
  EXPECT_EQ(report[2].text("customer_name"), company(1));
  EXPECT_EQ(report[3].text("method"), "phone");
  (void)open_last;

  auto theirs = daily_report(*admin, 1, "2026-11-23");
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].text("summary"), "别人的记录");
  expect_error(Status::permission, [&] { daily_report(*rep, other_rep, "2026-11-23"); });
  Session manager(*db, manager_id);
  EXPECT_EQ(daily_report(manager, rep_id, "2026-11-23").size(), 4u) << "the manager sees it";
  EXPECT_TRUE(daily_report(*rep, rep_id, "2026-11-21").empty());
  EXPECT_EQ(daily_report(*rep, 0, "2026-11-23").size(), 4u) << "0 = the session's user";
  expect_error(Status::not_found, [&] { daily_report(*rep, 999, "2026-11-23"); });
  expect_error(Status::invalid_arg, [&] { daily_report(*rep, rep_id, "2026-02-30"); });
  expect_error(Status::invalid_arg, [&] { daily_report(*rep, rep_id, "2026/11/23"); });
}

}  // namespace
}  // namespace crm::testing
