// A month of a sales team (R2): 30 customers (10 A, 10 B, 10 C) owned by
// three reps of one department with a sales manager, entered on 2026-02-28,
// graded on 2026-03-02 and followed up on a fixed pattern, some deliberately
// neglected.  The scheduler ticks once a day at 09:00 Shanghai time from
// 2026-03-02 to 2026-03-31; the reps work at 10:00 (after the tick).
//
// The expected outbox of every day is computed here, independently of the
// library, from the rules as the requirements state them:
//   - a customer's next contact is due `cadence` after its last contact (or
//     its entry): A every week, B every 2 weeks, C every month (the day
//     clamped to the month's end); it lapses when the due date is over (local
//     midnight), once per due date → the owner;
//   - an unverified customer: 24 hours after entry → the owner;
//   - a monthly review: a month after entry or the last review → the owner;
//   - a plan: its reminder 30 minutes before → the plan's owner; overdue when
//     its day is over and it is still open → the owner;
//   - a follow-up reporting a major change the file has not recorded within
//     24 hours → the owner;
//   - escalation: 24 hours after a lapsed, unverified, overdue or major-change
//     reminder whose reason still holds → the department's sales manager, by
//     app and e-mail; the others by app only.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "followup_fixture.hpp"
#include "service/contacts.hpp"

namespace crm::testing {
namespace {

using date::days;
using date::sys_days;

constexpr int kCustomers = 30;

sys_days day_of(const char* ymd) {
  int y = 0, m = 0, d = 0;
  std::sscanf(ymd, "%d-%d-%d", &y, &m, &d);
  return sys_days{date::year{y} / m / d};
}

std::string show_day(sys_days d) { return date::format("%F", d); }

// Local (UTC+8) wall time of day `d` at hh:mm, by arithmetic.
std::int64_t at(sys_days d, int hh, int mm = 0) {
  return d.time_since_epoch().count() * kDay + hh * kHour + mm * kMin - 8 * kHour;
}

sys_days local_day(std::int64_t ms) {
  std::int64_t local = ms + 8 * kHour;
  std::int64_t n = local / kDay - (local % kDay < 0 ? 1 : 0);
  return sys_days{days{n}};
}

// The same day of the next month, clamped to the month's end.
sys_days plus_month(sys_days d) {
  date::year_month_day ymd{d};
  date::year_month ym = date::year_month{ymd.year(), ymd.month()} + date::months{1};
  date::day last = date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
  return sys_days{date::year_month_day{ym.year(), ym.month(), std::min(ymd.day(), last)}};
}

// ---------------------------------------------------------------------------
// The expectation model.

struct Model {
  struct Customer {
    std::int64_t key = 0, owner = 0;
    std::string tier;               // "" until graded
    std::int64_t last_contact = 0;  // instant; entry time until contacted
    std::int64_t last_review = 0;   // instant; entry time until reviewed
    bool verified = false;
    std::int64_t major_recorded_at = -1;   // when the file recorded a major change
    std::optional<sys_days> reported_due;  // the due date a lapse was reported for
  };
  struct Plan {
    int customer = 0;
    std::int64_t planned_at = 0;
    bool open = true;
  };
  // A reminder waiting for its time; `holds` tells whether its reason still
  // holds when the time comes.
  struct Pending {
    std::int64_t at = 0;
    std::string kind;
    int customer = 0;
    bool escalates = false;
    std::function<bool()> holds;
  };

  std::vector<Customer> customers;
  std::vector<Plan> plans;
  std::vector<Pending> pending;
  std::int64_t manager = 0;

  sys_days due_of(const Customer& c) const {
    sys_days last = local_day(c.last_contact);
    if (c.tier == "A") return last + days{7};
    if (c.tier == "B") return last + days{14};
    return plus_month(last);
  }

  void expect(std::vector<std::string>& out, const std::string& kind, int i, const std::string& to,
              const char* channel) const {
    out.push_back(kind + " " + store::human_id(customers[i].key) + " -> " + to + "/" + channel);
  }

  // What a tick at `now` writes.
  std::vector<std::string> tick(std::int64_t now) {
    std::vector<std::string> out;
    for (bool progress = true; progress;) {
      progress = false;
      // Lapses: one per due date, once the due date is over.
      for (int i = 0; i < static_cast<int>(customers.size()); ++i) {
        Customer& c = customers[i];
        if (c.tier.empty()) continue;
        sys_days due = due_of(c);
        std::int64_t lapse_at = at(due + days{1}, 0);
        if (lapse_at > now || c.reported_due == due) continue;
        c.reported_due = due;
        expect(out, "cadence_lapsed", i, "user:" + std::to_string(c.owner), "app");
        pending.push_back({lapse_at + kDay, "escalation", i, false,
                           [this, i, due] { return due_of(customers[i]) == due; }});
        progress = true;
      }
      std::stable_sort(pending.begin(), pending.end(),
                       [](const Pending& a, const Pending& b) { return a.at < b.at; });
      std::vector<Pending> keep;
      std::vector<Pending> fired;
      for (auto& p : pending) (p.at <= now ? fired : keep).push_back(std::move(p));
      pending = std::move(keep);
      for (auto& p : fired) {
        progress = true;
        if (!p.holds()) continue;
        if (p.kind == "escalation") {
          expect(out, "escalation", p.customer, "user:" + std::to_string(manager), "app");
          expect(out, "escalation", p.customer, "user:" + std::to_string(manager), "email");
        } else {
          expect(out, p.kind, p.customer, "user:" + std::to_string(customers[p.customer].owner),
                 "app");
          if (p.escalates)
            pending.push_back({p.at + kDay, "escalation", p.customer, false, p.holds});
        }
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void entered(int i, std::int64_t when, bool verified) {
    Customer& c = customers[i];
    c.last_contact = c.last_review = when;
    c.verified = verified;
    if (!verified)
      pending.push_back(
          {when + kDay, "unverified", i, true, [this, i] { return !customers[i].verified; }});
    reviewed(i, when);
  }

  void reviewed(int i, std::int64_t when) {
    customers[i].last_review = when;
    sys_days d = local_day(when);
    std::int64_t time_of_day = when - at(d, 0);
    pending.push_back({at(plus_month(d), 0) + time_of_day, "review_due", i, false,
                       [this, i, when] { return customers[i].last_review == when; }});
  }

  void contacted(int i, std::int64_t when, bool major) {
    Customer& c = customers[i];
    if (when >= c.last_contact) c.last_contact = when;
    if (major) {
      pending.push_back({when + kDay, "major_change", i, true,
                         [this, i, when] { return customers[i].major_recorded_at < when; }});
    }
  }

  int planned(int i, std::int64_t planned_at) {
    plans.push_back({i, planned_at, true});
    int p = static_cast<int>(plans.size()) - 1;
    auto open = [this, p] { return plans[p].open; };
    pending.push_back({planned_at - 30 * kMin, "plan_reminder", i, false, open});
    pending.push_back({at(local_day(planned_at) + days{1}, 0), "plan_overdue", i, true, open});
    return p;
  }
};

// ---------------------------------------------------------------------------

class MonthTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();
    reps = {rep_id, add_user("wangfang", "王芳", "华东销售部", "销售"),
            add_user("liuyang", "刘洋", "华东销售部", "销售")};
    for (auto id : reps) sessions.push_back(std::make_unique<Session>(*db, id));
    model.manager = manager_id;
    model.customers.resize(kCustomers);
  }

  Session& owner_of(int i) { return *sessions[i % 3]; }

  // Both the library and the model.
  void contact(int i, std::int64_t when, bool major = false) {
    db->clock().fix(when);
    Record r = record_fields("例行跟进");
    if (major) r.set("major_change", std::string("采购决策人更换"));
    add_followup(owner_of(i), model.customers[i].key, r);
    model.contacted(i, when, major);
  }

  std::vector<std::int64_t> reps;
  std::vector<std::unique_ptr<Session>> sessions;
  Model model;
};

TEST_F(MonthTest, AMonthOfFollowUpsGivesExactlyTheExpectedMessagesDayByDay) {
  // --- 2026-02-28 10:00: the book is entered (and verified, but for #5).
  const std::int64_t entry = at(day_of("2026-02-28"), 10);
  for (int i = 0; i < kCustomers; ++i) {
    db->clock().fix(entry);
    Record c = customer(company(i).c_str(), phone(i).c_str());
    c.set("owner", reps[i % 3]);
    std::int64_t key = create_customer(owner_of(i), c);
    model.customers[i].key = key;
    model.customers[i].owner = reps[i % 3];
    if (i != 5) verify_customer(owner_of(i), key, "电话", std::nullopt);
    model.entered(i, entry, i != 5);
  }

  // --- 2026-03-02 08:00: graded (10 A, 10 B, 10 C), the first of each at
  // its exact thresholds.
  db->clock().fix(at(day_of("2026-03-02"), 8));
  for (int i = 0; i < kCustomers; ++i) {
    const char* want = i < 10 ? "A" : i < 20 ? "B" : "C";
    Record v = i == 0    ? grade_values(100, 70)
               : i == 10 ? grade_values(30, 40)
               : i == 20 ? grade_values(29.99, 100)
               : i < 10  ? grade_values(150, 80)
               : i < 20  ? grade_values(50, 50)
                         : grade_values(10, 20);
    Record g = grade_customer(owner_of(i), model.customers[i].key, v);
    ASSERT_EQ(g.text("tier"), want) << "customer #" << i << ": " << g.text("reason_en");
    model.customers[i].tier = want;
  }

  // --- The follow-up pattern: the days each customer is contacted at 10:00.
  std::map<int, std::vector<sys_days>> contacts;
  auto every = [&](int i, const char* first, int step) {
    for (sys_days d = day_of(first); d <= day_of("2026-03-31"); d += days{step})
      contacts[i].push_back(d);
  };
  for (int i = 0; i <= 5; ++i) every(i, show_day(day_of("2026-03-02") + days{i % 3}).c_str(), 7);
  // #6, #7: A, never contacted.  #8: A, first contacted the morning its lapse
  // was reported.  #9: A, contacted once, then neglected.
  every(8, "2026-03-08", 7);
  contacts[9] = {day_of("2026-03-03")};
  for (int i = 10; i <= 15; ++i) every(i, show_day(day_of("2026-03-02") + days{i % 5}).c_str(), 14);
  // #16, #17: B, never contacted.  #18: B, a plan done on time, then a call
  // on its due date.  #19: B, a plan missed, then one call.
  contacts[18] = {day_of("2026-03-19")};
  contacts[19] = {day_of("2026-03-12")};
  for (int i = 20; i <= 25; ++i) contacts[i] = {day_of("2026-03-09") + days{i - 20}};
  // #20 becomes B on 03-16.  #26, #27: C, never contacted.  #28: C, contacted
  // on its due date.  #29: C, contacted the morning its lapse was reported.
  contacts[28] = {day_of("2026-03-28")};
  contacts[29] = {day_of("2026-03-29")};
  const std::set<int> major_reported = {11, 12};  // #12's file records it an hour later

  int plan_18 = -1, plan_19 = -1;
  std::int64_t plan_18_id = 0, plan_19_id = 0;

  std::map<std::string, std::size_t> per_day;  // a plain cross-check of the model
  std::size_t total = 0;
  std::set<std::string> keys;

  for (sys_days d = day_of("2026-03-02"); d <= day_of("2026-03-31"); d += days{1}) {
    const std::string day = show_day(d);
    SCOPED_TRACE("day " + day);

    // 09:00: the scheduler, twice (the second finds nothing).
    std::vector<std::string> want = model.tick(at(d, 9));
    std::int64_t before = last_outbox_id();
    TickReport first = tick_at(at(d, 9));
    TickReport second = tick_at(at(d, 9));
    auto written = outbox_after(before);
    std::vector<std::string> got;
    for (const auto& m : written) {
      got.push_back(describe(m));
      EXPECT_TRUE(keys.insert(m.text("key")).second) << "duplicate key " << m.text("key");
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << "outbox of " << day << ": expected " << ::testing::PrintToString(want)
                         << ", written " << ::testing::PrintToString(got);
    EXPECT_EQ(first.messages, static_cast<std::int64_t>(written.size()));
    EXPECT_EQ(second.fired + second.messages, 0) << "the second tick of " << day;
    per_day[day] = want.size();
    total += got.size();

    // The host delivers everything.
    db->clock().fix(at(d, 9, 5));
    for (const auto& m : fetch_outbox(*admin, 1000, 60 * kSecond, ""))
      ack_outbox(*admin, int_of(m, "id"));

    // 10:00: the reps' work.
    const std::int64_t ten = at(d, 10);
    if (day == "2026-03-02") {
      db->clock().fix(ten);
      plan_18_id = int_of(create_plan(owner_of(18), model.customers[18].key,
                                      plan_fields(at(day_of("2026-03-05"), 9), "现场演示")),
                          "id");
      plan_18 = model.planned(18, at(day_of("2026-03-05"), 9));
      plan_19_id = int_of(create_plan(owner_of(19), model.customers[19].key,
                                      plan_fields(at(day_of("2026-03-10"), 9, 30), "电话回访")),
                          "id");
      plan_19 = model.planned(19, at(day_of("2026-03-10"), 9, 30));
    }
    if (day == "2026-03-03") {
      db->clock().fix(ten);
      verify_customer(owner_of(5), model.customers[5].key, "phone", std::nullopt);
      model.customers[5].verified = true;
    }
    if (day == "2026-03-05") {
      db->clock().fix(ten);
      complete_plan(owner_of(18), plan_18_id, record_fields("现场演示完成"));
      model.plans[plan_18].open = false;
      model.contacted(18, ten, false);
    }
    if (day == "2026-03-12") {
      db->clock().fix(ten);
      close_plan(owner_of(19), plan_19_id, "missed", std::string("客户出差"));
      model.plans[plan_19].open = false;
    }
    for (auto& [i, dates] : contacts)
      if (std::find(dates.begin(), dates.end(), d) != dates.end())
        contact(i, ten, major_reported.count(i) && dates.front() == d);
    if (day == "2026-03-04") {
      // #12's decision maker is recorded in the file an hour after the call.
      db->clock().fix(at(d, 11));
      Record dm;
      dm.set("decision_maker", std::int64_t{1});
      update_contact(owner_of(12),
                     int_of(list_contacts(owner_of(12), model.customers[12].key)[0], "id"), dm);
      model.customers[12].major_recorded_at = at(d, 11);
    }
    if (day == "2026-03-16") {
      db->clock().fix(ten);
      for (int i = 0; i < kCustomers; i += 2) {
        review_customer(owner_of(i), model.customers[i].key, std::nullopt);
        model.reviewed(i, ten);
      }
      set_customer_tier(owner_of(20), model.customers[20].key, "B", std::string("采购量上调"));
      model.customers[20].tier = "B";
    }
  }

  // A plain account of the month, by hand, to check the model itself.
  const std::map<std::string, std::size_t> by_hand = {
      {"2026-03-02", 1},   // unverified #5
      {"2026-03-03", 2},   // its escalation (app + e-mail)
      {"2026-03-05", 2},   // plan reminder #18, major change #11
      {"2026-03-06", 2},   // escalation of #11's major change
      {"2026-03-08", 3},   // lapsed #6 #7 #8 (due 03-07)
      {"2026-03-09", 4},   // escalations #6 #7 (#8 was contacted)
      {"2026-03-10", 1},   // plan reminder #19 at exactly 09:00
      {"2026-03-11", 2},   // lapsed #9 (due 03-10), plan #19 overdue
      {"2026-03-12", 4},   // escalations #9 and plan #19
      {"2026-03-15", 2},   // lapsed #16 #17 (due 03-14)
      {"2026-03-16", 4},   // their escalations
      {"2026-03-24", 1},   // lapsed #20 (B since 03-16: 03-09 + 2w = 03-23)
      {"2026-03-25", 2},   // its escalation
      {"2026-03-27", 1},   // lapsed #19 (03-12 + 2w = 03-26)
      {"2026-03-28", 2},   // its escalation
      {"2026-03-29", 18},  // lapsed #26 #27 #29 (due 03-28), 15 reviews (odd #)
      {"2026-03-30", 4},   // escalations #26 #27 (#29 was contacted)
  };
  std::map<std::string, std::size_t> nonzero;
  for (const auto& [day, n] : per_day)
    if (n) nonzero[day] = n;
  EXPECT_EQ(nonzero, by_hand);
  EXPECT_EQ(total, 55u);
  EXPECT_TRUE(list_outbox(*admin, 0, 1000, true).empty()) << "everything was delivered";

  // The month ends with the neglected customers on their owners' agendas.
  db->clock().fix(at(day_of("2026-03-31"), 18));
  AgendaQuery q;
  q.owner = reps[0];
  q.page_size = 100;
  std::vector<std::string> lapsed;
  for (const auto& r : agenda(*admin, q).rows)
    if (r.text("kind") == "lapsed")
      lapsed.push_back(r.text("customer") + " " + r.text("next_due_date"));
  // Owner 0 has #0 #3 #6 #9 #12 #15 #18 #21 #24 #27.
  EXPECT_EQ(lapsed,
            (std::vector<std::string>{"C0007 2026-03-07", "C0010 2026-03-10", "C0028 2026-03-28"}));
}

}  // namespace
}  // namespace crm::testing
