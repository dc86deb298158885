// The pure rules of maintenance plans (客户维护方案, R2.6): the state machine,
// who may decide, the cross-field checks and the money field of the
// registry.  No database.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/customer_rules.hpp"
#include "domain/field_registry.hpp"
#include "domain/maintenance.hpp"

namespace crm {
namespace {

TEST(MaintenanceRules, EveryStepIsAllowedFromExactlyOneState) {
  const char* const states[] = {"submitted", "approved", "rejected", "carried_out", "evaluated"};
  struct Case {
    MaintenanceStep step;
    bool approve;
    const char* from;
    const char* to;
  };
  const Case cases[] = {{MaintenanceStep::decide, true, "submitted", "approved"},
                        {MaintenanceStep::decide, false, "submitted", "rejected"},
                        {MaintenanceStep::carry_out, true, "approved", "carried_out"},
                        {MaintenanceStep::evaluate, true, "carried_out", "evaluated"}};
  for (const auto& c : cases) {
    EXPECT_EQ(maintenance_state_for(c.step), c.from);
    for (const char* s : states) {
      auto next = maintenance_next_state(s, c.step, c.approve);
      if (std::string(s) == c.from) {
        ASSERT_TRUE(next) << s;
        EXPECT_EQ(*next, c.to);
      } else {
        EXPECT_FALSE(next) << "step " << static_cast<int>(c.step) << " from " << s;
      }
    }
  }
  // Rejected and evaluated are final.
  for (auto step : {MaintenanceStep::decide, MaintenanceStep::carry_out, MaintenanceStep::evaluate})
    for (const char* s : {"rejected", "evaluated"})
      EXPECT_FALSE(maintenance_next_state(s, step, true));
}

std::vector<std::string> codes(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + ":" + e.code);
  return out;
}

TEST(MaintenanceRules, CostIsNotNegativeAndThePeriodRunsForward) {
  Record ok;
  ok.set("cost", std::string("0.00"));
  ok.set("period_start", std::string("2026-12-01"));
  ok.set("period_end", std::string("2026-12-01"));  // one day is a period
  std::vector<FieldError> errors;
  check_maintenance_plan(ok, errors);
  EXPECT_TRUE(errors.empty()) << errors.front().message_en;

  Record bad;
  bad.set("cost", std::string("-0.01"));
  bad.set("period_start", std::string("2026-12-01"));
  bad.set("period_end", std::string("2026-11-30"));
  check_maintenance_plan(bad, errors);
  EXPECT_EQ(codes(errors), (std::vector<std::string>{"cost:negative", "period_end:before_start"}));
  EXPECT_EQ(errors[1].message_en, "Period end must not be before Period start");
  EXPECT_EQ(errors[1].message_zh, "结束日期不能早于开始日期");
  EXPECT_EQ(errors[0].message_zh, "维护费用不能为负数");

  // A field that already failed is not reported twice.
  std::vector<FieldError> earlier = {FieldError{"period_end", "invalid_date", "", "", ""}};
  check_maintenance_plan(bad, earlier);
  EXPECT_EQ(codes(earlier), (std::vector<std::string>{"period_end:invalid_date", "cost:negative"}));
}

TEST(MaintenanceRules, SatisfactionIsOneToFive) {
  for (std::int64_t s : {1, 2, 3, 4, 5}) {
    std::vector<FieldError> errors;
    check_satisfaction(s, errors);
    EXPECT_TRUE(errors.empty()) << s;
  }
  for (std::int64_t s : {0, 6, -1, 100}) {
    std::vector<FieldError> errors;
    check_satisfaction(s, errors);
    ASSERT_EQ(codes(errors), std::vector<std::string>{"satisfaction:out_of_range"}) << s;
    EXPECT_EQ(errors[0].message_en, "Satisfaction must be between 1 and 5");
    EXPECT_EQ(errors[0].message_zh, "客户满意度须在 1 到 5 之间");
  }
}

class NoDictionaries : public DictionaryLookup {
 public:
  std::optional<std::string> resolve(std::string_view, std::string_view) const override {
    return std::nullopt;
  }
};

// The registry's money field: yuan exact to the fen, as text, an integer or
// the nearest double.
TEST(MaintenanceRules, CostIsExactMoney) {
  NoDictionaries dicts;
  auto cost = [&](Value v) {
    Record in;
    in.set("cost", std::move(v));
    return normalize_fields("maintenance_plan", in, nullptr, dicts);
  };
  struct Good {
    Value in;
    const char* out;
  };
  const Good good[] = {{std::string("12000"), "12000.00"},
                       {std::string("12000.50"), "12000.50"},
                       {std::string("12000.5"), "12000.50"},
                       {std::string(" 0.01 "), "0.01"},
                       {std::string("１２０００"), "12000.00"},  // full-width digits (NFKC)
                       {std::int64_t{8000}, "8000.00"},
                       {0.1, "0.10"},
                       {std::string("-5"), "-5.00"}};  // the sign is the service's rule
  for (const auto& g : good) {
    Normalized n = cost(g.in);
    ASSERT_TRUE(n.errors.empty()) << g.out << ": " << n.errors.front().message_en;
    EXPECT_EQ(n.values.text("cost"), g.out);
  }
  for (Value bad : {Value{std::string("abc")}, Value{std::string("12000.505")},
                    Value{std::string("1,000")}, Value{std::string("¥100")}, Value{0.125},
                    Value{std::string("1e3")}, Value{std::string("10000000000000000")}}) {
    Normalized n = cost(bad);
    ASSERT_EQ(codes(n.errors), std::vector<std::string>{"cost:invalid_number"});
    EXPECT_EQ(n.errors[0].message_zh, "维护费用须为数值，小数点后最多2位");
  }
  Normalized blank = cost(std::string("  "));
  EXPECT_EQ(codes(blank.errors), std::vector<std::string>{"cost:required"});
  Normalized null = cost(Value{});
  EXPECT_EQ(codes(null.errors), std::vector<std::string>{"cost:required"});
}

}  // namespace
}  // namespace crm
