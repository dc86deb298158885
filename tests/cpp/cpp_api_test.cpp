// include/crm/crm.hpp used exactly as a C++ host would: through libcrm.so.
#include <gtest/gtest.h>

#include <crm/crm.hpp>
#include <set>

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
  // Seven follow-up rules and, since 0.5, access_pending (an access request
  // waiting for its owner, R3.2).
  std::set<std::string> kinds;
  for (const auto& rule : admin.reminder_rules()) kinds.insert(rule.text("kind"));
  EXPECT_EQ(kinds,
            (std::set<std::string>{"plan_reminder", "plan_overdue", "cadence_lapsed", "unverified",
                                   "review_due", "major_change", "escalation", "access_pending"}));
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
