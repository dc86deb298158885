// Migrating follow-up history from another system (R9.2) and verifying it.
#include "service/migration.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.hpp"
#include "service/followups.hpp"

namespace crm::testing {
namespace {

const char* const kHeader = "客户全称,跟进时间,跟进人,跟进方式,沟通内容,下一步计划\n";
const char* const kHengda = "杭州恒达精密机械有限公司";

class MigrationTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    hengda = create_customer(*admin, customer(kHengda, "13812345678"));
    haitian = create_customer(*admin, customer("宁波海天塑机集团有限公司", "13987654321"));
    dir = std::filesystem::temp_directory_path() /
          ("crm-migrate-" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  MigrationReport migrate(const std::string& bytes, ImportOptions o = {}) {
    data = bytes;
    if (o.error_path.empty()) o.error_path = (dir / "errors.csv").string();
    return migrate_followups(
        *admin, [this] { return memory_source(data); }, o);
  }
  VerifyReport verify(int sample, std::uint64_t seed) {
    return verify_followup_migration(
        *admin, [this] { return memory_source(data); }, ImportOptions{}, sample, seed);
  }
  std::string errors_file() {
    std::ifstream f(dir / "errors.csv", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  std::int64_t hengda = 0, haitian = 0;
  std::filesystem::path dir;
  std::string data;
};

// The old system exported newest first; the history must read oldest first.
const std::string kHistory =
    std::string(kHeader) +
    "杭州恒达精密机械有限公司,2026-03-05 15:30,zhangwei,拜访,现场演示样机,"
    "报价\n"
    "杭州恒达精密机械有限公司,2026-01-10 09:00,zhangwei,电话,初次沟通需求,\n"
    "宁波海天塑机集团有限公司,2026/02/01 10:00:30,admin,邮件,发送资料,\n"
    "杭州恒达精密机械有限公司,2026-02-20,张伟,电话,跟进预算,\n";

TEST_F(MigrationTest, RecordsGoInInTimeOrderWithTheirTimesAndAuthors) {
  MigrationReport r = migrate(kHistory);
  EXPECT_EQ(r.rows, 4);
  EXPECT_EQ(r.migrated, 4);
  EXPECT_EQ(r.rejected, 0) << (r.errors.empty() ? "" : r.errors[0].message_en);
  EXPECT_EQ(r.key, "name");
  std::vector<Record> recs = customer_followups(*admin, hengda);
  ASSERT_EQ(recs.size(), 3u);
  // Stored (ids) in time order, not file order.
  EXPECT_EQ(recs[0].text("summary"), "初次沟通需求");
  EXPECT_EQ(recs[1].text("summary"), "跟进预算");
  EXPECT_EQ(recs[2].text("summary"), "现场演示样机");
  EXPECT_LT(std::get<std::int64_t>(*recs[0].find("id")),
            std::get<std::int64_t>(*recs[2].find("id")));
  // 2026-01-10 09:00 in Shanghai = 01:00 UTC; a date alone is its midnight.
  EXPECT_EQ(std::get<std::int64_t>(*recs[0].find("contacted_at")), 1768006800000);
  EXPECT_EQ(std::get<std::int64_t>(*recs[1].find("contacted_at")), 1771516800000);
  EXPECT_EQ(std::get<std::int64_t>(*recs[0].find("owner")), rep_id);  // by login
  EXPECT_EQ(std::get<std::int64_t>(*recs[1].find("owner")), rep_id);  // by name
  // The customer's last follow-up is the latest record.
  Record c = get_customer(*admin, hengda);
  EXPECT_EQ(std::get<std::int64_t>(*c.find("last_followup_at")),
            std::get<std::int64_t>(*recs[2].find("contacted_at")));
  EXPECT_EQ(c.text("next_step"), "报价");
}

TEST_F(MigrationTest, MigratingTheSameFileAgainAddsNothing) {
  ASSERT_EQ(migrate(kHistory).migrated, 4);
  MigrationReport again = migrate(kHistory);
  EXPECT_EQ(again.migrated, 0);
  EXPECT_EQ(again.unchanged, 4);
  EXPECT_EQ(customer_followups(*admin, hengda).size(), 3u);
}

TEST_F(MigrationTest, InsideTheHostsTransactionItStagesInATempTable) {
  // ATTACH is refused inside a transaction: the stage falls back to TEMP.
  db->begin();
  MigrationReport r = migrate(kHistory);
  db->commit();
  EXPECT_EQ(r.migrated, 4) << (r.errors.empty() ? "" : r.errors[0].message_en);
  EXPECT_EQ(customer_followups(*admin, hengda).size(), 3u);
  // And outside one, the next migration stages in a file again.
  EXPECT_EQ(migrate(kHistory).unchanged, 4);
}

TEST_F(MigrationTest, AuthorsWhoHaveLeftKeepTheirRecords) {
  Record off;
  off.set("active", std::int64_t{0});
  update_user(*admin, rep_id, off);
  MigrationReport r = migrate(kHistory);
  EXPECT_EQ(r.migrated, 4) << (r.errors.empty() ? "" : r.errors[0].message_en);
  EXPECT_EQ(std::get<std::int64_t>(*customer_followups(*admin, hengda)[0].find("owner")), rep_id);
}

TEST_F(MigrationTest, BadRowsAreExplainedAndTheRestMigrated) {
  MigrationReport r = migrate(std::string(kHeader) +
                              "杭州恒达精密机械有限公司,2026-01-10 09:00,zhangwei,电话,初次沟通,\n"
                              "不存在的公司有限公司,2026-01-11 09:00,zhangwei,电话,沟通,\n"
                              "杭州恒达精密机械有限公司,昨天,zhangwei,电话,沟通,\n"
                              "杭州恒达精密机械有限公司,2026-01-12 09:00,lisi,电话,沟通,\n"
                              "杭州恒达精密机械有限公司,2026-01-13 09:00,zhangwei,飞鸽,沟通,\n"
                              "杭州恒达精密机械有限公司,2027-01-13 09:00,zhangwei,电话,沟通,\n");
  EXPECT_EQ(r.migrated, 1);
  EXPECT_EQ(r.rejected, 5);
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_NE(r.errors[0].message_en.find("no customer"), std::string::npos);
  EXPECT_NE(r.errors[1].message_en.find("not a time"), std::string::npos);
  EXPECT_NE(r.errors[2].message_en.find("no user \"lisi\""), std::string::npos);
  EXPECT_EQ(r.errors[3].row, 6);  // an unknown method, found when written
  EXPECT_EQ(r.errors[4].row, 7);  // in the future
  EXPECT_EQ(r.error_rows, 5);
  const std::string err = errors_file();
  EXPECT_EQ(
      err.rfind(std::string("客户全称,跟进时间,跟进人,跟进方式,沟通内容,下一步计划,错误说明"), 0),
      0u)
      << err;
  EXPECT_NE(err.find("杭州恒达精密机械有限公司,昨天,zhangwei,电话,沟通,,"), std::string::npos)
      << err;
}

TEST_F(MigrationTest, AFileWithoutACustomerColumnIsRefused) {
  Error e = expect_error(Status::invalid_arg, [&] {
    migrate("跟进时间,跟进方式,沟通内容\n2026-01-10 09:00,电话,沟通\n");
  });
  EXPECT_NE(e.message_zh().find("缺少指明客户的列"), std::string::npos) << e.message_zh();
}

TEST_F(MigrationTest, EveryProblemWithTheHeaderIsNamedInOneRefusal) {
  // Headers are matched, and quoted, as normalised: " 沟通内容 " is 沟通内容
  // and the mapping's 级别 names "级别 ".  The error column is skipped.
  ImportOptions o;
  o.mapping = {{"级别", "priority"}};
  Error e = expect_error(Status::invalid_arg, [&] {
    migrate(
        "客户全称,跟进时间,跟进人,跟进方式,沟通内容,下次跟进时间,旧系统字段, 沟通内容 ,级别 ,"
        "错误说明\n",
        o);
  });
  EXPECT_EQ(e.message_en(),
            "cannot migrate: column \"下次跟进时间\" (next_plan_at) cannot be migrated; "
            "unknown column \"旧系统字段\"; two columns are summary (\"沟通内容\"); "
            "the mapping sends \"级别\" to \"priority\", which a migration does not read");
  EXPECT_EQ(e.message_zh(),
            "无法迁移：列“下次跟进时间”（next_plan_at）不能迁移；未知的列“旧系统字段”；"
            "有两列都是 summary（“沟通内容”）；映射把“级别”指向“priority”，迁移不读取该字段");
}

TEST_F(MigrationTest, VerificationComparesASeededSampleFieldByField) {
  ASSERT_EQ(migrate(kHistory).migrated, 4);
  VerifyReport v = verify(2, 42);
  EXPECT_EQ(v.rows, 4);
  EXPECT_EQ(v.sampled, 2);
  EXPECT_EQ(v.matched, 2);
  EXPECT_TRUE(v.mismatches.empty());
  // Every row sampled: a record changed after the migration is found.
  db->conn().exec("UPDATE followup_records SET summary = '改过' WHERE summary = '跟进预算'");
  VerifyReport all = verify(10, 1);
  EXPECT_EQ(all.sampled, 4);
  EXPECT_EQ(all.matched, 3);
  ASSERT_EQ(all.mismatches.size(), 1u);
  EXPECT_EQ(all.mismatches[0].row, 5);
  EXPECT_EQ(all.mismatches[0].field, "summary");
  EXPECT_EQ(all.mismatches[0].expected, "跟进预算");
  EXPECT_EQ(all.mismatches[0].stored, "改过");
  // The same seed samples the same rows.
  std::vector<std::int64_t> first, second;
  db->conn().exec("DELETE FROM followup_records");
  for (const auto& m : verify(2, 9).mismatches) first.push_back(m.row);
  for (const auto& m : verify(2, 9).mismatches) second.push_back(m.row);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(first, second);
  EXPECT_EQ(verify(2, 9).mismatches[0].field, "record");
}

// Progress every 1 000 rows read and after the last; a stop ends the check
// before anything is compared.
TEST_F(MigrationTest, VerificationReportsProgressAndCanStop) {
  std::string big = kHeader;
  for (int i = 0; i < 2500; ++i)
    big += std::string(kHengda) + ",2026-01-10 09:" + std::to_string(10 + i % 50) +
           ",zhangwei,电话,沟通 " + std::to_string(i) + ",\n";
  data = big;
  std::vector<std::pair<std::int64_t, std::int64_t>> calls;
  ImportOptions o;
  o.progress = [&](std::int64_t done, std::int64_t total) {
    calls.emplace_back(done, total);
    return true;
  };
  VerifyReport v = verify_followup_migration(
      *admin, [this] { return memory_source(data); }, o, 5, 3);
  const std::vector<std::pair<std::int64_t, std::int64_t>> want = {
      {1000, 2500}, {2000, 2500}, {2500, 2500}};
  EXPECT_EQ(calls, want) << "after rows 1000 and 2000 and after the last";
  EXPECT_FALSE(v.cancelled);
  EXPECT_EQ(v.sampled, 5);
  EXPECT_EQ(v.mismatches.size(), 5u) << "nothing was migrated: every sampled row has no record";

  calls.clear();
  o.progress = [&](std::int64_t done, std::int64_t total) {
    calls.emplace_back(done, total);
    return done < 2000;
  };
  VerifyReport stopped = verify_followup_migration(
      *admin, [this] { return memory_source(data); }, o, 5, 3);
  EXPECT_TRUE(stopped.cancelled);
  EXPECT_EQ(stopped.rows, 2000) << "stopped where the callback said so";
  EXPECT_EQ(stopped.sampled, 0) << "nothing compared";
  EXPECT_TRUE(stopped.mismatches.empty());
  EXPECT_EQ(calls.size(), 2u);
}

}  // namespace
}  // namespace crm::testing
