// Merging duplicate customers (R9.3): what moves, what the survivor shows,
// the merged record's state, history and audit; unmerge as an exact round
// trip, its conflict report and force; every refused input leaves
// everything as it was.

#include "service/merge.hpp"

#include "followup_fixture.hpp"
#include "service/audit.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/followups.hpp"
#include "service/leads.hpp"
#include "service/maintenance.hpp"
#include "service/privacy.hpp"
#include "service/review.hpp"
#include "service/search.hpp"
#include "service/tags.hpp"
#include "service/tiers.hpp"
#include "store/customer_repo.hpp"
#include "store/merge_repo.hpp"
#include "store/schedule_repo.hpp"

namespace crm::testing {
namespace {

class MergeTest : public FollowupTest {
 protected:
  void SetUp() override {
    FollowupTest::SetUp();
    CustomFieldSpec budget;
    budget.name = "budget";
    budget.type = "integer";
    budget.label_zh = "预算（万元）";
    define_custom_field(*admin, budget);
    CustomFieldSpec region;
    region.name = "region";
    region.type = "text";
    region.label_zh = "区域";
    define_custom_field(*admin, region);

    // C0001: the record entered first; C0002: the same company entered
    // again from a trade show, with more details.
    a = new_customer(kNow, 1);
    Record upd;
    upd.set("custom.region", std::string("华东"));
    update_customer(*rep, a, upd);
    b = new_customer(kNow + kMin, 2);
    upd = Record();
    upd.set("name", std::string("杭州恒达精密机械股份有限公司"));
    upd.set("custom.budget", std::int64_t{300});
    upd.set("custom.region", std::string("浙江"));
    update_customer(*rep, b, upd);
    Record c;
    c.set("name", std::string("陈芳"));
    c.set("title", std::string("采购经理"));
    c.set("phone", std::string("13900001111"));
    b_contact = add_contact(*rep, b, c);
    b_primary = int_of(list_contacts(*admin, b).front(), "id");
    tag = find_tag(*admin, "need", "采购设备");
    tag_customer(*rep, b, tag, true);
    db->clock().fix(kNow + 10 * kMin);
    b_plan = int_of(create_plan(*rep, b, plan_fields(kNow + kDay)), "id");
    b_record = int_of(add_followup(*rep, b, record_at(kNow + 2 * kMin)), "id");
    // A key customer (tier A) with a maintenance plan (R2.6).
    set_customer_tier(*rep, b, "A", std::nullopt);
    Record mp;
    mp.set("method", std::string("定期拜访"));
    mp.set("measures", std::string("每月上门巡检一次"));
    mp.set("responsible", std::string("张伟"));
    mp.set("cost", std::string("1000"));
    mp.set("period_start", std::string("2026-12-01"));
    mp.set("period_end", std::string("2027-05-31"));
    b_mplan = int_of(submit_maintenance_plan(*rep, b, mp), "id");
    db->clock().fix(kNow + kHour);
  }

  Record row(std::int64_t key) { return get_customer(*admin, key, true); }

  std::vector<std::int64_t> ids(const std::vector<Record>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows) out.push_back(int_of(r, "id"));
    std::sort(out.begin(), out.end());
    return out;
  }

  // Everything a merge may touch of one customer, for before/after checks.
  struct Picture {
    Record customer;
    std::vector<Record> contacts;
    std::vector<std::int64_t> plans, records, tags, maintenance;
  };
  Picture picture(std::int64_t key) {
    Picture p;
    p.customer = row(key);
    p.contacts = list_contacts(*admin, key);
    std::sort(p.contacts.begin(), p.contacts.end(),
              [](const Record& x, const Record& y) { return int_of(x, "id") < int_of(y, "id"); });
    p.plans = ids(customer_plans(*admin, key));
    p.records = ids(customer_followups(*admin, key));
    p.tags = ids(customer_tags(*admin, key));
    p.maintenance = ids(customer_maintenance_plans(*admin, key));
    return p;
  }

  // Field by field, except what says when and by whom it last changed.
  void expect_same(const Picture& before, const Picture& now, const char* who) {
    for (const auto& [name, value] : before.customer.entries()) {
      if (name == "version" || name == "updated_at" || name == "updated_by") continue;
      const Value* v = now.customer.find(name);
      ASSERT_NE(v, nullptr) << who << ": field " << name << " is missing after the round trip";
      EXPECT_TRUE(*v == value) << who << ": field " << name << " differs after the round trip";
    }
    EXPECT_EQ(before.customer.entries().size(), now.customer.entries().size()) << who;
    ASSERT_EQ(before.contacts.size(), now.contacts.size()) << who << ": contacts";
    for (std::size_t i = 0; i < before.contacts.size(); ++i)
      for (const auto& [name, value] : before.contacts[i].entries()) {
        const Value* v = now.contacts[i].find(name);
        ASSERT_NE(v, nullptr) << who << ": contact field " << name;
        EXPECT_TRUE(*v == value) << who << ": contact " << i << " field " << name << " differs";
      }
    EXPECT_EQ(before.plans, now.plans) << who << ": follow-up plans";
    EXPECT_EQ(before.records, now.records) << who << ": follow-up records";
    EXPECT_EQ(before.tags, now.tags) << who << ": tags";
    EXPECT_EQ(before.maintenance, now.maintenance) << who << ": maintenance plans";
  }

  std::vector<Record> audit_rows(const char* action) {
    AuditQuery q;
    q.action = action;
    q.page_size = 1000;
    return list_audit(*admin, q).rows;
  }

  std::int64_t a = 0, b = 0, b_contact = 0, b_primary = 0, tag = 0, b_plan = 0, b_record = 0,
               b_mplan = 0;
};

TEST_F(MergeTest, MovesChildrenTakesChosenFieldsAndKeepsTheMergedRecordReadOnly) {
  Record choices;
  choices.set("name", std::string("merged"));
  MergeOutcome m = merge_customers(*rep, a, b, choices, std::string("展会重复录入"));
  EXPECT_GT(m.merge, 0);
  EXPECT_EQ(m.moved, 5) << "two contacts, one plan, one record, one maintenance plan";

  Record s = row(a);
  EXPECT_EQ(s.text("name"), "杭州恒达精密机械股份有限公司") << "chosen: the merged one's";
  EXPECT_EQ(int_of(s, "custom.budget"), 300) << "the survivor had none: the merged one's";
  EXPECT_EQ(s.text("custom.region"), "华东") << "the survivor had one: its own";
  EXPECT_EQ(s.text("contact_name"), "王建国") << "the survivor's primary contact stays primary";
  EXPECT_EQ(int_of(s, "last_followup_at"), kNow + 2 * kMin) << "the later follow-up of either";

  std::vector<Record> contacts = list_contacts(*admin, a);
  ASSERT_EQ(contacts.size(), 3u);
  int primaries = 0;
  for (const auto& c : contacts) primaries += static_cast<int>(int_of(c, "primary"));
  EXPECT_EQ(primaries, 1) << "one primary contact";
  EXPECT_EQ(ids(customer_plans(*admin, a)), std::vector<std::int64_t>{b_plan});
  EXPECT_EQ(ids(customer_followups(*admin, a)), std::vector<std::int64_t>{b_record});
  EXPECT_EQ(ids(customer_tags(*admin, a)), std::vector<std::int64_t>{tag});
  EXPECT_EQ(ids(customer_maintenance_plans(*admin, a)), std::vector<std::int64_t>{b_mplan});

  // The merged record: readable, archived, says where it went.
  Record g = row(b);
  EXPECT_EQ(int_of(g, "archived"), 1);
  EXPECT_EQ(g.text("merged_into"), store::human_id(a));
  EXPECT_TRUE(list_contacts(*admin, b).empty());
  EXPECT_TRUE(customer_tags(*admin, b).empty());
  EXPECT_EQ(count_customers(true), 1u) << "a merged customer is in no list, archived or not";
  SearchQuery sq;
  sq.text = "恒达";
  sq.include_archived = true;
  EXPECT_EQ(search_customers(*admin, sq).rows.size(), 1u) << "nor in a search";
  CustomerQuery q;
  q.include_archived = true;
  q.name_contains = "股份";
  EXPECT_EQ(list_customers(*admin, q).rows.size(), 1u) << "a search finds the survivor only";

  Record change;
  change.set("key_needs", std::string("改"));
  Error e = expect_error(Status::state, [&] { update_customer(*rep, b, change); });
  EXPECT_NE(e.message_en().find("merged into " + store::human_id(a)), std::string::npos)
      << e.message_en();
  EXPECT_NE(e.message_zh().find("已合并到"), std::string::npos) << e.message_zh();
  expect_error(Status::state, [&] { tag_customer(*rep, b, tag, true); });

  // History of both, and two audit rows.
  bool survivor_row = false, merged_row = false, name_row = false;
  for (const auto& h : customer_history(*admin, a)) {
    if (h.text("kind") != "merge") continue;
    if (h.text("field") == "merged_from" && h.text("after") == store::human_id(b))
      survivor_row = true;
    if (h.text("field") == "name") name_row = h.text("after") == "杭州恒达精密机械股份有限公司";
    EXPECT_NE(h.text("reason").find("展会重复录入"), std::string::npos) << h.text("reason");
  }
  for (const auto& h : customer_history(*admin, b))
    if (h.text("kind") == "merge" && h.text("field") == "merged_into" &&
        h.text("after") == store::human_id(a))
      merged_row = true;
  EXPECT_TRUE(survivor_row && merged_row && name_row);
  auto audit = audit_rows("customer.merge");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].text("object"), store::human_id(a));
  EXPECT_EQ(audit[1].text("object"), store::human_id(b));

  auto list = list_merges(*rep, "", 0, 0);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].text("survivor"), store::human_id(a));
  EXPECT_EQ(list[0].text("merged"), store::human_id(b));
  EXPECT_EQ(int_of(list[0], "undone"), 0);
  EXPECT_EQ(int_of(list[0], "moved"), 5);
}

TEST_F(MergeTest, EveryChangeToTheMergedCustomerNamesTheSurvivor) {
  merge_customers(*rep, a, b, Record(), std::nullopt);
  const std::int64_t version = int_of(row(b), "version");
  const std::string en = "customer C0002 was merged into C0001 and cannot change",
                    zh = "客户 C0002 已合并到 C0001，不能修改";
  auto expect_merged = [&](const char* call, auto&& f) {
    Error e = expect_error(Status::state, f);
    EXPECT_EQ(e.message_en(), en) << call;
    EXPECT_EQ(e.message_zh(), zh) << call;
    EXPECT_TRUE(e.fields().empty()) << call << ": no field errors";
  };
  // An update, valid or not: what happened to the customer comes first.
  Record valid, invalid;
  valid.set("priority", std::string("低"));
  invalid.set("phone", std::string("12345"));
  invalid.set("priority", std::string("最高"));
  expect_merged("a valid update", [&] { update_customer(*rep, b, valid); });
  expect_merged("an invalid update", [&] { update_customer(*rep, b, invalid); });
  expect_merged("a type change", [&] { set_customer_type(*rep, b, "won", std::nullopt); });
  expect_merged("an unknown type", [&] { set_customer_type(*rep, b, "外星", std::nullopt); });
  Record contact;
  contact.set("name", std::string("赵磊"));
  contact.set("phone", std::string("12345"));
  expect_merged("an invalid contact", [&] { add_contact(*rep, b, contact); });
  // Follow-ups, tiers and maintenance plans.
  expect_merged("add_followup", [&] { add_followup(*rep, b, record_at(kNow + 3 * kMin)); });
  expect_merged("create_plan", [&] { create_plan(*rep, b, plan_fields(kNow + 2 * kDay)); });
  expect_merged("set_customer_tier", [&] { set_customer_tier(*rep, b, "B", std::nullopt); });
  expect_merged("verify_customer", [&] { verify_customer(*rep, b, "电话", std::nullopt); });
  Record mp;
  mp.set("method", std::string("定期拜访"));
  expect_merged("submit_maintenance_plan", [&] { submit_maintenance_plan(*rep, b, mp); });
  // None of them wrote anything.
  EXPECT_TRUE(customer_plans(*admin, b).empty());
  EXPECT_TRUE(customer_followups(*admin, b).empty());
  EXPECT_EQ(int_of(row(b), "version"), version);

  // An archived customer that was not merged still says archived.
  archive_customer(*admin, a, std::string("客户注销"));
  Error e = expect_error(Status::state, [&] { add_followup(*rep, a, record_at(kNow + 4 * kMin)); });
  EXPECT_EQ(e.message_en(), "customer C0001 is archived");
  EXPECT_EQ(e.message_zh(), "客户 C0001 已归档");
}

TEST_F(MergeTest, UnmergeRestoresBothRecordsAndTheirChildrenExactly) {
  const Picture pa = picture(a), pb = picture(b);
  const std::int64_t timers = store::count_timers(db->conn());
  Record choices;
  choices.set("name", std::string("merged"));
  choices.set("primary_contact", std::string("merged"));
  choices.set("custom.region", std::string("merged"));
  MergeOutcome m = merge_customers(*rep, a, b, choices, std::nullopt);
  EXPECT_EQ(row(a).text("contact_name"), row(b).text("contact_name"))
      << "the merged one's primary contact is the survivor's now";
  EXPECT_EQ(row(a).text("custom.region"), "浙江");
  EXPECT_EQ(store::count_timers(db->conn()), timers - 3)
      << "the merged customer's verification, review and cadence reminders stop";

  db->clock().fix(kNow + 2 * kHour);
  UnmergeOutcome u = unmerge_customers(*rep, m.merge, false, std::string("不是同一家"));
  EXPECT_EQ(u.restored, 5);
  EXPECT_TRUE(u.overwritten.empty());
  expect_same(pa, picture(a), "survivor");
  expect_same(pb, picture(b), "merged");
  EXPECT_EQ(store::count_timers(db->conn()), timers) << "its reminders are back";
  EXPECT_GT(int_of(row(a), "version"), int_of(pa.customer, "version"))
      << "the version moves on, so a client holding the merged state gets a conflict";
  EXPECT_FALSE(row(b).has("merged_into"));
  EXPECT_EQ(count_customers(false), 2u);

  // The merged customer is editable again.
  Record change;
  change.set("key_needs", std::string("采购数控机床"));
  update_customer(*rep, b, change);

  auto list = list_merges(*admin, store::human_id(b), 0, 0);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(int_of(list[0], "undone"), 1);
  EXPECT_EQ(int_of(list[0], "undone_at"), kNow + 2 * kHour);
  EXPECT_EQ(list[0].text("undo_note"), "不是同一家");
  EXPECT_EQ(audit_rows("customer.unmerge").size(), 2u);
  bool unmerge_row = false;
  for (const auto& h : customer_history(*admin, b))
    unmerge_row = unmerge_row || (h.text("kind") == "unmerge" && h.text("field") == "merged_into");
  EXPECT_TRUE(unmerge_row);

  // Once undone, never twice.
  Error e = expect_error(Status::state, [&] { unmerge_customers(*rep, m.merge, true, {}); });
  EXPECT_NE(e.message_en().find("undone already"), std::string::npos) << e.message_en();
}

TEST_F(MergeTest, UnmergeAfterTheSurvivorChangedIsAConflictUnlessForced) {
  const std::string before_needs = row(a).text("key_needs");
  MergeOutcome m = merge_customers(*rep, a, b, Record(), std::nullopt);
  Record change;
  change.set("key_needs", std::string("合并后改了需求"));
  update_customer(*rep, a, change);
  const std::int64_t version = int_of(row(a), "version");

  Error e = expect_error(Status::conflict, [&] { unmerge_customers(*rep, m.merge, false, {}); });
  EXPECT_NE(e.message_en().find(store::human_id(a) + ".key_needs"), std::string::npos)
      << e.message_en();
  EXPECT_NE(e.message_zh().find("强制"), std::string::npos) << e.message_zh();
  ASSERT_EQ(e.fields().size(), 1u) << "only what changed is listed";
  EXPECT_EQ(e.fields()[0].code, "changed_since_merge");
  EXPECT_EQ(int_of(row(a), "version"), version) << "nothing was written";
  EXPECT_EQ(row(b).text("merged_into"), store::human_id(a));
  EXPECT_EQ(int_of(list_merges(*rep, "", 0, 0)[0], "undone"), 0);

  UnmergeOutcome u = unmerge_customers(*rep, m.merge, true, {});
  ASSERT_EQ(u.overwritten.size(), 1u);
  EXPECT_EQ(u.overwritten[0], store::human_id(a) + ".key_needs");
  EXPECT_EQ(row(a).text("key_needs"), before_needs) << "forced: as before the merge";
  EXPECT_FALSE(row(b).has("merged_into"));
  auto audit = audit_rows("customer.unmerge");
  ASSERT_FALSE(audit.empty());
  EXPECT_NE(audit[0].text("detail").find("overwrote"), std::string::npos)
      << audit[0].text("detail");
}

TEST_F(MergeTest, AMovedChildChangedAfterTheMergeIsAConflict) {
  MergeOutcome m = merge_customers(*rep, a, b, Record(), std::nullopt);
  db->clock().fix(kNow + 2 * kHour);
  Record c;
  c.set("title", std::string("采购总监"));
  update_contact(*rep, b_contact, c);
  Error e = expect_error(Status::conflict, [&] { unmerge_customers(*rep, m.merge, false, {}); });
  EXPECT_NE(e.message_en().find("contacts " + std::to_string(b_contact)), std::string::npos)
      << e.message_en();
  UnmergeOutcome u = unmerge_customers(*rep, m.merge, true, {});
  EXPECT_EQ(u.restored, 5);
  EXPECT_EQ(contact_customer(*admin, b_contact), b) << "moved back even though it changed";
}

TEST_F(MergeTest, AnUnmergeWaitsForALaterMergeOfTheSurvivorToBeUndone) {
  std::int64_t c = new_customer(kNow + kHour, 3);
  MergeOutcome first = merge_customers(*rep, a, b, Record(), std::nullopt);
  MergeOutcome second = merge_customers(*rep, c, a, Record(), std::nullopt);
  Error e = expect_error(Status::state, [&] { unmerge_customers(*rep, first.merge, true, {}); });
  EXPECT_NE(e.message_en().find("undo that merge first"), std::string::npos) << e.message_en();
  unmerge_customers(*rep, second.merge, false, {});
  unmerge_customers(*rep, first.merge, false, {});
  EXPECT_EQ(count_customers(false), 3u);
}

TEST_F(MergeTest, RefusedInputsChangeNothing) {
  const std::int64_t va = int_of(row(a), "version"), vb = int_of(row(b), "version");
  auto unchanged = [&] {
    EXPECT_EQ(int_of(row(a), "version"), va);
    EXPECT_EQ(int_of(row(b), "version"), vb);
    EXPECT_FALSE(row(b).has("merged_into"));
    EXPECT_TRUE(list_merges(*admin, "", 0, 0).empty());
    EXPECT_EQ(list_contacts(*admin, b).size(), 2u);
  };
  Error e = expect_error(Status::invalid_arg,
                         [&] { merge_customers(*rep, a, a, Record(), std::nullopt); });
  EXPECT_NE(e.message_en().find("with itself"), std::string::npos) << e.message_en();
  EXPECT_NE(e.message_zh().find("自身"), std::string::npos) << e.message_zh();

  auto bad = [&](const char* field, const char* side, const char* code) {
    Record ch;
    ch.set(field, std::string(side));
    Error err =
        expect_error(Status::invalid_arg, [&] { merge_customers(*rep, a, b, ch, std::nullopt); });
    ASSERT_EQ(err.fields().size(), 1u) << field;
    EXPECT_EQ(err.fields()[0].code, code) << field;
    EXPECT_EQ(err.fields()[0].field, field);
    EXPECT_FALSE(err.message_zh().empty());
  };
  bad("nickname", "merged", "unknown_field");
  bad("custom.nothing", "merged", "unknown_field");
  bad("version", "merged", "read_only");
  bad("phone", "merged", "follows_primary_contact");
  bad("name", "both", "unknown_side");

  std::int64_t archived = new_customer(kNow + kHour, 4);
  archive_customer(*rep, archived, std::nullopt);
  e = expect_error(Status::state,
                   [&] { merge_customers(*rep, a, archived, Record(), std::nullopt); });
  EXPECT_NE(e.message_en().find("archived"), std::string::npos) << e.message_en();
  expect_error(Status::state, [&] { merge_customers(*rep, archived, a, Record(), std::nullopt); });
  expect_error(Status::not_found, [&] { unmerge_customers(*rep, 99, false, {}); });
  unchanged();

  // Another rep sees neither customer; a service agent reads them but may
  // not change them.
  std::int64_t other = add_user("liqiang", "李强", "华东销售部", "销售");
  Session other_rep(*db, other);
  expect_error(Status::not_found,
               [&] { merge_customers(other_rep, a, b, Record(), std::nullopt); });
  std::int64_t agent_id = add_user("zhaomin", "赵敏", nullptr, "客服");
  Session agent(*db, agent_id);
  expect_error(Status::permission, [&] { merge_customers(agent, a, b, Record(), std::nullopt); });
  // A manager may update their department's customers? Only their own
  // (customer.update is own-scoped for sales managers): refused too.
  Session manager(*db, manager_id);
  expect_error(Status::permission, [&] { merge_customers(manager, a, b, Record(), std::nullopt); });
  unchanged();

  // Already merged, in either role.
  std::int64_t c = new_customer(kNow + kHour, 5);
  MergeOutcome m = merge_customers(*rep, a, b, Record(), std::nullopt);
  e = expect_error(Status::state, [&] { merge_customers(*rep, c, b, Record(), std::nullopt); });
  EXPECT_NE(e.message_en().find("already merged into " + store::human_id(a)), std::string::npos)
      << e.message_en();
  expect_error(Status::state, [&] { merge_customers(*rep, b, c, Record(), std::nullopt); });
  // An unmerge needs the same rights.
  expect_error(Status::not_found, [&] { unmerge_customers(other_rep, m.merge, false, {}); });
  expect_error(Status::permission, [&] { unmerge_customers(agent, m.merge, false, {}); });
  EXPECT_EQ(row(b).text("merged_into"), store::human_id(a)) << "still merged";
  EXPECT_TRUE(list_merges(other_rep, "", 0, 0).empty()) << "merges of customers one cannot see";
  EXPECT_EQ(list_merges(agent, "", 0, 0).size(), 1u) << "service reads every customer";
}

TEST_F(MergeTest, ALinkedLeadMovesAndComesBack) {
  std::int64_t mk = add_user("chenjing", "陈静", "市场部", "市场");
  Session marketing(*db, mk);
  Record l;
  l.set("company", std::string("杭州恒达"));
  l.set("person", std::string("刘洋"));
  l.set("phone", store::load_customer(db->conn(), b)->text("phone"));
  l.set("channel", std::string("官网注册"));
  CaptureResult c = capture_lead(marketing, l);
  ASSERT_EQ(static_cast<int>(c.outcome), static_cast<int>(CaptureOutcome::linked));
  MergeOutcome m = merge_customers(*rep, a, b, Record(), std::nullopt);
  EXPECT_EQ(m.moved, 6);
  EXPECT_EQ(get_lead(*admin, c.lead).text("customer"), store::human_id(a));
  unmerge_customers(*rep, m.merge, false, {});
  EXPECT_EQ(get_lead(*admin, c.lead).text("customer"), store::human_id(b));
}

TEST_F(MergeTest, TheOwnerMovesOnlyAsATransferMayAndComesBack) {
  std::int64_t other = add_user("liqiang", "李强", "华东销售部", "销售");
  std::int64_t c = new_customer(kNow + kHour, 6, other);
  Record choices;
  choices.set("owner", std::string("merged"));
  // The rep may neither see the other's customer nor hand theirs over.
  expect_error(Status::not_found, [&] { merge_customers(*rep, a, c, choices, std::nullopt); });
  MergeOutcome m = merge_customers(*admin, a, c, choices, std::nullopt);
  EXPECT_EQ(int_of(row(a), "owner"), other);
  bool owner_row = false;
  for (const auto& h : customer_history(*admin, a))
    owner_row = owner_row || (h.text("kind") == "merge" && h.text("field") == "owner" &&
                              h.text("after") == std::to_string(other));
  EXPECT_TRUE(owner_row) << "the new owner is in the survivor's history";
  unmerge_customers(*admin, m.merge, false, {});
  EXPECT_EQ(int_of(row(a), "owner"), rep_id);
  EXPECT_EQ(int_of(row(c), "owner"), other);
}

TEST_F(MergeTest, ChangesWaitingForReviewBlockTheMergedCustomer) {
  set("review.fields", "industry");
  Record change;
  change.set("industry", std::string("软件"));
  expect_error(Status::pending, [&] { update_customer(*rep, b, change); });
  Error e =
      expect_error(Status::conflict, [&] { merge_customers(*rep, a, b, Record(), std::nullopt); });
  EXPECT_NE(e.message_en().find("waiting for review"), std::string::npos) << e.message_en();
  EXPECT_NE(e.message_zh().find("待审核"), std::string::npos) << e.message_zh();
  EXPECT_FALSE(row(b).has("merged_into"));
  // The survivor's pending changes do not stand in the way.
  merge_customers(*rep, b, a, Record(), std::nullopt);
}

TEST_F(MergeTest, AnErasureRemovesWhatTheMergeKeptAndTheMergeStays) {
  MergeOutcome m = merge_customers(*rep, a, b, Record(), std::nullopt);
  EXPECT_FALSE(store::load_state(db->conn(), m.merge, b, "before").columns.empty());
  erase_customer(*admin, b, std::string("客户要求删除个人信息"));
  EXPECT_TRUE(store::load_state(db->conn(), m.merge, b, "before").columns.empty())
      << "the personal data kept for an unmerge is erased with the customer";
  EXPECT_FALSE(store::load_state(db->conn(), m.merge, a, "before").columns.empty())
      << "the survivor's is its own";
  Error e = expect_error(Status::state, [&] { unmerge_customers(*admin, m.merge, true, {}); });
  EXPECT_NE(e.message_en().find("erased"), std::string::npos) << e.message_en();
  EXPECT_EQ(row(b).text("merged_into"), store::human_id(a));
}

}  // namespace
}  // namespace crm::testing
