// Automation rules (R8): saving and refusing rules, the shipped templates,
// event and time triggers, conditions, actions, the loop guard and the run log.

#include "service/automation.hpp"

#include "followup_fixture.hpp"
#include "service/leads.hpp"
#include "service/tags.hpp"
#include "store/tag_repo.hpp"

namespace crm::testing {
namespace {

class AutomationTest : public FollowupTest {
 protected:
  std::int64_t save(const std::string& json, bool enable = true) {
    auto [id, version] = save_automation_rule(*admin, 0, json);
    EXPECT_EQ(version, 1);
    if (enable) enable_automation_rule(*admin, id, true);
    return id;
  }

  std::int64_t template_rule(const char* code) {
    for (const auto& r : list_automation_rules(*admin))
      if (r.text("template") == code) return int_of(r, "id");
    ADD_FAILURE() << "no template " << code;
    return 0;
  }

  std::vector<Record> messages() {
    std::vector<Record> out;
    for (auto& m : outbox_after(0))
      if (m.text("kind") == "automation") out.push_back(m);
    return out;
  }

  std::vector<Record> runs() { return list_automation_runs(*admin, 0, 0, 1000); }

  void tag(std::int64_t key, const char* label, bool add = true) {
    auto all = store::find_tags_by_label(db->conn(), label);
    ASSERT_EQ(all.size(), 1u) << label;
    tag_customer(*rep, key, all[0].id, add);
  }

  bool has_tag(std::int64_t key, const char* label) {
    for (const auto& t : store::customer_tags(db->conn(), key))
      if (t.label == label) return true;
    return false;
  }
};

const char* const kNotifyManager = R"({"type": "notify", "to": "role:sales_manager",
  "channels": "app", "template_zh": "{customer}：{tag}", "template_en": "{customer}: {tag}"})";

TEST_F(AutomationTest, TheSeedTemplatesShipDisabledAndTheHighPotentialOneWorksOnceEnabled) {
  auto all = list_automation_rules(*admin);
  ASSERT_EQ(all.size(), 4u);
  for (const auto& r : all) EXPECT_EQ(int_of(r, "enabled"), 0) << r.text("name");
  std::int64_t key = new_customer(kNow);
  tag(key, "高潜力");
  EXPECT_TRUE(messages().empty()) << "disabled templates do nothing";
  tag(key, "高潜力", false);

  enable_automation_rule(*admin, template_rule("high_potential_tag"), true);
  tag(key, "高潜力");
  auto m = messages();
  ASSERT_EQ(m.size(), 1u) << describe(outbox_after(0));
  EXPECT_EQ(m[0].text("recipient_role"), "sales_manager");
  EXPECT_NE(m[0].text("message").find("被标记为高潜力"), std::string::npos) << m[0].text("message");
  EXPECT_NE(m[0].text("message").find("张伟"), std::string::npos) << "names the owner";
  ASSERT_EQ(runs().size(), 1u);
  EXPECT_EQ(runs()[0].text("outcome"), "fired");
}

TEST_F(AutomationTest, StatusUnchangedForThreeDaysIsOverdueAndAChangeRestartsTheClock) {
  enable_automation_rule(*admin, template_rule("status_stale_3d"), true);
  std::int64_t key = new_customer(kNow);
  tick_at(kNow + 3 * kDay - 1);
  EXPECT_TRUE(messages().empty());
  db->clock().fix(kNow + 2 * kDay);
  set_customer_type(*rep, key, "intent", std::nullopt);  // the clock starts again
  tick_at(kNow + 3 * kDay);
  EXPECT_TRUE(messages().empty()) << describe(messages());
  tick_at(kNow + 5 * kDay - 1);
  EXPECT_TRUE(messages().empty());
  tick_at(kNow + 5 * kDay);
  auto m = messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(int_of(m[0], "recipient_user"), rep_id);
  tick_at(kNow + 9 * kDay);
  EXPECT_EQ(messages().size(), 1u) << "once per unchanged stretch";
}

TEST_F(AutomationTest, ConditionsDecideAndActionsChangeTheCustomer) {
  save(R"({"name": "高优先级意向客户",
    "trigger": {"event": "stage_entered", "stage": "意向"},
    "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
                           {"owner_department": "华东销售部"},
                           {"not": {"tag": "高潜力"}}]},
    "actions": [{"type": "add_tag", "tag": "高潜力"},
                {"type": "create_plan", "after_hours": 2, "goal": "确认预算", "method": "电话"}]})");
  std::int64_t high = new_customer(kNow, 1);
  Record low_fields = customer(company(2).c_str(), phone(2).c_str());
  low_fields.set("priority", std::string("低"));
  std::int64_t low = create_customer(*rep, low_fields);
  set_customer_type(*rep, high, "intent", std::nullopt);
  set_customer_type(*rep, low, "intent", std::nullopt);
  EXPECT_TRUE(has_tag(high, "高潜力"));
  EXPECT_FALSE(has_tag(low, "高潜力")) << "priority 低 does not meet the condition";
  auto plans = store::plans_of_customer(db->conn(), high);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].planned_at, kNow + 2 * kHour);
  EXPECT_EQ(plans[0].owner, rep_id);
}

TEST_F(AutomationTest, RulesTriggeringEachOtherStopAtTheDepthAndSayWhy) {
  save(std::string(R"({"name": "加标签", "trigger": {"event": "tag_added", "tag": "高潜力"},
    "actions": [{"type": "remove_tag", "tag": "高潜力"}]})"));
  save(std::string(R"({"name": "去标签", "trigger": {"event": "tag_removed", "tag": "高潜力"},
    "actions": [{"type": "add_tag", "tag": "高潜力"}]})"));
  std::int64_t key = new_customer(kNow);
  tag(key, "高潜力");  // returns: no runaway
  int fired = 0, stopped = 0;
  for (const auto& r : runs()) {
    if (r.text("outcome") == "fired") ++fired;
    if (r.text("outcome") == "loop_stopped") ++stopped;
  }
  EXPECT_EQ(fired, 3) << "depths 0, 1 and 2 run; automation.max_depth is 3";
  EXPECT_EQ(stopped, 1);
}

TEST_F(AutomationTest, AFailingActionIsLoggedAndTheChangeStands) {
  // The rule's author leaves: actions that act as them fail, messages do not.
  std::int64_t author = add_user("wangqiang", "王强", nullptr, "admin");
  Session by(*db, author);
  auto [id, version] = save_automation_rule(
      by, 0,
      R"({"name": "调整优先级后打标签", "trigger": {"event": "field_changed", "field": "priority"},
    "actions": [{"type": "add_tag", "tag": "高潜力"}, {"type": "notify", "to": "owner", "channels": "app",
    "template_zh": "{customer}的{field}由{before}改为{after}",
    "template_en": "{field} of {customer}: {before} → {after}"}]})");
  enable_automation_rule(by, id, true);
  EXPECT_EQ(version, 1);
  Record off;
  off.set("active", std::int64_t{0});
  update_user(*admin, author, off);
  std::int64_t key = new_customer(kNow);
  Record change;
  change.set("priority", std::string("低"));
  update_customer(*rep, key, change);
  EXPECT_EQ(get_customer(*admin, key).text("priority"), "low") << "the change itself stands";
  auto r = runs();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text("outcome"), "action_failed");
  EXPECT_NE(r[0].text("detail").find("add_tag"), std::string::npos) << r[0].text("detail");
  EXPECT_FALSE(has_tag(key, "高潜力"));
  ASSERT_EQ(messages().size(), 1u) << "the other action still ran";
  EXPECT_EQ(messages()[0].text("message").find("{"), std::string::npos);
}

TEST_F(AutomationTest, ARuleThatCannotBeValidIsRefusedWithItsPath) {
  struct Case {
    const char* json;
    const char* says;
  } cases[] = {
      {"{", "invalid JSON"},
      {R"({"name": "x", "trigger": {"event": "created"}, "actions": []})", "actions"},
      {R"({"name": "x", "trigger": {"event": "deleted"}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "trigger.event: unknown event"},
      {R"({"name": "x", "trigger": {"event": "field_changed", "field": "budget"}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "trigger.field: no customer field \"budget\""},
      {R"({"name": "x", "trigger": {"event": "created"}, "conditions": {"all": [{"field": "priority", "op": "=", "value": "urgent"}]}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "conditions.all[0].value"},
      {R"({"name": "x", "trigger": {"event": "created"}, "conditions": {"field": "priority", "op": "<", "value": "高"}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "conditions.op"},
      {R"({"name": "x", "trigger": {"event": "tag_added", "tag": "不存在的标签"}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "trigger.tag"},
      {R"({"name": "x", "trigger": {"event": "created"}, "actions": [{"type": "notify", "to": "owner", "channels": "app", "template_zh": "{客户}", "template_en": "x"}]})",
       "actions[0].template_zh"},
      {R"({"name": "x", "trigger": {"event": "created"}, "actions": [{"type": "notify", "to": "role:ceo", "channels": "app", "template_zh": "x", "template_en": "x"}]})",
       "actions[0].to: no role"},
      {R"({"name": "x", "trigger": {"event": "created"}, "actions": [{"type": "set_field", "field": "created_at", "value": 1}]})",
       "read-only"},
      {R"({"name": "x", "trigger": {"event": "no_change", "hours": 0}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "trigger.hours"},
      {R"({"name": "x", "trigger": {"event": "created"}, "actions": [{"type": "launch"}]})",
       "unknown action"},
      {R"({"name": "x", "trigger": {"event": "created"}, "when": {}, "actions": [{"type": "add_tag", "tag": "高潜力"}]})",
       "unknown member \"when\""},
  };
  for (const auto& c : cases) {
    Error e = expect_error(Status::invalid_arg, [&] { save_automation_rule(*admin, 0, c.json); });
    EXPECT_NE(e.message_en().find(c.says), std::string::npos)
        << "expected a message containing [" << c.says << "], got [" << e.message_en() << "]";
    EXPECT_FALSE(e.message_zh().empty());
  }
  EXPECT_EQ(list_automation_rules(*admin).size(), 4u) << "nothing saved but the templates";
  expect_error(Status::permission, [&] {
    save_automation_rule(*rep, 0,
                         R"({"name": "x", "trigger": {"event": "created"},
                             "actions": [{"type": "add_tag", "tag": "高潜力"}]})");
  });
}

TEST_F(AutomationTest, VersionsAreKeptAndANewVersionAppliesAtOnce) {
  std::int64_t id =
      save(std::string(R"({"name": "v1", "trigger": {"event": "tag_added", "tag": "高潜力"},
    "actions": [)") +
           kNotifyManager + "]}");
  auto [same, v2] = save_automation_rule(*admin, id, R"({"name": "v2",
    "trigger": {"event": "tag_added", "tag": "高潜力"},
    "conditions": {"field": "priority", "op": "=", "value": "低"},
    "actions": [{"type": "add_tag", "tag": "采购设备"}]})");
  EXPECT_EQ(same, id);
  EXPECT_EQ(v2, 2);
  EXPECT_EQ(automation_rule_versions(*admin, id).size(), 2u);
  EXPECT_EQ(int_of(get_automation_rule(*admin, id), "enabled"), 1) << "a new version stays enabled";
  std::int64_t key = new_customer(kNow);
  tag(key, "高潜力");
  EXPECT_TRUE(messages().empty()) << "version 1's action is gone";
  EXPECT_TRUE(runs().empty()) << "version 2's condition does not hold (priority 高)";
}

TEST_F(AutomationTest, ATimedRuleEnabledLaterReachesExistingCustomers) {
  std::int64_t key = new_customer(kNow);
  db->clock().fix(kNow + kDay);
  enable_automation_rule(*admin, template_rule("status_stale_3d"), true);
  tick_at(kNow + 3 * kDay - 1);
  EXPECT_TRUE(messages().empty());
  tick_at(kNow + 3 * kDay);
  ASSERT_EQ(messages().size(), 1u) << "three days after its creation, not after the enabling";
  EXPECT_EQ(messages()[0].text("customer"), store::human_id(key));
}

TEST_F(AutomationTest, MessagesShowLabelsAndRunsComeInTheOrderTheyHappened) {
  save(R"({"name": "优先级变化", "trigger": {"event": "field_changed", "field": "priority"},
    "actions": [{"type": "add_tag", "tag": "高潜力"}, {"type": "notify", "to": "owner", "channels": "app",
    "template_zh": "{field}由{before}改为{after}", "template_en": "{field}: {before} → {after}"}]})");
  save(std::string(R"({"name": "标签提醒", "trigger": {"event": "tag_added", "tag": "高潜力"},
    "actions": [{"type": "notify", "to": "owner", "channels": "app",
    "template_zh": "已标记{tag}", "template_en": "tagged {tag}"}]})"));
  std::int64_t key = new_customer(kNow);
  Record change;
  change.set("priority", std::string("低"));
  update_customer(*rep, key, change);
  auto r = runs();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].text("event"), "field_changed") << "the cause first";
  EXPECT_EQ(int_of(r[0], "depth"), 0) << "a run of a user's change is at depth 0";
  EXPECT_EQ(r[1].text("event"), "tag_added");
  EXPECT_EQ(int_of(r[1], "depth"), 1) << "the run its action set off, one deeper";
  std::vector<std::string> texts;
  for (const auto& m : messages()) texts.push_back(m.text("message"));
  EXPECT_EQ(texts, (std::vector<std::string>{"已标记高潜力", "需求优先级由高改为低"}))
      << "labels, not codes (the tag's message is written first: it ran inside the first rule)";
}

TEST_F(AutomationTest, ALaterRuleSeesWhatAnEarlierRulesActionsChanged) {
  save(R"({"name": "新客户降为低优先级", "trigger": {"event": "created"},
    "actions": [{"type": "set_field", "field": "priority", "value": "低"}]})");
  save(R"({"name": "低优先级打标签", "trigger": {"event": "created"},
    "conditions": {"field": "priority", "op": "=", "value": "低"},
    "actions": [{"type": "add_tag", "tag": "低优先级"}]})");
  std::int64_t key = new_customer(kNow);  // created with priority 高
  EXPECT_EQ(get_customer(*admin, key).text("priority"), "low");
  EXPECT_TRUE(has_tag(key, "低优先级")) << "the second rule read the customer after the first";
}

TEST_F(AutomationTest, AScoreCrossingLeadTriggersLeadRules) {
  save(R"J({"name": "展会高价值线索", "trigger": {"event": "score_crossed"},
    "conditions": {"all": [{"field": "channel", "op": "=", "value": "展会"},
                           {"field": "region", "op": "contains", "value": "深圳"}]},
    "actions": [{"type": "notify", "to": "owner", "channels": "app",
                 "template_zh": "{customer}已成为高价值线索", "template_en": "{customer} is hot"},
                {"type": "escalate", "channels": "app",
                 "template_zh": "{customer}（{owner}）", "template_en": "{customer} ({owner})"}]})J");
  auto capture = [&](const char* company, const char* phone, const char* channel) {
    Record r;
    r.set("company", std::string(company));
    r.set("phone", std::string(phone));
    r.set("channel", std::string(channel));
    r.set("region", std::string("广东省深圳市"));
    r.set("owner", rep_id);
    return capture_lead(*admin, r).lead;
  };
  std::int64_t show = capture("深圳市腾跃科技有限公司", "13900000001", "展会");
  std::int64_t web = capture("深圳市星河数据有限公司", "13900000002", "官网注册");
  for (std::int64_t id : {show, web})
    for (int i = 0; i < 4; ++i) record_lead_event(*admin, id, "product_view", 0, std::nullopt);
  auto m = messages();
  ASSERT_EQ(m.size(), 2u) << "only the trade-show lead: owner and supervisor";
  EXPECT_EQ(int_of(m[0], "lead"), show);
  EXPECT_EQ(m[0].text("message"), "深圳市腾跃科技有限公司已成为高价值线索");
  EXPECT_EQ(int_of(m[0], "recipient_user"), rep_id);
  EXPECT_EQ(int_of(m[1], "recipient_user"), manager_id) << "escalate: the owner's supervisor";
  record_lead_event(*admin, show, "visit", 0, std::nullopt);
  EXPECT_EQ(messages().size(), 2u) << "crossing happens once";

  Error e = expect_error(Status::invalid_arg, [&] {
    save_automation_rule(*admin, 0, R"({"name": "x", "trigger": {"event": "score_crossed"},
      "actions": [{"type": "add_tag", "tag": "高潜力"}]})");
  });
  EXPECT_NE(e.message_en().find("notify or escalate"), std::string::npos) << e.message_en();
  e = expect_error(Status::invalid_arg, [&] {
    save_automation_rule(*admin, 0, R"({"name": "x", "trigger": {"event": "score_crossed"},
      "conditions": {"field": "tier", "op": "=", "value": "A"},
      "actions": [{"type": "escalate", "channels": "app", "template_zh": "x", "template_en": "x"}]})");
  });
  EXPECT_NE(e.message_en().find("no lead field \"tier\""), std::string::npos) << e.message_en();
}

TEST_F(AutomationTest, SimulationGivesTheTimelineAndTouchesNothing) {
  new_customer(kNow, 7);  // another customer: not in the timeline
  const std::int64_t before = last_outbox_id();
  const std::size_t customers = count_customers();
  auto timeline = simulate_automation(*admin, R"([
    {"name": "高潜力提醒", "trigger": {"event": "tag_added", "tag": "高潜力"},
     "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
                  "template_zh": "{customer}被标记为{tag}", "template_en": "{customer}: {tag}"}]},
    {"name": "三天未变", "trigger": {"event": "no_change", "field": "type", "days": 3},
     "actions": [{"type": "notify", "to": "owner", "channels": "app",
                  "template_zh": "{customer}状态3天未更新", "template_en": "stale"}]}])",
                                      R"({"start": )" + std::to_string(kNow) + R"(, "steps": [
    {"do": "create", "fields": {"name": "杭州恒达精密机械有限公司", "contact_name": "王建国",
     "phone": "13812345678", "industry": "制造业", "scale": "100-500人", "source": "展会",
     "key_needs": "采购数控机床", "priority": "高"}},
    {"after_hours": 1, "do": "tag", "tag": "高潜力"},
    {"after_hours": 80, "do": "tick"}]})");
  std::vector<std::string> got;
  for (const auto& r : timeline)
    got.push_back(r.text("kind") + ":" +
                  (r.text("kind") == "step" ? r.text("detail") : r.text("rule_name")) + "@" +
                  std::to_string((int_of(r, "at") - kNow) / kHour));
  EXPECT_EQ(
      got, (std::vector<std::string>{"step:create C0002@0", "step:tag 高潜力@1", "run:高潜力提醒@1",
                                     "message:高潜力提醒@1", "run:三天未变@72",
                                     "message:三天未变@72", "step:tick@81"}))
      << "the 3-day timer fires when due, between the steps";
  EXPECT_EQ(last_outbox_id(), before) << "the real outbox is untouched";
  EXPECT_EQ(count_customers(), customers) << "and so are the customers";
  EXPECT_EQ(list_automation_rules(*admin).size(), 4u);
  Error e = expect_error(Status::invalid_arg, [&] {
    simulate_automation(*admin, "", R"({"steps": [{"do": "tag", "tag": "高潜力"}]})");
  });
  EXPECT_NE(e.message_en().find("steps[0]"), std::string::npos) << e.message_en();
}

}  // namespace
}  // namespace crm::testing
