#include "domain/customer_rules.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace crm {
namespace {

// A dictionary with just what these tests need.
class FakeDicts : public DictionaryLookup {
 public:
  std::optional<std::string> resolve(std::string_view dict, std::string_view input) const override {
    static const std::map<std::pair<std::string, std::string>, std::string> m = {
        {{"priority", "高"}, "high"},
        {{"priority", "high"}, "high"},
        {{"industry", "制造业"}, "manufacturing"},
        {{"scale", "100-500人"}, "emp_100_500"},
        {{"source", "展会"}, "trade_show"},
        {{"customer_type", "意向客户"}, "intent"}};
    auto it = m.find({std::string(dict), std::string(input)});
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
};

Record valid_customer() {
  Record r;
  r.set("name", std::string("杭州恒达精密机械有限公司"));
  r.set("contact_name", std::string("王建国"));
  r.set("phone", std::string("13812345678"));
  r.set("industry", std::string("制造业"));
  r.set("scale", std::string("100-500人"));
  r.set("type", std::string("意向客户"));
  r.set("source", std::string("展会"));
  r.set("key_needs", std::string("采购数控机床"));
  r.set("priority", std::string("高"));
  r.set("owner", std::int64_t{2});
  r.set("entry_date", std::string("2026-11-23"));
  return r;
}

std::map<std::string, std::string> codes(const std::vector<FieldError>& errors) {
  std::map<std::string, std::string> m;
  for (const auto& e : errors) m[e.field] = e.code;
  return m;
}

TEST(CustomerRules, ValidRecordIsNormalised) {
  FakeDicts d;
  Normalized n = normalize_fields("customer", valid_customer(), nullptr, d);
  check_record("customer", n.values, n.errors);
  ASSERT_TRUE(n.errors.empty()) << n.errors.front().field << ": " << n.errors.front().code;
  EXPECT_EQ(n.values.text("phone"), "+8613812345678");
  EXPECT_EQ(n.values.text("priority"), "high");
  EXPECT_EQ(n.values.text("type"), "intent");
}

TEST(CustomerRules, EveryFailingFieldIsReportedAtOnce) {
  FakeDicts d;
  Record r = valid_customer();
  r.set("name", std::string("某科技公司"));
  r.set("phone", std::string("12345678901"));
  r.set("email", std::string("wang@"));
  r.set("entry_date", std::string("2026-02-30"));
  r.set("priority", std::string("特急"));
  r.set("industry", std::int64_t{3});
  r.set("bogus", std::string("x"));
  Normalized n = normalize_fields("customer", r, nullptr, d);
  check_record("customer", n.values, n.errors);
  auto c = codes(n.errors);
  EXPECT_EQ(c.size(), 7u);
  EXPECT_EQ(c["name"], "vague_name");
  EXPECT_EQ(c["phone"], "invalid_phone");
  EXPECT_EQ(c["email"], "invalid_email");
  EXPECT_EQ(c["entry_date"], "invalid_date");
  EXPECT_EQ(c["priority"], "unknown_value");
  EXPECT_EQ(c["industry"], "wrong_type");
  EXPECT_EQ(c["bogus"], "unknown_field");
  for (const auto& e : n.errors) {
    EXPECT_FALSE(e.message_en.empty()) << e.field;
    EXPECT_FALSE(e.message_zh.empty()) << e.field;
  }
}

TEST(CustomerRules, KeyNeedsLimitCountsCharacters) {
  FakeDicts d;
  std::string at_limit, over;
  for (int i = 0; i < 200; ++i) at_limit += "需";
  over = at_limit + "求";
  Record r = valid_customer();
  r.set("key_needs", at_limit);
  EXPECT_TRUE(normalize_fields("customer", r, nullptr, d).errors.empty()) << "200 characters";
  r.set("key_needs", over);
  auto c = codes(normalize_fields("customer", r, nullptr, d).errors);
  EXPECT_EQ(c["key_needs"], "too_long") << "201 characters";
}

TEST(CustomerRules, HugeInputIsRejectedWithoutNormalising) {
  FakeDicts d;
  Record r = valid_customer();
  r.set("name", std::string(1 << 20, 'a'));
  r.set("phone", std::string(1 << 20, '1'));
  auto c = codes(normalize_fields("customer", r, nullptr, d).errors);
  EXPECT_EQ(c["name"], "too_long");
  EXPECT_EQ(c["phone"], "invalid_phone");
}

TEST(CustomerRules, InvalidUtf8IsNamed) {
  FakeDicts d;
  Record r = valid_customer();
  r.set("contact_name", std::string("\xC3\x28"));
  auto c = codes(normalize_fields("customer", r, nullptr, d).errors);
  EXPECT_EQ(c["contact_name"], "invalid_utf8");
}

TEST(CustomerRules, PhoneOrEmailIsRequired) {
  FakeDicts d;
  Record r = valid_customer();
  r.unset("phone");
  Normalized n = normalize_fields("customer", r, nullptr, d);
  check_record("customer", n.values, n.errors);
  auto c = codes(n.errors);
  EXPECT_EQ(c["phone"], "contact_required");

  r.set("email", std::string("wang@hengda.com"));
  n = normalize_fields("customer", r, nullptr, d);
  check_record("customer", n.values, n.errors);
  EXPECT_TRUE(n.errors.empty()) << "an e-mail alone is a contact method";
}

TEST(CustomerRules, BlankRequiredTextIsRequiredNotEmpty) {
  FakeDicts d;
  Record r = valid_customer();
  r.set("contact_name", std::string("　 "));  // ideographic and ASCII spaces
  auto c = codes(normalize_fields("customer", r, nullptr, d).errors);
  EXPECT_EQ(c["contact_name"], "required");
}

TEST(CustomerRules, ReadOnlyFieldsMayOnlyRepeatTheStoredValue) {
  FakeDicts d;
  Record current = valid_customer();
  current.set("id", std::string("C0007"));
  current.set("key", std::int64_t{7});
  Record in;
  in.set("id", std::string("C0007"));
  in.set("key", std::int64_t{7});
  EXPECT_TRUE(normalize_fields("customer", in, &current, d).errors.empty());
  in.set("key", std::int64_t{8});
  auto c = codes(normalize_fields("customer", in, &current, d).errors);
  EXPECT_EQ(c["key"], "read_only");
  c = codes(normalize_fields("customer", in, nullptr, d).errors);
  EXPECT_EQ(c["id"], "read_only") << "on create, read-only fields cannot be given at all";
}

}  // namespace
}  // namespace crm
