// Leads (R4): capture and its welcome message, the 24-hour assignment
// reminder, scoring at its threshold and with decay, assignment rules,
// conversion with the lead's history, the funnel, and who sees which lead.

#include "service/leads.hpp"

#include <cmath>

#include "followup_fixture.hpp"

namespace crm::testing {
namespace {

class LeadTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();
    marketing_id = add_user("chenjing", "陈静", "市场部", "市场");
    marketing = std::make_unique<Session>(*db, marketing_id);
  }

  Record lead(const char* company = "深圳市腾跃科技有限公司", const char* phone = "13912345678",
              const char* channel = "官网注册") {
    Record r;
    r.set("company", std::string(company));
    r.set("person", std::string("刘洋"));
    r.set("phone", std::string(phone));
    r.set("channel", std::string(channel));
    r.set("region", std::string("广东省深圳市"));
    r.set("industry", std::string("互联网"));
    return r;
  }

  std::int64_t capture(const Record& r) {
    CaptureResult c = capture_lead(*marketing, r);
    EXPECT_EQ(static_cast<int>(c.outcome), static_cast<int>(CaptureOutcome::created));
    return c.lead;
  }

  double score_of(std::int64_t id) {
    const Record l = get_lead(*admin, id);
    const Value* v = l.find("score");
    EXPECT_TRUE(v && is_real(*v));
    return v && is_real(*v) ? std::get<double>(*v) : -1;
  }

  std::vector<Record> outbox_of(const char* kind) {
    std::vector<Record> out;
    for (auto& m : outbox_after(0))
      if (m.text("kind") == kind) out.push_back(m);
    return out;
  }

  std::int64_t marketing_id = 0;
  std::unique_ptr<Session> marketing;
};

TEST_F(LeadTest, CaptureWelcomesTheLeadAndRemindsManagersAfter24HoursInThePool) {
  std::int64_t id = capture(lead());
  Record l = get_lead(*admin, id);
  EXPECT_EQ(l.text("stage"), "captured");
  EXPECT_TRUE(is_null_field(l, "owner")) << "a marketing capture waits in the pool";
  EXPECT_EQ(l.text("phone"), "139****5678") << "reads are masked";

  auto welcome = outbox_of("lead_welcome");
  ASSERT_EQ(welcome.size(), 1u) << describe(outbox_after(0));
  EXPECT_EQ(welcome[0].text("channel"), "sms");
  EXPECT_EQ(int_of(welcome[0], "lead"), id);
  EXPECT_EQ(welcome[0].text("address"), "+8613912345678") << "the delivery worker needs it";
  EXPECT_TRUE(is_null_field(welcome[0], "recipient_user"));
  EXPECT_NE(welcome[0].text("message").find("刘洋您好，感谢关注"), std::string::npos)
      << welcome[0].text("message");
  EXPECT_NE(welcome[0].text("message").find("1小时内"), std::string::npos);

  // lead_unassigned: 24 hours by the calendar, not a millisecond earlier.
  tick_at(kNow + kDay - 1);
  EXPECT_TRUE(outbox_of("lead_unassigned").empty()) << describe(outbox_after(0));
  tick_at(kNow + kDay);
  auto late = outbox_of("lead_unassigned");
  ASSERT_EQ(late.size(), 1u) << describe(outbox_after(0));
  EXPECT_EQ(late[0].text("recipient_role"), "sales_manager");
  EXPECT_TRUE(is_null_field(late[0], "address"));
}

TEST_F(LeadTest, AssignedWithinTheDayMeansNoUnassignedReminder) {
  std::int64_t id = capture(lead());
  db->clock().fix(kNow + 2 * kHour);
  EXPECT_EQ(assign_lead(*admin, id, rep_id), std::optional<std::int64_t>(rep_id));
  auto told = outbox_of("lead_assigned");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(int_of(told[0], "recipient_user"), rep_id);
  tick_at(kNow + 2 * kDay);
  EXPECT_TRUE(outbox_of("lead_unassigned").empty()) << describe(outbox_after(0));
  Record l = get_lead(*rep, id);
  EXPECT_EQ(l.text("stage"), "assigned");
  EXPECT_EQ(int_of(l, "screened_at"), kNow + 2 * kHour) << "a skipped step gets the same time";
}

TEST_F(LeadTest, RepeatedExternalIdDuplicatesAndLinkedCustomers) {
  Record r = lead();
  r.set("external_id", std::string("form-2026-001"));
  std::int64_t id = capture(r);
  CaptureResult again = capture_lead(*marketing, r);
  EXPECT_EQ(again.lead, id);
  EXPECT_EQ(static_cast<int>(again.outcome), static_cast<int>(CaptureOutcome::repeated));
  EXPECT_EQ(outbox_of("lead_welcome").size(), 1u) << "a repeat welcomes nobody twice";

  Record other = r;
  other.set("company", std::string("深圳市星河数据有限公司"));
  expect_error(Status::conflict, [&] { capture_lead(*marketing, other); });

  // Same phone, another channel, no external id: the same lead.
  Record dup = lead("深圳市腾跃科技有限公司", "139 1234 5678", "展会");
  CaptureResult d = capture_lead(*marketing, dup);
  EXPECT_EQ(d.lead, id);
  EXPECT_EQ(static_cast<int>(d.outcome), static_cast<int>(CaptureOutcome::duplicate));

  // A customer with this phone already: a new lead, linked.
  std::int64_t key = new_customer(kNow, 3);
  CaptureResult linked = capture_lead(*marketing, lead("杭州星海科技有限公司", phone(3).c_str()));
  EXPECT_EQ(static_cast<int>(linked.outcome), static_cast<int>(CaptureOutcome::linked));
  EXPECT_EQ(get_lead(*admin, linked.lead).text("customer"), store::human_id(key));
}

TEST_F(LeadTest, BadCapturesListEveryFieldAndWriteNothing) {
  Record r;
  r.set("company", std::string("某公司"));
  r.set("phone", std::string("123"));
  r.set("channel", std::string("飞鸽传书"));
  Error e = expect_error(Status::validation, [&] { capture_lead(*marketing, r); });
  std::vector<std::string> fields;
  for (const auto& f : e.fields()) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"company", "phone", "channel"}));
  LeadQuery q;
  EXPECT_TRUE(list_leads(*admin, q).empty());
  EXPECT_TRUE(outbox_after(0).empty());
}

TEST_F(LeadTest, Seed004WorkedExampleAndTheHighValueThreshold) {
  std::int64_t id = capture(lead());
  ScoreResult r = record_lead_event(*marketing, id, "product_view", 0, std::nullopt);
  r = record_lead_event(*marketing, id, "product_view", 0, std::nullopt);
  EXPECT_EQ(r.score, 4.0) << "seed 004: two product-page views give 4 points";
  EXPECT_FALSE(r.high_value) << "seed 004: and no high-value mark";
  r = record_lead_event(*marketing, id, "inquiry", 0, std::string("询问报价"));
  EXPECT_EQ(r.score, 7.0);
  EXPECT_FALSE(r.high_value) << "7 is below 8";
  r = record_lead_event(*marketing, id, "product_view", 0, std::nullopt);
  EXPECT_EQ(r.score, 9.0);
  EXPECT_TRUE(r.marked_now);
  r = record_lead_event(*marketing, id, "product_view", 0, std::nullopt);
  EXPECT_FALSE(r.marked_now) << "the mark is given once";
  EXPECT_EQ(outbox_of("lead_high_value").size(), 1u) << describe(outbox_after(0));

  double sum = 0;
  auto why = explain_lead_score(*admin, id);
  ASSERT_EQ(why.size(), 5u);
  for (const auto& row : why) sum += std::get<double>(*row.find("effective"));
  EXPECT_EQ(sum, score_of(id));
  EXPECT_EQ(why[2].text("label"), "咨询详情");
  EXPECT_EQ(why[2].text("note"), "询问报价");
}

TEST_F(LeadTest, ExactlyTheThresholdMarks) {
  set("lead.high_value_score", "5");
  std::int64_t id = capture(lead());
  EXPECT_FALSE(record_lead_event(*marketing, id, "product_view", 0, std::nullopt).high_value);
  EXPECT_TRUE(record_lead_event(*marketing, id, "inquiry", 0, std::nullopt).marked_now)
      << "2 + 3 = 5 reaches 5";
}

TEST_F(LeadTest, DecayHalvesAScoreEveryHalfLifeAndANewHalfLifeRescores) {
  set("lead.score_half_life_days", "7");
  std::int64_t id = capture(lead());
  record_lead_event(*marketing, id, "visit", 0, std::nullopt);  // 5 points
  db->clock().fix(kNow + 7 * kDay);
  EXPECT_NEAR(score_of(id), 2.5, 1e-9);
  db->clock().fix(kNow + 14 * kDay);
  EXPECT_NEAR(score_of(id), 1.25, 1e-9);
  // A late event (recorded now, happened a week ago) weighs its age.
  record_lead_event(*marketing, id, "inquiry", kNow + 7 * kDay, std::nullopt);
  EXPECT_NEAR(score_of(id), 1.25 + 1.5, 1e-9);
  auto why = explain_lead_score(*admin, id);
  ASSERT_EQ(why.size(), 2u);
  EXPECT_NEAR(std::get<double>(*why[0].find("weight")), 0.25, 1e-12);
  set("lead.score_half_life_days", "0");
  EXPECT_EQ(score_of(id), 8.0) << "without decay every point counts again";
}

TEST_F(LeadTest, BadEventsAreRefusedWithoutWriting) {
  std::int64_t id = capture(lead());
  expect_error(Status::not_found,
               [&] { record_lead_event(*marketing, 999, "product_view", 0, std::nullopt); });
  Error e = expect_error(Status::invalid_arg,
                         [&] { record_lead_event(*marketing, id, "teleport", 0, std::nullopt); });
  EXPECT_NE(e.message_en().find("product_view"), std::string::npos) << "names the known kinds";
  expect_error(Status::invalid_arg,
               [&] { record_lead_event(*marketing, id, "product_view", kNow + 1, std::nullopt); });
  expect_error(Status::invalid_arg, [&] { set_score_rule(*admin, "spam", 0, "垃圾", "Spam"); });
  expect_error(Status::invalid_arg, [&] { set_score_rule(*admin, "spam", 101, "垃圾", "Spam"); });
  expect_error(Status::invalid_arg, [&] { set_score_rule(*admin, "spam", -5, "垃圾", "Spam"); });
  expect_error(Status::invalid_arg, [&] { set_score_rule(*admin, "Spam!", 5, "垃圾", "Spam"); });
  expect_error(Status::permission,
               [&] { set_score_rule(*marketing, "webinar", 4, "参加网络研讨会", "Webinar"); });
  EXPECT_EQ(score_of(id), 0.0);
  EXPECT_TRUE(explain_lead_score(*admin, id).empty());
  set_score_rule(*admin, "webinar", 4, "参加网络研讨会", "Webinar");
  EXPECT_EQ(record_lead_event(*marketing, id, "webinar", 0, std::nullopt).score, 4.0);
}

TEST_F(LeadTest, AnEventStormCostsOneMarkAndNoRunaway) {
  std::int64_t id = capture(lead());
  for (int i = 0; i < 10000; ++i)
    record_lead_event(*marketing, id, "product_view", 0, std::nullopt);
  EXPECT_EQ(score_of(id), 20000.0);
  EXPECT_EQ(outbox_of("lead_high_value").size(), 1u);
}

class LeadRoutingTest : public LeadTest {
 protected:
  void SetUp() override {
    LeadTest::SetUp();
    south = {add_user("wangfang", "王芳", "华南销售部", "销售"),
             add_user("zhaolei", "赵磊", "华南销售部", "销售"),
             add_user("sunli", "孙丽", "华南销售部", "销售")};
    add_user("zhouqiang", "周强", "华南销售部", "销售经理");  // not in the round robin
  }
  std::optional<std::int64_t> route_new(const char* company, const char* phone, const char* region,
                                        const char* industry) {
    Record r = lead(company, phone);
    r.set("region", std::string(region));
    r.set("industry", std::string(industry));
    std::int64_t id = capture(r);
    return assign_lead(*admin, id, 0);
  }
  std::vector<std::int64_t> south;
};

TEST_F(LeadRoutingTest, RegionAndIndustryGoToAUserElseRoundRobinSkippingAbsentAndFull) {
  Record to_rep;
  to_rep.set("region", std::string("深圳市"));
  to_rep.set("industry", std::string("互联网"));
  to_rep.set("user", rep_id);
  add_lead_route(*admin, to_rep);
  Record team;
  team.set("region", std::string("广东省"));
  team.set("department", std::string("华南销售部"));
  add_lead_route(*admin, team);

  EXPECT_EQ(route_new("深圳市腾跃科技有限公司", "13900000001", "广东省深圳市", "互联网"),
            std::optional<std::int64_t>(rep_id));
  // Manufacturing in Guangzhou: the team, in id order, round and round.
  std::vector<std::int64_t> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(route_new(company(i).c_str(), phone(100 + i).c_str(), "广东省广州市", "制造业")
                      .value_or(0));
  EXPECT_EQ(got, (std::vector<std::int64_t>{south[0], south[1], south[2], south[0]}));

  Record away;
  away.set("absent", std::int64_t{1});
  update_user(*admin, south[1], away);
  set("lead.max_open_per_user", "2");  // south[0] has 2 open leads now
  EXPECT_EQ(route_new(company(10).c_str(), phone(110).c_str(), "广东省佛山市", "制造业"),
            std::optional<std::int64_t>(south[2]))
      << "王芳 is full, 赵磊 away";
  EXPECT_EQ(route_new(company(11).c_str(), phone(111).c_str(), "广东省佛山市", "制造业"),
            std::nullopt)
      << "孙丽 full too: nobody left";
  auto pool = list_leads(*admin, [] {
    LeadQuery q;
    q.owner = 0;
    return q;
  }());
  ASSERT_EQ(pool.size(), 1u);
  EXPECT_NE(pool[0].text("route_note").find("nobody in 华南销售部"), std::string::npos)
      << pool[0].text("route_note");

  // A region no rule names: the pool, saying so.
  EXPECT_EQ(route_new(company(12).c_str(), phone(112).c_str(), "四川省成都市", "制造业"),
            std::nullopt);
}

TEST_F(LeadRoutingTest, RulesThatCouldMatchNobodyAreRefused) {
  Record r;
  r.set("department", std::string("市场部"));  // no salespeople there
  expect_error(Status::invalid_arg, [&] { add_lead_route(*admin, r); });
  Record both;
  both.set("department", std::string("华南销售部"));
  both.set("user", rep_id);
  expect_error(Status::invalid_arg, [&] { add_lead_route(*admin, both); });
  Record gone;
  gone.set("user", std::int64_t{4242});
  expect_error(Status::invalid_arg, [&] { add_lead_route(*admin, gone); });
  Record odd;
  odd.set("user", rep_id);
  odd.set("province", std::string("广东"));
  expect_error(Status::invalid_arg, [&] { add_lead_route(*admin, odd); });
  EXPECT_TRUE(list_lead_routes(*admin).empty());
}

TEST_F(LeadTest, AssignmentRespectsAbsenceAndTheCap) {
  std::int64_t id = capture(lead());
  Record away;
  away.set("absent", std::int64_t{1});
  update_user(*admin, rep_id, away);
  expect_error(Status::state, [&] { assign_lead(*admin, id, rep_id); });
  away.set("absent", std::int64_t{0});
  update_user(*admin, rep_id, away);
  set("lead.max_open_per_user", "1");
  assign_lead(*admin, id, rep_id);
  std::int64_t second = capture(lead("深圳市星河数据有限公司", "13912340000"));
  expect_error(Status::state, [&] { assign_lead(*admin, second, rep_id); });
}

TEST_F(LeadTest, StepsGoForwardOnlyAndDisqualifyingNeedsAReason) {
  std::int64_t id = capture(lead());
  expect_error(Status::state, [&] { advance_lead(*marketing, id, "following", std::nullopt); });
  advance_lead(*marketing, id, "初步筛选", std::nullopt);
  expect_error(Status::invalid_arg,
               [&] { advance_lead(*marketing, id, "captured", std::nullopt); });
  expect_error(Status::invalid_arg,
               [&] { advance_lead(*marketing, id, "disqualified", std::nullopt); });
  advance_lead(*marketing, id, "disqualified", std::string("空号"));
  Record l = get_lead(*admin, id);
  EXPECT_EQ(l.text("stage"), "disqualified");
  EXPECT_EQ(l.text("disqualify_reason"), "空号");
  expect_error(Status::state, [&] { advance_lead(*marketing, id, "screened", std::nullopt); });
  expect_error(Status::state,
               [&] { record_lead_event(*marketing, id, "product_view", 0, std::nullopt); });
}

TEST_F(LeadTest, ConversionCreatesTheCustomerWithTheLeadsHistory) {
  std::int64_t id = capture(lead());
  record_lead_event(*marketing, id, "product_view", kNow, std::nullopt);
  // The pool is not the rep's; an unassigned lead has nobody to own the customer.
  expect_error(Status::not_found, [&] { convert_lead(*rep, id, "intent", Record{}); });
  expect_error(Status::state, [&] { convert_lead(*admin, id, "intent", Record{}); });
  assign_lead(*admin, id, rep_id);
  db->clock().fix(kNow + kHour);
  advance_lead(*rep, id, "following", std::nullopt);
  Record extra;
  extra.set("scale", std::string("100-500人"));
  extra.set("key_needs", std::string("搭建私有云"));
  std::int64_t key = convert_lead(*rep, id, "意向", extra);
  Record c = get_customer(*rep, key);
  EXPECT_EQ(c.text("name"), "深圳市腾跃科技有限公司");
  EXPECT_EQ(c.text("type"), "intent");
  EXPECT_EQ(c.text("source"), "website");
  EXPECT_EQ(int_of(c, "owner"), rep_id);
  EXPECT_EQ(c.text("priority"), "medium");
  std::vector<std::int64_t> lead_rows;
  for (const auto& h : customer_history(*rep, key))
    if (h.text("kind") == "lead") lead_rows.push_back(int_of(h, "at"));
  ASSERT_GE(lead_rows.size(), 4u) << "capture, event, assign, stage, conversion";
  EXPECT_EQ(lead_rows.front(), kNow) << "events keep their original times";
  Record l = get_lead(*rep, id);
  EXPECT_EQ(l.text("stage"), "converted");
  EXPECT_EQ(l.text("customer"), store::human_id(key));
  expect_error(Status::state, [&] { convert_lead(*rep, id, "", Record{}); });
  expect_error(Status::invalid_arg, [&] { convert_lead(*rep, id, "won", Record{}); });
}

TEST_F(LeadTest, ConversionNamesTheMissingCustomerFieldsAndWritesNothing) {
  std::int64_t id = capture(lead());
  assign_lead(*admin, id, rep_id);
  Error e = expect_error(Status::validation, [&] { convert_lead(*rep, id, "", Record{}); });
  std::vector<std::string> fields;
  for (const auto& f : e.fields()) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"scale", "key_needs"}));
  EXPECT_EQ(get_lead(*rep, id).text("stage"), "assigned");
  EXPECT_EQ(count_customers(), 0u);
}

TEST_F(LeadTest, TheFunnelCountsEveryStageReachedByChannelAndMonth) {
  std::int64_t a = capture(lead("深圳市腾跃科技有限公司", "13900000001", "官网注册"));
  std::int64_t b = capture(lead("深圳市星河数据有限公司", "13900000002", "官网注册"));
  capture(lead("深圳市蓝海物流有限公司", "13900000003", "展会"));
  db->clock().fix(sh("2026-12-02 10:00"));
  capture(lead("深圳市金桥电子有限公司", "13900000004", "展会"));
  assign_lead(*admin, a, rep_id);
  advance_lead(*marketing, b, "disqualified", std::string("重复"));
  Record extra;
  extra.set("scale", std::string("100-500人"));
  extra.set("key_needs", std::string("采购服务器"));
  convert_lead(*rep, a, "", extra);

  auto rows = lead_funnel(*marketing, sh("2026-11-01"), sh("2027-01-01"), "month");
  auto row = [&](const char* period, const char* channel) -> Record {
    for (const auto& r : rows)
      if (r.text("period") == period &&
          (channel ? r.text("channel") == channel : is_null_field(r, "channel")))
        return r;
    ADD_FAILURE() << "no funnel row " << period << " " << (channel ? channel : "(all)");
    return Record{};
  };
  Record nov = row("2026-11", nullptr);
  EXPECT_EQ(int_of(nov, "captured"), 3);
  EXPECT_EQ(int_of(nov, "screened"), 1);
  EXPECT_EQ(int_of(nov, "converted"), 1);
  EXPECT_EQ(int_of(nov, "disqualified"), 1);
  Record web = row("2026-11", "website");
  EXPECT_EQ(int_of(web, "captured"), 2);
  EXPECT_EQ(std::get<double>(*web.find("conversion_rate")), 0.5);
  EXPECT_EQ(web.text("channel_label"), "官网注册");
  EXPECT_EQ(int_of(row("2026-12", "trade_show"), "captured"), 1);
  EXPECT_EQ(rows.size(), 5u) << "Nov: all, website, trade_show; Dec: all, trade_show";
  // The range is half-open: December's lead is out of a range ending on the 2nd at 10:00.
  auto early = lead_funnel(*marketing, sh("2026-11-01"), sh("2026-12-02 10:00"), "all");
  ASSERT_FALSE(early.empty());
  EXPECT_EQ(int_of(early[0], "captured"), 3);
}

TEST_F(LeadTest, WhoSeesWhichLead) {
  std::int64_t pool = capture(lead());
  std::int64_t mine = capture(lead("深圳市星河数据有限公司", "13912340001"));
  assign_lead(*admin, mine, rep_id);
  std::int64_t other_rep = add_user("qianyu", "钱宇", "华南销售部", "销售");
  Session other(*db, other_rep);
  // A salesperson sees their own leads, not the pool's, not others'.
  EXPECT_EQ(get_lead(*rep, mine).text("company"), "深圳市星河数据有限公司");
  expect_error(Status::not_found, [&] { get_lead(*rep, pool); });
  expect_error(Status::not_found, [&] { get_lead(other, mine); });
  LeadQuery q;
  EXPECT_EQ(list_leads(*rep, q).size(), 1u);
  EXPECT_TRUE(list_leads(other, q).empty());
  // The manager sees the department's and the pool.
  Session manager(*db, manager_id);
  EXPECT_EQ(list_leads(manager, q).size(), 2u);
  assign_lead(manager, pool, rep_id);
  // A salesperson's own capture is theirs.
  CaptureResult own = capture_lead(other, lead("深圳市蓝海物流有限公司", "13912340002"));
  EXPECT_EQ(int_of(get_lead(other, own.lead), "owner"), other_rep);
  // And they may not hand it to someone else.
  expect_error(Status::permission, [&] { assign_lead(other, own.lead, rep_id); });
  // Unmasking is audited and needs a reason.
  expect_error(Status::invalid_arg, [&] { unmask_lead(other, own.lead, std::nullopt); });
  EXPECT_EQ(unmask_lead(other, own.lead, std::string("回电")).text("phone"), "+8613912340002");
}

}  // namespace
}  // namespace crm::testing
