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

}  // namespace
}  // namespace crm::testing
