// Customer information completeness (R10.1): the definition as data, one
// customer, groups, the 95 % goal at its boundary, permissions.
#include "service/completeness.hpp"

#include "fixture.hpp"
#include "followup_fixture.hpp"
#include "service/access.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/search.hpp"
#include "service/tiers.hpp"

namespace crm::testing {
namespace {

class CompletenessTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();  // 张伟 (rep) and 李娜 (manager) in 华东销售部
    south_id = add_user("chenjing", "陈静", "华南销售部", "销售");
    south = std::make_unique<Session>(*db, south_id);
  }

  // A customer with every default counted field: the fixture's customer
  // plus an e-mail and its primary contact's title.
  std::int64_t full_customer(Session& s, const char* name, const char* phone) {
    Record r = customer(name, phone);
    r.set("email", std::string("wang@example.com"));
    std::int64_t key = create_customer(s, r);
    Record title;
    title.set("title", std::string("采购总监"));
    auto contacts = list_contacts(s, key);
    update_contact(s, std::get<std::int64_t>(*contacts.at(0).find("id")), title);
    return key;
  }

  static double percent(const Record& r) { return std::get<double>(*r.find("percent")); }
  static std::int64_t num(const Record& r, const char* f) {
    return std::get<std::int64_t>(*r.find(f));
  }

  std::int64_t south_id = 0;
  std::unique_ptr<Session> south;
};

TEST_F(CompletenessTest, DefaultDefinitionIsTenFieldsOfEqualWeight) {
  auto fields = list_completeness_fields(*admin);
  ASSERT_EQ(fields.size(), 10u);
  EXPECT_EQ(fields[0].text("field"), "name");
  EXPECT_EQ(fields[0].text("label_zh"), "客户全称");
  for (const auto& f : fields) EXPECT_DOUBLE_EQ(std::get<double>(*f.find("share")), 10.0);
  EXPECT_EQ(get_setting(*admin, "completeness.goal_percent"), "95");
}

TEST_F(CompletenessTest, EveryCountedFieldIsOneHundredPercent) {
  std::int64_t key = full_customer(*rep, "华为技术有限公司", "13800000001");
  Record r = customer_completeness(*rep, key);
  EXPECT_DOUBLE_EQ(percent(r), 100.0);
  EXPECT_EQ(r.text("missing"), "");
  EXPECT_EQ(num(r, "filled_weight"), 10);
  EXPECT_EQ(num(r, "goal_met"), 1);
}

TEST_F(CompletenessTest, OneMissingFieldCostsItsWeightShare) {
  std::int64_t key = full_customer(*rep, "华为技术有限公司", "13800000001");
  Record drop;
  drop.set("email", Value{});
  update_customer(*rep, key, drop);
  Record r = customer_completeness(*rep, key);
  EXPECT_DOUBLE_EQ(percent(r), 90.0) << "100 - the e-mail's 10 % share";
  EXPECT_EQ(r.text("missing"), "email");
  EXPECT_EQ(num(r, "goal_met"), 0);
  // With e-mail weighing 3 of 12 the missing share is 25 %.
  set_completeness_field(*admin, "email", 3);
  EXPECT_DOUBLE_EQ(percent(customer_completeness(*rep, key)), 75.0);
}

TEST_F(CompletenessTest, GoalIsMetExactlyAtNinetyFivePercent) {
  full_customer(*rep, "华为技术有限公司", "13800000001");  // 100 %
  std::int64_t partial = full_customer(*rep, "深圳市腾讯计算机系统有限公司", "13800000002");
  Record drop;
  drop.set("email", Value{});
  update_customer(*rep, partial, drop);  // 90 %
  auto rows = completeness_report(*rep, "all", false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(percent(rows[0]), 95.0);
  EXPECT_EQ(num(rows[0], "goal_met"), 1) << "95 % meets a 95 % goal";
  EXPECT_EQ(num(rows[0], "customers"), 2);
  EXPECT_EQ(num(rows[0], "complete"), 1);
  EXPECT_EQ(num(rows[0], "meeting_goal"), 1);
  set_setting(*admin, "completeness.goal_percent", "96");
  rows = completeness_report(*rep, "all", false);
  EXPECT_EQ(num(rows[0], "goal_met"), 0) << "95 % misses a 96 % goal";
  EXPECT_EQ(num(rows[0], "goal_percent"), 96);
}

TEST_F(CompletenessTest, GroupsByOwnerAndDepartmentOverWhatTheUserMayRead) {
  full_customer(*rep, "华为技术有限公司", "13800000001");                    // 100 %, 华东
  create_customer(*south, customer("华为海外贸易有限公司", "13800000005"));  // 80 %, 华南
  auto mine = completeness_report(*rep, "all", false);
  EXPECT_EQ(num(mine[0], "customers"), 1) << "the rep reads only their own customer";
  EXPECT_DOUBLE_EQ(percent(mine[0]), 100.0);
  auto by_owner = completeness_report(*admin, "owner", false);
  ASSERT_EQ(by_owner.size(), 2u);
  EXPECT_EQ(num(by_owner[0], "group"), rep_id);
  EXPECT_EQ(by_owner[0].text("label"), "张伟");
  EXPECT_EQ(num(by_owner[1], "group"), south_id);
  EXPECT_DOUBLE_EQ(percent(by_owner[1]), 80.0) << "no e-mail, no title";
  auto by_dept = completeness_report(*admin, "department", false);
  ASSERT_EQ(by_dept.size(), 2u);
  EXPECT_EQ(by_dept[0].text("group"), "华东销售部");
  EXPECT_EQ(by_dept[1].text("group"), "华南销售部");
  EXPECT_EQ(num(by_dept[1], "goal_met"), 0);
  auto all = completeness_report(*admin, "all", false);
  EXPECT_DOUBLE_EQ(percent(all[0]), 90.0);
  expect_error(Status::invalid_arg, [&] { completeness_report(*admin, "region", false); });
  Session manager(*db, manager_id);
  auto team = completeness_report(manager, "all", false);
  ASSERT_EQ(team.size(), 1u);
  EXPECT_EQ(num(team[0], "customers"), 1) << "the manager reads their department's customers";
}

TEST_F(CompletenessTest, ArchivedCustomersCountOnlyWhenAsked) {
  std::int64_t key = create_customer(*rep, customer());
  archive_customer(*rep, key, std::string("重复"));
  auto rows = completeness_report(*rep, "all", false);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(num(rows[0], "customers"), 0);
  EXPECT_DOUBLE_EQ(percent(rows[0]), 0.0);
  EXPECT_EQ(num(rows[0], "goal_met"), 0);
  EXPECT_EQ(num(completeness_report(*rep, "all", true)[0], "customers"), 1);
}

TEST_F(CompletenessTest, AnotherDepartmentsCustomerIsNotFound) {
  std::int64_t theirs = create_customer(*south, customer("华为海外贸易有限公司", "13800000005"));
  expect_error(Status::not_found, [&] { customer_completeness(*rep, theirs); });
}

// A grant of the basic group shows the name (so search finds the customer)
// but not the contact and needs groups that completeness counts.
TEST_F(CompletenessTest, AGrantHidingCountedFieldsShowsNoCompleteness) {
  std::int64_t key = full_customer(*rep, "华为技术有限公司", "13800000001");
  AccessRequestSpec spec;
  spec.groups = "basic";
  spec.reason = "联合投标需要了解客户规模";
  spec.hours = 24;
  decide_access(*rep, request_access(*south, key, spec), true, std::nullopt);
  SearchQuery q;
  q.text = "hwjs";
  auto rows = search_customers(*south, q).rows;
  ASSERT_EQ(rows.size(), 1u) << "the grantee finds the granted customer";
  EXPECT_FALSE(rows[0].has("phone")) << "masked as the grant says";
  expect_error(Status::permission, [&] { customer_completeness(*south, key); });
  EXPECT_EQ(num(completeness_report(*south, "all", false)[0], "customers"), 0)
      << "not counted for a grantee who may not see every counted field";
  spec.groups = "basic,contact,needs";
  Session manager(*db, manager_id);
  decide_access(manager, request_access(*south, key, spec), true, std::nullopt);
  EXPECT_DOUBLE_EQ(percent(customer_completeness(*south, key)), 100.0);
  EXPECT_EQ(num(completeness_report(*south, "all", false)[0], "customers"), 1);
}

TEST_F(CompletenessTest, DefinitionChangesNeedConfigManageAndAreRecorded) {
  expect_error(Status::permission, [&] { set_completeness_field(*rep, "email", 2); });
  set_completeness_field(*admin, "contact_title", 0);
  set_completeness_field(*admin, "entry_date", 5);
  auto fields = list_completeness_fields(*admin);
  ASSERT_EQ(fields.size(), 10u);
  EXPECT_EQ(fields.back().text("field"), "entry_date");
  EXPECT_EQ(num(fields.back(), "weight"), 5);
  auto history = config_history(*admin, "completeness.", 100, "").rows;
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].text("subject"), "completeness.contact_title");
  EXPECT_EQ(history[0].text("before"), "1");
  EXPECT_TRUE(is_null(*history[0].find("after")));
  EXPECT_EQ(history[1].text("after"), "5");
  expect_error(Status::invalid_arg, [&] { set_completeness_field(*admin, "owner", 1); });
  expect_error(Status::invalid_arg, [&] { set_completeness_field(*admin, "custom.none", 1); });
  expect_error(Status::invalid_arg, [&] { set_completeness_field(*admin, "email", 101); });
  expect_error(Status::invalid_arg, [&] { set_completeness_field(*admin, "email", -1); });
}

TEST_F(CompletenessTest, TheLastFieldCannotBeTakenOut) {
  for (const auto& f : list_completeness_fields(*admin))
    if (f.text("field") != "name") set_completeness_field(*admin, f.text("field"), 0);
  expect_error(Status::state, [&] { set_completeness_field(*admin, "name", 0); });
  std::int64_t key = create_customer(*rep, customer());
  EXPECT_DOUBLE_EQ(percent(customer_completeness(*rep, key)), 100.0);
}

TEST_F(CompletenessTest, CustomFieldsCanCount) {
  CustomFieldSpec spec;
  spec.name = "budget";
  spec.type = "text";
  spec.label_zh = "预算";
  define_custom_field(*admin, spec);
  set_completeness_field(*admin, "custom.budget", 10);  // 10 of 20
  std::int64_t key = full_customer(*rep, "华为技术有限公司", "13800000001");
  EXPECT_DOUBLE_EQ(percent(customer_completeness(*rep, key)), 50.0);
  Record set;
  set.set("custom.budget", std::string("50万"));
  update_customer(*rep, key, set);
  EXPECT_DOUBLE_EQ(percent(customer_completeness(*rep, key)), 100.0);
}

}  // namespace
}  // namespace crm::testing
