// Custom fields (R1.8): definitions, typed values through the customer calls,
// retirement, history; and the list view's field filters and sorting (R1.12).
#include "service/custom_fields.hpp"

#include <algorithm>

#include "fixture.hpp"
#include "store/customer_repo.hpp"

namespace crm::testing {
namespace {

class CustomFieldTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CustomFieldSpec budget;
    budget.name = "budget_range";
    budget.type = "enum";
    budget.label_zh = "客户预算范围";
    budget.label_en = "Budget range";
    budget.values = {"10万以下", "10-50万", "50-100万", "100万以上"};
    define_custom_field(*admin, budget);
    CustomFieldSpec amount;
    amount.name = "annual_budget";
    amount.type = "decimal";
    amount.label_zh = "年度预算（万元）";
    define_custom_field(*admin, amount);
    CustomFieldSpec seats;
    seats.name = "seats";
    seats.type = "integer";
    seats.label_zh = "席位数";
    define_custom_field(*admin, seats);
  }

  std::string create(Record r) { return store::human_id(create_customer(*rep, r)); }

  std::vector<std::string> ids(const CustomerQuery& q) {
    std::vector<std::string> out;
    for (const auto& r : list_customers(*rep, q).rows) out.push_back(r.text("id"));
    return out;
  }
};

TEST_F(CustomFieldTest, ValuesAreTypedAndReadBackThroughTheFieldApi) {
  Record r = customer();
  r.set("custom.budget_range", std::string("10-50万"));
  r.set("custom.annual_budget", std::string("35.5"));
  r.set("custom.seats", std::string("120"));
  std::int64_t key = create_customer(*rep, r);
  Record got = get_customer(*rep, key);
  EXPECT_EQ(got.text("custom.budget_range"), "10-50万");
  EXPECT_EQ(got.text("custom.annual_budget"), "35.50");
  ASSERT_NE(got.find("custom.seats"), nullptr);
  EXPECT_EQ(std::get<std::int64_t>(*got.find("custom.seats")), 120);
}

TEST_F(CustomFieldTest, UnsetFieldsReadAsNull) {
  Record got = get_customer(*rep, create_customer(*rep, customer()));
  const Value* v = got.find("custom.budget_range");
  ASSERT_NE(v, nullptr) << "every active custom field is part of the record";
  EXPECT_TRUE(is_null(*v));
}

TEST_F(CustomFieldTest, WrongValuesAreRejectedWithEveryFieldNamedAndNothingWritten) {
  Record r = customer();
  r.set("custom.budget_range", std::string("一千万"));
  r.set("custom.annual_budget", std::string("12.345"));
  r.set("custom.seats", std::string("many"));
  r.set("custom.no_such_field", std::string("x"));
  Error e = expect_error(Status::validation, [&] { create_customer(*rep, r); });
  std::vector<std::string> codes;
  for (const auto& f : e.fields()) codes.push_back(f.field + ":" + f.code);
  EXPECT_EQ(codes, (std::vector<std::string>{
                       "custom.budget_range:unknown_value", "custom.annual_budget:invalid_number",
                       "custom.seats:wrong_type", "custom.no_such_field:unknown_field"}));
  EXPECT_EQ(count_customers(), 0u);
}

TEST_F(CustomFieldTest, DecimalBoundaries) {
  auto set_budget = [&](Value v) {
    Record r = customer();
    r.set("custom.annual_budget", std::move(v));
    return get_customer(*rep, create_customer(*rep, r)).text("custom.annual_budget");
  };
  EXPECT_EQ(set_budget(std::string("0.01")), "0.01");
  EXPECT_EQ(set_budget(std::string("-3")), "-3.00");
  EXPECT_EQ(set_budget(std::int64_t{7}), "7.00");
  EXPECT_EQ(set_budget(0.1), "0.10");
  EXPECT_EQ(set_budget(std::string("9999999999999.99")), "9999999999999.99");
  EXPECT_EQ(set_budget(std::string("１２.５")), "12.50") << "full-width digits are NFKC-folded";
  for (const char* bad : {"0.001", "10000000000000", "1e5", "12,5", "."}) {
    Record r = customer();
    r.set("custom.annual_budget", std::string(bad));
    expect_error(Status::validation, [&] { create_customer(*rep, r); });
  }
}

TEST_F(CustomFieldTest, BooleanAndDateFields) {
  CustomFieldSpec b{"key_account", "boolean", "重点客户", "", false, {}, 0, -1};
  CustomFieldSpec d{"contract_due", "date", "合同到期日", "", false, {}, 0, -1};
  define_custom_field(*admin, b);
  define_custom_field(*admin, d);
  Record r = customer();
  r.set("custom.key_account", std::string("是"));
  r.set("custom.contract_due", std::string("2027-03-01"));
  Record got = get_customer(*rep, create_customer(*rep, r));
  EXPECT_EQ(std::get<std::int64_t>(*got.find("custom.key_account")), 1);
  EXPECT_EQ(got.text("custom.contract_due"), "2027-03-01");
  Record bad = customer("深圳市前海微众科技有限公司", "13912345678");
  bad.set("custom.key_account", std::int64_t{2});
  bad.set("custom.contract_due", std::string("2027-02-30"));
  Error e = expect_error(Status::validation, [&] { create_customer(*rep, bad); });
  ASSERT_EQ(e.fields().size(), 2u);
  EXPECT_EQ(e.fields()[0].code, "invalid_boolean");
  EXPECT_EQ(e.fields()[1].code, "invalid_date");
}

TEST_F(CustomFieldTest, RequiredFieldsApplyToNewCustomersAndCannotBeCleared) {
  std::int64_t before = create_customer(*rep, customer());
  CustomFieldSpec req{"decision_info", "text", "决策人信息", "", true, {}, 100, -1};
  define_custom_field(*admin, req);
  Error e = expect_error(Status::validation, [&] {
    create_customer(*rep, customer("深圳市前海微众科技有限公司", "13912345678"));
  });
  ASSERT_EQ(e.fields().size(), 1u);
  EXPECT_EQ(e.fields()[0].field, "custom.decision_info");
  EXPECT_EQ(e.fields()[0].code, "required");
  EXPECT_NE(e.fields()[0].message_zh.find("决策人信息"), std::string::npos)
      << e.fields()[0].message_zh;
  // A customer from before the field existed can still be edited.
  Record change;
  change.set("key_needs", std::string("扩大采购规模"));
  EXPECT_EQ(update_customer(*rep, before, change), 2);
}

TEST_F(CustomFieldTest, ChangesAreHistoryAndBumpTheVersion) {
  Record r = customer();
  r.set("custom.budget_range", std::string("10万以下"));
  std::int64_t key = create_customer(*rep, r);
  Record change;
  change.set("custom.budget_range", std::string("50-100万"));
  change.set("custom.annual_budget", std::int64_t{80});
  EXPECT_EQ(update_customer(*rep, key, change), 2);
  auto h = customer_history(*rep, key);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].text("field"), "custom.budget_range");
  EXPECT_EQ(h[1].text("before"), "10万以下");
  EXPECT_EQ(h[1].text("after"), "50-100万");
  EXPECT_EQ(h[2].text("field"), "custom.annual_budget");
  EXPECT_TRUE(is_null(*h[2].find("before")));
  EXPECT_EQ(h[2].text("after"), "80.00");
  // Writing the same values again changes nothing.
  EXPECT_EQ(update_customer(*rep, key, change), 2);
}

TEST_F(CustomFieldTest, RetiredFieldsKeepTheirValuesButRefuseNewOnes) {
  Record r = customer();
  r.set("custom.seats", std::int64_t{40});
  std::int64_t key = create_customer(*rep, r);
  std::int64_t empty = create_customer(*rep, customer("深圳市前海微众科技有限公司", "13912345678"));
  retire_custom_field(*admin, "seats");
  Record got = get_customer(*rep, key);
  EXPECT_EQ(std::get<std::int64_t>(*got.find("custom.seats")), 40) << "old values are kept";
  EXPECT_EQ(get_customer(*rep, empty).find("custom.seats"), nullptr)
      << "a retired field without a value is not listed";
  // The record read back can be written back unchanged.
  got.set("key_needs", std::string("追加采购"));
  got.unset("id");
  EXPECT_EQ(update_customer(*rep, key, got), 2);
  Record change;
  change.set("custom.seats", std::int64_t{41});
  Error e = expect_error(Status::validation, [&] { update_customer(*rep, key, change); });
  EXPECT_EQ(e.fields().at(0).code, "retired_field");
  // Still filterable, and the name is never reused.
  CustomerQuery q;
  q.filters = {{"custom.seats", "=", "40"}};
  EXPECT_EQ(ids(q), std::vector<std::string>{store::human_id(key)});
  CustomFieldSpec again{"seats", "text", "席位说明", "", false, {}, 0, -1};
  expect_error(Status::conflict, [&] { define_custom_field(*admin, again); });
  auto active = list_custom_fields(*rep, false);
  auto all = list_custom_fields(*rep, true);
  EXPECT_EQ(active.size() + 1, all.size());
}

TEST_F(CustomFieldTest, DefinitionsAreCheckedAndAdminOnly) {
  CustomFieldSpec ok{"region_code", "text", "区域代码", "", false, {}, 0, -1};
  expect_error(Status::permission, [&] { define_custom_field(*rep, ok); });
  auto bad = [&](CustomFieldSpec spec) {
    expect_error(Status::invalid_arg, [&] { define_custom_field(*admin, spec); });
  };
  bad({"Region", "text", "区域", "", false, {}, 0, -1});
  bad({"1region", "text", "区域", "", false, {}, 0, -1});
  bad({std::string(41, 'a'), "text", "区域", "", false, {}, 0, -1});
  bad({"region", "money", "区域", "", false, {}, 0, -1});
  bad({"region", "text", "", "", false, {}, 0, -1});
  bad({"region", "enum", "区域", "", false, {}, 0, -1});
  bad({"region", "enum", "区域", "", false, {"华东", "华东"}, 0, -1});
  bad({"region", "text", "区域", "", false, {"华东"}, 0, -1});
  bad({"region", "text", "区域", "", false, {}, 2001, -1});
  bad({"region", "decimal", "区域", "", false, {}, 0, 7});
  expect_error(Status::conflict, [&] {
    define_custom_field(*admin, {"full_name", "text", "客户全称", "", false, {}, 0, -1});
  });
  expect_error(Status::conflict, [&] {
    define_custom_field(*admin, {"budget2", "text", "客户预算范围", "", false, {}, 0, -1});
  });
  EXPECT_EQ(define_custom_field(*admin, ok), "custom.region_code");
  EXPECT_EQ(list_custom_fields(*rep, false).size(), 4u);
}

TEST_F(CustomFieldTest, EnumValuesCanBeExtendedThroughTheDictionary) {
  add_dictionary_entry(*admin, "custom.budget_range", "500万以上", "500万以上", "Over 5M");
  Record r = customer();
  r.set("custom.budget_range", std::string("over 5m"));
  EXPECT_EQ(get_customer(*rep, create_customer(*rep, r)).text("custom.budget_range"), "500万以上");
}

TEST_F(CustomFieldTest, AnotherHandleSeesNewDefinitions) {
  // Two handles on one file: a definition made through one is usable
  // through the other without reopening.
  std::string path = ::testing::TempDir() + "custom_fields_two_handles.db";
  std::remove(path.c_str());
  store::OpenOptions o;
  o.path = path;
  o.time_zone = "Asia/Shanghai";
  Database a(o), b(o);
  Session sa(a, 1), sb(b, 1);
  Record r = customer();
  create_customer(sb, r);  // b has looked at its (empty) definitions
  define_custom_field(sa, {"tier_note", "text", "分级说明", "", false, {}, 0, -1});
  Record with = customer("深圳市前海微众科技有限公司", "13912345678");
  with.set("custom.tier_note", std::string("重点跟进"));
  EXPECT_EQ(get_customer(sb, create_customer(sb, with)).text("custom.tier_note"), "重点跟进");
  retire_custom_field(sa, "tier_note");
  Record change;
  change.set("custom.tier_note", std::string("改"));
  expect_error(Status::validation, [&] { update_customer(sb, 2, change); });
  std::remove(path.c_str());
}

TEST_F(CustomFieldTest, HostRollbackForgetsADefinition) {
  db->begin();
  define_custom_field(*admin, {"temp", "text", "临时", "", false, {}, 0, -1});
  db->rollback();
  Record r = customer();
  r.set("custom.temp", std::string("x"));
  Error e = expect_error(Status::validation, [&] { create_customer(*rep, r); });
  EXPECT_EQ(e.fields().at(0).code, "unknown_field");
  EXPECT_EQ(define_custom_field(*admin, {"temp", "text", "临时", "", false, {}, 0, -1}),
            "custom.temp");
}

// Filters and sorting ------------------------------------------------------

class SortFilterTest : public CustomFieldTest {
 protected:
  void SetUp() override {
    CustomFieldTest::SetUp();
    const char* names[] = {"杭州恒达精密机械有限公司", "深圳市前海微众科技有限公司",
                           "北京中关村软件园发展有限责任公司", "上海浦东发展银行股份有限公司",
                           "广州白云山医药集团股份有限公司"};
    const char* budgets[] = {"10-50万", "100万以上", nullptr, "10-50万", "50-100万"};
    const char* amounts[] = {"30", "150.5", nullptr, "45", "80"};
    for (int i = 0; i < 5; ++i) {
      db->clock().fix(kNow + (5 - i) * 1000);  // later customers are older
      Record r = customer(names[i], ("1381234567" + std::to_string(i)).c_str());
      if (budgets[i]) r.set("custom.budget_range", std::string(budgets[i]));
      if (amounts[i]) r.set("custom.annual_budget", std::string(amounts[i]));
      if (i == 3) r.set("industry", std::string("金融"));
      keys.push_back(create(r));
    }
  }
  std::vector<std::string> keys;
};

TEST_F(SortFilterTest, FiltersOnCustomAndBuiltInFields) {
  CustomerQuery q;
  q.filters = {{"custom.budget_range", "=", "10-50万"}};
  EXPECT_EQ(ids(q), (std::vector<std::string>{keys[0], keys[3]}));
  q.filters.push_back({"industry", "=", "制造业"});
  EXPECT_EQ(ids(q), std::vector<std::string>{keys[0]});
  q.filters = {{"custom.annual_budget", ">=", "45"}};
  EXPECT_EQ(ids(q), (std::vector<std::string>{keys[1], keys[3], keys[4]}))
      << "decimals compare as numbers, not as text";
  q.filters = {{"custom.annual_budget", "<", "45"}};
  EXPECT_EQ(ids(q), std::vector<std::string>{keys[0]});
  q.filters = {{"custom.budget_range", "null", ""}};
  EXPECT_EQ(ids(q), std::vector<std::string>{keys[2]});
  q.filters = {{"custom.budget_range", "!=", "10-50万"}};
  EXPECT_EQ(ids(q), (std::vector<std::string>{keys[1], keys[2], keys[4]}))
      << "!= includes customers without a value";
  q.filters = {{"name", "contains", "发展"}};
  EXPECT_EQ(ids(q), (std::vector<std::string>{keys[2], keys[3]}));
  q.filters = {{"phone", "=", "138 1234 5671"}};
  EXPECT_EQ(ids(q), std::vector<std::string>{keys[1]}) << "phones compare in E.164";
  q.filters = {{"id", "=", keys[4]}};
  EXPECT_EQ(ids(q), std::vector<std::string>{keys[4]});
  EXPECT_EQ(crm::count_customers(*rep, q), 1);
}

TEST_F(SortFilterTest, BadFiltersAreClearErrors) {
  auto bad = [&](FieldFilter f) {
    CustomerQuery q;
    q.filters = {f};
    return expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  };
  Error e = bad({"custom.nope", "=", "1"});
  EXPECT_NE(e.message_en().find("custom.nope"), std::string::npos) << e.message_en();
  bad({"colour", "=", "red"});
  bad({"industry", "~", "制造业"});
  bad({"industry", "<", "制造业"});
  bad({"industry", "=", "航天"});
  bad({"custom.annual_budget", ">", "lots"});
  bad({"custom.annual_budget", "contains", "1"});
  bad({"name", "=", ""});
  bad({"name", "contains", "   "});
  CustomerQuery sorted;
  sorted.sort = "phone";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, sorted); });
  sorted.sort = "custom.nope";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, sorted); });
}

// Pages through `q` two rows at a time and returns every id seen.
std::vector<std::string> all_pages(Session& s, CustomerQuery q) {
  std::vector<std::string> out;
  q.page_size = 2;
  for (int guard = 0; guard < 20; ++guard) {
    CustomerPage p = list_customers(s, q);
    for (const auto& r : p.rows) out.push_back(r.text("id"));
    if (p.next.empty()) break;
    q.after = p.next;
  }
  return out;
}

TEST_F(SortFilterTest, SortsOnIndexedColumnsWithKeysetPaging) {
  CustomerQuery q;
  q.sort = "created_at";
  EXPECT_EQ(all_pages(*rep, q),
            (std::vector<std::string>{keys[4], keys[3], keys[2], keys[1], keys[0]}));
  q.sort = "-created_at";
  EXPECT_EQ(all_pages(*rep, q), keys);
  q.sort = "-id";
  EXPECT_EQ(all_pages(*rep, q),
            (std::vector<std::string>{keys[4], keys[3], keys[2], keys[1], keys[0]}));
  q.sort = "name";
  auto by_name = all_pages(*rep, q);
  EXPECT_EQ(by_name.size(), 5u);
  std::vector<std::string> names;
  for (const auto& id : by_name)
    names.push_back(get_customer(*rep, *store::parse_human_id(id)).text("name"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST_F(SortFilterTest, SortsOnCustomFieldsWithCustomersWithoutAValueLast) {
  CustomerQuery q;
  q.sort = "custom.annual_budget";
  EXPECT_EQ(all_pages(*rep, q),
            (std::vector<std::string>{keys[0], keys[3], keys[4], keys[1], keys[2]}));
  q.sort = "-custom.annual_budget";
  EXPECT_EQ(all_pages(*rep, q),
            (std::vector<std::string>{keys[1], keys[4], keys[3], keys[0], keys[2]}));
  q.filters = {{"industry", "=", "制造业"}};
  EXPECT_EQ(all_pages(*rep, q), (std::vector<std::string>{keys[1], keys[4], keys[0], keys[2]}));
}

TEST_F(SortFilterTest, PagingIsStableUnderConcurrentInsertsAndTokensAreBound) {
  CustomerQuery q;
  q.sort = "custom.annual_budget";
  q.page_size = 2;
  CustomerPage first = list_customers(*rep, q);
  ASSERT_FALSE(first.next.empty());
  // A new customer sorting before the page boundary does not shift the rest.
  Record r = customer("苏州工业园区纳米科技有限公司", "13912340000");
  r.set("custom.annual_budget", std::string("1"));
  create(r);
  q.after = first.next;
  CustomerPage second = list_customers(*rep, q);
  ASSERT_EQ(second.rows.size(), 2u);
  EXPECT_EQ(second.rows[0].text("id"), keys[4]);
  EXPECT_EQ(second.rows[1].text("id"), keys[1]);
  CustomerQuery other = q;
  other.sort = "-custom.annual_budget";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
  other = q;
  other.filters = {{"industry", "=", "制造业"}};
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
  other = q;
  other.after = first.next.substr(0, first.next.size() - 3) + "zzz";
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, other); });
}

}  // namespace
}  // namespace crm::testing

namespace crm::testing {
namespace {

TEST_F(CustomFieldTest, ARecordFromBeforeARequiredFieldCanBeWrittenBack) {
  std::int64_t key = create_customer(*rep, customer());
  define_custom_field(*admin, {"region", "text", "所属区域", "", true, {}, 0, -1});
  Record got = get_customer(*rep, key);
  ASSERT_NE(got.find("custom.region"), nullptr);
  EXPECT_TRUE(is_null(*got.find("custom.region")));
  got.unset("id");
  got.set("key_needs", std::string("扩大采购规模"));
  EXPECT_EQ(update_customer(*rep, key, got), 2) << "NULL → NULL clears nothing";
  // Once it has a value, clearing it is refused.
  Record set;
  set.set("custom.region", std::string("华东"));
  update_customer(*rep, key, set);
  Record clear;
  clear.set("custom.region", Value{});
  Error e = expect_error(Status::validation, [&] { update_customer(*rep, key, clear); });
  EXPECT_EQ(e.fields().at(0).code, "required");
}

TEST_F(CustomFieldTest, ContainsIsRefusedForPhones) {
  CustomerQuery q;
  q.filters = {{"phone", "contains", "021"}};
  expect_error(Status::invalid_arg, [&] { list_customers(*rep, q); });
  q.filters = {{"email", "contains", "example"}};
  EXPECT_NO_THROW(list_customers(*rep, q));
}

}  // namespace
}  // namespace crm::testing
