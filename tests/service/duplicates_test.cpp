#include "service/duplicates.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "fixture.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/privacy.hpp"
#include "store/connection.hpp"
#include "store/customer_repo.hpp"
#include "store/match_key_repo.hpp"

namespace crm::testing {
namespace {

constexpr std::int64_t kDay = 86400000;

class DuplicatesTest : public ServiceTest {
 protected:
  std::int64_t add(Session& s, const char* name, const char* phone, const char* email = nullptr,
                   std::int64_t owner = 0) {
    Record r = customer(name, phone);
    if (email) r.set("email", std::string(email));
    if (owner) r.set("owner", owner);
    return create_customer(s, r);
  }
  void sql(const std::string& text) { db->conn().db().exec(text); }
  std::int64_t count_rows(const std::string& text) {
    SQLite::Statement q(db->conn().db(), text);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
  static std::string pairs_of(const DuplicateResult& r) {
    std::string out;
    for (const auto& p : r.pairs)
      out += (out.empty() ? "" : " ") + std::to_string(p.group) + ":" + store::human_id(p.a) + "-" +
             store::human_id(p.b);
    return out;
  }
  static const Record* check(const std::vector<Record>& rows, const std::string& name,
                             const std::string& field = "") {
    for (const auto& r : rows)
      if (r.text("check") == name && r.text("field") == field) return &r;
    return nullptr;
  }
};

TEST_F(DuplicatesTest, KeysAreStoredOnCreateAndFollowEveryWrite) {
  std::int64_t key = add(*rep, "深圳市华为技术有限公司", "138 1234 5678", "Wang@Huawei.COM");
  MatchKeys k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.name, "华为技术");
  EXPECT_EQ(k.phones, std::vector<std::string>{"+8613812345678"});
  EXPECT_EQ(k.emails, std::vector<std::string>{"wang@huawei.com"});
  EXPECT_EQ(k.contacts, std::vector<std::string>{"王建国"});

  Record patch;
  patch.set("name", std::string("華為終端有限公司"));
  patch.set("phone", std::string("010-12345678"));
  update_customer(*rep, key, patch);
  k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.name, "华为终端");
  EXPECT_EQ(k.phones, std::vector<std::string>{"+861012345678"})
      << "the old phone's key goes with it (customer and primary contact)";

  Record c;
  c.set("name", std::string("李娜"));
  c.set("phone", std::string("13912345678"));
  std::int64_t li = add_contact(*rep, key, c);
  k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.phones, (std::vector<std::string>{"+861012345678", "+8613912345678"}));
  EXPECT_EQ(k.contacts, (std::vector<std::string>{"李娜", "王建国"}));

  Record cp;
  cp.set("email", std::string("Li.Na@Example.com"));
  update_contact(*rep, li, cp);
  k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.emails, (std::vector<std::string>{"li.na@example.com", "wang@huawei.com"}));

  remove_contact(*rep, li, std::string("离职"));
  k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.phones, std::vector<std::string>{"+861012345678"}) << "a removed contact's keys go";
  EXPECT_EQ(k.emails, std::vector<std::string>{"wang@huawei.com"});

  erase_customer(*admin, key, std::string("客户要求删除个人信息"));
  k = store::load_match_keys(db->conn(), key);
  EXPECT_EQ(k.name, "华为终端") << "the company name is not personal data";
  EXPECT_TRUE(k.phones.empty() && k.emails.empty() && k.contacts.empty())
      << "erased personal data leaves no key behind";
}

TEST_F(DuplicatesTest, TheMigrationsFillComputesTheSameKeysAsTheWriters) {
  std::int64_t a = add(*rep, "深圳市华为技术有限公司", "13812345678", "Wang@Huawei.com");
  std::int64_t b = add(*rep, "杭州恒达精密机械有限公司", "0571-88888888");
  MatchKeys ka = store::load_match_keys(db->conn(), a), kb = store::load_match_keys(db->conn(), b);
  const std::int64_t rows = count_rows("SELECT count(*) FROM match_keys");
  sql("DELETE FROM match_keys");
  store::fill_match_keys(db->conn().db());
  EXPECT_EQ(count_rows("SELECT count(*) FROM match_keys"), rows);
  EXPECT_EQ(store::load_match_keys(db->conn(), a).phones, ka.phones);
  EXPECT_EQ(store::load_match_keys(db->conn(), a).emails, ka.emails);
  EXPECT_EQ(store::load_match_keys(db->conn(), b).name, kb.name);
}

TEST_F(DuplicatesTest, OneCompanyWrittenFourWaysIsOneGroupAndItsNeighbourIsNot) {
  add(*rep, "华为技术有限公司", "13800000001");
  add(*rep, "華為技術有限公司", "13800000002");
  add(*rep, "深圳市华为技术有限公司", "13800000003");
  add(*rep, "华为技术（深圳）有限公司", "13800000004");
  add(*rep, "华为终端有限公司", "13800000005");
  DuplicateResult r = find_duplicates(*rep, 0, {});
  EXPECT_EQ(pairs_of(r),
            "1:C0001-C0002 1:C0001-C0003 1:C0001-C0004 1:C0002-C0003 1:C0002-C0004 "
            "1:C0003-C0004");
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0], (std::vector<std::int64_t>{1, 2, 3, 4})) << "华为终端 is not in it";
  // Same name and same contact person (王建国 in every test customer).
  EXPECT_EQ(join_reasons(r.pairs[0].reasons), "same_name,same_contact");
  EXPECT_EQ(r.pairs[0].a_name, "华为技术有限公司");
  EXPECT_EQ(r.pairs[0].b_name, "華為技術有限公司");
}

TEST_F(DuplicatesTest, APhoneTypedDifferentlyOrAnEmailInCapitalsJoinsTwoNames) {
  add(*rep, "杭州恒达精密机械有限公司", "13912345678");
  add(*rep, "苏州纳微科技股份有限公司", "+86 139 1234 5678");
  add(*rep, "宁波港信息通信有限公司", "0574-88888881", "Sales@Example.COM");
  add(*rep, "上海贝尔通信设备有限公司", "0574-88888882", "sales@example.com");
  DuplicateResult r = find_duplicates(*rep, 0, {});
  ASSERT_EQ(r.pairs.size(), 2u) << pairs_of(r);
  EXPECT_EQ(pairs_of(r), "1:C0001-C0002 2:C0003-C0004");
  EXPECT_EQ(join_reasons(r.pairs[0].reasons), "same_phone,same_contact");
  EXPECT_EQ(join_reasons(r.pairs[1].reasons), "same_email,same_contact");
}

TEST_F(DuplicatesTest, SimilarNamesAreComparedWithinTheirBlockAndNeedMoreThanTheName) {
  Record a = customer("杭州恒达精密机械有限公司", "13800000001");
  Record b = customer("杭州恒达精密机器有限公司", "13800000002");
  b.set("contact_name", std::string("李娜"));
  create_customer(*rep, a);
  create_customer(*rep, b);
  EXPECT_TRUE(find_duplicates(*rep, 0, {}).pairs.empty())
      << "a similar name alone (0.48) is below the default threshold";
  DuplicateResult low = find_duplicates(*rep, 0.4, {});
  ASSERT_EQ(low.pairs.size(), 1u);
  EXPECT_EQ(join_reasons(low.pairs[0].reasons), "similar_name");
  EXPECT_NEAR(low.pairs[0].name_similarity, 0.8, 1e-12);
  EXPECT_NEAR(low.pairs[0].score, 0.48, 1e-12);
  // At the exact score the pair is in; just above it, out.
  EXPECT_EQ(find_duplicates(*rep, low.pairs[0].score, {}).pairs.size(), 1u);
  EXPECT_TRUE(find_duplicates(*rep, low.pairs[0].score + 1e-9, {}).pairs.empty());
}

TEST_F(DuplicatesTest, APairIsShownOnlyToWhoeverMayReadBoth) {
  add(*rep, "华为技术有限公司", "13800000001");
  add(*admin, "華為技術有限公司", "13800000002");  // owned by the administrator
  EXPECT_TRUE(find_duplicates(*rep, 0, {}).pairs.empty())
      << "the sales rep reads only their own customer";
  EXPECT_EQ(pairs_of(find_duplicates(*admin, 0, {})), "1:C0001-C0002");
  Record probe;
  probe.set("name", std::string("华为技术有限公司"));
  auto mine = duplicates_of(*rep, probe, 0);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].text("customer"), "C0001");
  EXPECT_EQ(duplicates_of(*admin, probe, 0).size(), 2u);
}

TEST_F(DuplicatesTest, ArchivedCustomersTakeNoPart) {
  add(*rep, "华为技术有限公司", "13800000001");
  std::int64_t b = add(*rep, "華為技術有限公司", "13800000002");
  archive_customer(*admin, b, std::string("重复录入"));
  EXPECT_TRUE(find_duplicates(*admin, 0, {}).pairs.empty());
}

TEST_F(DuplicatesTest, ABlockOfMoreThanFiftyIsChainedIntoOneGroup) {
  // A switchboard number shared by a whole group of companies: at 50
  // members every two are compared, above 50 each is paired with the next.
  for (int i = 0; i < 50; ++i) add(*rep, "华为技术有限公司", "0755-28780808");
  DuplicateResult all = find_duplicates(*rep, 0, {});
  EXPECT_EQ(all.pairs.size(), 50u * 49u / 2u) << "50 members: all pairs";
  ASSERT_EQ(all.groups.size(), 1u);
  add(*rep, "华为技术有限公司", "0755-28780808");
  DuplicateResult chained = find_duplicates(*rep, 0, {});
  EXPECT_EQ(chained.pairs.size(), 50u) << "51 members: a chain of 50 pairs";
  ASSERT_EQ(chained.groups.size(), 1u);
  EXPECT_EQ(chained.groups[0].size(), 51u) << "still one group";
}

TEST_F(DuplicatesTest, ThresholdOutsideZeroToOneIsRefused) {
  for (double t : {-0.1, 1.000001, 2.0})
    expect_error(Status::invalid_arg, [&] { find_duplicates(*rep, t, {}); });
  EXPECT_NO_THROW(find_duplicates(*rep, 1.0, {}));
}

TEST_F(DuplicatesTest, ProgressCountsUpToItsTotalAndCanStopTheSearch) {
  for (int i = 0; i < 5; ++i)
    add(*rep, "华为技术有限公司", ("1380000000" + std::to_string(i)).c_str());
  std::int64_t last_done = -1, last_total = -1;
  auto r = find_duplicates(*rep, 0, [&](std::int64_t done, std::int64_t total) {
    EXPECT_LE(done, total);
    EXPECT_GE(done, last_done) << "done never goes back";
    last_done = done;
    last_total = total;
    return true;
  });
  EXPECT_EQ(r.pairs.size(), 10u);
  EXPECT_EQ(last_done, last_total);
  // 5 name rows, 5 phone rows, 10 candidate pairs.
  EXPECT_EQ(last_total, 20);
  expect_error(Status::state,
               [&] { find_duplicates(*rep, 0, [](std::int64_t, std::int64_t) { return false; }); });
}

TEST_F(DuplicatesTest, TheSingleRecordCheckFindsWhomANewRowMayDuplicate) {
  add(*rep, "深圳市华为技术有限公司", "13812345678", "wang@huawei.com");
  add(*rep, "华为终端有限公司", "13800000009");
  Record row;
  row.set("name", std::string("華為技術（深圳）有限公司"));
  row.set("phone", std::string("+86 138-1234-5678"));
  row.set("email", std::string("WANG@HUAWEI.COM"));
  auto hits = duplicates_of(*rep, row, 0);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text("customer"), "C0001");
  EXPECT_EQ(hits[0].text("name"), "深圳市华为技术有限公司");
  EXPECT_EQ(hits[0].text("reasons"), "same_name,same_phone,same_email");
  row.set("exclude", std::string("C0001"));
  EXPECT_TRUE(duplicates_of(*rep, row, 0).empty()) << "the excluded customer is left out";

  Record bad;
  bad.set("industry", std::string("制造业"));
  expect_error(Status::invalid_arg, [&] { duplicates_of(*rep, bad, 0); });
  Record bad_type;
  bad_type.set("name", std::int64_t{1});
  expect_error(Status::invalid_arg, [&] { duplicates_of(*rep, bad_type, 0); });
  Record bad_exclude;
  bad_exclude.set("exclude", std::string("X1"));
  expect_error(Status::invalid_arg, [&] { duplicates_of(*rep, bad_exclude, 0); });
}

TEST_F(DuplicatesTest, TheCleansingReportNamesEveryProblemWithItsCustomers) {
  std::int64_t a = add(*rep, "华为技术有限公司", "13800000001");
  std::int64_t b = add(*rep, "華為技術有限公司", "13800000002", "li@example.com");
  std::int64_t c = add(*rep, "杭州恒达精密机械有限公司", "13800000003");
  // Legacy data a migration brought in: a phone today's rules refuse, and
  // a blank required field.
  sql("UPDATE customers SET phone = '12345' WHERE id = " + std::to_string(c));
  sql("UPDATE contacts SET phone = '12345' WHERE customer_id = " + std::to_string(c));
  sql("UPDATE customers SET key_needs = '' WHERE id = " + std::to_string(b));
  store::refresh_match_keys(db->conn(), c);

  auto rows = cleansing_report(*rep, 0, 0, {});
  ASSERT_NE(check(rows, "examined"), nullptr);
  EXPECT_EQ(std::get<std::int64_t>(*check(rows, "examined")->find("count")), 3);
  const Record* group = check(rows, "duplicate_group");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->text("customers"), "C0001,C0002");
  EXPECT_EQ(group->text("reasons"), "same_name,same_contact");
  EXPECT_EQ(check(rows, "duplicates")->text("customers"), "C0001,C0002");
  EXPECT_EQ(check(rows, "unreachable")->text("customers"), "C0003");
  EXPECT_EQ(check(rows, "invalid_phone")->text("customers"), "C0003");
  EXPECT_EQ(check(rows, "invalid_email")->text("customers"), "");
  ASSERT_NE(check(rows, "missing_required", "key_needs"), nullptr);
  EXPECT_EQ(check(rows, "missing_required", "key_needs")->text("customers"), "C0002");
  EXPECT_EQ(check(rows, "missing_required", "name"), nullptr) << "no row for a complete field";
  EXPECT_EQ(check(rows, "missing_recommended", "email")->text("customers"), "C0001,C0003");
  EXPECT_EQ(check(rows, "missing_recommended", "contact_title")->text("customers"),
            "C0001,C0002,C0003");
  EXPECT_EQ(check(rows, "stale")->text("customers"), "");
  EXPECT_EQ(std::get<std::int64_t>(*check(rows, "stale")->find("days")), 90);
  EXPECT_EQ(count_rows("SELECT count(*) FROM audit_log WHERE action = 'customer.cleansing_report' "
                       "AND actor_id = " +
                       std::to_string(rep_id)),
            1)
      << "the report is audited";
  (void)a;
}

TEST_F(DuplicatesTest, StaleMeansNeitherUpdatedNorFollowedUpForTheWholePeriod) {
  add(*rep, "华为技术有限公司", "13800000001");
  std::int64_t b = add(*rep, "杭州恒达精密机械有限公司", "13800000003");
  sql("UPDATE customers SET last_followup_at = " + std::to_string(kNow + 10 * kDay) +
      " WHERE id = " + std::to_string(b));
  db->clock().fix(kNow + 90 * kDay);
  EXPECT_EQ(check(cleansing_report(*rep, 0, 0, {}), "stale")->text("customers"), "")
      << "exactly 90 days is not yet stale";
  db->clock().fix(kNow + 90 * kDay + 1);
  EXPECT_EQ(check(cleansing_report(*rep, 0, 0, {}), "stale")->text("customers"), "C0001")
      << "C0002 was followed up 80 days ago";
  EXPECT_EQ(check(cleansing_report(*rep, 80, 0, {}), "stale")->text("customers"), "C0001,C0002");
  set_setting(*admin, "cleansing.stale_days", "100");
  EXPECT_EQ(check(cleansing_report(*rep, 0, 0, {}), "stale")->text("customers"), "")
      << "the setting is the default";
  for (int bad : {-1, 3651})
    expect_error(Status::invalid_arg, [&] { cleansing_report(*rep, bad, 0, {}); });
}

TEST_F(DuplicatesTest, TheCleansingReportCoversOnlyReadableCustomers) {
  add(*rep, "华为技术有限公司", "13800000001");
  add(*admin, "華為技術有限公司", "13800000002");
  auto mine = cleansing_report(*rep, 0, 0, {});
  EXPECT_EQ(std::get<std::int64_t>(*check(mine, "examined")->find("count")), 1);
  EXPECT_EQ(check(mine, "duplicate_group"), nullptr);
  EXPECT_EQ(check(mine, "missing_recommended", "email")->text("customers"), "C0001");
  auto all = cleansing_report(*admin, 0, 0, {});
  EXPECT_EQ(std::get<std::int64_t>(*check(all, "examined")->find("count")), 2);
  EXPECT_EQ(check(all, "duplicate_group")->text("customers"), "C0001,C0002");
}

}  // namespace
}  // namespace crm::testing
