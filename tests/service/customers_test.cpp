#include <filesystem>
#include <map>
#include <set>

#include "fixture.hpp"
#include "store/customer_repo.hpp"

namespace crm::testing {
namespace {

using CustomersTest = ServiceTest;

std::int64_t int_field(const Record& r, const char* f) {
  return std::get<std::int64_t>(*r.find(f));
}

TEST_F(CustomersTest, CreateAppliesDefaultsFromSessionAndClock) {
  std::int64_t key = create_customer(*rep, customer());
  Record r = get_customer(*rep, key);
  EXPECT_EQ(r.text("id"), "C0001");
  EXPECT_EQ(r.text("type"), "prospect");
  EXPECT_EQ(int_field(r, "owner"), rep_id);
  EXPECT_EQ(r.text("entry_date"), "2026-11-23");
  EXPECT_EQ(int_field(r, "created_at"), kNow);
  EXPECT_EQ(int_field(r, "created_by"), rep_id);
  EXPECT_EQ(int_field(r, "version"), 1);
  EXPECT_EQ(r.text("phone"), "138****5678") << "masked by default (R3.6)";
  EXPECT_EQ(r.text("phone_display"), "138****5678");
  Record clear = get_customer(*rep, int_field(r, "key"), /*unmasked=*/true);
  EXPECT_EQ(clear.text("phone"), "+8613812345678");
  EXPECT_EQ(clear.text("phone_display"), "138 1234 5678");
  EXPECT_EQ(r.text("industry"), "manufacturing");
}

TEST_F(CustomersTest, EntryDateIsTheLocalDateAtTheMidnightBoundary) {
  // 23:59:59.999 in Shanghai on 2026-11-23 is 15:59:59.999Z.
  const std::int64_t last_ms_of_day = 1795449599999;
  db->clock().fix(last_ms_of_day);
  Record a = get_customer(*rep, create_customer(*rep, customer()));
  db->clock().fix(last_ms_of_day + 1);
  Record b = get_customer(*rep, create_customer(*rep, customer("苏州纳微科技股份有限公司")));
  EXPECT_EQ(a.text("entry_date"), "2026-11-23");
  EXPECT_EQ(b.text("entry_date"), "2026-11-24");
}

TEST_F(CustomersTest, HumanIdsAreNeverReused) {
  std::int64_t k1 = create_customer(*rep, customer());
  std::int64_t k2 = create_customer(*rep, customer("苏州纳微科技股份有限公司"));
  archive_customer(*rep, k2, std::string("重复录入"));
  std::int64_t k3 = create_customer(*rep, customer("成都蜀光软件技术有限公司"));
  EXPECT_EQ(store::human_id(k1), "C0001");
  EXPECT_EQ(store::human_id(k2), "C0002");
  EXPECT_EQ(store::human_id(k3), "C0003") << "the archived C0002 is not handed out again";
  // An id handed out inside a transaction that rolled back was never
  // committed, so it never existed; the next committed customer may take it.
  db->begin();
  std::int64_t rolled = create_customer(*rep, customer("宁波星海电子有限公司"));
  db->rollback();
  EXPECT_EQ(create_customer(*rep, customer("青岛海韵食品有限公司")), rolled);
}

TEST_F(CustomersTest, InvalidCreateWritesNothing) {
  create_customer(*rep, customer());
  Record bad = customer("某科技公司", "0755-8888888");
  bad.set("email", std::string("wang@"));
  Error e = expect_error(Status::validation, [&] { create_customer(*rep, bad); });
  ASSERT_EQ(e.fields().size(), 3u);
  EXPECT_EQ(e.fields()[0].field, "name");
  EXPECT_EQ(e.fields()[1].field, "phone");
  EXPECT_EQ(e.fields()[2].field, "email");
  EXPECT_EQ(count_customers(), 1u);
  // The next good customer gets the next id: the failed one consumed nothing.
  EXPECT_EQ(store::human_id(create_customer(*rep, customer("苏州纳微科技股份有限公司"))), "C0002");
}

TEST_F(CustomersTest, UnknownOwnerIsAFieldError) {
  Record r = customer();
  r.set("owner", std::int64_t{999});
  Error e = expect_error(Status::validation, [&] { create_customer(*rep, r); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].code, "unknown_user");
}

TEST_F(CustomersTest, UpdateChangesOnlyGivenFieldsAndBumpsVersion) {
  std::int64_t key = create_customer(*rep, customer());
  db->clock().fix(kNow + 60000);
  Record patch;
  patch.set("key_needs", std::string("追加采购两台五轴加工中心"));
  patch.set("version", std::int64_t{1});
  EXPECT_EQ(update_customer(*rep, key, patch), 2);
  Record r = get_customer(*rep, key);
  EXPECT_EQ(r.text("key_needs"), "追加采购两台五轴加工中心");
  EXPECT_EQ(get_customer(*rep, key, true).text("phone"), "+8613812345678") << "untouched";
  EXPECT_EQ(int_field(r, "updated_at"), kNow + 60000);
  auto h = customer_history(*rep, key);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].text("kind"), "update");
  EXPECT_EQ(h[1].text("field"), "key_needs");
  EXPECT_EQ(h[1].text("before"), "采购数控机床，希望年内完成选型");
  EXPECT_EQ(h[1].text("after"), "追加采购两台五轴加工中心");
  EXPECT_EQ(int_field(h[1], "actor"), rep_id);
}

TEST_F(CustomersTest, StaleVersionIsAConflictAndChangesNothing) {
  std::int64_t key = create_customer(*rep, customer());
  Record first;
  first.set("priority", std::string("中"));
  first.set("version", std::int64_t{1});
  update_customer(*rep, key, first);
  Record stale;
  stale.set("priority", std::string("低"));
  stale.set("version", std::int64_t{1});
  expect_error(Status::conflict, [&] { update_customer(*admin, key, stale); });
  EXPECT_EQ(get_customer(*rep, key).text("priority"), "medium");
  EXPECT_EQ(customer_history(*rep, key).size(), 2u);
}

TEST_F(CustomersTest, UpdateOfARecordReadBackIsANoOp) {
  std::int64_t key = create_customer(*rep, customer());
  Record r = get_customer(*rep, key);
  EXPECT_EQ(update_customer(*rep, key, r), 1) << "every field equal: nothing written";
  EXPECT_EQ(customer_history(*rep, key).size(), 1u);
}

TEST_F(CustomersTest, ClearingTheOnlyContactMethodIsRefused) {
  std::int64_t key = create_customer(*rep, customer());
  Record patch;
  patch.set("phone", Value{});
  Error e = expect_error(Status::validation, [&] { update_customer(*rep, key, patch); });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].code, "contact_required");
  EXPECT_EQ(get_customer(*rep, key, true).text("phone"), "+8613812345678");
}

TEST_F(CustomersTest, LifecycleStepsAreRecordedWithReason) {
  std::int64_t key = create_customer(*rep, customer());
  set_customer_type(*rep, key, "意向", std::string("确认了采购预算"));
  expect_error(Status::conflict, [&] { set_customer_type(*rep, key, "prospect", std::nullopt); });
  set_customer_type(*rep, key, "won", std::nullopt);
  auto h = customer_history(*rep, key);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].text("kind"), "type");
  EXPECT_EQ(h[1].text("before"), "prospect");
  EXPECT_EQ(h[1].text("after"), "intent");
  EXPECT_EQ(h[1].text("reason"), "确认了采购预算");
  EXPECT_EQ(h[2].text("after"), "won");
  Error e =
      expect_error(Status::validation, [&] { set_customer_type(*rep, key, "vip", std::nullopt); });
  EXPECT_EQ(e.fields().at(0).code, "unknown_value");
}

TEST_F(CustomersTest, TypeChangeThroughUpdateFollowsTheSameRules) {
  std::int64_t key = create_customer(*rep, customer());
  Record patch;
  patch.set("type", std::string("churned"));
  update_customer(*rep, key, patch);
  patch.set("type", std::string("won"));
  expect_error(Status::conflict, [&] { update_customer(*rep, key, patch); });
  EXPECT_EQ(get_customer(*rep, key).text("type"), "churned");
  EXPECT_EQ(customer_history(*rep, key).back().text("kind"), "type");
}

TEST_F(CustomersTest, ArchivedCustomersLeaveListsAndRefuseChanges) {
  std::int64_t key = create_customer(*rep, customer());
  create_customer(*rep, customer("苏州纳微科技股份有限公司"));
  archive_customer(*rep, key, std::string("客户注销"));
  EXPECT_EQ(count_customers(false), 1u);
  EXPECT_EQ(count_customers(true), 2u);
  expect_error(Status::state, [&] { archive_customer(*rep, key, std::nullopt); });
  Record patch;
  patch.set("priority", std::string("低"));
  expect_error(Status::state, [&] { update_customer(*rep, key, patch); });
  EXPECT_EQ(int_field(get_customer(*rep, key), "archived"), 1);
}

TEST_F(CustomersTest, AnArchivedCustomerSaysSoBeforeWhatIsWrongWithTheNewValues) {
  std::int64_t key = create_customer(*rep, customer());
  Record invalid;
  invalid.set("phone", std::string("12345"));
  invalid.set("priority", std::string("最高"));
  // Live: the values are checked.
  expect_error(Status::validation, [&] { update_customer(*rep, key, invalid); });
  archive_customer(*rep, key, std::string("客户注销"));
  // Archived: the values no longer matter.
  Error e = expect_error(Status::state, [&] { update_customer(*rep, key, invalid); });
  EXPECT_EQ(e.message_en(), "customer C0001 is archived");
  EXPECT_EQ(e.message_zh(), "客户 C0001 已归档");
  EXPECT_TRUE(e.fields().empty()) << "no field errors: " << e.fields().size();
  e = expect_error(Status::state, [&] { set_customer_type(*rep, key, "外星", std::nullopt); });
  EXPECT_EQ(e.message_en(), "customer C0001 is archived") << "a type that is none";
}

TEST_F(CustomersTest, KeysetPagingVisitsEveryRowOnceEvenWithConcurrentInserts) {
  const char* names[] = {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司",
                         "宁波星海电子有限公司",     "成都蜀光软件技术有限公司",
                         "青岛海韵食品有限公司",     "武汉楚天物流有限公司",
                         "长沙湘江建筑工程有限公司"};
  for (const char* n : names) create_customer(*rep, customer(n));
  CustomerQuery q;
  q.page_size = 3;
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    CustomerPage p = list_customers(*rep, q);
    ++pages;
    for (auto& r : p.rows)
      EXPECT_TRUE(seen.insert(r.text("id")).second) << r.text("id") << " twice";
    if (pages == 1) create_customer(*rep, customer("厦门鹭岛贸易有限公司"));  // lands at the end
    if (p.next.empty()) break;
    q.after = p.next;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 8u);
}

TEST_F(CustomersTest, PageTokensAreBoundToTheirQuery) {
  for (const char* n :
       {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司", "宁波星海电子有限公司"})
    create_customer(*rep, customer(n));
  CustomerQuery q;
  q.page_size = 1;
  std::string token = list_customers(*rep, q).next;
  ASSERT_FALSE(token.empty());
  CustomerQuery other = q;
  other.type = "won";
  other.after = token;
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
  other = q;
  other.after = "garbage";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
  other.after = "";
  other.page_size = 1001;
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
}

TEST_F(CustomersTest, ListFiltersByOwnerAndType) {
  create_customer(*rep, customer());
  Record other = customer("苏州纳微科技股份有限公司");
  other.set("type", std::string("意向客户"));
  create_customer(*admin, other);
  CustomerQuery q;
  q.owner = rep_id;
  auto rows = list_customers(*admin, q).rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text("id"), "C0001");
  q = CustomerQuery{};
  q.type = "intent";
  rows = list_customers(*admin, q).rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].text("id"), "C0002");
}

TEST_F(CustomersTest, ExplicitTransactionKeepsEarlierWritesWhenOneCallFails) {
  db->begin();
  create_customer(*rep, customer());
  expect_error(Status::validation, [&] { create_customer(*rep, customer("某公司")); });
  create_customer(*rep, customer("苏州纳微科技股份有限公司"));
  db->commit();
  EXPECT_EQ(count_customers(), 2u);
  expect_error(Status::state, [&] { db->commit(); });
}

TEST_F(CustomersTest, OnlyAdministratorsCreateUsers) {
  Record u;
  u.set("login", std::string("lisi"));
  u.set("name", std::string("李四"));
  u.set("role", std::string("sales"));
  expect_error(Status::permission, [&] { create_user(*rep, u); });
  create_user(*admin, u);
  Error e = expect_error(Status::validation, [&] { create_user(*admin, u); });
  EXPECT_EQ(e.fields().at(0).code, "taken");
}

TEST_F(CustomersTest, DictionariesCanBeExtendedButNotTheFixedOnes) {
  add_dictionary_entry(*admin, "industry", "semiconductors", "半导体", "Semiconductors");
  Record r = customer();
  r.set("industry", std::string("半导体"));
  std::int64_t key = create_customer(*rep, r);
  EXPECT_EQ(get_customer(*rep, key).text("industry"), "semiconductors");
  expect_error(Status::conflict,
               [&] { add_dictionary_entry(*admin, "industry", "chips", "半导体", "Chips"); });
  expect_error(Status::invalid_arg,
               [&] { add_dictionary_entry(*admin, "customer_type", "vip", "贵宾", "VIP"); });
  expect_error(Status::permission,
               [&] { add_dictionary_entry(*rep, "industry", "mining", "矿业", "Mining"); });
  expect_error(Status::not_found, [&] { add_dictionary_entry(*admin, "nope", "x", "某", "X"); });
}

TEST_F(CustomersTest, SessionsNeedAnActiveUser) {
  expect_error(Status::not_found, [&] { Session s(*db, 4242); });
  expect_error(Status::not_found, [&] { Session s(*db, std::string("nobody")); });
  Session by_login(*db, std::string("zhangwei"));
  EXPECT_EQ(by_login.user_id(), rep_id);
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

using DictionaryTest = ServiceTest;

TEST_F(DictionaryTest, ChannelsCarryTheirResponsibleDepartment) {
  std::map<std::string, std::string> dept;
  auto rows = list_dictionary(*rep, "source");
  for (const auto& r : rows) dept[r.text("code")] = r.text("department");
  EXPECT_EQ(dept["trade_show"], "市场部") << "R1.4: the market department handles trade shows";
  EXPECT_EQ(dept["customer_referral"], "销售部") << "R1.4: sales handles referrals";
  EXPECT_EQ(rows.front().text("code"), "website") << "dictionary order is kept";

  expect_error(Status::permission, [&] { set_channel_department(*rep, "展会", "销售部"); });
  set_channel_department(*admin, "展会", "会展中心");
  for (const auto& r : list_dictionary(*rep, "source"))
    if (r.text("code") == "trade_show") EXPECT_EQ(r.text("department"), "会展中心");
  set_channel_department(*admin, "trade_show", "");
  for (const auto& r : list_dictionary(*rep, "source"))
    if (r.text("code") == "trade_show") EXPECT_TRUE(is_null(*r.find("department")));
  expect_error(Status::not_found, [&] { set_channel_department(*admin, "飞鸽传书", "x"); });
  expect_error(Status::not_found, [&] { list_dictionary(*rep, "colours"); });
  // Other dictionaries have no departments.
  for (const auto& r : list_dictionary(*rep, "priority"))
    EXPECT_TRUE(is_null(*r.find("department")));
}

TEST_F(DictionaryTest, DepartmentsSurviveReopeningTheDatabase) {
  char tmpl[] = "/tmp/crm_dict_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/d.db";
  {
    store::OpenOptions o;
    o.path = path;
    o.time_zone = "Asia/Shanghai";
    Database d(o);
    Session a(d, 1);
    set_channel_department(a, "官网注册", "电商部");
  }
  store::OpenOptions o;
  o.path = path;
  Database d(o);
  Session a(d, 1);
  bool seen = false;
  for (const auto& r : list_dictionary(a, "source"))
    if (r.text("code") == "website") seen = r.text("department") == "电商部";
  EXPECT_TRUE(seen) << "the department set before closing is read back";
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

using HistoryQueryTest = ServiceTest;

TEST_F(HistoryQueryTest, ChangesByActorAndTimeRangeInTimeOrderWithPaging) {
  std::int64_t a = create_customer(*rep, customer());
  std::int64_t b = create_customer(*rep, customer("苏州纳微科技股份有限公司"));
  const std::int64_t t0 = kNow + 1000;
  auto change = [&](Session& who, std::int64_t key, const char* priority, std::int64_t at) {
    db->clock().fix(at);
    Record p;
    p.set("priority", std::string(priority));
    update_customer(who, key, p);
  };
  change(*rep, a, "中", t0);
  change(*admin, b, "低", t0 + 1);
  change(*rep, b, "中", t0 + 2);
  change(*rep, a, "低", t0 + 3);

  HistoryQuery q;
  auto all = list_history(*rep, q).rows;
  ASSERT_EQ(all.size(), 4u) << "creations are not listed as changes";
  for (std::size_t i = 1; i < all.size(); ++i)
    EXPECT_LT(std::get<std::int64_t>(*all[i - 1].find("at")),
              std::get<std::int64_t>(*all[i].find("at")));

  q.actor = rep_id;
  auto mine = list_history(*rep, q).rows;
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].text("customer"), "C0001");
  EXPECT_EQ(mine[1].text("customer"), "C0002");

  q = HistoryQuery{};
  q.since = t0 + 1;  // inclusive
  q.until = t0 + 3;  // exclusive
  auto window = list_history(*rep, q).rows;
  ASSERT_EQ(window.size(), 2u) << "[t0+1, t0+3) holds the 2nd and 3rd change";
  EXPECT_EQ(window[0].text("after"), "low");
  EXPECT_EQ(window[1].text("after"), "medium");

  q = HistoryQuery{};
  q.customer = "C0001";
  q.page_size = 1;
  HistoryPage p1 = list_history(*rep, q);
  ASSERT_EQ(p1.rows.size(), 1u);
  ASSERT_FALSE(p1.next.empty());
  q.after = p1.next;
  HistoryPage p2 = list_history(*rep, q);
  ASSERT_EQ(p2.rows.size(), 1u);
  EXPECT_EQ(p2.rows[0].text("after"), "low");
  EXPECT_TRUE(p2.next.empty());

  HistoryQuery other = q;
  other.customer = "C0002";
  expect_error(Status::invalid_arg, [&] { list_history(*rep, other); });
  other = HistoryQuery{};
  other.since = 10;
  other.until = 10;
  expect_error(Status::invalid_arg, [&] { list_history(*rep, other); });
  other = HistoryQuery{};
  other.customer = "C0999";
  expect_error(Status::not_found, [&] { list_history(*rep, other); });
  other = HistoryQuery{};
  other.page_size = 1001;
  expect_error(Status::invalid_arg, [&] { list_history(*rep, other); });
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

using ReviewTest = ServiceTest;

TEST_F(ReviewTest, AReviewIsRecordedWithoutChangingTheData) {
  std::int64_t key = create_customer(*rep, customer());
  Record before = get_customer(*rep, key);
  EXPECT_TRUE(is_null(*before.find("reviewed_at"))) << "never reviewed yet";
  db->clock().fix(kNow + 86400000);
  review_customer(*rep, key, std::string("规模、联系人、需求均已确认"));
  Record after = get_customer(*rep, key);
  EXPECT_EQ(std::get<std::int64_t>(*after.find("reviewed_at")), kNow + 86400000);
  EXPECT_EQ(std::get<std::int64_t>(*after.find("reviewed_by")), rep_id);
  EXPECT_EQ(std::get<std::int64_t>(*after.find("version")), 1) << "data and version unchanged";
  EXPECT_EQ(std::get<std::int64_t>(*after.find("updated_at")), kNow);
  auto h = customer_history(*rep, key);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].text("kind"), "review");
  EXPECT_EQ(h[1].text("reason"), "规模、联系人、需求均已确认");
  // A stale-version update is not caused by a review in between.
  Record patch;
  patch.set("priority", std::string("中"));
  patch.set("version", std::int64_t{1});
  EXPECT_NO_THROW(update_customer(*rep, key, patch));
}

TEST_F(ReviewTest, BadReviewsChangeNothing) {
  std::int64_t key = create_customer(*rep, customer());
  expect_error(Status::invalid_arg, [&] { review_customer(*rep, key, std::string("\xC3\x28")); });
  std::string long_note(501 * 3, '\0');
  long_note.clear();
  for (int i = 0; i < 501; ++i) long_note += "复";
  expect_error(Status::invalid_arg, [&] { review_customer(*rep, key, long_note); });
  expect_error(Status::not_found, [&] { review_customer(*rep, 999, std::nullopt); });
  archive_customer(*rep, key, std::nullopt);
  expect_error(Status::state, [&] { review_customer(*rep, key, std::nullopt); });
  EXPECT_TRUE(is_null(*get_customer(*rep, key).find("reviewed_at")));
  EXPECT_EQ(customer_history(*rep, key).size(), 2u) << "create and archive only";
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

using ListViewTest = ServiceTest;

std::set<std::string> ids_of(Session& s, const CustomerQuery& q) {
  std::set<std::string> out;
  for (const auto& r : list_customers(s, q).rows) out.insert(r.text("id"));
  return out;
}

TEST_F(ListViewTest, FiltersByIndustrySourceTimeRangesAndName) {
  Record a = customer("杭州恒达精密机械有限公司");
  create_customer(*rep, a);  // C0001: 制造业, 展会, created at kNow
  db->clock().fix(kNow + 1000);
  Record b = customer("苏州纳微科技股份有限公司");
  b.set("industry", std::string("互联网"));
  b.set("source", std::string("客户转介绍"));
  create_customer(*rep, b);  // C0002 at kNow + 1s
  db->clock().fix(kNow + 2000);
  Record c = customer("ACME Robotics (Suzhou) Co., Ltd.");
  create_customer(*rep, c);  // C0003 at kNow + 2s
  db->clock().fix(kNow + 5000);
  Record patch;
  patch.set("priority", std::string("低"));
  update_customer(*rep, 1, patch);  // C0001 updated at kNow + 5s

  CustomerQuery q;
  q.industry = "制造业";
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0001", "C0003"}));
  q = CustomerQuery{};
  q.source = "customer_referral";
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0002"}));
  q = CustomerQuery{};
  q.created_from = kNow + 1000;  // inclusive
  q.created_to = kNow + 2000;    // exclusive
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0002"}));
  q = CustomerQuery{};
  q.updated_from = kNow + 5000;
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0001"}));
  q = CustomerQuery{};
  q.name_contains = "纳微";
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0002"}));
  q.name_contains = "acme";  // ASCII in either case
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0003"}));
  q.name_contains = "%";  // a LIKE wildcard is a plain character here
  EXPECT_TRUE(ids_of(*rep, q).empty());
  q.name_contains = "(Suzhou)";
  EXPECT_EQ(ids_of(*rep, q), (std::set<std::string>{"C0003"}));

  q = CustomerQuery{};
  q.industry = "制造业";
  EXPECT_EQ(crm::count_customers(*rep, q), 2);
  EXPECT_EQ(crm::count_customers(*rep, CustomerQuery{}), 3);
}

TEST_F(ListViewTest, BadFiltersAreRefused) {
  CustomerQuery q;
  q.industry = "火星采矿";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q = CustomerQuery{};
  q.source = "飞鸽传书";
  expect_error(Status::invalid_arg, [&] { crm::count_customers(*rep, q); });
  q = CustomerQuery{};
  q.created_from = 10;
  q.created_to = 10;
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q = CustomerQuery{};
  q.updated_to = -1;
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q = CustomerQuery{};
  q.name_contains = "\xC3\x28";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q.name_contains = std::string(101, 'a');
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q.name_contains = std::string(100, 'a');
  EXPECT_NO_THROW(list_customers(*rep, q)) << "100 characters is the limit";
}

TEST_F(ListViewTest, PageTokensIncludeTheNewFilters) {
  for (const char* n :
       {"杭州恒达精密机械有限公司", "苏州纳微科技股份有限公司", "宁波星海电子有限公司"})
    create_customer(*rep, customer(n));
  CustomerQuery q;
  q.page_size = 1;
  q.industry = "制造业";
  std::string token = list_customers(*rep, q).next;
  ASSERT_FALSE(token.empty());
  q.after = token;
  q.industry = "manufacturing";  // the same filter by code: same token
  EXPECT_NO_THROW(list_customers(*rep, q));
  q.name_contains = "恒达";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
}

}  // namespace
}  // namespace crm::testing
