// Helpers shared by the follow-up and scheduler tests: wall times in
// Shanghai computed by hand (not by the library under test), a department
// with a sales manager, builders for plans and records, and outbox reads.
#pragma once

#include <date/date.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "service/custom_fields.hpp"
#include "service/followups.hpp"
#include "service/scheduler.hpp"
#include "service/tiers.hpp"
#include "store/customer_repo.hpp"

namespace crm::testing {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMin = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;

// UTC milliseconds of a Shanghai wall time "YYYY-MM-DD[ HH:MM[:SS[.mmm]]]".
// Shanghai has kept UTC+8 without DST since 1991, so this is plain arithmetic.
inline std::int64_t sh(const char* wall) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(wall, "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms);
  EXPECT_GE(n, 3) << "bad wall time in the test: " << wall;
  auto day = date::sys_days{date::year{y} / mo / d};
  return day.time_since_epoch().count() * kDay + h * kHour + mi * kMin + s * kSecond + ms -
         8 * kHour;
}

// An instant as Shanghai wall time, for failure messages.
inline std::string wall(std::int64_t ms) {
  using std::chrono::milliseconds;
  auto local = date::sys_time<milliseconds>{milliseconds{ms}} + std::chrono::hours{8};
  return date::format("%F %T", local) + " +08";
}

inline std::int64_t int_of(const Record& r, const char* f) {
  const Value* v = r.find(f);
  if (!v || !is_int(*v)) {
    ADD_FAILURE() << "field " << f << " is not an integer";
    return 0;
  }
  return std::get<std::int64_t>(*v);
}

inline bool is_null_field(const Record& r, const char* f) {
  const Value* v = r.find(f);
  return !v || is_null(*v);
}

inline Record plan_fields(std::int64_t planned_at, const char* goal = "介绍新款数控机床",
                          const char* method = "电话") {
  Record r;
  r.set("goal", std::string(goal));
  r.set("method", std::string(method));
  r.set("planned_at", planned_at);
  return r;
}

inline Record record_fields(const char* summary = "电话沟通采购计划", const char* method = "电话") {
  Record r;
  r.set("method", std::string(method));
  r.set("summary", std::string(summary));
  return r;
}

inline Record record_at(std::int64_t contacted_at, const char* summary = "电话沟通采购计划") {
  Record r = record_fields(summary);
  r.set("contacted_at", contacted_at);
  return r;
}

// Trade names (字号) for distinct, valid company names.
inline std::string company(int i) {
  static const char* const kTrade[] = {
      "恒达", "纳微", "蜀光", "星海", "海韵", "华研", "金桥", "瑞丰", "东升", "宏图",
      "天成", "永安", "博远", "鼎盛", "嘉禾", "凯旋", "朗润", "明德", "普惠", "启航",
      "荣昌", "盛世", "泰和", "万通", "鑫源", "亚泰", "远航", "致远", "中恒", "卓越",
      "安泰", "百川", "诚信", "德润", "丰华", "光明", "和信", "汇通", "佳美", "开元"};
  const int n = sizeof kTrade / sizeof kTrade[0];
  std::string name = std::string("杭州") + kTrade[i % n];
  if (i >= n) name += std::to_string(i / n);
  return name + "精密机械有限公司";
}

inline std::string phone(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "1381234%04d", i % 10000);
  return buf;
}

class FollowupTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    manager_id = add_user("lina", "李娜", "华东销售部", "销售经理");
  }

  std::int64_t add_user(const char* login, const char* name, const char* dept, const char* role) {
    Record u;
    u.set("login", std::string(login));
    u.set("name", std::string(name));
    if (dept) ensure_department(dept);
    if (dept) u.set("department", std::string(dept));
    u.set("role", std::string(role));
    return create_user(*admin, u);
  }

  // A customer of `owner` (the rep by default) entered at `at` (the clock is
  // left there).
  std::int64_t new_customer(std::int64_t at, int i = 0, std::int64_t owner = 0) {
    db->clock().fix(at);
    Record c = customer(company(i).c_str(), phone(i).c_str());
    c.set("owner", owner ? owner : rep_id);
    // A rep creates customers for themselves only; others' come from the
    // administrator.
    return create_customer(owner && owner != rep_id ? *admin : *rep, c);
  }

  Record grade_values(double potential, double likelihood) {
    Record v;
    v.set("annual_potential", potential);
    v.set("cooperation_likelihood", likelihood);
    return v;
  }

  Record customer_row(std::int64_t key) { return get_customer(*admin, key); }

  // Every outbox message after id `after`, oldest first.
  std::vector<Record> outbox_after(std::int64_t after = 0) {
    return list_outbox(*admin, after, 1000, false);
  }

  std::int64_t last_outbox_id() {
    auto all = outbox_after(0);
    return all.empty() ? 0 : int_of(all.back(), "id");
  }

  TickReport tick_at(std::int64_t at) {
    db->clock().fix(at);
    return tick(*admin, at);
  }

  void set(const char* name, const char* value) { set_setting(*admin, name, value); }

  std::int64_t manager_id = 0;
};

// A message as "kind customer → recipient/channel", for readable failures.
inline std::string describe(const Record& m) {
  std::string to =
      is_null_field(m, "recipient_user")
          ? "role:" + m.text("recipient_role")
          : "user:" + std::to_string(std::get<std::int64_t>(*m.find("recipient_user")));
  return m.text("kind") + " " + m.text("customer") + " -> " + to + "/" + m.text("channel");
}

inline std::string describe(const std::vector<Record>& ms) {
  std::string out = "[";
  for (const auto& m : ms) out += (out.size() > 1 ? "; " : "") + describe(m);
  return out + "]";
}

}  // namespace crm::testing
