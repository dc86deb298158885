// include/crm/crm.hpp used exactly as a C++ host would: through libcrm.so.
#include <gtest/gtest.h>

#include <algorithm>
#include <crm/crm.hpp>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>

namespace {

// 2026-11-23T01:00:00Z = 09:00 in Shanghai.
constexpr std::int64_t kNow = 1795395600000;

crm::Record valid(const char* name = "杭州恒达精密机械有限公司") {
  return crm::Record{{"name", std::string(name)},
                     {"contact_name", std::string("王建国")},
                     {"phone", std::string("010-12345678")},
                     {"industry", std::string("制造业")},
                     {"scale", std::string("100-500人")},
                     {"source", std::string("展会")},
                     {"key_needs", std::string("采购数控机床")},
                     {"priority", std::string("高")}};
}

class CppApi : public ::testing::Test {
 protected:
  crm::Db db = crm::Db::open(":memory:");
};

TEST_F(CppApi, CreateReadUpdate) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  std::string id = admin.create_customer(valid());
  EXPECT_EQ(id, "C0001");
  crm::Record c = admin.get_customer(id);
  // Reads mask contact details (R3.6), even for an administrator; the stored
  // E.164 value and its national display come through an unmask.
  EXPECT_EQ(c.text("phone"), "010****5678");
  EXPECT_EQ(c.text("phone_display"), "010****5678");
  crm::Record clear = admin.unmask_customer(id, "核对录入的号码");
  EXPECT_EQ(clear.text("phone"), "+861012345678");
  EXPECT_EQ(clear.text("phone_display"), "010 1234 5678");
  EXPECT_EQ(c.text("priority"), "high");
  EXPECT_EQ(c.get_int("created_at"), kNow);
  EXPECT_EQ(admin.dict_label("priority", "high"), "高");

  crm::Record patch{{"priority", std::string("低")}, {"version", std::int64_t{1}}};
  EXPECT_EQ(admin.update_customer(id, patch), 2);
  EXPECT_EQ(admin.get_customer(id).text("priority"), "low");
  EXPECT_EQ(admin.customer_history(id).size(), 2u);
}

TEST_F(CppApi, ValidationErrorCarriesEveryField) {
  crm::Session admin(db, 1);
  crm::Record bad = valid("某科技公司");
  bad.set("phone", "12345678901").set("entry_date", "2026-02-30");
  try {
    admin.create_customer(bad);
    FAIL() << "expected a validation error";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_VALIDATION);
    EXPECT_STREQ(e.status_name(), "CRM_ERR_VALIDATION");
    std::set<std::string> fields;
    for (const auto& f : e.fields()) fields.insert(f.field + ":" + f.code);
    EXPECT_EQ(fields, (std::set<std::string>{"name:vague_name", "phone:invalid_phone",
                                             "entry_date:invalid_date"}));
    EXPECT_FALSE(e.message_zh().empty());
  }
  EXPECT_TRUE(admin.list_customers().rows.empty()) << "nothing written";
}

TEST_F(CppApi, TransactionRollsBackUnlessCommitted) {
  crm::Session admin(db, 1);
  {
    crm::Transaction tx(db);
    admin.create_customer(valid());
  }
  EXPECT_TRUE(admin.list_customers().rows.empty());
  {
    crm::Transaction tx(db);
    admin.create_customer(valid());
    tx.commit();
  }
  EXPECT_EQ(admin.list_customers().rows.size(), 1u);
}

TEST_F(CppApi, PagingFollowsTokens) {
  crm::Session admin(db, 1);
  for (const char* n :
       {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司", "宁波星海电子有限公司"})
    admin.create_customer(valid(n));
  crm::CustomerQuery q;
  q.page_size = 2;
  crm::Page p1 = admin.list_customers(q);
  ASSERT_EQ(p1.rows.size(), 2u);
  ASSERT_FALSE(p1.next.empty());
  q.after = p1.next;
  crm::Page p2 = admin.list_customers(q);
  ASSERT_EQ(p2.rows.size(), 1u);
  EXPECT_EQ(p2.rows[0].text("id"), "C0003");
  EXPECT_TRUE(p2.next.empty());
  crm::CustomerQuery named;
  named.name_contains = "纳微";
  EXPECT_EQ(admin.count_customers(named), 1);
  EXPECT_EQ(admin.count_customers(), 3);
}

TEST_F(CppApi, TagsFilterTheList) {
  crm::Session admin(db, 1);
  std::string a = admin.create_customer(valid());
  std::string b = admin.create_customer(valid("苏州纳微科技股份有限公司"));
  std::int64_t hot = admin.find_tag("高潜力");
  admin.tag_customer(b, hot);
  crm::CustomerQuery q;
  q.tags_all = {hot};
  crm::Page p = admin.list_customers(q);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].text("id"), b);
  ASSERT_EQ(admin.customer_tags(b).size(), 1u);
  EXPECT_EQ(admin.customer_tags(b)[0].text("label"), "高潜力");
  admin.untag_customer(b, hot);
  EXPECT_TRUE(admin.list_customers(q).rows.empty());
  EXPECT_GE(admin.tags("priority").size(), 3u);
  std::int64_t own = admin.define_tag("need", "软件采购");
  EXPECT_EQ(admin.find_tag("软件采购", "need"), own);
  (void)a;
}

TEST_F(CppApi, HistoryAcrossCustomersAndChannelDepartments) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  std::string a = admin.create_customer(valid());
  db.set_clock(kNow + 1000);
  admin.update_customer(a, crm::Record{{"priority", std::string("低")}});
  crm::HistoryQuery q;
  q.since_ms = kNow + 1000;
  crm::Page p = admin.list_history(q);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].text("customer"), a);
  EXPECT_EQ(p.rows[0].text("field"), "priority");
  q.since_ms = kNow + 1001;
  EXPECT_TRUE(admin.list_history(q).rows.empty());

  admin.set_channel_department("展会", "会展部");
  for (const auto& r : admin.dictionary("source"))
    if (r.text("code") == "trade_show") EXPECT_EQ(r.text("department"), "会展部");
}

TEST_F(CppApi, ContactsAndThePrimaryContact) {
  crm::Session admin(db, 1);
  std::string id = admin.create_customer(valid());
  std::int64_t cto = admin.add_contact(id, crm::Record{{"name", std::string("李娜")},
                                                       {"title", std::string("技术总监")},
                                                       {"email", std::string("lina@hengda.com")},
                                                       {"decision_maker", std::int64_t{1}}});
  ASSERT_EQ(admin.contacts(id).size(), 2u);
  admin.make_primary_contact(cto);
  crm::Record c = admin.get_customer(id);
  EXPECT_EQ(c.text("contact_name"), "李娜");
  EXPECT_EQ(c.text("contact_title"), "技术总监");
  EXPECT_EQ(admin.contacts(id)[0].get_int("id"), cto);
  try {
    admin.remove_contact(cto);
    FAIL() << "the primary contact cannot be removed";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_CONFLICT);
  }
}

TEST_F(CppApi, ForbiddenLifecycleStepThrowsConflict) {
  crm::Session admin(db, 1);
  std::string id = admin.create_customer(valid());
  admin.set_customer_type(id, "won", "签订合同");
  try {
    admin.set_customer_type(id, "prospect");
    FAIL() << "won -> prospect must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_CONFLICT);
  }
}

}  // namespace

namespace {

TEST_F(CppApi, CustomFieldsFiltersAndSorting) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  admin.define_custom_field({"budget_range",
                             "enum",
                             "客户预算范围",
                             "Budget range",
                             false,
                             {"10万以下", "10-50万", "50-100万"}});
  admin.define_custom_field({"annual_budget", "decimal", "年度预算（万元）"});
  ASSERT_EQ(admin.custom_fields().size(), 2u);
  EXPECT_EQ(admin.custom_fields()[0].text("name"), "custom.budget_range");

  std::string a = admin.create_customer(
      valid().set("custom.budget_range", "10-50万").set("custom.annual_budget", "35.5"));
  std::string b = admin.create_customer(
      valid("苏州纳微科技股份有限公司").set("custom.annual_budget", std::int64_t{120}));
  std::string c = admin.create_customer(valid("深圳市前海微众科技有限公司"));
  crm::Record got = admin.get_customer(a);
  EXPECT_EQ(got.text("custom.budget_range"), "10-50万");
  EXPECT_EQ(got.text("custom.annual_budget"), "35.50");

  crm::CustomerQuery q;
  q.filters = {{"custom.budget_range", "=", "10-50万"}};
  crm::Page p = admin.list_customers(q);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].text("id"), a);
  EXPECT_EQ(admin.count_customers(q), 1);

  crm::CustomerQuery sorted;
  sorted.sort = "-custom.annual_budget";
  sorted.page_size = 2;
  crm::Page first = admin.list_customers(sorted);
  ASSERT_EQ(first.rows.size(), 2u);
  EXPECT_EQ(first.rows[0].text("id"), b);
  EXPECT_EQ(first.rows[1].text("id"), a);
  sorted.after = first.next;
  crm::Page second = admin.list_customers(sorted);
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_EQ(second.rows[0].text("id"), c) << "customers without a value come last";

  try {
    admin.create_customer(valid("杭州西湖龙井茶业有限公司").set("custom.annual_budget", "1.234"));
    FAIL() << "expected a validation error";
  } catch (const crm::Error& e) {
    ASSERT_EQ(e.fields().size(), 1u);
    EXPECT_EQ(e.fields()[0].field, "custom.annual_budget");
    EXPECT_EQ(e.fields()[0].code, "invalid_number");
  }
  admin.retire_custom_field("budget_range");
  EXPECT_EQ(admin.custom_fields().size(), 1u);
  EXPECT_EQ(admin.custom_fields(true).size(), 2u);
}

TEST_F(CppApi, TagsByLabelAndSettings) {
  crm::Session admin(db, 1);
  std::string a = admin.create_customer(valid());
  std::int64_t hot = admin.tag_customer(a, "高潜力");
  EXPECT_EQ(hot, admin.find_tag("高潜力"));
  EXPECT_EQ(admin.setting("tags.create_on_attach"), "0");
  try {
    admin.tag_customer(a, "老客户转介绍", "need");
    FAIL() << "an unknown tag must not be created while the setting is 0";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_NOT_FOUND);
  }
  admin.set_setting("tags.create_on_attach", "1");
  std::int64_t fresh = admin.tag_customer(a, "老客户转介绍", "need");
  EXPECT_EQ(admin.find_tag("老客户转介绍", "need"), fresh);
  EXPECT_EQ(admin.customer_tags(a).size(), 2u);
  admin.untag_customer(a, "高潜力");
  EXPECT_EQ(admin.customer_tags(a).size(), 1u);
}

}  // namespace

namespace {

TEST_F(CppApi, WorkingCalendars) {
  crm::Session admin(db, 1);
  // 2026-02-13 17:00 +08:00 = 2026-02-13T09:00:00Z.
  constexpr std::int64_t kHour = 3600000, kDay = 24 * kHour;
  constexpr std::int64_t kFeb13At17 = 1770973200000;
  // 2026-11-20 17:00 +08:00 (a Friday) = 2026-11-20T09:00:00Z.
  constexpr std::int64_t kFriAt17 = 1795165200000;
  constexpr std::int64_t kMonAt09 = kFriAt17 + 2 * kDay + 16 * kHour;  // 2026-11-23 09:00

  ASSERT_EQ(admin.calendars().size(), 1u);
  EXPECT_EQ(admin.calendars()[0].text("name"), "default");
  EXPECT_EQ(admin.calendars()[0].text("years"), "2026");
  std::vector<crm::Record> days = admin.calendar_days(2026);
  ASSERT_FALSE(days.empty());
  EXPECT_EQ(days.front().text("date"), "2026-01-01");
  EXPECT_EQ(days.back().text("date"), "2026-10-10");
  EXPECT_EQ(days.back().text("kind"), "workday");

  EXPECT_TRUE(admin.is_working_day("2026-02-14"));
  EXPECT_FALSE(admin.is_working_day("2026-10-01", "default"));
  EXPECT_TRUE(admin.is_working_time(kMonAt09));
  EXPECT_FALSE(admin.is_working_time(kMonAt09 + 3 * kHour));            // 12:00
  EXPECT_EQ(admin.next_working_time(kFriAt17 + 17 * kHour), kMonAt09);  // Saturday 10:00
  EXPECT_EQ(admin.add_working_days(kFeb13At17, 1), kFeb13At17 + kDay);
  EXPECT_EQ(admin.add_working_days(kFeb13At17, 2), kFeb13At17 + 11 * kDay);  // 02-24
  EXPECT_EQ(admin.add_working_hours(kFriAt17, 2 * kHour), kMonAt09 + kHour);
  EXPECT_EQ(admin.add_working_hours(kFriAt17, kHour), kFriAt17 + kHour);

  EXPECT_EQ(admin.load_holidays("year 2027\n2027-01-01 holiday 元旦\n"), 2027);
  EXPECT_EQ(admin.calendars()[0].text("years"), "2026,2027");
  EXPECT_FALSE(admin.is_working_day("2027-01-01"));
  try {
    admin.load_holidays("year 2028\n2028-02-30 holiday\n");
    FAIL() << "a date that does not exist must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }

  admin.define_calendar("berlin", "Europe/Berlin", "08:00-16:00", "1111110");
  EXPECT_EQ(admin.calendars().size(), 2u);
  EXPECT_TRUE(admin.calendar_days(2026, "berlin").empty());
  EXPECT_TRUE(admin.is_working_day("2026-10-01", "berlin"));
  EXPECT_TRUE(admin.is_working_day("2026-11-21", "berlin"));  // a Saturday
  EXPECT_EQ(admin.load_holidays("year 2026\n2026-12-25 holiday\n", "berlin"), 2026);
  EXPECT_FALSE(admin.is_working_day("2026-12-25", "berlin"));
  // Saturday 2026-11-21 15:00 Berlin (14:00Z) + 2 h = Monday 09:00 Berlin (08:00Z).
  constexpr std::int64_t kSatAt15Berlin = kFriAt17 + 29 * kHour;
  EXPECT_EQ(admin.add_working_hours(kSatAt15Berlin, 2 * kHour, "berlin"),
            kSatAt15Berlin + 42 * kHour);
  try {
    admin.define_calendar("berlin");
    FAIL() << "a second calendar \"berlin\" must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_CONFLICT);
  }
  try {
    admin.is_working_day("2026-11-23", "nowhere");
    FAIL() << "an unknown calendar must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_NOT_FOUND);
  }
}

TEST_F(CppApi, TiersFollowupsAgendaAndOutbox) {
  constexpr std::int64_t kHour = 3600 * 1000, kDay = 24 * kHour;
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  admin.define_department("华北销售部");  // a user names an existing department
  std::int64_t rep_id = admin.create_user(crm::Record{{"login", std::string("zhangwei")},
                                                      {"name", std::string("张伟")},
                                                      {"department", std::string("华北销售部")},
                                                      {"role", std::string("sales")}});
  crm::Session rep(db, rep_id);
  std::string id = rep.create_customer(valid());

  EXPECT_EQ(admin.tiers().size(), 3u);
  crm::Record grade =
      rep.grade_customer(id, crm::Record{{"annual_potential", std::int64_t{100}},
                                         {"cooperation_likelihood", std::string("69.9")}});
  EXPECT_EQ(grade.text("tier"), "B") << grade.text("reason");
  EXPECT_EQ(grade.text("next_due_date"), "2026-12-07");  // 11-23 + two weeks
  rep.set_customer_tier(id, "重点客户", "年度框架协议");
  EXPECT_EQ(rep.get_customer(id).text("next_due_date"), "2026-11-30");
  EXPECT_EQ(rep.roster("A").rows.size(), 1u);
  EXPECT_EQ(admin.config_history("tier.").rows.size(), 0u) << "no tier was redefined";
  admin.define_tier("A", "10d");
  EXPECT_EQ(admin.config_history("tier.").rows.at(0).text("after"), "10d");
  EXPECT_EQ(rep.get_customer(id).text("next_due_date"), "2026-12-03");

  crm::Record plan = rep.plan_followup(id, crm::Record{{"goal", std::string("介绍新品方案")},
                                                       {"method", std::string("拜访")},
                                                       {"planned_at", kNow + kDay + kHour}});
  EXPECT_EQ(plan.text("state"), "planned");
  EXPECT_EQ(plan.get_int("remind_at"), kNow + kDay + kHour - 30 * 60 * 1000);
  crm::Record too_close =
      rep.plan_followup(id, crm::Record{{"goal", std::string("电话确认")},
                                        {"method", std::string("电话")},
                                        {"planned_at", kNow + kDay + 2 * kHour}});
  EXPECT_EQ(too_close.text("warning"), "too_soon");
  rep.close_plan(too_close.get_int("id"), "cancelled", "避免过度打扰");

  crm_tick_report r = admin.tick(kNow + kDay + kHour - 30 * 60 * 1000);
  EXPECT_EQ(r.fired, 2) << "the plan's reminder and the unverified customer";
  auto messages = admin.fetch_outbox(10, 60 * 1000);
  ASSERT_EQ(messages.size(), 2u);
  for (const auto& m : messages) {
    EXPECT_NE(m.text("message").find("杭州恒达精密机械有限公司"), std::string::npos)
        << m.text("message");
    admin.ack_outbox(m.get_int("id"));
  }
  EXPECT_TRUE(admin.outbox(0, 100, true).empty());
  EXPECT_EQ(admin.tick(kNow + kDay + kHour - 30 * 60 * 1000).fired, 0) << "idempotent";

  db.set_clock(kNow + kDay + 2 * kHour);
  crm::Record done =
      rep.complete_plan(plan.get_int("id"), crm::Record{{"summary", std::string("介绍了新品方案")},
                                                        {"next_step", std::string("发送报价")}});
  EXPECT_EQ(done.get_int("plan_id"), plan.get_int("id"));
  EXPECT_EQ(rep.get_customer(id).text("next_step"), "发送报价");
  EXPECT_EQ(rep.followups(id).size(), 1u);
  EXPECT_EQ(rep.plans(id).size(), 2u);
  EXPECT_EQ(rep.daily_report("2026-11-24").size(), 1u);
  EXPECT_TRUE(rep.agenda().rows.empty());
  // Seven follow-up rules, since 0.5 access_pending (an access request
  // waiting for its owner, R3.2) and since 0.6 the four about leads (R4).
  std::set<std::string> kinds;
  for (const auto& rule : admin.reminder_rules()) kinds.insert(rule.text("kind"));
  EXPECT_EQ(kinds, (std::set<std::string>{"plan_reminder", "plan_overdue", "cadence_lapsed",
                                          "unverified", "review_due", "major_change", "escalation",
                                          "access_pending", "lead_welcome", "lead_assigned",
                                          "lead_high_value", "lead_unassigned"}));
  admin.set_reminder_rule("plan_reminder", crm::Record{{"channels", std::string("app,sms")}});
  try {
    admin.set_reminder_rule("plan_reminder", crm::Record{{"template_zh", std::string("{who}")}});
    FAIL() << "an unknown placeholder must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
  }
}

TEST_F(CppApi, MaintenancePlansForKeyCustomers) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  admin.define_department("华东销售部");  // a user names an existing department
  auto user = [&](const char* login, const char* name, const char* role) {
    return admin.create_user(crm::Record{{"login", std::string(login)},
                                         {"name", std::string(name)},
                                         {"department", std::string("华东销售部")},
                                         {"role", std::string(role)}});
  };
  crm::Session rep(db, user("zhangwei", "张伟", "sales"));
  crm::Session manager(db, user("lina", "李娜", "sales_manager"));
  std::string id = rep.create_customer(valid());
  crm::Record fields{{"method", std::string("定期拜访+专属客服")},
                     {"measures", std::string("每月上门巡检一次，专属客服7×24小时响应")},
                     {"responsible", std::string("张伟、李娜")},
                     {"cost", std::string("12000.5")},
                     {"period_start", std::string("2026-12-01")},
                     {"period_end", std::string("2027-05-31")}};
  try {
    rep.submit_maintenance_plan(id, fields);
    FAIL() << "an ungraded customer is not a key customer";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_STATE);
  }
  rep.set_customer_tier(id, "A");
  crm::Record plan = rep.submit_maintenance_plan(id, fields);
  EXPECT_EQ(plan.text("state"), "submitted");
  EXPECT_EQ(plan.text("cost"), "12000.50");
  const std::int64_t plan_id = plan.get_int("id");
  try {
    rep.decide_maintenance_plan(plan_id, true);
    FAIL() << "a rep may not approve";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_PERMISSION);
  }
  manager.decide_maintenance_plan(plan_id, true, "同意，费用控制在预算内");
  rep.carry_out_maintenance_plan(plan_id);
  rep.evaluate_maintenance_plan(plan_id, "客户满意，续签年度框架协议", 5);
  crm::Record done = rep.maintenance_plan(plan_id);
  EXPECT_EQ(done.text("state"), "evaluated");
  EXPECT_EQ(done.get_int("satisfaction"), 5);
  EXPECT_EQ(done.text("decision_note"), "同意，费用控制在预算内");
  EXPECT_EQ(rep.maintenance_plans(id).size(), 1u);
  try {
    rep.carry_out_maintenance_plan(plan_id);
    FAIL() << "an evaluated plan is not carried out again";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_STATE);
  }
}

}  // namespace

// -- Permissions, privacy and audit (R3) ----------------------------------------

namespace {

constexpr std::int64_t kHour = 3600 * 1000;

// How a call failed: "CRM_ERR_NOT_FOUND: no customer C0001", or "no error".
template <class F>
std::string refusal(F&& call) {
  try {
    call();
  } catch (const crm::Error& e) {
    return std::string(e.status_name()) + ": " + e.what();
  }
  return "no error";
}

// The status name a call failed with ("CRM_OK" if it did not throw).
template <class F>
std::string status_of(F&& call) {
  try {
    call();
  } catch (const crm::Error& e) {
    return e.status_name();
  }
  return "CRM_OK";
}

// 销售中心 (supervisor: head) above 华北销售部 (rep, colleague; manager, its
// supervisor) and 华东销售部 (east).
struct Org {
  std::int64_t rep = 0, colleague = 0, manager = 0, head = 0, east = 0;
};

Org make_org(crm::Session& admin) {
  admin.define_department("销售中心");
  admin.define_department("华北销售部", "销售中心");
  admin.define_department("华东销售部", "销售中心");
  auto user = [&](const char* login, const char* name, const char* dept, const char* role) {
    return admin.create_user(crm::Record{{"login", std::string(login)},
                                         {"name", std::string(name)},
                                         {"department", std::string(dept)},
                                         {"role", std::string(role)}});
  };
  Org o;
  o.rep = user("zhangwei", "张伟", "华北销售部", "sales");
  o.colleague = user("liuyang", "刘洋", "华北销售部", "sales");
  o.manager = user("wangfang", "王芳", "华北销售部", "sales_manager");
  o.head = user("sunzhigang", "孙志刚", "销售中心", "sales_manager");
  o.east = user("chenjing", "陈静", "华东销售部", "sales");
  admin.update_department("销售中心", std::nullopt, o.head);
  admin.update_department("华北销售部", std::nullopt, o.manager);
  return o;
}

// A customer of `owner` with a mobile phone and an e-mail.
crm::Record owned_by(std::int64_t owner, const char* name) {
  crm::Record r = valid(name);
  r.set("owner", owner).set("phone", "138 1234 5678").set("email", "wang@hengda.com");
  return r;
}

std::set<std::string> ids_of(const std::vector<crm::Record>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r.text("id"));
  return out;
}

TEST_F(CppApi, DepartmentsAndUsers) {
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::vector<crm::Record> depts = admin.departments();
  ASSERT_EQ(depts.size(), 3u);
  EXPECT_EQ(depts[0].text("name"), "销售中心") << "parents come first";
  EXPECT_EQ(depts[0].text("supervisor_name"), "孙志刚");
  EXPECT_EQ(depts[1].text("parent"), "销售中心");
  for (const auto& d : depts)
    if (d.text("name") == "华北销售部") {
      EXPECT_EQ(d.get_int("supervisor"), o.manager);
      EXPECT_EQ(d.get_int("members"), 3);
    }
  EXPECT_EQ(admin.users("销售中心").size(), 5u) << "a department lists those below it";
  EXPECT_EQ(admin.users("华东销售部").size(), 1u);
  EXPECT_EQ(admin.users().size(), 6u) << "the five and the administrator";

  EXPECT_EQ(status_of([&] { admin.define_department("华北销售部"); }), "CRM_ERR_CONFLICT");
  EXPECT_EQ(status_of([&] { admin.define_department("西南销售部", "总部"); }), "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(status_of([&] { admin.update_department("销售中心", std::string("华北销售部")); }),
            "CRM_ERR_INVALID_ARG")
      << "a department cannot move below itself";
  crm::Session rep(db, o.rep);
  EXPECT_EQ(refusal([&] { rep.define_department("西南销售部"); }),
            "CRM_ERR_PERMISSION: not allowed: Manage users, departments and permissions");
  EXPECT_EQ(rep.departments().size(), 3u) << "every role reads the organisation";

  // A user who names no existing department is refused.
  EXPECT_EQ(status_of([&] {
              admin.create_user(crm::Record{{"login", std::string("x")},
                                            {"name", std::string("某人")},
                                            {"department", std::string("华南销售部")},
                                            {"role", std::string("sales")}});
            }),
            "CRM_ERR_VALIDATION");
  admin.update_user(o.east, crm::Record{{"name", std::string("陈静怡")}});
  EXPECT_EQ(admin.get_user(o.east).text("name"), "陈静怡");
}

TEST_F(CppApi, RepSeesOwnCustomersManagerTheDepartmentSupervisorBelow) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  admin.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司"));
  admin.create_customer(owned_by(o.colleague, "宁波星海电子有限公司"));
  admin.create_customer(owned_by(o.east, "上海浦江物流有限公司"));

  crm::Session rep(db, o.rep), manager(db, o.manager), head(db, o.head), east(db, o.east);
  crm::Page mine = rep.list_customers();
  ASSERT_EQ(mine.rows.size(), 2u);
  for (const auto& r : mine.rows) {
    EXPECT_EQ(r.get_int("owner"), o.rep) << r.text("id");
    EXPECT_EQ(r.text("phone"), "138****5678") << "lists mask phones";
    EXPECT_EQ(r.text("phone_display"), "138****5678");
    EXPECT_EQ(r.text("email"), "w***@hengda.com");
  }
  EXPECT_EQ(rep.count_customers(), 2);
  EXPECT_EQ(ids_of(manager.list_customers().rows),
            (std::set<std::string>{"C0001", "C0002", "C0003"}))
      << "the manager sees 华北销售部";
  EXPECT_EQ(head.count_customers(), 4) << "the head of 销售中心 sees the departments below";
  EXPECT_EQ(east.count_customers(), 1);
  crm::CustomerQuery theirs;
  theirs.owner = o.rep;
  EXPECT_EQ(east.count_customers(theirs), 0) << "an owner filter does not widen the view";
  EXPECT_EQ(manager.get_customer("C0001").text("phone"), "138****5678")
      << "managers read masked values too";
}

TEST_F(CppApi, InvisibleIsNotFoundVisibleButForbiddenIsPermission) {
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string id = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  crm::Session rep(db, o.rep), colleague(db, o.colleague), manager(db, o.manager);

  EXPECT_EQ(refusal([&] { colleague.get_customer(id); }), "CRM_ERR_NOT_FOUND: no customer C0001");
  EXPECT_EQ(refusal([&] { colleague.get_customer("C0099"); }),
            "CRM_ERR_NOT_FOUND: no customer C0099")
      << "a colleague's customer reads exactly like a missing one";
  EXPECT_EQ(refusal([&] {
              colleague.update_customer(id, crm::Record{{"priority", "低"}});
            }),
            "CRM_ERR_NOT_FOUND: no customer C0001");
  EXPECT_EQ(refusal([&] {
              manager.update_customer(id, crm::Record{{"priority", "低"}});
            }),
            "CRM_ERR_PERMISSION: not allowed: Edit customers (C0001)");
  EXPECT_EQ(refusal([&] { rep.create_customer(owned_by(o.colleague, "宁波星海电子有限公司")); }),
            "CRM_ERR_PERMISSION: not allowed: Create customers (user:" +
                std::to_string(o.colleague) + ")");

  EXPECT_TRUE(rep.check_permission("customer", "update", id));
  EXPECT_FALSE(colleague.check_permission("customer", "read", id));
  EXPECT_TRUE(manager.check_permission("customer", "read", id));
  EXPECT_FALSE(manager.check_permission("customer", "update", id));
  EXPECT_FALSE(rep.check_permission("audit", "read"));
  EXPECT_TRUE(admin.check_permission("audit", "read"));
  EXPECT_EQ(status_of([&] { rep.check_permission("customer", "fly"); }), "CRM_ERR_INVALID_ARG");

  crm::AuditQuery denied;
  denied.object = id;
  denied.outcome = "denied";
  std::set<std::string> who;
  for (const auto& r : admin.audit_log(denied).rows)
    who.insert(std::to_string(r.get_int("actor")) + ":" + r.text("action"));
  EXPECT_EQ(who, (std::set<std::string>{std::to_string(o.colleague) + ":customer.read",
                                        std::to_string(o.colleague) + ":customer.update",
                                        std::to_string(o.manager) + ":customer.update"}))
      << "every denial on the customer is audited; permission checks are not";
}

TEST_F(CppApi, UnmaskNeedsAReasonAndIsAudited) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string id = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  crm::Session rep(db, o.rep), colleague(db, o.colleague), manager(db, o.manager);
  std::int64_t contact = rep.add_contact(id, crm::Record{{"name", std::string("李娜")},
                                                         {"title", std::string("技术总监")},
                                                         {"phone", std::string("021-68881234")}});
  EXPECT_EQ(rep.get_contact(contact).text("phone"), "021****1234");

  crm::Record clear = rep.unmask_customer(id, "电话回访前核对号码");
  EXPECT_EQ(clear.text("phone"), "+8613812345678");
  EXPECT_EQ(clear.text("email"), "wang@hengda.com");
  EXPECT_EQ(rep.unmask_contact(contact, "约技术交流").text("phone"), "+862168881234");
  EXPECT_EQ(manager.unmask_customer(id, "经理抽查").text("phone"), "+8613812345678")
      << "a sales manager unmasks the department's customers";
  EXPECT_EQ(refusal([&] { rep.unmask_customer(id, ""); }),
            "CRM_ERR_INVALID_ARG: unmasking needs a reason");
  EXPECT_EQ(status_of([&] { colleague.unmask_customer(id, "好奇"); }), "CRM_ERR_NOT_FOUND");

  crm::AuditQuery q;
  q.action = "contact.unmask";
  ASSERT_EQ(admin.audit_log(q).rows.size(), 1u);
  q.action = "customer.unmask";
  q.outcome = "ok";
  std::vector<crm::Record> rows = admin.audit_log(q).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].get_int("actor"), o.rep);
  EXPECT_EQ(rows[0].text("object"), id);
  EXPECT_EQ(rows[0].text("detail"), "电话回访前核对号码") << "the reason is kept";
  EXPECT_EQ(rows[0].text("detail").find("138"), std::string::npos) << "never a personal value";

  // Writing back a masked value read from the library changes nothing.
  crm::Record read = rep.get_customer(id);
  std::int64_t v = read.get_int("version");
  EXPECT_EQ(rep.update_customer(id, crm::Record{{"phone", read.text("phone")}}), v);
  EXPECT_EQ(rep.unmask_customer(id, "确认号码未变").text("phone"), "+8613812345678");
}

TEST_F(CppApi, TransferOneAndAllThenDeactivate) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string a = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  admin.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司"));
  admin.create_customer(owned_by(o.rep, "宁波星海电子有限公司"));
  crm::Session rep(db, o.rep), colleague(db, o.colleague), manager(db, o.manager);

  EXPECT_EQ(refusal([&] { rep.transfer_customer(a, o.colleague, "不想跟了"); }),
            "CRM_ERR_PERMISSION: not allowed: Transfer ownership (C0001)")
      << "a rep sees their customer but may not hand it over";
  EXPECT_EQ(status_of([&] { manager.transfer_customer(a, o.east, "跨部门"); }),
            "CRM_ERR_PERMISSION")
      << "the manager's scope does not reach 华东销售部";
  db.set_clock(kNow + kHour);
  manager.transfer_customer(a, o.colleague, "调整分工");
  EXPECT_EQ(colleague.get_customer(a).get_int("owner"), o.colleague);
  EXPECT_EQ(status_of([&] { rep.get_customer(a); }), "CRM_ERR_NOT_FOUND");
  std::vector<crm::Record> history = admin.customer_history(a);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().text("kind"), "transfer");
  EXPECT_EQ(history.back().text("field"), "owner");
  EXPECT_EQ(history.back().text("reason"), "调整分工");

  EXPECT_EQ(manager.transfer_customers(o.rep, o.colleague, "张伟离职"), 2);
  EXPECT_EQ(rep.count_customers(), 0);
  EXPECT_EQ(colleague.count_customers(), 3);
  admin.update_user(o.rep, crm::Record{{"active", std::int64_t{0}}});
  EXPECT_EQ(refusal([&] { rep.count_customers(); }),
            "CRM_ERR_PERMISSION: the account is deactivated")
      << "an open session of a deactivated user fails at its next call";
  EXPECT_EQ(status_of([&] { crm::Session again(db, o.rep); }), "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(admin.users().size(), 5u);
  EXPECT_EQ(admin.users({}, true).size(), 6u);
}

TEST_F(CppApi, AccessRequestRoundTripWithTheInjectedClock) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string id = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  crm::Session rep(db, o.rep), colleague(db, o.colleague), east(db, o.east);

  EXPECT_EQ(status_of([&] { east.get_customer(id); }), "CRM_ERR_NOT_FOUND");
  std::int64_t req = east.request_access(id, "view", "basic,needs", "联合报价", 48);
  EXPECT_EQ(status_of([&] { east.request_access(id, "view", "", "再申请一次", 1); }),
            "CRM_ERR_CONFLICT")
      << "one pending request per customer";
  EXPECT_EQ(status_of([&] { rep.request_access(id, "view", "", "自己的客户", 1); }),
            "CRM_ERR_CONFLICT");
  EXPECT_EQ(status_of([&] { east.request_access("C0099", "view", "", "没有这个客户", 1); }),
            "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(status_of([&] { east.request_access(id, "view", "", "太久", 721); }),
            "CRM_ERR_INVALID_ARG")
      << "access.max_hours is 720 by default";

  std::vector<crm::Record> to_decide = rep.access_requests("to_decide");
  ASSERT_EQ(to_decide.size(), 1u);
  EXPECT_EQ(to_decide[0].get_int("id"), req);
  EXPECT_EQ(to_decide[0].text("requester_name"), "陈静");
  EXPECT_EQ(to_decide[0].text("field_groups"), "basic,needs");
  EXPECT_EQ(to_decide[0].text("state"), "pending");
  EXPECT_TRUE(colleague.access_requests("to_decide").empty());
  EXPECT_EQ(status_of([&] { east.decide_access(req, true); }), "CRM_ERR_PERMISSION")
      << "never the requester";

  db.set_clock(kNow + kHour);
  rep.decide_access(req, true, "同意，仅限需求信息");
  crm::Record seen = east.get_customer(id);
  EXPECT_EQ(seen.text("name"), "杭州恒达精密机械有限公司");
  EXPECT_EQ(seen.text("key_needs"), "采购数控机床");
  EXPECT_FALSE(seen.has("phone")) << "the contact group was not granted";
  EXPECT_FALSE(seen.has("contact_name"));
  EXPECT_EQ(east.count_customers(), 1) << "the granted customer joins the list";
  EXPECT_TRUE(east.check_permission("customer", "read", id));
  EXPECT_FALSE(east.check_permission("customer", "update", id)) << "a view grant";
  EXPECT_EQ(status_of([&] { east.unmask_customer(id, "要电话"); }), "CRM_ERR_PERMISSION");

  std::vector<crm::Record> mine = east.access_requests("mine");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].text("state"), "approved");
  const std::int64_t expires = mine[0].get_int("expires_at");
  EXPECT_EQ(expires, kNow + kHour + 48 * kHour) << "granted from the decision for 48 hours";

  db.set_clock(expires - 1);
  EXPECT_EQ(east.get_customer(id).text("id"), id) << "still granted a millisecond before the end";
  db.set_clock(expires);
  EXPECT_EQ(status_of([&] { east.get_customer(id); }), "CRM_ERR_NOT_FOUND")
      << "the grant ends by itself";
  EXPECT_EQ(east.access_requests("mine")[0].text("state"), "expired");
  EXPECT_EQ(east.count_customers(), 0);

  // Withdrawn before a decision; revoked while in force.
  std::int64_t second = east.request_access(id, "edit", "contact", "更新联系人", 2);
  east.withdraw_access(second);
  EXPECT_EQ(status_of([&] { rep.decide_access(second, true); }), "CRM_ERR_STATE");
  std::int64_t third = east.request_access(id, "edit", "basic", "补充信息", 8);
  rep.decide_access(third, true);
  east.update_customer(id, crm::Record{{"scale", std::string("500-1000人")}});
  rep.revoke_access(third, "信息已补充");
  EXPECT_EQ(status_of([&] { east.get_customer(id); }), "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(status_of([&] { rep.revoke_access(third); }), "CRM_ERR_STATE");
  std::vector<std::string> states;
  for (const auto& r : rep.access_requests("customer", id)) states.push_back(r.text("state"));
  EXPECT_EQ(states, (std::vector<std::string>{"expired", "withdrawn", "revoked"}));
}

TEST_F(CppApi, ReviewBeforeEffectThrowsPending) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  crm::Session rep(db, o.rep), manager(db, o.manager);
  admin.set_setting("review.create", "1");

  std::string change;
  try {
    rep.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
    FAIL() << "a rep's new customer waits for review";
  } catch (const crm::Pending& p) {
    change = p.change_id();
    EXPECT_EQ(p.status(), CRM_PENDING);
    EXPECT_STREQ(p.status_name(), "CRM_PENDING");
    EXPECT_FALSE(p.message_zh().empty());
  }
  EXPECT_EQ(change, "R1");
  EXPECT_EQ(rep.count_customers(), 0) << "nothing is created yet";
  EXPECT_EQ(status_of([&] { rep.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司")); }),
            "CRM_PENDING")
      << "a host that only catches crm::Error notices too";
  std::vector<crm::Record> mine = rep.pending_changes("mine");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].text("id"), "R1");
  EXPECT_EQ(mine[0].text("kind"), "create");
  EXPECT_EQ(mine[0].text("state"), "pending");
  EXPECT_EQ(manager.pending_changes("to_review").size(), 2u);
  rep.withdraw_pending("R2");

  EXPECT_EQ(manager.decide_pending("R1", true), "C0001");
  EXPECT_EQ(rep.get_customer("C0001").get_int("owner"), o.rep);
  EXPECT_EQ(manager.create_customer(owned_by(o.manager, "宁波星海电子有限公司")), "C0002")
      << "a reviewer's own change takes effect at once";

  admin.set_setting("review.fields", "industry");
  rep.update_customer("C0001", crm::Record{{"priority", std::string("低")}});
  try {
    rep.update_customer("C0001", crm::Record{{"industry", std::string("电子")}});
    FAIL() << "a change of industry waits for review";
  } catch (const crm::Pending& p) {
    EXPECT_EQ(p.change_id(), "R3") << p.what();
  }
  EXPECT_EQ(rep.get_customer("C0001").text("industry"), "manufacturing") << "not applied yet";
  EXPECT_EQ(rep.get_customer("C0001").text("priority"), "low");
  EXPECT_EQ(status_of([&] { manager.decide_pending("R3", false); }), "CRM_ERR_INVALID_ARG")
      << "a rejection needs a reason";
  EXPECT_EQ(manager.decide_pending("R3", false, "行业无误"), "");
  EXPECT_EQ(rep.pending_changes("customer", "C0001").back().text("state"), "rejected");
  EXPECT_EQ(status_of([&] { manager.decide_pending("R99", true); }), "CRM_ERR_NOT_FOUND");
}

TEST_F(CppApi, AuditChainVerifiesAgainstAKeptHead) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string id = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  crm::AuditHead kept = admin.audit_head();
  EXPECT_GT(kept.seq, 0);
  EXPECT_EQ(kept.hash.size(), 64u);

  crm::AuditReport r = admin.verify_audit();
  EXPECT_TRUE(r.ok) << r.problem << " at " << r.seq;
  EXPECT_EQ(r.checked, kept.seq);
  EXPECT_EQ(r.head.seq, kept.seq);
  EXPECT_EQ(r.head.hash, kept.hash);

  crm::Session rep(db, o.rep);
  rep.unmask_customer(id, "核对");
  crm::AuditReport later = admin.verify_audit(kept);
  EXPECT_TRUE(later.ok) << "a head kept earlier still fits: " << later.problem;
  EXPECT_EQ(later.head.seq, kept.seq + 1);

  crm::AuditReport forged = admin.verify_audit({kept.seq, std::string(64, 'a')});
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.problem, "rewritten");
  EXPECT_EQ(forged.seq, kept.seq);
  crm::AuditReport cut = admin.verify_audit({later.head.seq + 3, later.head.hash});
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.problem, "removed") << "rows cut off the end";

  crm::AuditQuery q;
  q.object = id;
  q.action = "customer.";
  std::vector<crm::Record> rows = admin.audit_log(q).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].text("action"), "customer.create");
  EXPECT_EQ(rows[1].text("action"), "customer.unmask");
  q = {};
  q.page_size = 3;
  crm::Page first = admin.audit_log(q);
  ASSERT_EQ(first.rows.size(), 3u);
  ASSERT_FALSE(first.next.empty());
  q.after = first.next;
  EXPECT_EQ(admin.audit_log(q).rows.at(0).get_int("seq"), 4);
  EXPECT_EQ(status_of([&] { rep.audit_head(); }), "CRM_ERR_PERMISSION");
  EXPECT_EQ(status_of([&] { rep.verify_audit(); }), "CRM_ERR_PERMISSION");
}

TEST_F(CppApi, ExportWritesOneJsonLinePerCustomer) {
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  admin.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司"));
  admin.create_customer(owned_by(o.colleague, "宁波星海电子有限公司"));
  crm::Session rep(db, o.rep), manager(db, o.manager);

  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  EXPECT_EQ(rep.export_customers({}, false, collect), 2);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_EQ(l.front(), '{') << l;
    EXPECT_EQ(l.back(), '}') << "one object per line, without its newline: " << l;
    EXPECT_NE(l.find("138****5678"), std::string::npos) << l;
    EXPECT_EQ(l.find("+8613812345678"), std::string::npos) << l;
  }
  lines.clear();
  EXPECT_EQ(rep.export_customers({}, true, collect), 2);
  EXPECT_NE(lines.at(0).find("+8613812345678"), std::string::npos) << lines.at(0);
  lines.clear();
  EXPECT_EQ(manager.export_customers({}, false, collect), 3) << "the department";
  crm::CustomerQuery named;
  named.name_contains = "纳微";
  lines.clear();
  EXPECT_EQ(manager.export_customers(named, false, collect), 1);

  int calls = 0;
  EXPECT_EQ(status_of([&] {
              rep.export_customers({}, false, [&](std::string_view) { return ++calls < 1; });
            }),
            "CRM_ERR_STATE")
      << "a sink that returns false stops the export";
  EXPECT_EQ(calls, 1);
  try {
    rep.export_customers({}, false,
                         [](std::string_view) -> bool { throw std::runtime_error("disk full"); });
    FAIL() << "the sink's exception must reach the caller";
  } catch (const crm::Error& e) {
    FAIL() << "got crm::Error " << e.status_name() << " instead of the sink's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full");
  }

  crm::AuditQuery q;
  q.action = "customer.export";
  q.actor = o.rep;
  std::vector<crm::Record> rows = admin.audit_log(q).rows;
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].text("detail"), "rows=2,unmasked=0");
}

// A file in the temporary directory with a random name (ctest may run tests
// in parallel processes), removed with SQLite's side files when the test ends.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& name) {
    std::random_device rd;
    const unsigned long long r = (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(r) + ".db");
    clean();
  }
  ~TempFile() { clean(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void clean() {
    std::error_code ec;
    for (const char* side : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path.string() + side, ec);
  }
};

TEST_F(CppApi, BackupAndRecoveryDrillOnTempFiles) {
  TempFile source("crm-cpp-source"), copy("crm-cpp-backup"), partial("crm-cpp-partial");
  crm::Db file = crm::Db::open(source.path.string());
  file.set_clock(kNow);
  crm::Session admin(file, 1);
  Org o = make_org(admin);
  for (const char* name : {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司"})
    admin.create_customer(owned_by(o.rep, name));

  const crm::AuditHead before = admin.audit_head();
  std::int64_t calls = 0, last_done = -1, last_total = -1;
  std::int64_t pages = admin.backup(
      copy.path.string(),
      [&](std::int64_t done, std::int64_t total) {
        ++calls;
        last_done = done;
        last_total = total;
        return true;
      },
      1);
  EXPECT_GT(pages, 1);
  EXPECT_GE(calls, 1) << "one page per step: several steps";
  EXPECT_EQ(last_total, pages);
  EXPECT_GT(last_done, 0);

  crm::Record drill = crm::verify_backup(copy.path.string());
  EXPECT_EQ(drill.get_int("ok"), 1) << drill.to_json();
  EXPECT_EQ(drill.text("integrity"), "ok");
  EXPECT_EQ(drill.text("application"), "CRM1");
  EXPECT_EQ(drill.get_int("audit_ok"), 1);
  EXPECT_EQ(drill.get_int("customers"), 2);
  EXPECT_EQ(drill.get_int("users"), 6);
  EXPECT_EQ(drill.get_int("departments"), 3);
  EXPECT_EQ(drill.get_int("audit_seq"), 0) << "no break";
  EXPECT_GE(drill.get_int("audit_rows"), before.seq) << "the copy holds the chain up to the backup";
  EXPECT_EQ(drill.text("audit_head").size(), 64u);

  crm::Db restored = crm::Db::open(copy.path.string(), {true, false});
  crm::Session reader(restored, o.rep);
  EXPECT_EQ(reader.count_customers(), 2) << "the copy is a working database";

  EXPECT_EQ(status_of([&] {
              admin.backup(
                  partial.path.string(), [](std::int64_t, std::int64_t) { return false; }, 1);
            }),
            "CRM_ERR_STATE");
  crm::Session rep(file, o.rep);
  EXPECT_EQ(status_of([&] { rep.backup(partial.path.string()); }), "CRM_ERR_PERMISSION");
  EXPECT_EQ(status_of([&] { crm::verify_backup(source.path.string() + ".missing"); }),
            "CRM_ERR_CANTOPEN");
}

// crm.h: "`progress` (optional) is called after each step" — the last one
// too, so a host sees done == total even for a copy made in one step.
TEST_F(CppApi, BackupProgressIsCalledAfterEveryStep) {
  TempFile source("crm-cpp-progress"), copy("crm-cpp-progress-copy");
  crm::Db file = crm::Db::open(source.path.string());
  crm::Session admin(file, 1);
  admin.create_customer(valid());
  std::vector<std::pair<std::int64_t, std::int64_t>> steps;
  auto record = [&](std::int64_t done, std::int64_t total) {
    steps.emplace_back(done, total);
    return true;
  };
  std::int64_t pages = admin.backup(copy.path.string(), record);
  ASSERT_LE(pages, 256) << "one default step copies the whole database";
  EXPECT_EQ(steps.size(), 1u) << "one step, one call";
  steps.clear();
  pages = admin.backup(copy.path.string(), record, 1);
  EXPECT_EQ(static_cast<std::int64_t>(steps.size()), pages) << "one call per one-page step";
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.back(), std::make_pair(pages, pages)) << "the last call reports the copy done";
}

TEST_F(CppApi, RolesAndThePermissionMatrix) {
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  admin.create_customer(owned_by(o.east, "上海浦江物流有限公司"));
  admin.define_role("key_account", "大客户经理", "Key account manager");
  EXPECT_EQ(status_of([&] { admin.define_role("key_account", "大客户经理2", "KAM"); }),
            "CRM_ERR_CONFLICT");
  std::int64_t kam = admin.create_user(crm::Record{{"login", std::string("kam")},
                                                   {"name", std::string("钱多多")},
                                                   {"department", std::string("销售中心")},
                                                   {"role", std::string("key_account")}});
  crm::Session k(db, kam);
  for (const auto& cell : admin.permissions("key_account"))
    EXPECT_EQ(cell.text("scope"), "none")
        << "a new role may do nothing: " << cell.text("object") << "." << cell.text("action");
  EXPECT_EQ(k.count_customers(), 0) << "without customer.read the list is empty";

  admin.set_permission("key_account", "customer", "read", "all");
  EXPECT_EQ(k.count_customers(), 2) << "a change of the matrix applies at the next call";
  EXPECT_TRUE(k.check_permission("customer", "read", "C0002"));
  EXPECT_FALSE(k.check_permission("customer", "update", "C0002"));
  bool found = false;
  for (const auto& cell : admin.permissions("key_account"))
    if (cell.text("object") == "customer" && cell.text("action") == "read") {
      found = true;
      EXPECT_EQ(cell.text("scope"), "all");
      EXPECT_EQ(cell.get_int("scoped"), 1);
      EXPECT_EQ(cell.text("label_zh"), "查看客户");
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(status_of([&] { admin.set_permission("admin", "customer", "read", "own"); }),
            "CRM_ERR_INVALID_ARG")
      << "the admin row is fixed";
  EXPECT_EQ(status_of([&] { admin.set_permission("key_account", "audit", "read", "own"); }),
            "CRM_ERR_INVALID_ARG")
      << "a pair that does not concern one customer is none or all";
  EXPECT_EQ(status_of([&] { admin.set_permission("nobody", "customer", "read", "all"); }),
            "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(admin.config_history("permission.").rows.size(), 1u);
}

TEST_F(CppApi, EraseAndRetention) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  std::string gone = admin.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  std::string old = admin.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司"));
  crm::Session rep(db, o.rep);

  EXPECT_EQ(status_of([&] { rep.erase_customer(gone, "客户要求删除"); }), "CRM_ERR_PERMISSION")
      << "customer.erase is for administrators by default";
  EXPECT_EQ(status_of([&] { admin.erase_customer(gone, ""); }), "CRM_ERR_INVALID_ARG");
  admin.erase_customer(gone, "客户依据个人信息保护法要求删除");
  crm::Record erased = admin.unmask_customer(gone, "确认删除结果");
  EXPECT_EQ(erased.text("contact_name"), "已删除");
  EXPECT_EQ(erased.get_text("phone"), std::nullopt) << erased.to_json();
  EXPECT_EQ(erased.get_text("email"), std::nullopt) << erased.to_json();
  EXPECT_EQ(erased.get_int("archived"), 1) << "an erased customer is archived";
  std::vector<crm::Record> history = admin.customer_history(gone);
  EXPECT_EQ(history.back().text("kind"), "erase");
  EXPECT_EQ(history.back().text("reason"), "客户依据个人信息保护法要求删除");
  for (const auto& h : history) {
    EXPECT_EQ(h.text("before").find("138"), std::string::npos) << "history keeps no phone";
    EXPECT_EQ(h.text("after").find("138"), std::string::npos);
  }

  admin.archive_customer(old, "客户注销");
  admin.set_setting("retention.months", "1");
  EXPECT_TRUE(admin.retention_due().rows.empty()) << "archived today";
  db.set_clock(kNow + 32 * 24 * kHour);
  crm::Page due = admin.retention_due();
  ASSERT_EQ(due.rows.size(), 1u) << "the erased customer is not proposed again";
  EXPECT_EQ(due.rows[0].text("id"), old);
  EXPECT_EQ(due.rows[0].get_int("owner"), o.rep);
  EXPECT_EQ(status_of([&] { rep.retention_due(); }), "CRM_ERR_PERMISSION");
}

// -- Leads (线索, R4) ----------------------------------------------------------

// The value of a field, NULL as std::monostate.
crm::Value value_of(const crm::Record& r, const char* field) {
  for (auto& [name, v] : r.fields())
    if (name == field) return v;
  ADD_FAILURE() << "no field " << field << " in " << r.to_json();
  return {};
}

crm::Record lead(const char* channel, const char* company, const char* person, const char* phone,
                 const char* region, const char* industry) {
  return crm::Record{
      {"channel", std::string(channel)},   {"company", std::string(company)},
      {"person", std::string(person)},     {"phone", std::string(phone)},
      {"region", std::string(region)},     {"industry", std::string(industry)},
      {"scale", std::string("100-500人")}, {"key_needs", std::string("生产线数字化改造")}};
}

// 华南销售部 with two salespeople (huangmin, linhao) and their manager.
struct South {
  std::int64_t huang = 0, lin = 0, manager = 0;
};

South make_south(crm::Session& admin) {
  admin.define_department("华南销售部");
  auto user = [&](const char* login, const char* name, const char* role) {
    return admin.create_user(crm::Record{{"login", std::string(login)},
                                         {"name", std::string(name)},
                                         {"department", std::string("华南销售部")},
                                         {"role", std::string(role)}});
  };
  South o;
  o.huang = user("huangmin", "黄敏", "sales");
  o.lin = user("linhao", "林浩", "sales");
  o.manager = user("wugang", "吴刚", "sales_manager");
  admin.update_department("华南销售部", std::nullopt, o.manager);
  return o;
}

TEST_F(CppApi, LeadCaptureDuplicatesAndValidation) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  crm::LeadCapture first = admin.capture_lead(lead("展会", "深圳市华锐智能装备有限公司", "林志强",
                                                   "13826541234", "广东省深圳市", "制造业"));
  EXPECT_EQ(first.outcome, crm::LeadOutcome::created);
  crm::Record l = admin.get_lead(first.lead);
  EXPECT_EQ(l.text("stage"), "captured");
  EXPECT_EQ(l.text("channel"), "trade_show");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(value_of(l, "owner")))
      << "an administrator's capture waits in the pool";
  EXPECT_EQ(l.text("phone"), "138****1234");
  EXPECT_EQ(l.get_real("score"), 0.0);
  EXPECT_EQ(admin.unmask_lead(first.lead, "核对展会登记的号码").text("phone"), "+8613826541234");
  EXPECT_EQ(status_of([&] { admin.unmask_lead(first.lead, ""); }), "CRM_ERR_INVALID_ARG");

  // The same phone from another channel: the open lead, with the capture on it.
  crm::LeadCapture again = admin.capture_lead(lead("官网", "深圳市华锐智能装备有限公司", "林志强",
                                                   "138 2654 1234", "广东省深圳市", "制造业"));
  EXPECT_EQ(again.outcome, crm::LeadOutcome::duplicate);
  EXPECT_EQ(again.lead, first.lead);

  // A form submitted twice (same external_id): the first lead, unchanged.
  crm::Record form = lead("官网", "佛山市顺德区美途家电有限公司", "何慧敏", "13927781234",
                          "广东省佛山市", "制造业");
  form.set("external_id", "FORM-20261123-0001");
  crm::LeadCapture f1 = admin.capture_lead(form);
  crm::LeadCapture f2 = admin.capture_lead(form);
  EXPECT_EQ(f1.outcome, crm::LeadOutcome::created);
  EXPECT_EQ(f2.outcome, crm::LeadOutcome::repeated);
  EXPECT_EQ(f2.lead, f1.lead);

  // A phone already a customer's: a new lead linked to that customer.
  crm::Record customer = valid("东莞市恒通包装材料有限公司");
  customer.set("phone", "13688881234");
  std::string cid = admin.create_customer(customer);
  crm::LeadCapture linked = admin.capture_lead(lead(
      "电话咨询", "东莞市恒通包装材料有限公司", "王建国", "13688881234", "广东省东莞市", "制造业"));
  EXPECT_EQ(linked.outcome, crm::LeadOutcome::linked);
  EXPECT_EQ(admin.get_lead(linked.lead).text("customer"), cid);

  // Every failing field is named and nothing is written.
  crm::Record bad =
      lead("展会", "深圳市华锐智能装备有限公司", "林志强", "12345678901", "广东省深圳市", "制造业");
  bad.set("channel", "飞鸽传书");
  try {
    admin.capture_lead(bad);
    FAIL() << "expected a validation error";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_VALIDATION);
    std::set<std::string> fields;
    for (const auto& f : e.fields()) fields.insert(f.field);
    EXPECT_EQ(fields, (std::set<std::string>{"channel", "phone"}));
  }
  EXPECT_EQ(admin.list_leads().size(), 3u) << "nothing written";
  EXPECT_EQ(status_of([&] { admin.get_lead(999); }), "CRM_ERR_NOT_FOUND");
}

TEST_F(CppApi, LeadScoringFollowsSeed004) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  std::int64_t id = admin
                        .capture_lead(lead("官网", "广州市云启软件科技有限公司", "陈晓燕",
                                           "13711112222", "广东省广州市", "软件"))
                        .lead;
  // Seed 004: two product-page views = 4 points, not yet high value.
  admin.record_lead_event(id, "product_view", kNow - 2 * 60000, "浏览 MES 产品页");
  crm::LeadScore s = admin.record_lead_event(id, "product_view");
  EXPECT_DOUBLE_EQ(s.score, 4.0);
  EXPECT_FALSE(s.high_value);
  EXPECT_FALSE(s.marked_now);
  s = admin.record_lead_event(id, "inquiry", 0, "电话询问报价");
  EXPECT_DOUBLE_EQ(s.score, 7.0);
  EXPECT_FALSE(s.high_value);
  // Crossing 8 marks it once.
  s = admin.record_lead_event(id, "visit", 0, "到访展厅");
  EXPECT_DOUBLE_EQ(s.score, 12.0);
  EXPECT_TRUE(s.high_value);
  EXPECT_TRUE(s.marked_now);
  EXPECT_GT(s.event, 0);
  s = admin.record_lead_event(id, "download");
  EXPECT_TRUE(s.high_value);
  EXPECT_FALSE(s.marked_now) << "marked once";
  crm::Record l = admin.get_lead(id);
  EXPECT_EQ(l.get_int("high_value"), 1);
  EXPECT_EQ(l.get_int("high_value_at"), kNow);
  EXPECT_DOUBLE_EQ(l.get_real("score"), 14.0);

  std::vector<crm::Record> why = admin.explain_lead_score(id);
  ASSERT_EQ(why.size(), 5u);
  EXPECT_EQ(why[0].text("kind"), "product_view");
  EXPECT_EQ(why[0].text("label"), "浏览产品页");
  EXPECT_EQ(why[0].text("note"), "浏览 MES 产品页");
  EXPECT_EQ(why[0].get_int("at"), kNow - 2 * 60000);
  double sum = 0;
  for (const auto& w : why) sum += w.get_real("effective");
  EXPECT_DOUBLE_EQ(sum, 14.0);

  EXPECT_EQ(status_of([&] { admin.record_lead_event(id, "smoke_signal"); }), "CRM_ERR_INVALID_ARG");
  EXPECT_EQ(status_of([&] { admin.record_lead_event(id, "visit", kNow + 60000); }),
            "CRM_ERR_INVALID_ARG")
      << "not in the future";
  EXPECT_EQ(status_of([&] { admin.record_lead_event(999, "visit"); }), "CRM_ERR_NOT_FOUND");

  crm::LeadQuery hot;
  hot.high_value_only = true;
  ASSERT_EQ(admin.list_leads(hot).size(), 1u);

  // The high-value message goes to the outbox about this lead.
  bool told = false, welcomed = false;
  for (const auto& m : admin.outbox()) {
    if (m.text("kind") == "lead_high_value" && m.get_int("lead") == id) told = true;
    if (m.text("kind") == "lead_welcome" && m.get_int("lead") == id) {
      welcomed = true;
      EXPECT_EQ(m.text("channel"), "sms");
      EXPECT_EQ(m.text("address"), "+8613711112222");
      EXPECT_NE(m.text("message").find("陈晓燕"), std::string::npos) << m.text("message");
    }
  }
  EXPECT_TRUE(told);
  EXPECT_TRUE(welcomed);
}

TEST_F(CppApi, LeadScoreRules) {
  crm::Session admin(db, 1);
  std::vector<crm::Record> rules = admin.lead_score_rules();
  ASSERT_EQ(rules.size(), 4u);
  std::set<std::string> kinds;
  for (const auto& r : rules)
    kinds.insert(r.text("kind") + "=" + std::to_string(r.get_int("points")));
  EXPECT_EQ(kinds, (std::set<std::string>{"download=2", "inquiry=3", "product_view=2", "visit=5"}));
  admin.set_lead_score_rule("webinar", 4, "参加线上研讨会", "Webinar");
  admin.set_lead_score_rule("inquiry", 4, "咨询详情", "Detail inquiry");
  rules = admin.lead_score_rules();
  ASSERT_EQ(rules.size(), 5u);
  for (const auto& r : rules) {
    if (r.text("kind") == "webinar") EXPECT_EQ(r.text("label"), "参加线上研讨会");
    if (r.text("kind") == "inquiry") EXPECT_EQ(r.get_int("points"), 4);
  }
  EXPECT_EQ(status_of([&] { admin.set_lead_score_rule("visit", 0, "来访参观", "Visit"); }),
            "CRM_ERR_INVALID_ARG");
  EXPECT_EQ(status_of([&] { admin.set_lead_score_rule("Bad Kind", 2, "坏", "Bad"); }),
            "CRM_ERR_INVALID_ARG");
  std::int64_t id = admin
                        .capture_lead(lead("展会", "珠海市海川医疗器械有限公司", "梁嘉欣",
                                           "13631234567", "广东省珠海市", "医疗"))
                        .lead;
  EXPECT_DOUBLE_EQ(admin.record_lead_event(id, "webinar").score, 4.0);
  EXPECT_FALSE(admin.config_history("lead_score.").rows.empty());
}

TEST_F(CppApi, LeadRoutesAssignAdvanceConvertFunnel) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  South o = make_south(admin);

  // 广东 + 制造业 → 黄敏; the rest of 广东 → the 华南销售部 team, round robin.
  std::int64_t r1 = admin.add_lead_route(crm::Record{
      {"region", std::string("广东省")}, {"industry", std::string("制造业")}, {"user", o.huang}});
  std::int64_t r2 = admin.add_lead_route(
      crm::Record{{"region", std::string("广东")}, {"department", std::string("华南销售部")}});
  std::vector<crm::Record> routes = admin.lead_routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].get_int("id"), r1);
  EXPECT_EQ(routes[1].text("department"), "华南销售部");
  EXPECT_EQ(status_of([&] {
              admin.add_lead_route(
                  crm::Record{{"department", std::string("华南销售部")}, {"user", o.manager}});
            }),
            "CRM_ERR_INVALID_ARG");
  crm::Session rep(db, o.huang);
  EXPECT_EQ(status_of([&] {
              rep.add_lead_route(crm::Record{{"region", std::string("深圳")}, {"user", o.huang}});
            }),
            "CRM_ERR_PERMISSION")
      << "rules are configuration";

  std::int64_t a = admin
                       .capture_lead(lead("展会", "深圳市华锐智能装备有限公司", "林志强",
                                          "13826541234", "广东省深圳市", "制造业"))
                       .lead;
  std::int64_t b = admin
                       .capture_lead(lead("客户转介绍", "广州市云启软件科技有限公司", "陈晓燕",
                                          "13711112222", "广东省广州市", "软件"))
                       .lead;
  std::int64_t c = admin
                       .capture_lead(lead("电话咨询", "北京泰锐网络科技有限公司", "胡丽娟",
                                          "13911113333", "北京市", "互联网"))
                       .lead;
  crm::LeadQuery pool;
  pool.owner = -1;
  EXPECT_EQ(admin.list_leads(pool).size(), 3u);
  EXPECT_TRUE(rep.list_leads().empty()) << "a salesperson does not see the pool";

  // Screening routes by the rules (lead.auto_assign "screened").
  admin.advance_lead(a, "初步筛选");
  crm::Record la = admin.get_lead(a);
  EXPECT_EQ(la.get_int("owner"), o.huang) << la.to_json();
  EXPECT_EQ(la.text("stage"), "assigned");
  EXPECT_FALSE(la.text("route_note").empty());
  EXPECT_EQ(rep.get_lead(a).text("company"), "深圳市华锐智能装备有限公司");

  // The team rule, by an explicit assign.
  std::int64_t owner_b = admin.assign_lead(b);
  EXPECT_TRUE(owner_b == o.huang || owner_b == o.lin) << owner_b;
  // No rule matches 北京: it stays in the pool and says why.
  EXPECT_EQ(admin.assign_lead(c), 0);
  EXPECT_FALSE(admin.get_lead(c).text("route_note").empty());
  EXPECT_EQ(admin.get_lead(c).text("stage"), "captured");

  // An absent salesperson is passed by.
  admin.update_user(o.lin, crm::Record{{"absent", std::int64_t{1}}});
  EXPECT_EQ(status_of([&] { admin.assign_lead(c, o.lin); }), "CRM_ERR_STATE");
  EXPECT_EQ(admin.assign_lead(c, o.huang), o.huang);

  bool assigned_message = false;
  for (const auto& m : admin.outbox())
    if (m.text("kind") == "lead_assigned" && m.get_int("lead") == a &&
        m.get_int("recipient_user") == o.huang)
      assigned_message = true;
  EXPECT_TRUE(assigned_message);

  // Follow up, disqualify, convert.
  rep.advance_lead(a, "following");
  EXPECT_EQ(rep.get_lead(a).text("stage"), "following");
  EXPECT_EQ(status_of([&] { rep.advance_lead(a, "screened"); }), "CRM_ERR_STATE") << "never back";
  EXPECT_EQ(status_of([&] { admin.advance_lead(c, "disqualified"); }), "CRM_ERR_INVALID_ARG")
      << "a reason is required";
  admin.advance_lead(c, "无效线索", "重复登记，已由其他渠道跟进");
  EXPECT_EQ(admin.get_lead(c).text("disqualify_reason"), "重复登记，已由其他渠道跟进");

  for (const char* kind : {"product_view", "inquiry", "visit"}) rep.record_lead_event(a, kind);
  std::string customer = rep.convert_lead(a);
  EXPECT_EQ(customer, "C0001");
  crm::Record cust = rep.get_customer(customer);
  EXPECT_EQ(cust.text("name"), "深圳市华锐智能装备有限公司");
  EXPECT_EQ(cust.get_int("owner"), o.huang);
  EXPECT_EQ(cust.text("type"), "prospect");
  EXPECT_EQ(cust.text("source"), "trade_show");
  EXPECT_EQ(cust.text("priority"), "high") << "a high-value lead";
  crm::Record converted = rep.get_lead(a);
  EXPECT_EQ(converted.text("stage"), "converted");
  EXPECT_EQ(converted.text("customer"), customer);
  EXPECT_EQ(status_of([&] { rep.record_lead_event(a, "visit"); }), "CRM_ERR_STATE");
  std::set<std::string> carried;
  for (const auto& h : rep.customer_history(customer))
    if (h.text("kind") == "lead") carried.insert(h.text("after"));
  EXPECT_TRUE(carried.count("visit +5")) << "the lead's events are in the customer's history";
  EXPECT_TRUE(carried.count("converted"));

  std::string intent =
      admin.convert_lead(b, "intent", crm::Record{{"priority", std::string("低")}});
  EXPECT_EQ(admin.get_customer(intent).text("type"), "intent");
  EXPECT_EQ(admin.get_customer(intent).text("priority"), "low");

  // The funnel: the row for every channel first.
  std::vector<crm::Record> funnel = admin.lead_funnel(0, 0, "all");
  ASSERT_GE(funnel.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(value_of(funnel[0], "channel")));
  EXPECT_EQ(funnel[0].get_int("captured"), 3);
  // Skipped steps count as reached: all three were screened and assigned.
  EXPECT_EQ(funnel[0].get_int("screened"), 3) << funnel[0].to_json();
  EXPECT_EQ(funnel[0].get_int("assigned"), 3);
  EXPECT_EQ(funnel[0].get_int("following"), 2);
  EXPECT_EQ(funnel[0].get_int("converted"), 2);
  EXPECT_EQ(funnel[0].get_int("disqualified"), 1);
  EXPECT_NEAR(funnel[0].get_real("conversion_rate"), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(admin.lead_funnel(kNow, kNow + 1, "day").front().text("period"), "2026-11-23");

  crm::LeadQuery converted_only;
  converted_only.stage = "转化";
  EXPECT_EQ(admin.list_leads(converted_only).size(), 2u);

  admin.remove_lead_route(r2);
  EXPECT_EQ(admin.lead_routes().size(), 1u);
  EXPECT_EQ(status_of([&] { admin.remove_lead_route(r2); }), "CRM_ERR_NOT_FOUND");
}

TEST_F(CppApi, LeadOwnCapturePoolDecayCapAndPaging) {
  constexpr std::int64_t kDay = 24 * 3600000LL;
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  South o = make_south(admin);
  crm::Session rep(db, o.huang);
  crm::Session manager(db, o.manager);

  // A salesperson's capture is theirs at once.
  std::int64_t own = rep.capture_lead(lead("电话咨询", "深圳市华锐智能装备有限公司", "林志强",
                                           "13826541234", "广东省深圳市", "制造业"))
                         .lead;
  crm::Record l = rep.get_lead(own);
  EXPECT_EQ(l.get_int("owner"), o.huang);
  EXPECT_EQ(l.text("stage"), "assigned");

  // The pool is reached by a department scope, not by an own scope.
  std::int64_t pooled = admin
                            .capture_lead(lead("展会", "广州市云启软件科技有限公司", "陈晓燕",
                                               "13711112222", "广东省广州市", "零售"))
                            .lead;
  EXPECT_EQ(status_of([&] { rep.get_lead(pooled); }), "CRM_ERR_NOT_FOUND");
  EXPECT_EQ(manager.get_lead(pooled).text("company"), "广州市云启软件科技有限公司");

  // Decay: a visit 30 days ago under a 30-day half-life counts half.
  admin.set_setting("lead.score_half_life_days", "30");
  admin.record_lead_event(pooled, "visit", kNow - 30 * kDay);
  EXPECT_NEAR(admin.get_lead(pooled).get_real("score"), 2.5, 1e-9);
  std::vector<crm::Record> why = admin.explain_lead_score(pooled);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_NEAR(why[0].get_real("weight"), 0.5, 1e-9);
  EXPECT_NEAR(why[0].get_real("effective"), 2.5, 1e-9);
  admin.set_setting("lead.score_half_life_days", "0");
  EXPECT_NEAR(admin.get_lead(pooled).get_real("score"), 5.0, 1e-9) << "rescored without decay";

  // A lead in the pool that turns high value tells the sales managers.
  admin.record_lead_event(pooled, "visit");
  bool managers_told = false;
  for (const auto& m : admin.outbox())
    if (m.text("kind") == "lead_high_value" && m.get_int("lead") == pooled)
      managers_told = m.text("recipient_role") == "sales_manager";
  EXPECT_TRUE(managers_told);

  // The cap: a full salesperson is refused directly and skipped by the team.
  admin.set_setting("lead.max_open_per_user", "1");
  std::int64_t third = admin
                           .capture_lead(lead("官网", "佛山市禾丰连锁超市有限公司", "何慧敏",
                                              "13927785301", "广东省佛山市", "零售"))
                           .lead;
  EXPECT_EQ(status_of([&] { admin.assign_lead(third, o.huang); }), "CRM_ERR_STATE");
  admin.add_lead_route(
      crm::Record{{"region", std::string("广东省")}, {"department", std::string("华南销售部")}});
  EXPECT_EQ(admin.assign_lead(third), o.lin);
  EXPECT_EQ(admin.assign_lead(pooled), 0) << "everyone is at the cap";
  EXPECT_FALSE(admin.get_lead(pooled).text("route_note").empty());
  admin.set_setting("lead.max_open_per_user", "0");

  // Lead placeholders in a template.
  admin.set_reminder_rule(
      "lead_assigned",
      crm::Record{
          {"template_zh", std::string("#{lead_id} {company}（{person}，{channel}，{score}分）"
                                      "→ {owner}，{time}")}});
  admin.assign_lead(pooled, o.huang);
  std::string message;
  for (const auto& m : admin.outbox())
    if (m.text("kind") == "lead_assigned" && m.get_int("lead") == pooled)
      message = m.text("message");
  EXPECT_EQ(message,
            "#" + std::to_string(pooled) +
                " 广州市云启软件科技有限公司（陈晓燕，展会，10分）→ 黄敏，2026-11-23 09:00");

  // Filters and keyset paging.
  crm::LeadQuery q;
  q.limit = 2;
  std::vector<crm::Record> page1 = admin.list_leads(q);
  ASSERT_EQ(page1.size(), 2u);
  q.after_id = page1.back().get_int("id");
  std::vector<crm::Record> page2 = admin.list_leads(q);
  ASSERT_EQ(page2.size(), 1u);
  EXPECT_EQ(page2[0].get_int("id"), third);
  crm::LeadQuery by_channel;
  by_channel.channel = "展会";
  EXPECT_EQ(admin.list_leads(by_channel).size(), 1u);
  crm::LeadQuery by_owner;
  by_owner.owner = o.lin;
  EXPECT_EQ(admin.list_leads(by_owner).size(), 1u);
  EXPECT_EQ(admin.lead_funnel(0, 0, "week").front().text("period"), "2026-W48");
  EXPECT_EQ(admin.lead_funnel(0, 0, "month").front().text("period"), "2026-11");
  EXPECT_EQ(status_of([&] { admin.lead_funnel(0, 0, "year"); }), "CRM_ERR_INVALID_ARG");

  // A disqualified lead takes no events, and its phone may come back as a new lead.
  admin.advance_lead(third, "disqualified", "空号");
  EXPECT_EQ(status_of([&] { admin.record_lead_event(third, "visit"); }), "CRM_ERR_STATE");
  crm::LeadCapture back = admin.capture_lead(
      lead("官网", "佛山市禾丰连锁超市有限公司", "何慧敏", "13927785301", "广东省佛山市", "零售"));
  EXPECT_EQ(back.outcome, crm::LeadOutcome::created);
  EXPECT_NE(back.lead, third);
}

TEST_F(CppApi, LeadUnassignedReminderCountsWorkingTime) {
  constexpr std::int64_t kHour = 3600000;
  // Friday 2026-11-20 19:00 in Shanghai, after working hours.
  constexpr std::int64_t kFriAt19 = 1795165200000 + 2 * kHour;
  db.set_clock(kFriAt19);
  crm::Session admin(db, 1);
  admin.set_reminder_rule("lead_unassigned", crm::Record{{"counting", std::string("working")},
                                                         {"delay_minutes", std::int64_t{450}}});
  std::int64_t id = admin
                        .capture_lead(lead("官网", "深圳市华锐智能装备有限公司", "林志强",
                                           "13826541234", "广东省深圳市", "制造业"))
                        .lead;
  auto reminders = [&] {
    std::vector<crm::Record> out;
    for (auto& m : admin.outbox())
      if (m.text("kind") == "lead_unassigned") out.push_back(std::move(m));
    return out;
  };
  db.set_clock(kFriAt19 + 24 * kHour);  // Saturday: no working time has passed
  admin.tick();
  EXPECT_TRUE(reminders().empty());
  db.set_clock(kFriAt19 + 71 * kHour);  // Monday 18:00: one working day
  admin.tick();
  std::vector<crm::Record> due = reminders();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].get_int("lead"), id);
  EXPECT_EQ(due[0].text("recipient_role"), "sales_manager");
  EXPECT_EQ(due[0].get_int("due_at"), kFriAt19 + 71 * kHour);
}

// Conversion under review: crm_lead_convert reports CRM_PENDING with a
// change id, the pending customer is kept and, once approved, the lead is
// converted into it.
TEST_F(CppApi, LeadConversionWaitsForReview) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  South o = make_south(admin);
  crm::Session rep(db, o.huang);
  crm::Session manager(db, o.manager);
  std::int64_t id = rep.capture_lead(lead("电话咨询", "深圳市华锐智能装备有限公司", "林志强",
                                          "13826541234", "广东省深圳市", "制造业"))
                        .lead;
  admin.set_setting("review.create", "1");
  try {
    rep.convert_lead(id);
    FAIL() << "expected crm::Pending";
  } catch (const crm::Pending& p) {
    EXPECT_EQ(rep.get_lead(id).text("stage"), "assigned") << "the lead is left as it was";
    ASSERT_EQ(rep.pending_changes("mine").size(), 1u);
    std::string customer = manager.decide_pending(p.change_id(), true);
    EXPECT_EQ(rep.convert_lead(id, "", crm::Record{{"customer", customer}}), customer);
    EXPECT_EQ(rep.get_lead(id).text("stage"), "converted");
  }
}

// Automation rules (R8) ------------------------------------------------------

// When a customer of priority 高 in 销售中心 (or below) enters 意向: tag it
// 高潜力 and plan a call in two hours.
const char* const kIntentRule = R"({"name": "高优先级意向客户",
  "trigger": {"event": "stage_entered", "stage": "意向"},
  "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
                         {"owner_department": "销售中心"},
                         {"not": {"tag": "高潜力"}}]},
  "actions": [{"type": "add_tag", "tag": "高潜力"},
              {"type": "create_plan", "after_hours": 2, "goal": "确认预算", "method": "电话"}]})";

std::int64_t template_rule(crm::Session& admin, const char* code) {
  for (const auto& r : admin.automation_rules())
    if (r.text("template") == code) return r.get_int("id");
  ADD_FAILURE() << "no template " << code;
  return 0;
}

std::vector<crm::Record> automation_messages(crm::Session& admin) {
  std::vector<crm::Record> out;
  for (auto& m : admin.outbox(0, 1000))
    if (m.text("kind") == "automation") out.push_back(std::move(m));
  return out;
}

TEST_F(CppApi, AutomationRulesSaveEnableVersionsAndRefusals) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  make_org(admin);
  // The shipped templates come disabled.
  std::set<std::string> templates;
  for (const auto& r : admin.automation_rules()) {
    EXPECT_EQ(r.get_int("enabled"), 0) << r.text("name");
    templates.insert(r.text("template"));
  }
  EXPECT_EQ(templates, (std::set<std::string>{"high_potential_tag", "status_stale_3d",
                                              "intent_stale_24h", "intent_stale_48h"}));

  crm::SavedRule saved = admin.save_automation_rule(kIntentRule);
  EXPECT_GT(saved.id, 0);
  EXPECT_EQ(saved.version, 1);
  crm::Record rule = admin.automation_rule(saved.id);
  EXPECT_EQ(rule.text("name"), "高优先级意向客户");
  EXPECT_EQ(rule.text("event"), "stage_entered");
  EXPECT_EQ(rule.get_int("enabled"), 0) << "a new rule starts disabled";
  EXPECT_FALSE(rule.get_text("template").has_value());
  EXPECT_FALSE(rule.get_text("problem").has_value());
  admin.enable_automation_rule(saved.id);
  EXPECT_EQ(admin.automation_rule(saved.id).get_int("enabled"), 1);

  // A new version keeps the rule enabled; the versions are kept, oldest first.
  std::string v2 = kIntentRule;
  v2.replace(v2.find("\"after_hours\": 2"), 16, "\"after_hours\": 4");
  crm::SavedRule again = admin.save_automation_rule(v2, saved.id);
  EXPECT_EQ(again.id, saved.id);
  EXPECT_EQ(again.version, 2);
  EXPECT_EQ(admin.automation_rule(saved.id).get_int("enabled"), 1);
  EXPECT_EQ(admin.automation_rule(saved.id).get_int("version"), 2);
  auto versions = admin.automation_rule_versions(saved.id);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].get_int("version"), 1);
  EXPECT_EQ(versions[1].get_int("version"), 2);
  EXPECT_EQ(versions[0].text("definition"), kIntentRule);
  EXPECT_NE(versions[1].text("definition").find("\"after_hours\": 4"), std::string::npos);
  EXPECT_EQ(versions[1].get_int("created_by"), 1);
  admin.enable_automation_rule(saved.id, false);
  EXPECT_EQ(admin.automation_rule(saved.id).get_int("enabled"), 0);

  // A rule that could never be valid names the path of the mistake.
  try {
    admin.save_automation_rule(R"({"name": "预算过万",
      "trigger": {"event": "created"},
      "conditions": {"all": [{"field": "priority", "op": "=", "value": "高"},
                             {"field": "budget", "op": ">", "value": "10000"}]},
      "actions": [{"type": "add_tag", "tag": "高潜力"}]})");
    FAIL() << "expected CRM_ERR_INVALID_ARG";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
    EXPECT_NE(std::string(e.what()).find("conditions.all[1].field: no customer field \"budget\""),
              std::string::npos)
        << e.what();
    EXPECT_NE(e.message_zh().find("conditions.all[1].field"), std::string::npos) << e.message_zh();
  }
  EXPECT_EQ(admin.automation_rules().size(), 5u) << "nothing saved";
  try {
    admin.enable_automation_rule(saved.id + 100);
    FAIL() << "expected CRM_ERR_NOT_FOUND";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_NOT_FOUND);
  }
}

// The custom rule tags a customer 高潜力, which triggers the enabled
// template: two runs (depths 0 and 1) and a message to the sales managers.
TEST_F(CppApi, AutomationRulesFireInAChainAndLogTheirRuns) {
  constexpr std::int64_t kHour = 3600 * 1000;
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  Org o = make_org(admin);
  crm::Session rep(db, o.rep);
  std::int64_t hot = template_rule(admin, "high_potential_tag");
  admin.enable_automation_rule(hot);
  std::int64_t intent = admin.save_automation_rule(kIntentRule).id;
  admin.enable_automation_rule(intent);

  // Tagging by hand fires the template alone.
  std::string first = rep.create_customer(owned_by(o.rep, "杭州恒达精密机械有限公司"));
  rep.tag_customer(first, rep.find_tag("高潜力"));
  auto messages = automation_messages(admin);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text("recipient_role"), "sales_manager");
  EXPECT_EQ(messages[0].text("customer"), first);
  EXPECT_NE(messages[0].text("message").find("被标记为高潜力"), std::string::npos)
      << messages[0].text("message");
  EXPECT_NE(messages[0].text("message").find("张伟"), std::string::npos) << "names the owner";
  auto runs = admin.automation_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].get_int("rule"), hot);
  EXPECT_EQ(runs[0].text("customer"), first);
  EXPECT_EQ(runs[0].text("outcome"), "fired");

  // Entering 意向 with priority 高: the custom rule tags and plans, and its
  // tag fires the template one level down.
  db.set_clock(kNow + kHour);
  std::string second = rep.create_customer(owned_by(o.rep, "苏州纳微科技股份有限公司")
                                               .set("phone", "139 8765 4321")
                                               .set("email", "li@naweitech.com"));
  rep.set_customer_type(second, "intent");
  auto later = admin.automation_runs(0, runs.back().get_int("id"));
  ASSERT_EQ(later.size(), 2u);
  const crm::Record* cause = nullptr;
  const crm::Record* effect = nullptr;
  for (const auto& r : later) {
    EXPECT_EQ(r.text("customer"), second);
    EXPECT_EQ(r.text("outcome"), "fired") << r.text("detail");
    if (r.get_int("rule") == intent) cause = &r;
    if (r.get_int("rule") == hot) effect = &r;
  }
  ASSERT_TRUE(cause && effect);
  EXPECT_EQ(cause->text("event"), "stage_entered");
  EXPECT_EQ(effect->text("event"), "tag_added");
  EXPECT_EQ(effect->get_int("depth"), cause->get_int("depth") + 1) << "set off by the other rule";
  EXPECT_EQ(effect->get_int("depth"), runs[0].get_int("depth") + 1)
      << "one level below a tag by hand";
  ASSERT_EQ(rep.customer_tags(second).size(), 1u);
  EXPECT_EQ(rep.customer_tags(second)[0].text("label"), "高潜力");
  auto plans = rep.plans(second);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].get_int("planned_at"), kNow + 3 * kHour);
  EXPECT_EQ(automation_messages(admin).size(), 2u);

  // Filters and paging of the run log.
  EXPECT_EQ(admin.automation_runs(hot).size(), 2u);
  EXPECT_EQ(admin.automation_runs(intent).size(), 1u);
  EXPECT_EQ(admin.automation_runs(0, 0, 2).size(), 2u);
  EXPECT_TRUE(
      admin.automation_runs(0, std::max(later[0].get_int("id"), later[1].get_int("id"))).empty());
  // Reading needs config.read; a salesperson has no say over rules.
  try {
    rep.save_automation_rule(kIntentRule);
    FAIL() << "expected CRM_ERR_PERMISSION";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_PERMISSION);
  }
}

TEST_F(CppApi, AutomationSimulationTimeline) {
  constexpr std::int64_t kHour = 3600 * 1000;
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  make_org(admin);
  const std::string script = R"({"start": )" + std::to_string(kNow) + R"(, "steps": [
    {"do": "create", "fields": {"name": "杭州恒达精密机械有限公司", "contact_name": "王建国",
     "phone": "13812345678", "industry": "制造业", "scale": "100-500人", "source": "展会",
     "key_needs": "采购数控机床", "priority": "高"}},
    {"after_hours": 1, "do": "tag", "tag": "高潜力"},
    {"after_hours": 80, "do": "tick"}]})";
  auto timeline = admin.simulate_automation(script, R"([
    {"name": "高潜力提醒", "trigger": {"event": "tag_added", "tag": "高潜力"},
     "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
                  "template_zh": "{customer}被标记为{tag}", "template_en": "{customer}: {tag}"}]},
    {"name": "三天未变", "trigger": {"event": "no_change", "field": "type", "days": 3},
     "actions": [{"type": "notify", "to": "owner", "channels": "app",
                  "template_zh": "{customer}状态3天未更新", "template_en": "stale"}]}])");
  std::vector<std::string> got;
  for (const auto& r : timeline) {
    std::string kind = r.text("kind");
    got.push_back(kind + ":" + (kind == "step" ? r.text("detail") : r.text("rule_name")) + "@" +
                  std::to_string((r.get_int("at") - kNow) / kHour));
  }
  EXPECT_EQ(
      got, (std::vector<std::string>{"step:create C0001@0", "step:tag 高潜力@1", "run:高潜力提醒@1",
                                     "message:高潜力提醒@1", "run:三天未变@72",
                                     "message:三天未变@72", "step:tick@81"}));
  for (const auto& r : timeline) {
    if (r.text("kind") == "run") EXPECT_EQ(r.text("outcome"), "fired");
    if (r.text("kind") == "message" && r.text("rule_name") == "高潜力提醒") {
      EXPECT_EQ(r.text("recipient"), "role:sales_manager");
      // {tag} is the tag as the trigger names it ("value:高潜力" today).
      EXPECT_EQ(r.text("message").rfind("杭州恒达精密机械有限公司被标记为", 0), 0u)
          << r.text("message");
      EXPECT_NE(r.text("message").find("高潜力"), std::string::npos) << r.text("message");
    }
  }
  EXPECT_EQ(admin.count_customers(), 0) << "a scratch copy: nothing real changed";
  EXPECT_TRUE(admin.outbox().empty());
  EXPECT_TRUE(admin.automation_runs().empty());

  // Without rules_json, the saved enabled rules: only the template is on.
  admin.enable_automation_rule(template_rule(admin, "high_potential_tag"));
  std::vector<std::string> kinds;
  for (const auto& r : admin.simulate_automation(script)) kinds.push_back(r.text("kind"));
  EXPECT_EQ(kinds, (std::vector<std::string>{"step", "step", "run", "message", "step"}));

  try {
    admin.simulate_automation(R"({"steps": [{"do": "tag", "tag": "高潜力"}]})");
    FAIL() << "expected CRM_ERR_INVALID_ARG";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
    EXPECT_NE(std::string(e.what()).find("steps[0]"), std::string::npos) << e.what();
  }
}

}  // namespace

namespace {

TEST_F(CppApi, SearchByNamePinyinAndInitialsAndCompleteness) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  admin.create_customer(valid("华为技术有限公司"));
  admin.create_customer(valid("華為雲計算技術有限公司"));
  admin.create_customer(valid("深圳市腾讯计算机系统有限公司"));
  auto ids = [&](const std::string& text) {
    std::string out;
    for (const auto& r : admin.search_customers(text).rows)
      out += (out.empty() ? "" : ",") + r.text("id") + ":" + r.text("match");
    return out;
  };
  EXPECT_EQ(ids("华为"), "C0001:name,C0002:name");
  EXPECT_EQ(ids("華為技術"), "C0001:name");
  EXPECT_EQ(ids("Hua Wei"), "C0001:pinyin,C0002:pinyin");
  EXPECT_EQ(ids("hw"), "C0001:initials,C0002:initials");
  crm::Page first = admin.search_customers("有限公司", 2);
  ASSERT_EQ(first.rows.size(), 2u);
  crm::Page second = admin.search_customers("有限公司", 2, first.next);
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_EQ(second.rows[0].text("id"), "C0003");

  crm::CustomerQuery q;
  q.sort = "name_pinyin";
  auto rows = admin.list_customers(q).rows;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.back().text("id"), "C0003") << "shenzhen after huawei";

  EXPECT_EQ(admin.completeness_fields().size(), 10u);
  admin.set_completeness_field("contact_title", 0);
  admin.set_completeness_field("email", 0);
  crm::Record c = admin.customer_completeness("C0001");
  EXPECT_EQ(c.text("missing"), "");
  EXPECT_EQ(c.get_int("goal_met"), 1);
  auto report = admin.completeness_report("all");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].get_int("customers"), 3);
}

// Merging duplicate customers (R9.3, docs/merge.md) through the wrapper: a
// choice record, the merged record's state, the log, and an unmerge that
// needs force after the survivor changed.
TEST_F(CppApi, MergeAndUnmergeCustomers) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  std::string keep = admin.create_customer(valid());
  crm::Record second = valid("杭州恒达精密机械股份有限公司");
  second.set("contact_name", "陈芳").set("phone", "13900001111");
  std::string dup = admin.create_customer(second);
  const std::string name = admin.get_customer(keep).text("name");

  crm::Record report =
      admin.merge_customers(keep, dup, crm::Record{{"name", std::string("merged")}}, "重复录入");
  EXPECT_EQ(report.get_int("moved"), 1) << "the merged customer's contact";
  EXPECT_EQ(report.text("from_merged"), "name");
  EXPECT_EQ(admin.get_customer(keep).text("name"), "杭州恒达精密机械股份有限公司");
  EXPECT_EQ(admin.get_customer(dup).text("merged_into"), keep);
  EXPECT_EQ(admin.contacts(keep).size(), 2u);
  EXPECT_EQ(status_of([&] {
              admin.update_customer(dup, crm::Record{{"priority", "低"}});
            }),
            "CRM_ERR_STATE");
  EXPECT_EQ(status_of([&] { admin.merge_customers(keep, keep); }), "CRM_ERR_INVALID_ARG");
  auto merges = admin.merges(dup);
  ASSERT_EQ(merges.size(), 1u);
  const std::int64_t id = merges[0].get_int("id");
  EXPECT_EQ(merges[0].get_int("undone"), 0);

  admin.update_customer(keep, crm::Record{{"priority", "低"}});
  try {
    admin.unmerge_customers(id);
    FAIL() << "expected a conflict: the survivor changed after the merge";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_CONFLICT);
    ASSERT_EQ(e.fields().size(), 1u);
    EXPECT_EQ(e.fields()[0].field, keep + ".priority");
  }
  crm::Record undone = admin.unmerge_customers(id, true, "不是同一家");
  EXPECT_EQ(undone.text("overwritten"), keep + ".priority");
  EXPECT_EQ(admin.get_customer(keep).text("name"), name);
  EXPECT_EQ(admin.get_customer(keep).text("priority"), "high");
  EXPECT_FALSE(admin.get_customer(dup).has("merged_into"));
  EXPECT_EQ(admin.merges()[0].get_int("undone"), 1);
}

}  // namespace

namespace {

TEST_F(CppApi, DuplicatesPairsSingleRowCheckAndCleansingReport) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  EXPECT_EQ(crm::match_key("name", "华为技术（深圳）有限公司"), "华为技术");
  EXPECT_EQ(crm::match_key("email", "Wang@Huawei.COM"), "wang@huawei.com");
  crm::Record a = valid("深圳市华为技术有限公司");
  crm::Record b = valid("華為技術有限公司");
  b.set("phone", "13800000002");
  std::string ida = admin.create_customer(a), idb = admin.create_customer(b);
  std::int64_t calls = 0;
  auto pairs = admin.find_duplicates(0, [&](std::int64_t done, std::int64_t total) {
    EXPECT_LE(done, total);
    ++calls;
    return true;
  });
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].text("a"), ida);
  EXPECT_EQ(pairs[0].text("b"), idb);
  EXPECT_EQ(pairs[0].text("reasons"), "same_name,same_contact");
  EXPECT_GT(calls, 0);
  EXPECT_THROW(admin.find_duplicates(
                   0, [](std::int64_t, std::int64_t) -> bool { throw std::runtime_error("stop"); }),
               std::runtime_error)
      << "an exception in the callback reaches the caller";

  auto hits = admin.duplicates_of(crm::Record{{"name", std::string("华为技术有限公司")},
                                              {"phone", std::string("010 1234 5678")}});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text("customer"), ida) << "same name and phone first";
  EXPECT_EQ(hits[0].text("reasons"), "same_name,same_phone");

  auto report = admin.cleansing_report();
  auto row = std::find_if(report.begin(), report.end(),
                          [](const crm::Record& r) { return r.text("check") == "duplicates"; });
  ASSERT_NE(row, report.end());
  EXPECT_EQ(row->get_int("count"), 1);
  EXPECT_EQ(row->text("customers"), ida + "," + idb);
  try {
    admin.find_duplicates(2.0);
    ADD_FAILURE() << "a threshold of 2 must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
  }
}

TEST_F(CppApi, ImportExportCsvAndFollowupMigration) {
  db.set_clock(kNow);
  crm::Session admin(db, 1);
  const std::string header =
      "客户全称,联系人姓名,联系电话,所属行业,企业规模,信息来源渠道,关键需求,需求优先级,"
      "外部编号\r\n";
  const std::string file = header +
                           "杭州恒达精密机械有限公司,李明,13812345678,制造业,100-500人,展会,"
                           "采购数控机床,高,ERP-1\r\n"
                           "某公司,李明,12345,制造业,100-500人,展会,采购,高,ERP-2\r\n";
  crm::Record rep = admin.import_customers_buffer(file);
  EXPECT_EQ(rep.get_int("inserted"), 1);
  EXPECT_EQ(rep.get_int("rejected"), 1);
  EXPECT_EQ(rep.text("key"), "external_id");
  EXPECT_NE(rep.text("errors").find("{\"row\":3,"), std::string::npos) << rep.text("errors");

  // Exported in clear as GBK with English headers, imported back unchanged.
  crm::CsvOptions co;
  co.encoding = "gbk";
  co.english_headers = true;
  const std::string csv = admin.export_customers_csv({}, true, co);
  EXPECT_EQ(csv.rfind("id,name,", 0), 0u) << csv;
  crm::ImportOptions up;
  up.mode = "upsert";
  up.key = "external_id";
  rep = admin.import_customers_buffer(csv, up);
  EXPECT_EQ(rep.get_int("unchanged"), 1) << rep.text("errors");
  EXPECT_EQ(rep.text("encoding"), "gb18030");

  // A file, a progress callback that stops, an exception from it.
  const auto dir = std::filesystem::temp_directory_path() / "crm-cpp-import";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "more.csv").string();
  {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string more = header;
    for (int i = 1; i <= 4; ++i)
      more += "宁波海天塑机第" + std::to_string(i) + "分厂有限公司,王芳,1398765432" +
              std::to_string(i) + ",制造业,100-500人,展会,采购注塑机,中,NB-" + std::to_string(i) +
              "\r\n";
    fwrite(more.data(), 1, more.size(), f);
    fclose(f);
  }
  crm::ImportOptions o;
  o.batch_rows = 2;
  o.progress = [](std::int64_t done, std::int64_t total) { return done < 2 && total == 4; };
  rep = admin.import_customers(path, o);
  EXPECT_EQ(rep.get_int("cancelled"), 1);
  EXPECT_EQ(rep.get_int("inserted"), 2);
  o.progress = [](std::int64_t, std::int64_t) -> bool { throw std::runtime_error("stop"); };
  EXPECT_THROW(admin.import_customers(path, o), std::runtime_error);
  o = crm::ImportOptions{};
  o.encoding = "latin1";
  try {
    admin.import_customers(path, o);
    ADD_FAILURE() << "an unknown encoding must be refused";
  } catch (const crm::Error& e) {
    EXPECT_EQ(e.status(), CRM_ERR_INVALID_ARG);
  }

  // Follow-up history, migrated and verified.
  const std::string history = (dir / "history.csv").string();
  {
    FILE* f = fopen(history.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string h =
        "外部编号,跟进时间,跟进人,跟进方式,沟通内容\r\n"
        "ERP-1,2026-01-10 09:00,admin,电话,初次沟通需求\r\n"
        "ERP-1,2026-02-20 14:00,admin,拜访,现场演示\r\n";
    fwrite(h.data(), 1, h.size(), f);
    fclose(f);
  }
  crm::Record m = admin.migrate_followups(history);
  EXPECT_EQ(m.get_int("migrated"), 2) << m.text("errors");
  EXPECT_EQ(admin.migrate_followups(history).get_int("unchanged"), 2);
  crm::MigrationCheck check = admin.verify_followup_migration(history, 2, 42);
  EXPECT_EQ(check.summary.get_int("sampled"), 2);
  EXPECT_EQ(check.summary.get_int("matched"), 2);
  EXPECT_TRUE(check.mismatches.empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
