// The scheduler (R2.5, R1.5, R1.10): every reminder at its exact instant
// with the injected clock, escalation, rule changes, tick idempotency and the
// leased outbox.
#include <algorithm>
#include <set>

#include "followup_fixture.hpp"
#include "service/contacts.hpp"

namespace crm::testing {
namespace {

class SchedulerTest : public FollowupTest {
 protected:
  // A customer entered at `at` and verified at once, so that only the
  // reminder under test fires.
  std::int64_t verified_customer(std::int64_t at, int i = 0, std::int64_t owner = 0) {
    std::int64_t key = new_customer(at, i, owner);
    verify_customer(*rep, key, "phone", std::nullopt);
    return key;
  }

  // The messages a tick at `at` wrote.
  std::vector<Record> tick_messages(std::int64_t at, TickReport* report = nullptr) {
    std::int64_t before = last_outbox_id();
    TickReport r = tick_at(at);
    if (report) *report = r;
    return outbox_after(before);
  }

  void change_rule(const char* kind, const char* field, Value v) {
    Record r;
    r.set(field, std::move(v));
    set_reminder_rule(*admin, kind, r);
  }
};

std::string kinds(const std::vector<Record>& ms) {
  std::string out;
  for (const auto& m : ms)
    out += (out.empty() ? "" : ",") + m.text("kind") + "/" + m.text("channel");
  return out;
}

bool has_text(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Verification (R1.5): 24 hours after entry.

TEST_F(SchedulerTest, UnverifiedFiresExactly24HoursAfterEntry) {
  std::int64_t key = new_customer(kNow, 0);
  TickReport r;
  auto none = tick_messages(kNow + 24 * kHour - 1, &r);
  EXPECT_TRUE(none.empty()) << "at 23:59:59.999 after entry nothing is due, got " << describe(none);
  EXPECT_EQ(r.fired, 0);

  auto fired = tick_messages(kNow + 24 * kHour, &r);
  ASSERT_EQ(fired.size(), 1u) << "at exactly 24:00:00 the reminder is due, got " << describe(fired);
  EXPECT_EQ(r.fired, 1);
  EXPECT_EQ(r.messages, 1);
  const Record& m = fired[0];
  EXPECT_EQ(m.text("kind"), "unverified");
  EXPECT_EQ(m.text("customer"), store::human_id(key));
  EXPECT_EQ(int_of(m, "recipient_user"), rep_id);
  EXPECT_TRUE(is_null_field(m, "recipient_role"));
  EXPECT_EQ(m.text("channel"), "app");
  EXPECT_EQ(int_of(m, "due_at"), kNow + 24 * kHour);
  EXPECT_EQ(m.text("message"),
            "【信息待核实】客户“" + company(0) + "”（C0001）于 2026-11-23 09:00 录入，至今未核实");
  EXPECT_EQ(m.text("message_en"),
            "Not verified: " + company(0) + " (C0001), entered 2026-11-23 09:00");

  // Escalation to the department's sales manager 24 hours after that.
  EXPECT_TRUE(tick_messages(kNow + 48 * kHour - 1).empty());
  auto escalated = tick_messages(kNow + 48 * kHour, &r);
  ASSERT_EQ(escalated.size(), 2u) << describe(escalated);
  EXPECT_EQ(r.escalated, 1);
  EXPECT_EQ(r.fired, 1) << "one reminder, two channels";
  EXPECT_EQ(r.messages, 2);
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email");
  for (const auto& e : escalated) {
    EXPECT_EQ(int_of(e, "recipient_user"), manager_id) << describe(e);
    EXPECT_EQ(int_of(e, "escalation_of"), int_of(m, "id"));
    EXPECT_EQ(e.text("customer"), "C0001");
    EXPECT_EQ(e.text("message"), "【升级提醒】张伟的提醒超时未处理：" + m.text("message"));
    EXPECT_EQ(e.text("message_en"), "Escalated, not handled by 张伟: " + m.text("message_en"));
  }
  auto later = tick_messages(kNow + 29 * kDay);  // the monthly review is due on day 30
  EXPECT_TRUE(later.empty()) << "nothing repeats: " << describe(later);
}

TEST_F(SchedulerTest, VerificationEndsTheReminderAndItsEscalation) {
  std::int64_t early = new_customer(kNow, 0);
  std::int64_t late = new_customer(kNow, 1);
  db->clock().fix(kNow + 24 * kHour - 1);
  verify_customer(*rep, early, "电话", std::nullopt);
  auto first = tick_messages(kNow + 24 * kHour);
  ASSERT_EQ(first.size(), 1u) << describe(first);
  EXPECT_EQ(first[0].text("customer"), store::human_id(late));

  db->clock().fix(kNow + 48 * kHour - 1);
  verify_customer(*rep, late, "email", std::nullopt);
  TickReport r;
  auto after = tick_messages(kNow + 48 * kHour, &r);
  EXPECT_TRUE(after.empty()) << "verified before its escalation: " << describe(after);
  EXPECT_EQ(r.skipped, 1) << "the escalation timer found its reason gone";
}

TEST_F(SchedulerTest, WorkingTimeCountingSkipsSpringFestivalAndCountsMakeUpSaturdays) {
  change_rule("unverified", "counting", std::string("working"));
  // Working time of the default calendar: 09:00-12:00 and 13:30-18:00 (7.5 h
  // a day), Monday to Friday, China's 2026 holidays (春节 2026-02-15..02-23)
  // and make-up working Saturdays (2026-02-14 and 2026-02-28).
  //
  // Entered Fri 2026-02-13 17:00; 24 working hours:
  //   02-13 Fri 17:00-18:00            1.0 h   (1.0)
  //   02-14 Sat, 春节调休 workday      7.5 h   (8.5)
  //   02-15 .. 02-23 春节 holiday      0
  //   02-24 Tue                         7.5 h  (16.0)
  //   02-25 Wed                         7.5 h  (23.5)
  //   02-26 Thu 09:00-09:30             0.5 h  (24.0)  → due 2026-02-26 09:30
  std::int64_t festival = new_customer(sh("2026-02-13 17:00"), 0);
  // Entered Thu 2026-02-26 17:00:
  //   02-26 Thu 17:00-18:00 1.0, 02-27 Fri 7.5 (8.5), 02-28 Sat 调休 7.5 (16.0),
  //   03-01 Sun rest, 03-02 Mon 7.5 (23.5), 03-03 Tue 09:00-09:30 (24.0)
  std::int64_t saturday = new_customer(sh("2026-02-26 17:00"), 1);

  EXPECT_TRUE(tick_messages(sh("2026-02-14 17:00")).empty())
      << "24 calendar hours are not 24 working hours";
  auto none = tick_messages(sh("2026-02-26 09:29:59.999"));
  EXPECT_TRUE(none.empty()) << describe(none);
  auto first = tick_messages(sh("2026-02-26 09:30"));
  ASSERT_EQ(first.size(), 1u) << describe(first);
  EXPECT_EQ(first[0].text("customer"), store::human_id(festival));
  EXPECT_EQ(int_of(first[0], "due_at"), sh("2026-02-26 09:30"));

  // Its escalation counts 24 working hours from 02-26 09:30 too:
  //   02-26 7.0, 02-27 7.5 (14.5), 02-28 Sat 调休 7.5 (22.0), 03-02 Mon 09:00-11:00
  EXPECT_TRUE(tick_messages(sh("2026-03-02 10:59:59.999")).empty());
  auto escalated = tick_messages(sh("2026-03-02 11:00"));
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);

  EXPECT_TRUE(tick_messages(sh("2026-03-03 09:29:59.999")).empty());
  auto second = tick_messages(sh("2026-03-03 09:30"));
  ASSERT_EQ(second.size(), 1u) << describe(second);
  EXPECT_EQ(second[0].text("customer"), store::human_id(saturday));
}

// ---------------------------------------------------------------------------
// Plans.

TEST_F(SchedulerTest, PlanReminderAtItsTimeAndOverdueAtTheMidnightEndingItsDay) {
  std::int64_t key = verified_customer(kNow, 0);
  Record plan = create_plan(*rep, key, plan_fields(sh("2026-11-24 15:00")));
  ASSERT_EQ(int_of(plan, "remind_at"), sh("2026-11-24 14:30"));

  EXPECT_TRUE(tick_messages(sh("2026-11-24 14:29:59.999")).empty());
  auto reminder = tick_messages(sh("2026-11-24 14:30"));
  ASSERT_EQ(reminder.size(), 1u) << describe(reminder);
  EXPECT_EQ(reminder[0].text("kind"), "plan_reminder");
  EXPECT_EQ(int_of(reminder[0], "recipient_user"), rep_id);
  EXPECT_EQ(reminder[0].text("message"), "【跟进提醒】2026-11-24 15:00 以电话方式跟进客户“" +
                                             company(0) + "”（C0001）：介绍新款数控机床");
  EXPECT_EQ(reminder[0].text("message_en"), "Follow-up at 2026-11-24 15:00: Phone with " +
                                                company(0) + " (C0001) - 介绍新款数控机床");

  // Overdue once the plan's local day is over: 2026-11-25 00:00 in Shanghai,
  // which is 2026-11-24T16:00Z.
  const std::int64_t day_end = sh("2026-11-25 00:00");
  ASSERT_EQ(day_end, 1795536000000) << "2026-11-24T16:00:00Z";
  EXPECT_TRUE(tick_messages(day_end - 1).empty()) << "23:59:59.999 is still the plan's day";
  auto overdue = tick_messages(day_end);
  ASSERT_EQ(overdue.size(), 1u) << describe(overdue);
  EXPECT_EQ(overdue[0].text("kind"), "plan_overdue");
  EXPECT_EQ(int_of(overdue[0], "recipient_user"), rep_id);
  EXPECT_EQ(int_of(overdue[0], "due_at"), day_end);
  EXPECT_TRUE(has_text(overdue[0].text("message"), "计划于 2026-11-24 15:00 的跟进尚未完成"))
      << overdue[0].text("message");

  EXPECT_TRUE(tick_messages(day_end + 24 * kHour - 1).empty());
  auto escalated = tick_messages(day_end + 24 * kHour);
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);
  for (const auto& e : escalated) EXPECT_EQ(int_of(e, "recipient_user"), manager_id);
}

TEST_F(SchedulerTest, APlanDoneOrClosedInTimeRemindsOfNothingMore) {
  std::int64_t a = verified_customer(kNow, 0);
  std::int64_t b = verified_customer(kNow, 1);
  std::int64_t c = verified_customer(kNow, 2);
  std::int64_t done = int_of(create_plan(*rep, a, plan_fields(sh("2026-11-24 15:00"))), "id");
  std::int64_t closed = int_of(create_plan(*rep, b, plan_fields(sh("2026-11-24 15:00"))), "id");
  std::int64_t late = int_of(create_plan(*rep, c, plan_fields(sh("2026-11-24 15:00"))), "id");
  db->clock().fix(sh("2026-11-24 14:00"));
  complete_plan(*rep, done, record_fields());
  close_plan(*rep, closed, "cancelled", std::string("客户取消"));
  auto reminders = tick_messages(sh("2026-11-24 14:30"));
  ASSERT_EQ(reminders.size(), 1u) << describe(reminders);
  EXPECT_EQ(reminders[0].text("customer"), store::human_id(c));

  auto overdue = tick_messages(sh("2026-11-25 00:00"));
  ASSERT_EQ(overdue.size(), 1u) << describe(overdue);
  EXPECT_EQ(overdue[0].text("kind"), "plan_overdue");
  EXPECT_EQ(overdue[0].text("customer"), store::human_id(c));

  // Done the next morning: the escalation finds the plan no longer open.
  db->clock().fix(sh("2026-11-25 09:00"));
  complete_plan(*rep, late, record_fields("迟了一天，补打电话"));
  TickReport r;
  EXPECT_TRUE(tick_messages(sh("2026-11-26 00:00"), &r).empty());
  EXPECT_EQ(r.skipped, 1);
}

TEST_F(SchedulerTest, APlanRemindsItsOwnerAndEscalatesToTheOwnersManager) {
  std::int64_t south = add_user("zhoujie", "周杰", "华南销售部", "销售");
  std::int64_t south_manager = add_user("sunli", "孙丽", "华南销售部", "销售经理");
  std::int64_t key = verified_customer(kNow, 0);  // the rep's customer
  Record p = plan_fields(sh("2026-11-24 15:00"));
  p.set("owner", south);
  create_plan(*rep, key, p);
  auto reminder = tick_messages(sh("2026-11-24 14:30"));
  ASSERT_EQ(reminder.size(), 1u) << describe(reminder);
  EXPECT_EQ(int_of(reminder[0], "recipient_user"), south) << "the plan's owner, not the customer's";
  tick_at(sh("2026-11-25 00:00"));
  auto escalated = tick_messages(sh("2026-11-26 00:00"));
  ASSERT_EQ(escalated.size(), 2u) << describe(escalated);
  for (const auto& e : escalated) EXPECT_EQ(int_of(e, "recipient_user"), south_manager);
  EXPECT_TRUE(has_text(escalated[0].text("message"), "【升级提醒】周杰的提醒超时未处理"))
      << escalated[0].text("message");
}

TEST_F(SchedulerTest, ARescheduledPlanRemindsAtItsNewTimeOnly) {
  std::int64_t key = verified_customer(kNow, 0);
  std::int64_t plan = int_of(create_plan(*rep, key, plan_fields(sh("2026-11-24 15:00"))), "id");
  db->clock().fix(sh("2026-11-24 10:00"));
  reschedule_plan(*rep, plan, sh("2026-11-25 11:00"), sh("2026-11-25 10:00"), std::string("改约"));
  auto old_time = tick_messages(sh("2026-11-25 00:00"));
  EXPECT_TRUE(old_time.empty()) << "neither the old reminder nor the old day's end: "
                                << describe(old_time);
  EXPECT_TRUE(tick_messages(sh("2026-11-25 09:59:59.999")).empty());
  auto reminder = tick_messages(sh("2026-11-25 10:00"));
  ASSERT_EQ(reminder.size(), 1u) << describe(reminder);
  EXPECT_TRUE(has_text(reminder[0].text("message"), "2026-11-25 11:00"))
      << reminder[0].text("message");
  auto overdue = tick_messages(sh("2026-11-26 00:00"));
  EXPECT_EQ(kinds(overdue), "plan_overdue/app") << describe(overdue);
}

// ---------------------------------------------------------------------------
// Cadence (R2.1): lapsed when the due date is over.

TEST_F(SchedulerTest, CadenceLapsesAtTheMidnightEndingTheDueDate) {
  std::int64_t never = verified_customer(kNow, 0);
  std::int64_t on_due_date = verified_customer(kNow, 1);
  std::int64_t after_lapse = verified_customer(kNow, 2);
  for (std::int64_t k : {never, on_due_date, after_lapse})
    ASSERT_EQ(grade_customer(*rep, k, grade_values(100, 70)).text("next_due_date"), "2026-11-30");

  // Contacted in the last millisecond of the due date: not lapsed.
  db->clock().fix(sh("2026-11-30 23:59:59.999"));
  add_followup(*rep, on_due_date, record_fields());
  EXPECT_EQ(customer_row(on_due_date).text("next_due_date"), "2026-12-07");

  const std::int64_t lapse = sh("2026-12-01 00:00");
  EXPECT_TRUE(tick_messages(lapse - 1).empty());
  auto lapsed = tick_messages(lapse);
  ASSERT_EQ(lapsed.size(), 2u) << describe(lapsed);
  std::set<std::string> customers = {lapsed[0].text("customer"), lapsed[1].text("customer")};
  EXPECT_EQ(customers,
            (std::set<std::string>{store::human_id(never), store::human_id(after_lapse)}));
  for (const auto& m : lapsed) {
    EXPECT_EQ(m.text("kind"), "cadence_lapsed");
    EXPECT_EQ(int_of(m, "recipient_user"), rep_id);
    EXPECT_EQ(int_of(m, "due_at"), lapse);
  }
  EXPECT_EQ(lapsed[0].text("message"),
            "【超期未跟进】A类客户“" + company(0) + "”（C0001）应于 2026-11-30 前跟进，至今未跟进");

  // Contacted after the reminder, before its escalation: only `never` is
  // escalated.
  db->clock().fix(sh("2026-12-01 10:00"));
  add_followup(*rep, after_lapse, record_fields());
  EXPECT_TRUE(tick_messages(lapse + 24 * kHour - 1).empty());
  TickReport r;
  auto escalated = tick_messages(lapse + 24 * kHour, &r);
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);
  for (const auto& e : escalated) EXPECT_EQ(e.text("customer"), store::human_id(never));
  EXPECT_EQ(r.skipped, 1);
  // No reminder again for the same due date.
  auto later = tick_messages(sh("2026-12-07 23:00"));
  EXPECT_TRUE(later.empty()) << describe(later);
}

TEST_F(SchedulerTest, ATierChangeThatMakesTheDueDatePastLapsesAtTheNextTick) {
  std::int64_t key = verified_customer(sh("2026-10-30 10:00"), 0);
  db->clock().fix(sh("2026-11-02 10:00"));
  add_followup(*rep, key, record_at(sh("2026-10-31 10:00")));
  set_customer_tier(*rep, key, "C", std::nullopt);  // due 2026-11-30
  tick_at(sh("2026-11-20 09:00"));                  // nothing yet (the review is due 11-30)
  db->clock().fix(kNow);
  set_customer_tier(*rep, key, "A", std::string("升级为重点客户"));  // due 11-07: already past
  ASSERT_EQ(customer_row(key).text("next_due_date"), "2026-11-07");
  // The lapse counts from 2026-11-08 00:00 and is written now; its
  // escalation counts from when it was written (documented in crm.h), so the
  // owner gets a full day before the supervisor hears of it.
  auto lapsed = tick_messages(kNow);
  EXPECT_EQ(kinds(lapsed), "cadence_lapsed/app") << describe(lapsed);
  ASSERT_FALSE(lapsed.empty());
  EXPECT_EQ(int_of(lapsed[0], "due_at"), sh("2026-11-08 00:00"));
  // Grading again to the same tier re-arms the same reminder: its key was
  // written already, so nothing is sent twice.
  grade_customer(*rep, key, grade_values(100, 70));
  EXPECT_TRUE(tick_messages(kNow + kMin).empty());
  EXPECT_TRUE(tick_messages(kNow + 24 * kHour - 1).empty()) << "one day for the owner";
  auto escalated = tick_messages(kNow + 24 * kHour);
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);
}

TEST_F(SchedulerTest, ATickRolledBackByACrashIsRedoneOnce) {
  const std::size_t before_crash = outbox_after().size();
  new_customer(kNow + kHour, 1);
  db->clock().fix(kNow + 25 * kHour);
  db->begin();
  TickReport r = tick(*admin, kNow + 25 * kHour);
  EXPECT_EQ(r.fired, 1);
  db->rollback();
  EXPECT_EQ(outbox_after().size(), before_crash) << "the crashed tick left nothing";
  r = tick(*admin, kNow + 25 * kHour);
  EXPECT_EQ(r.fired, 1) << "the restarted tick writes it";
  r = tick(*admin, kNow + 25 * kHour);
  EXPECT_EQ(r.fired, 0) << "and only once";
  EXPECT_EQ(outbox_after().size(), before_crash + 1);
}

TEST_F(SchedulerTest, ALateTickGivesTheOwnerTheFullDelayBeforeEscalating) {
  // A tick that runs late (the host was down for three days) writes the
  // overdue reminder now; its escalation waits escalate_after from now, not
  // from when the reminder would have been due, and is written by the first
  // tick at or after that, once.
  new_customer(kNow - 3 * kDay, 0);
  TickReport r;
  auto all = tick_messages(kNow, &r);
  EXPECT_EQ(kinds(all), "unverified/app") << describe(all);
  EXPECT_EQ(r.fired, 1);
  EXPECT_EQ(r.escalated, 0);
  EXPECT_TRUE(tick_messages(kNow + 24 * kHour - 1).empty());
  auto escalated = tick_messages(kNow + 24 * kHour, &r);
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);
  EXPECT_EQ(r.escalated, 1);
  auto again = tick_messages(kNow + 24 * kHour, &r);
  EXPECT_TRUE(again.empty()) << "a second tick at the same time: " << describe(again);
}

TEST_F(SchedulerTest, OutboxLeasesComeBackAfterACrashedDelivery) {
  new_customer(kNow, 0);
  new_customer(kNow, 1);
  tick_at(kNow + 24 * kHour);

  const std::int64_t t0 = kNow + 25 * kHour;
  db->clock().fix(t0);
  auto batch = fetch_outbox(*admin, 10, 60 * kSecond, "");
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(int_of(batch[0], "attempts"), 1);
  ack_outbox(*admin, int_of(batch[0], "id"));
  // The worker crashes before acknowledging the second message.
  db->clock().fix(t0 + 60 * kSecond - 1);
  EXPECT_TRUE(fetch_outbox(*admin, 10, 60 * kSecond, "").empty()) << "still leased";
  db->clock().fix(t0 + 60 * kSecond);
  auto again = fetch_outbox(*admin, 10, 60 * kSecond, "");
  ASSERT_EQ(again.size(), 1u) << "the lease expired";
  EXPECT_EQ(int_of(again[0], "id"), int_of(batch[1], "id"));
  EXPECT_EQ(int_of(again[0], "attempts"), 2);
  ack_outbox(*admin, int_of(again[0], "id"));
  db->clock().fix(t0 + kDay);
  EXPECT_TRUE(fetch_outbox(*admin, 10, 60 * kSecond, "").empty());
  EXPECT_TRUE(list_outbox(*admin, 0, 10, true).empty());
  auto listed = list_outbox(*admin, 0, 10, false);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(int_of(listed[1], "acked_at"), t0 + 60 * kSecond);

  expect_error(Status::conflict, [&] { ack_outbox(*admin, int_of(batch[0], "id")); });
  expect_error(Status::not_found, [&] { ack_outbox(*admin, 999); });
  expect_error(Status::invalid_arg, [&] { fetch_outbox(*admin, 0, 60 * kSecond, ""); });
  expect_error(Status::invalid_arg, [&] { fetch_outbox(*admin, 10, 999, ""); });
  expect_error(Status::invalid_arg, [&] { fetch_outbox(*admin, 10, 60 * kSecond, "fax"); });
  expect_error(Status::permission, [&] { fetch_outbox(*rep, 10, 60 * kSecond, ""); });
  expect_error(Status::permission, [&] { ack_outbox(*rep, 1); });
  expect_error(Status::permission, [&] { tick(*rep, kNow); });
  expect_error(Status::invalid_arg, [&] { tick(*admin, -1); });
}

TEST_F(SchedulerTest, FetchCanTakeOneChannel) {
  new_customer(kNow, 0);
  tick_at(kNow + 24 * kHour);  // the reminder
  tick_at(kNow + 48 * kHour);  // its escalation, a day after it was written
  auto email = fetch_outbox(*admin, 10, 60 * kSecond, "email");
  ASSERT_EQ(email.size(), 1u) << describe(email);
  EXPECT_EQ(email[0].text("kind"), "escalation");
  EXPECT_EQ(fetch_outbox(*admin, 10, 60 * kSecond, "app").size(), 2u);
}

TEST_F(SchedulerTest, ArchivedCustomersGetNoReminders) {
  std::int64_t key = new_customer(kNow, 0);
  grade_customer(*rep, key, grade_values(100, 70));
  create_plan(*rep, key, plan_fields(kNow + 2 * kHour));
  archive_customer(*rep, key, std::string("客户注销"));
  EXPECT_TRUE(is_null_field(customer_row(key), "next_due_date"));
  auto none = tick_messages(kNow + 60 * kDay);
  EXPECT_TRUE(none.empty()) << describe(none);
}

TEST_F(SchedulerTest, TickWorkIsProportionalToWhatIsDue) {
  // 40 customers whose reminders are far off, one that is due.
  for (int i = 0; i < 40; ++i) new_customer(kNow, i);
  new_customer(kNow - 24 * kHour, 40);
  TickReport r = tick_at(kNow);
  EXPECT_EQ(r.fired + r.skipped + r.rearmed, 1) << "only the due timer was looked at";
  EXPECT_EQ(r.fired, 1);
  EXPECT_EQ(r.pending, 41 * 2 - 1 + 1)
      << "41 customers x (unverified, review), one fired, its escalation armed";
  r = tick_at(kNow + kHour);
  EXPECT_EQ(r.fired + r.skipped + r.rearmed, 0) << "nothing due, nothing looked at";
  EXPECT_EQ(r.pending, 82);
}

TEST_F(SchedulerTest, ManyDueTimersAreProcessedInBatchesWithinOneTick) {
  // More than one batch (256) due at once.
  const int n = 300;
  for (int i = 0; i < n; ++i) new_customer(kNow, i);
  TickReport r = tick_at(kNow + 24 * kHour);
  EXPECT_EQ(r.fired, n);
  EXPECT_EQ(r.messages, n);
  EXPECT_EQ(r.pending, 2 * n) << "each customer's review and escalation";
  EXPECT_EQ(tick_at(kNow + 24 * kHour).fired, 0);
  std::set<std::string> keys;
  for (const auto& m : list_outbox(*admin, 0, 1000, false)) keys.insert(m.text("key"));
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(n)) << "one message per customer, no duplicates";
}

// ---------------------------------------------------------------------------
// Helpers for the tests below.

// Every reminder rule as "kind{field=value;...}", to show that a refused
// change left them all as they were.
std::string rules_text(const std::vector<Record>& rules) {
  std::string out;
  for (const auto& r : rules) {
    out += r.text("kind") + "{";
    for (const auto& [name, value] : r.entries()) {
      out += name + "=";
      if (is_int(value)) out += std::to_string(std::get<std::int64_t>(value));
      if (is_text(value)) out += std::get<std::string>(value);
      out += ";";
    }
    out += "}\n";
  }
  return out;
}

// The configuration history of one rule ("rule.<kind>"), oldest first.
std::vector<Record> rule_history(Session& s, const std::string& kind) {
  return config_history(s, "rule." + kind, 1000, "").rows;
}

// ---------------------------------------------------------------------------
// Monthly review (R1.10).

TEST_F(SchedulerTest, ReviewIsDueAMonthAfterEntryAtTheSameLocalTimeClampedToTheMonthEnd) {
  // Entered Sat 2026-01-31 10:00: "2026-02-31" does not exist, so the review
  // is due on the last day of February (2026 is not a leap year) at 10:00.
  std::int64_t unreviewed = verified_customer(sh("2026-01-31 10:00"), 0);
  std::int64_t early = verified_customer(sh("2026-01-31 10:00"), 1);
  // Reviewed before it was due: the month counts from the review.
  db->clock().fix(sh("2026-02-27 16:30"));
  review_customer(*rep, early, std::string("电话确认需求未变"));

  auto none = tick_messages(sh("2026-02-28 09:59:59.999"));
  EXPECT_TRUE(none.empty()) << "at 09:59:59.999 on 02-28 no review is due yet, got "
                            << describe(none);
  TickReport r;
  auto due = tick_messages(sh("2026-02-28 10:00"), &r);
  ASSERT_EQ(due.size(), 1u) << "at 2026-02-28 10:00 only the customer never reviewed is due, got "
                            << describe(due);
  EXPECT_EQ(r.fired, 1);
  const Record& m = due[0];
  EXPECT_EQ(m.text("kind"), "review_due") << describe(m);
  EXPECT_EQ(m.text("customer"), store::human_id(unreviewed)) << describe(m);
  EXPECT_EQ(int_of(m, "recipient_user"), rep_id) << "the owner: " << describe(m);
  EXPECT_TRUE(is_null_field(m, "recipient_role")) << describe(m);
  EXPECT_EQ(m.text("channel"), "app");
  EXPECT_EQ(int_of(m, "due_at"), sh("2026-02-28 10:00")) << wall(int_of(m, "due_at"));
  EXPECT_EQ(m.text("message"), "【月度复核】客户“" + company(0) + "”（" +
                                   store::human_id(unreviewed) + "）应于 2026-02-28 前完成复核");
  EXPECT_EQ(m.text("message_en"), "Monthly review due: " + company(0) + " (" +
                                      store::human_id(unreviewed) + ") by 2026-02-28");
  // A review reminder is not escalated (escalate_after 0) and not repeated.
  auto quiet = tick_messages(sh("2026-03-01 10:00"));
  EXPECT_TRUE(quiet.empty()) << "a day after the review reminder: " << describe(quiet);

  // The overdue customer reviewed on 03-02 09:15: the next one is due 04-02 09:15.
  db->clock().fix(sh("2026-03-02 09:15"));
  review_customer(*rep, unreviewed, std::nullopt);

  // The early review (02-27 16:30) is due a month later, 03-27 16:30.
  none = tick_messages(sh("2026-03-27 16:29:59.999"));
  EXPECT_TRUE(none.empty()) << "a month after the early review less 1 ms: " << describe(none);
  auto second = tick_messages(sh("2026-03-27 16:30"));
  ASSERT_EQ(second.size(), 1u) << "a month after the review of 02-27 16:30: " << describe(second);
  EXPECT_EQ(second[0].text("kind"), "review_due");
  EXPECT_EQ(second[0].text("customer"), store::human_id(early)) << describe(second);
  EXPECT_EQ(int_of(second[0], "due_at"), sh("2026-03-27 16:30"))
      << wall(int_of(second[0], "due_at"));
  EXPECT_TRUE(has_text(second[0].text("message"), "应于 2026-03-27 前完成复核"))
      << second[0].text("message");

  none = tick_messages(sh("2026-04-02 09:14:59.999"));
  EXPECT_TRUE(none.empty()) << "a month after the review of 03-02 09:15 less 1 ms: "
                            << describe(none);
  auto third = tick_messages(sh("2026-04-02 09:15"));
  ASSERT_EQ(third.size(), 1u) << "a month after the review of 03-02 09:15: " << describe(third);
  EXPECT_EQ(third[0].text("customer"), store::human_id(unreviewed)) << describe(third);
  EXPECT_EQ(int_of(third[0], "due_at"), sh("2026-04-02 09:15")) << wall(int_of(third[0], "due_at"));
}

// ---------------------------------------------------------------------------
// Major change (R1.10): 24 hours after the follow-up that reported it.

TEST_F(SchedulerTest, AMajorChangeRemindsTheOwnerADayLaterUnlessTheFileRecordsOneMeanwhile) {
  std::int64_t unrecorded = verified_customer(kNow - 2 * kHour, 0);
  std::int64_t recorded = verified_customer(kNow - 2 * kHour, 1);
  Record boss;
  boss.set("name", std::string("赵总"));
  boss.set("phone", std::string("13712345678"));
  boss.set("title", std::string("总经理"));
  boss.set("decision_maker", std::int64_t{0});
  std::int64_t boss_id = add_contact(*rep, recorded, boss);
  // A decision maker added 1 ms before the contact is a major change of the
  // file, but not one since the follow-up.
  db->clock().fix(kNow - 1);
  Record earlier = boss;
  earlier.set("name", std::string("钱总"));
  earlier.set("phone", std::string("13712345679"));
  earlier.set("decision_maker", std::int64_t{1});
  add_contact(*rep, unrecorded, earlier);

  // Both contacts at kNow report a major change; recorded by the
  // administrator, so the reminder's recipient is visibly the owner.
  db->clock().fix(kNow);
  for (std::int64_t key : {unrecorded, recorded}) {
    Record f = record_fields("客户更换采购负责人");
    f.set("major_change", std::string("采购负责人由王建国换为赵总"));
    add_followup(*admin, key, f);
  }
  // Three hours later the owner records the new decision maker of one.
  db->clock().fix(kNow + 3 * kHour);
  Record promote;
  promote.set("decision_maker", std::int64_t{1});
  update_contact(*rep, boss_id, promote);

  TickReport r;
  auto none = tick_messages(kNow + 24 * kHour - 1, &r);
  EXPECT_TRUE(none.empty()) << "23:59:59.999 after the contact: " << describe(none);
  EXPECT_EQ(r.skipped, 0) << "nothing was due yet";
  auto fired = tick_messages(kNow + 24 * kHour, &r);
  ASSERT_EQ(fired.size(), 1u)
      << "24 h after the contact only the customer without a recorded change is due, got "
      << describe(fired);
  EXPECT_EQ(r.fired, 1);
  EXPECT_EQ(r.skipped, 1) << "the decision-maker change of 12:00 answered the other";
  const Record& m = fired[0];
  EXPECT_EQ(m.text("kind"), "major_change") << describe(m);
  EXPECT_EQ(m.text("customer"), store::human_id(unrecorded)) << describe(m);
  EXPECT_EQ(int_of(m, "recipient_user"), rep_id) << "the customer's owner: " << describe(m);
  EXPECT_TRUE(is_null_field(m, "recipient_role")) << describe(m);
  EXPECT_EQ(int_of(m, "due_at"), kNow + 24 * kHour) << wall(int_of(m, "due_at"));
  EXPECT_EQ(m.text("message"), "【重大变更待更新】客户“" + company(0) + "”（" +
                                   store::human_id(unrecorded) +
                                   "）在 2026-11-23 09:00 的跟进中出现重大变更，档案尚未更新");
  EXPECT_EQ(m.text("message_en"), "Major change not recorded: " + company(0) + " (" +
                                      store::human_id(unrecorded) +
                                      "), reported in the follow-up of 2026-11-23 09:00");
  auto later = tick_messages(kNow + 24 * kHour + kHour);
  EXPECT_TRUE(later.empty()) << "nothing for the recorded one later either: " << describe(later);
}

// ---------------------------------------------------------------------------
// Escalation target: the owner's department's active sales manager.

TEST_F(SchedulerTest, EscalationGoesToTheDepartmentsLowestIdActiveManagerElseToTheRole) {
  // A rep of a department without a sales manager (the fixture's manager is
  // in 华东销售部).  Customers entered an hour apart escalate an hour apart.
  std::int64_t north = add_user("wangqiang", "王强", "华北销售部", "销售");
  std::int64_t first = new_customer(kNow, 0, north);
  std::int64_t second = new_customer(kNow + kHour, 1, north);
  std::int64_t third = new_customer(kNow + 2 * kHour, 2, north);

  for (std::int64_t hour : {24, 25, 26}) {
    auto reminder = tick_messages(kNow + hour * kHour);
    ASSERT_EQ(kinds(reminder), "unverified/app") << "+" << hour << " h: " << describe(reminder);
    EXPECT_EQ(int_of(reminder[0], "recipient_user"), north) << describe(reminder);
  }

  auto to_role = tick_messages(kNow + 48 * kHour);
  ASSERT_EQ(kinds(to_role), "escalation/app,escalation/email") << describe(to_role);
  for (const auto& e : to_role) {
    EXPECT_EQ(e.text("customer"), store::human_id(first)) << describe(e);
    EXPECT_TRUE(is_null_field(e, "recipient_user"))
        << "no sales manager in 华北销售部, yet: " << describe(e);
    EXPECT_EQ(e.text("recipient_role"), "sales_manager") << describe(e);
    EXPECT_TRUE(has_text(e.text("message"), "【升级提醒】王强的提醒超时未处理"))
        << e.text("message");
  }

  // Two managers join 华北销售部; the one with the lower id is chosen (the
  // fixture's 华东 manager has a lower id still, but another department).
  std::int64_t low = add_user("zhaomin", "赵敏", "华北销售部", "销售经理");
  std::int64_t high = add_user("qianlei", "钱磊", "华北销售部", "销售经理");
  ASSERT_LT(manager_id, low);
  ASSERT_LT(low, high);
  auto to_low = tick_messages(kNow + 49 * kHour);
  ASSERT_EQ(kinds(to_low), "escalation/app,escalation/email") << describe(to_low);
  for (const auto& e : to_low) {
    EXPECT_EQ(e.text("customer"), store::human_id(second)) << describe(e);
    EXPECT_EQ(int_of(e, "recipient_user"), low)
        << "the department's manager with the lowest id: " << describe(e);
    EXPECT_TRUE(is_null_field(e, "recipient_role")) << describe(e);
  }

  // No service deactivates a user (users.hpp; "active" is read-only), so the
  // state a host's administration would leave is written to the store
  // directly: an inactive manager is passed over.
  db->conn().exec(("UPDATE users SET active = 0 WHERE id = " + std::to_string(low)).c_str());
  auto to_high = tick_messages(kNow + 50 * kHour);
  ASSERT_EQ(kinds(to_high), "escalation/app,escalation/email") << describe(to_high);
  for (const auto& e : to_high) {
    EXPECT_EQ(e.text("customer"), store::human_id(third)) << describe(e);
    EXPECT_EQ(int_of(e, "recipient_user"), high)
        << "manager " << low << " is inactive: " << describe(e);
  }
}

// ---------------------------------------------------------------------------
// Rule changes apply to pending reminders.

TEST_F(SchedulerTest, ALongerDelayMovesAPendingReminder) {
  new_customer(kNow, 0);
  db->clock().fix(kNow + kHour);
  change_rule("unverified", "delay_minutes", std::int64_t{2880});
  auto rules = list_reminder_rules(*admin);
  auto unverified = std::find_if(rules.begin(), rules.end(),
                                 [](const Record& r) { return r.text("kind") == "unverified"; });
  ASSERT_NE(unverified, rules.end());
  EXPECT_EQ(int_of(*unverified, "delay_minutes"), 2880);

  TickReport r;
  auto old_due = tick_messages(kNow + 24 * kHour, &r);
  EXPECT_TRUE(old_due.empty()) << "the old due time (+24 h) no longer fires: " << describe(old_due);
  EXPECT_EQ(r.fired, 0);
  EXPECT_EQ(r.rearmed, 1) << "the reset timer is moved to +48 h";
  auto none = tick_messages(kNow + 48 * kHour - 1, &r);
  EXPECT_TRUE(none.empty()) << "+48 h less 1 ms: " << describe(none);
  EXPECT_EQ(r.rearmed, 0) << "moved once only";
  auto fired = tick_messages(kNow + 48 * kHour, &r);
  ASSERT_EQ(kinds(fired), "unverified/app") << "+48 h: " << describe(fired);
  EXPECT_EQ(int_of(fired[0], "due_at"), kNow + 48 * kHour) << wall(int_of(fired[0], "due_at"));

  auto h = rule_history(*admin, "unverified");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].text("subject"), "rule.unverified");
  EXPECT_EQ(int_of(h[0], "at"), kNow + kHour);
  EXPECT_TRUE(has_text(h[0].text("before"), "delay_minutes=1440;")) << h[0].text("before");
  EXPECT_TRUE(has_text(h[0].text("after"), "delay_minutes=2880;")) << h[0].text("after");
}

TEST_F(SchedulerTest, SwitchingToWorkingTimeRetimesAPendingReminderOnTheCalendar) {
  // Entered Mon 2026-11-23 10:00.  24 working hours (09:00-12:00, 13:30-18:00):
  //   11-23 Mon 10:00-18:00 6.5, Tue 7.5 (14.0), Wed 7.5 (21.5),
  //   11-26 Thu 09:00-11:30 (24.0) → due 2026-11-26 11:30 instead of Tue 10:00.
  new_customer(sh("2026-11-23 10:00"), 0);
  db->clock().fix(sh("2026-11-23 11:00"));
  change_rule("unverified", "counting", std::string("working"));

  TickReport r;
  auto calendar_due = tick_messages(sh("2026-11-24 10:00"), &r);
  EXPECT_TRUE(calendar_due.empty())
      << "24 calendar hours are past, 24 working hours are not: " << describe(calendar_due);
  EXPECT_EQ(r.rearmed, 1);
  auto none = tick_messages(sh("2026-11-26 11:29:59.999"));
  EXPECT_TRUE(none.empty()) << describe(none);
  auto fired = tick_messages(sh("2026-11-26 11:30"));
  ASSERT_EQ(kinds(fired), "unverified/app") << describe(fired);
  EXPECT_EQ(int_of(fired[0], "due_at"), sh("2026-11-26 11:30")) << wall(int_of(fired[0], "due_at"));

  // Its escalation counts 24 working hours from 11-26 11:30 too:
  //   Thu 0.5 + 4.5 (5.0), Fri 7.5 (12.5), Mon 11-30 7.5 (20.0),
  //   Tue 12-01 09:00-12:00 (23.0), 13:30-14:30 (24.0)
  none = tick_messages(sh("2026-12-01 14:29:59.999"));
  EXPECT_TRUE(none.empty()) << describe(none);
  auto escalated = tick_messages(sh("2026-12-01 14:30"));
  EXPECT_EQ(kinds(escalated), "escalation/app,escalation/email") << describe(escalated);

  auto h = rule_history(*admin, "unverified");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(has_text(h[0].text("before"), "counting=calendar;")) << h[0].text("before");
  EXPECT_TRUE(has_text(h[0].text("after"), "counting=working;")) << h[0].text("after");
}

TEST_F(SchedulerTest, ADisabledRuleDropsItsDueRemindersAndWritesNothing) {
  new_customer(kNow, 0);
  new_customer(kNow, 1);
  const std::int64_t before = last_outbox_id();
  db->clock().fix(kNow + kHour);
  change_rule("unverified", "enabled", std::int64_t{0});

  TickReport r;
  auto due = tick_messages(kNow + 24 * kHour, &r);
  EXPECT_TRUE(due.empty()) << "the rule is disabled: " << describe(due);
  EXPECT_EQ(r.fired, 0);
  EXPECT_EQ(r.messages, 0);
  EXPECT_EQ(r.skipped, 2) << "both due reminders dropped";
  EXPECT_EQ(r.pending, 2) << "only the two monthly reviews remain";
  auto later = tick_messages(kNow + 48 * kHour, &r);
  EXPECT_TRUE(later.empty()) << "no escalation of a reminder never written: " << describe(later);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_EQ(last_outbox_id(), before) << "the outbox is untouched";

  auto h = rule_history(*admin, "unverified");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(has_text(h[0].text("before"), "enabled=1;")) << h[0].text("before");
  EXPECT_TRUE(has_text(h[0].text("after"), "enabled=0;")) << h[0].text("after");
}

TEST_F(SchedulerTest, EscalateAfterZeroDropsAnEscalationAlreadyPending) {
  new_customer(kNow, 0);
  auto fired = tick_messages(kNow + 24 * kHour);
  ASSERT_EQ(kinds(fired), "unverified/app") << describe(fired);
  db->clock().fix(kNow + 25 * kHour);
  change_rule("unverified", "escalate_after", std::int64_t{0});
  // Entered after the change: its reminder arms no escalation at all.
  new_customer(kNow + 25 * kHour, 1);

  TickReport r;
  auto none = tick_messages(kNow + 48 * kHour, &r);
  EXPECT_TRUE(none.empty()) << "the pending escalation is dropped, not sent: " << describe(none);
  EXPECT_EQ(r.escalated, 0);
  EXPECT_EQ(r.skipped, 1);
  auto second = tick_messages(kNow + 49 * kHour, &r);
  ASSERT_EQ(kinds(second), "unverified/app") << describe(second);
  auto never = tick_messages(kNow + 80 * kHour, &r);
  EXPECT_TRUE(never.empty()) << "escalate_after 0 = never: " << describe(never);
  EXPECT_EQ(r.pending, 2) << "the two monthly reviews only";

  auto h = rule_history(*admin, "unverified");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].text("subject"), "rule.unverified");
  EXPECT_TRUE(has_text(h[0].text("before"), "escalate_after=1440;")) << h[0].text("before");
  EXPECT_TRUE(has_text(h[0].text("after"), "escalate_after=0;")) << h[0].text("after");
}

// ---------------------------------------------------------------------------
// Rule validation: a refused change changes nothing.

TEST_F(SchedulerTest, InvalidRuleChangesAreRefusedAndLeaveTheRulesAsTheyWere) {
  const std::string rules_before = rules_text(list_reminder_rules(*admin));
  auto refused = [&](Status status, const char* kind, const char* field, Value v,
                     const char* what) {
    SCOPED_TRACE(what);
    Record changes;
    changes.set(field, std::move(v));
    expect_error(status, [&] { set_reminder_rule(*admin, kind, changes); });
    EXPECT_EQ(rules_text(list_reminder_rules(*admin)), rules_before)
        << "after the refused change (" << what << ") the rules changed";
  };
  refused(Status::not_found, "birthday", "enabled", std::int64_t{1}, "unknown kind");
  refused(Status::invalid_arg, "unverified", "channels", std::string("fax"), "channel fax");
  refused(Status::invalid_arg, "unverified", "channels", std::string("app,fax"), "channel app,fax");
  refused(Status::invalid_arg, "unverified", "channels", std::string("app,email,app"),
          "a channel twice");
  refused(Status::invalid_arg, "unverified", "channels", std::string(""), "no channel");
  refused(Status::invalid_arg, "unverified", "template_zh",
          std::string("客户{customer}的{deadline}"), "unknown placeholder");
  refused(Status::invalid_arg, "unverified", "template_en", std::string("{customer} ({client_id})"),
          "unknown placeholder in template_en");
  refused(Status::invalid_arg, "unverified", "template_zh", std::string("客户{customer"),
          "{ without }");
  refused(Status::invalid_arg, "unverified", "template_zh", std::string("客户customer}"),
          "} without {");
  refused(Status::invalid_arg, "escalation", "delay_minutes", std::int64_t{60},
          "an escalation's own delay");
  refused(Status::not_found, "unverified", "calendar", std::string("no_such_calendar"),
          "unknown calendar");
  refused(Status::invalid_arg, "unverified", "priority", std::string("high"), "not a rule field");
  refused(Status::invalid_arg, "unverified", "counting", std::string("sometimes"),
          "unknown counting");
  refused(Status::invalid_arg, "unverified", "delay_minutes", std::int64_t{-1}, "negative delay");
  refused(Status::invalid_arg, "escalation", "escalate_after", std::int64_t{60},
          "an escalation's own escalate_after");
  refused(Status::invalid_arg, "unverified", "enabled", std::int64_t{2}, "enabled is 0 or 1");

  // A valid field together with an invalid one: nothing of it is kept.
  Record mixed;
  mixed.set("delay_minutes", std::int64_t{60});
  mixed.set("channels", std::string("fax"));
  expect_error(Status::invalid_arg, [&] { set_reminder_rule(*admin, "unverified", mixed); });
  EXPECT_EQ(rules_text(list_reminder_rules(*admin)), rules_before)
      << "delay_minutes was kept from a refused change";

  Record fine;
  fine.set("delay_minutes", std::int64_t{60});
  expect_error(Status::permission, [&] { set_reminder_rule(*rep, "unverified", fine); });
  EXPECT_EQ(rules_text(list_reminder_rules(*admin)), rules_before) << "a sales rep changed a rule";

  auto history = config_history(*admin, "rule.", 1000, "").rows;
  EXPECT_TRUE(history.empty()) << history.size() << " refused changes were kept in the history";
}

TEST_F(SchedulerTest, AChannelListWithAnEmptyChannelIsRefused) {
  // "channels" is a comma-separated list of app, email, sms: an empty item
  // is not one of them.
  auto unverified_channels = [&] {
    for (const auto& r : list_reminder_rules(*admin))
      if (r.text("kind") == "unverified") return r.text("channels");
    ADD_FAILURE() << "no unverified rule";
    return std::string();
  };
  for (const char* channels : {"app,,email", "app,", ",app"}) {
    SCOPED_TRACE(channels);
    Record changes;
    changes.set("channels", std::string(channels));
    expect_error(Status::invalid_arg, [&] { set_reminder_rule(*admin, "unverified", changes); });
    EXPECT_EQ(unverified_channels(), "app")
        << "channels \"" << channels << "\" was stored as given";
    // Put the rule back for the next case if it was accepted.
    if (unverified_channels() != "app") change_rule("unverified", "channels", std::string("app"));
  }
}

// ---------------------------------------------------------------------------
// Templates.

TEST_F(SchedulerTest, TheNextMessagesUseAChangedTemplate) {
  std::int64_t before = new_customer(kNow - 24 * kHour, 0);
  auto old = tick_messages(kNow);
  ASSERT_EQ(kinds(old), "unverified/app") << describe(old);
  const std::string old_message = old[0].text("message");
  EXPECT_TRUE(has_text(old_message, "【信息待核实】")) << old_message;

  db->clock().fix(kNow + kHour);
  change_rule("unverified", "template_zh",
              std::string("{customer}（{customer_id}）请于{time}前核实"));
  std::int64_t after = new_customer(kNow + 2 * kHour, 1);

  auto fired = tick_messages(kNow + 26 * kHour);
  std::vector<Record> reminders, escalations;
  for (const auto& m : fired)
    (m.text("kind") == "unverified" ? reminders : escalations).push_back(m);
  ASSERT_EQ(reminders.size(), 1u) << describe(fired);
  EXPECT_EQ(reminders[0].text("customer"), store::human_id(after));
  EXPECT_EQ(reminders[0].text("message"),
            company(1) + "（" + store::human_id(after) + "）请于2026-11-23 11:00前核实")
      << "the new template, exactly as written";
  EXPECT_EQ(
      reminders[0].text("message_en"),
      "Not verified: " + company(1) + " (" + store::human_id(after) + "), entered 2026-11-23 11:00")
      << "template_en was not changed";

  // The message written before the change keeps its text; its escalation
  // quotes it as written.
  ASSERT_EQ(kinds(escalations), "escalation/app,escalation/email") << describe(fired);
  for (const auto& e : escalations) {
    EXPECT_EQ(e.text("customer"), store::human_id(before));
    EXPECT_EQ(e.text("message"), "【升级提醒】张伟的提醒超时未处理：" + old_message);
  }
  auto listed = outbox_after(0);
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed[0].text("message"), old_message) << "a written message is not re-rendered";
}

// ---------------------------------------------------------------------------
// Escalation counts from when its reminder was written.

TEST_F(SchedulerTest, APlanOverdueTickedHourlyEscalatesADayAfterItWasWritten) {
  // The host ticks every hour at :20.  The plan of 2026-11-24 15:00 is
  // overdue at 2026-11-25 00:00 and written at 00:20; its escalation is due
  // 24 h after that (2026-11-26 00:20), not 24 h after 00:00.
  std::int64_t key = verified_customer(kNow, 0);
  create_plan(*rep, key, plan_fields(sh("2026-11-24 15:00")));
  const std::int64_t overdue_written = sh("2026-11-25 00:20");
  const std::int64_t escalation_due = overdue_written + 24 * kHour;
  for (std::int64_t t = sh("2026-11-23 09:20"); t <= sh("2026-11-26 03:20"); t += kHour) {
    if (t == escalation_due) {
      auto at_due_day_end = tick_messages(sh("2026-11-26 00:00"));
      EXPECT_TRUE(at_due_day_end.empty())
          << "24 h after the overdue instant, but not after it was written: "
          << describe(at_due_day_end);
      auto just_before = tick_messages(escalation_due - 1);
      EXPECT_TRUE(just_before.empty())
          << "24 h less 1 ms after it was written: " << describe(just_before);
    }
    TickReport r;
    auto ms = tick_messages(t, &r);
    if (t == sh("2026-11-24 15:20")) {
      EXPECT_EQ(kinds(ms), "plan_reminder/app") << "at " << wall(t) << ": " << describe(ms);
    } else if (t == overdue_written) {
      ASSERT_EQ(kinds(ms), "plan_overdue/app") << "at " << wall(t) << ": " << describe(ms);
      EXPECT_EQ(int_of(ms[0], "due_at"), sh("2026-11-25 00:00")) << wall(int_of(ms[0], "due_at"));
      EXPECT_EQ(int_of(ms[0], "created_at"), overdue_written) << wall(int_of(ms[0], "created_at"));
    } else if (t == escalation_due) {
      ASSERT_EQ(kinds(ms), "escalation/app,escalation/email")
          << "at " << wall(t) << ": " << describe(ms);
      EXPECT_EQ(r.escalated, 1);
      for (const auto& e : ms) {
        EXPECT_EQ(int_of(e, "recipient_user"), manager_id) << describe(e);
        EXPECT_EQ(int_of(e, "due_at"), escalation_due) << wall(int_of(e, "due_at"));
      }
    } else {
      EXPECT_TRUE(ms.empty()) << "at " << wall(t) << ": " << describe(ms);
    }
  }
}

}  // namespace
}  // namespace crm::testing
